"""A notebook that fails never replaces the last good page: papermill writes a temporary file
that becomes the page only on success (a real papermill run on a one-cell notebook)."""

from __future__ import annotations

import json
from pathlib import Path

from causalmix.report.book import STALE, Page, execute_page


def notebook(path: Path, code: str) -> Path:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# A page\n"]},
             {"cell_type": "code", "execution_count": None, "metadata": {"tags": ["parameters"]},
              "outputs": [], "source": ["value = 1\n"]},
             {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": [code]}]
    path.write_text(json.dumps({"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                            "language": "python"}},
                                "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_a_failing_notebook_keeps_the_last_good_page(tmp_path):
    source = notebook(tmp_path / "page.ipynb", "print('broken' + 1)")
    page = Page(name="page", notebook=source, parameters={"value": 2}, timeout=300,
                output_dir=tmp_path / "executed")
    page.output.parent.mkdir()
    good = notebook(page.output, "print('the last good page')").read_bytes()
    page.output.with_suffix(".key").write_text("key of the good page")

    name, status = execute_page(page, force=True)
    assert name == "page" and status.startswith("failed: ") and status.endswith(f"({STALE})")
    assert "TypeError" in status
    assert page.output.read_bytes() == good                     # not overwritten by a traceback page
    assert page.output.with_suffix(".key").read_text() == "key of the good page"
    assert sorted(p.name for p in page.output.parent.iterdir()) == ["page.ipynb", "page.key"]  # no temporary file


def test_without_a_previous_page_the_failure_says_so(tmp_path):
    page = Page(name="new", notebook=notebook(tmp_path / "new.ipynb", "raise RuntimeError('no')"),
                timeout=300, output_dir=tmp_path / "executed")
    name, status = execute_page(page)
    assert status.startswith("failed: ") and status.endswith("(no page yet)")
    assert not page.output.exists() and not list(page.output.parent.iterdir())


def test_a_notebook_that_runs_replaces_the_page_and_its_key(tmp_path):
    page = Page(name="ok", notebook=notebook(tmp_path / "ok.ipynb", "print(value * 21)"), parameters={"value": 2},
                timeout=300, title="Forty-two", output_dir=tmp_path / "executed")
    page.output.parent.mkdir()
    page.output.write_text("old page")
    assert execute_page(page, force=True) == ("ok", "executed")
    executed = json.loads(page.output.read_text())
    assert executed["cells"][0]["source"][0] == "# Forty-two\n"
    parameter_cells = [cell for cell in executed["cells"]
                       if {"parameters", "injected-parameters"} & set(cell["metadata"].get("tags", []))]
    assert len(parameter_cells) == 2                            # the source's and papermill's
    assert all("hide-input" in cell["metadata"]["tags"] for cell in parameter_cells)  # collapsed in the book
    assert any("42" in "".join(o.get("text", "")) for cell in executed["cells"] for o in cell.get("outputs", []))
    assert page.output.with_suffix(".key").read_text() == page.key()
    assert sorted(p.name for p in page.output.parent.iterdir()) == ["ok.ipynb", "ok.key"]
