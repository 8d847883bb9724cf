"""Tables that describe the code itself (for the book's method chapter), so the book never
drifts from the defaults the code uses."""

from __future__ import annotations

import inspect
import re

import pandas as pd


def _parameter_docs(cls) -> dict[str, str]:
    """Descriptions from a numpydoc ``Parameters`` section; ``a, b : text`` documents both, and
    a list of names may wrap over several unindented lines before its colon."""
    doc = inspect.getdoc(cls) or ""
    section = re.search(r"Parameters\n-+\n(.*?)(?:\n\s*\n[A-Z][a-z]+\n-+\n|\Z)", doc, re.S)
    docs: dict[str, str] = {}
    names: list[str] = []
    header, text = "", []
    for line in (section.group(1).splitlines() if section else []):
        if line.startswith(" "):
            text.append(line.strip())
            continue
        if header == "":
            for name in names:
                docs[name] = " ".join(text).strip()
            names, text = [], []
        header += " " + line.strip()
        if re.search(r"\s:(\s|$)", header):
            listed, _, first = header.partition(" :")
            names = [n.strip() for n in listed.split(",") if n.strip()]
            text, header = [first.strip()], ""
    for name in names:
        docs[name] = " ".join(text).strip()
    return docs


def rst_to_markdown(text: str) -> str:
    """reStructuredText inline markup of a docstring as Markdown (``x`` and :role:`x` -> `x`)."""
    return re.sub(r":\w+:`~?([^`]+)`", r"`\1`", text).replace("``", "`")


def parameter_table(cls) -> pd.DataFrame:
    """One row per ``__init__`` parameter of ``cls``: its default and its documented meaning
    (Markdown; show it with ``Markdown(table.to_markdown(index=False))``)."""
    docs = {name: rst_to_markdown(text) for name, text in _parameter_docs(cls).items()}
    rows = [{"parameter": f"`{name}`",
             "default": f"`{p.default!r}`" if p.default is not p.empty else "(required)",
             "meaning": docs.get(name, "")}
            for name, p in inspect.signature(cls.__init__).parameters.items()
            if name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
    return pd.DataFrame(rows)
