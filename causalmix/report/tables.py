"""What a book page shows besides figures: formatted tables, the provenance block and downloads.

- :func:`format_table` / :func:`table`: numbers as a reader wants them (percentages with two
  decimals, CIs as ``[low, high]``, method ids as display names), in a horizontal scroll
  container so that a wide table never runs off the page;
- :func:`provenance_block`: :func:`causalmix.report.provenance.provenance` folded into a collapsed
  ``<details>`` block for the end of a page (the untrained-model warning stays visible);
- :func:`download`: the table behind a page's main figure written as a CSV file under
  ``book/executed/data/`` and linked with a ``{download}`` role, which Sphinx copies into the book;
- :func:`verdict_counts`: how many of a set of verdicts each outcome got, as text.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from causalmix.metrics.bootstrap import CONTRADICTED, INCONCLUSIVE, NOT_TESTABLE, SUPPORTED
from causalmix.report.theme import name

REPO = Path(__file__).resolve().parents[2]
#: Names the folder a page executes into (set by ``causalmix book`` for the page's kernel).
EXECUTED_VARIABLE = "CAUSALMIX_BOOK_EXECUTED"
#: Where downloads go: ``data/`` beside the executed page, whose links are relative to the book.
DATA_DIR = Path(os.environ.get(EXECUTED_VARIABLE, REPO / "book" / "executed")) / "data"
MISSING = "–"
#: Non-breaking spaces keep "2.60 %" and "[low, high]" on one line in narrow columns.
NBSP = "\u00a0"
PERCENT = NBSP + "%"


def _number(value, digits: int, percent: bool = False) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)) or value is pd.NA:
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)) and not percent:
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating, int, np.integer)):
        decimals = 2 if percent else digits
        value = round(float(value), decimals) + 0.0  # no "-0.00"
        return f"{value:,.{decimals}f}" + (PERCENT if percent else "")
    return str(value)


def format_table(frame: pd.DataFrame | pd.Series, percent=(), ci=None, digits: int = 3,
                 columns=None, rename: dict | None = None, method_names: bool = True,
                 ci_label: str = "CI") -> pd.DataFrame:
    """``frame`` as strings for display.

    ``percent``: columns in % units, shown with two decimals and "%"; ``ci``: ``(low, high)``
    column names, merged into one column ``ci_label`` shown as ``[low, high]`` (in % when ``low`` is in
    ``percent``), placed where ``low`` was; several pairs, or ``"auto"`` for every ``<x>ci_low`` /
    ``<x>ci_high`` pair (each merged into ``"<x> CI"``); other numbers with ``digits`` decimals, integers with
    thousands separators, missing values as "–". ``columns``: the columns kept, in order (after
    the CI merge, before ``rename``). ``method_names``: method ids in the index or in a "method"
    column become display names (:func:`causalmix.report.theme.name`).
    """
    frame = frame.to_frame() if isinstance(frame, pd.Series) else frame.copy()
    percent = set(percent)
    pairs = [] if not ci else [tuple(ci)] if isinstance(ci[0], str) else [tuple(pair) for pair in ci]
    if ci == "auto":  # every "<x>ci_low" column with its "<x>ci_high"
        pairs = [(c, c.replace("ci_low", "ci_high")) for c in frame.columns
                 if str(c).endswith("ci_low") and c.replace("ci_low", "ci_high") in frame.columns]
    lows = {low: (low, high) for low, high in pairs}
    highs = {high for _, high in pairs}
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        if column in highs:
            continue
        if column in lows:
            low, high = lows[column]
            in_percent = low in percent
            label = ci_label if len(pairs) == 1 else (str(low).replace("ci_low", "").strip() + " " + ci_label).strip()
            out[label] = [f"[{_number(a, digits, in_percent).removesuffix(PERCENT)},{NBSP}{_number(b, digits, in_percent)}]"
                         if pd.notna(a) and pd.notna(b) else MISSING
                         for a, b in zip(frame[low], frame[high])]
            continue
        if column == "method" and method_names:
            out[column] = frame[column].map(name)
        else:
            out[column] = [_number(v, digits, column in percent) for v in frame[column]]
    if columns is not None:
        out = out[list(columns)]
    if method_names:
        out.index = _method_index(out.index)
    return out.rename(columns=rename or {})


#: Index names whose values are method ids.
METHOD_LEVELS = ("method", "rival", "generator")


def _method_index(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        for level, level_name in enumerate(index.names):
            if level_name in METHOD_LEVELS:
                index = index.set_levels(index.levels[level].map(name), level=level, verify_integrity=False)
        return index
    return index.map(name) if index.name in METHOD_LEVELS else index


def table_html(frame: pd.DataFrame, index: bool = True, escape: bool = True) -> str:
    """HTML of an (already formatted) table inside a horizontal scroll container."""
    body = frame.to_html(index=index, escape=escape, border=0, classes="causalmix-table", na_rep=MISSING)
    return f'<div class="causalmix-table-wrapper" style="overflow-x:auto; max-width:100%">{body}</div>'


def table(frame, index: bool = True, escape: bool = True, **formatting):
    """A formatted, scrollable table for ``IPython.display.display`` (see :func:`format_table`)."""
    from IPython.display import HTML

    return HTML(table_html(format_table(frame, **formatting), index=index, escape=escape))


def details(summary: str, body_html: str, open_: bool = False) -> str:
    """A collapsed HTML block: ``summary`` as its one-line label, ``body_html`` inside."""
    return (f"<details class=\"causalmix-details\"{' open' if open_ else ''}><summary><strong>"
            f"{html.escape(summary)}</strong></summary>\n{body_html}\n</details>")


def markdown_html(text: str) -> str:
    """CommonMark with tables (the provenance blocks' Markdown) as HTML."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").render(text)


def provenance_block(block: str):
    """A :mod:`causalmix.report.provenance` Markdown block as a collapsed HTML block for the end of a
    page, titled by the block's bold first line; the untrained-model warning stays outside it."""
    from IPython.display import HTML

    from causalmix.report.provenance import UNTRAINED_WARNING

    warning = UNTRAINED_WARNING in block
    block = block.replace(UNTRAINED_WARNING, "").strip()
    lines = block.splitlines()
    title = "Provenance"
    if lines and lines[0].startswith("**") and lines[0].endswith("**"):
        title, lines = lines[0].strip("*"), lines[1:]
    shown = markdown_html(UNTRAINED_WARNING) if warning else ""
    body = re.sub(r"<thead>\s*<tr>\s*(<th></th>\s*)+</tr>\s*</thead>\s*", "", markdown_html("\n".join(lines)))
    return HTML(shown + details(title, body))  # the key-value table's empty header row dropped


def warn_if_untrained(block: str) -> None:
    """Display the untrained-model warning of a provenance block, for the top of a page (nothing
    when the numbers come from trained weights)."""
    from IPython.display import Markdown, display

    from causalmix.report.provenance import UNTRAINED_WARNING

    if UNTRAINED_WARNING in block:
        display(Markdown(UNTRAINED_WARNING))


def download(frame: pd.DataFrame, filename: str, what: str = "the numbers behind the figure"):
    """Write ``frame`` (raw numbers, index included) to ``book/executed/data/<filename>`` and
    return a Markdown link to it: a ``{download}`` role, which the book build copies into the
    HTML (the page's Markdown outputs are parsed as MyST)."""
    from IPython.display import Markdown

    if Path(filename).name != filename or not filename.endswith(".csv"):
        raise ValueError(f"filename must be a plain name ending in .csv, got {filename!r}")
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    frame.to_csv(DATA_DIR / filename)
    return Markdown(f"{{download}}`Download {what} (CSV, {len(frame)} rows) </executed/data/{filename}>`")


def verdict_counts(verdicts: pd.Series) -> str:
    """"2 supported, 4 inconclusive": the count of each outcome present, in the four outcomes' order."""
    counts = verdicts.value_counts()
    return ", ".join(f"{counts[v]} {v}" for v in (SUPPORTED, CONTRADICTED, INCONCLUSIVE, NOT_TESTABLE)
                     if counts.get(v, 0))
