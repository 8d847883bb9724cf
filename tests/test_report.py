"""Page helpers: one name and colour per method, tables formatted for reading, provenance folded
away, CSV downloads the book can copy."""

from __future__ import annotations

import numpy as np
import pandas as pd

from causalmix.report import claims, tables, theme
from causalmix.report.provenance import UNTRAINED_WARNING


def test_one_registry_of_method_names():
    assert claims.NAMES is theme.NAMES
    assert theme.name("causalmix") == "CausalMixFT" and theme.name("unknown") == "unknown"
    assert theme.color("unknown") == theme.color("unknown")      # stable spare colour
    assert len(set(theme.COLORS.values())) == len(theme.COLORS)  # no two methods share a colour
    assert theme.order(["zz", "finetune", "causalmix"]) == ["causalmix", "finetune", "zz"]


def test_format_table_percent_ci_and_names():
    frame = pd.DataFrame({"median": [0.1234, np.nan], "ci_low": [-0.5, np.nan], "ci_high": [1.0, np.nan],
                          "n": [12, 3]}, index=pd.Index(["causalmix", "finetune"], name="method"))
    table = tables.format_table(frame, percent=["median", "ci_low", "ci_high"], ci=("ci_low", "ci_high"),
                                ci_label="95 % CI")
    assert list(table.columns) == ["median", "95 % CI", "n"]
    assert list(table.index) == ["CausalMixFT", "plain fine-tuning"]
    assert [v.replace(tables.NBSP, " ") for v in table.loc["CausalMixFT"]] == ["0.12 %", "[-0.50, 1.00 %]", "12"]
    assert tables.format_table(pd.DataFrame({"x": [-0.0004]}), digits=3)["x"].tolist() == ["0.000"]  # no "-0.000"
    assert table.loc["plain fine-tuning", "95 % CI"] == tables.MISSING


def test_automatic_ci_pairs_and_scroll_container():
    frame = pd.DataFrame({"d": [0.5], "ci_low": [0.1], "ci_high": [0.9], "rival ci_low": [0.0],
                          "rival ci_high": [0.2]}, index=pd.Index(["tabebm"], name="rival"))
    table = tables.format_table(frame, ci="auto")
    assert list(table.columns) == ["d", "CI", "rival CI"] and table.index[0] == "TabEBM"
    assert tables.table_html(table).startswith('<div class="causalmix-table-wrapper" style="overflow-x:auto')


def test_provenance_is_folded_but_the_untrained_warning_is_not():
    block = UNTRAINED_WARNING + "\n\n**Provenance**\n\n| | |\n|---|---|\n| config | `x` |"
    html = tables.provenance_block(block).data
    assert html.index("UNTRAINED") < html.index("<details")
    assert "<summary><strong>Provenance</strong></summary>" in html and "<code>x</code>" in html
    assert "<thead>" not in html


def test_download_writes_the_csv_and_links_it(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "DATA_DIR", tmp_path / "data")
    link = tables.download(pd.DataFrame({"a": [1, 2]}), "numbers.csv")
    assert pd.read_csv(tmp_path / "data" / "numbers.csv")["a"].tolist() == [1, 2]
    assert link.data.startswith("{download}`") and "</executed/data/numbers.csv>`" in link.data
