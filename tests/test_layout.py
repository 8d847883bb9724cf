"""The package layout's rules: the method and the runner never depend on the book's reporting code,
and the README's table names every module."""

from __future__ import annotations

import ast
import re

import pytest

from conftest import REPO

PACKAGE = REPO / "causalmix"
#: The reporting code and the command line that dispatches to it (``causalmix book``).
REPORTING = ("report/", "cli.py")


def _imports(path) -> set[str]:
    """Every module ``path`` imports, at module level or inside functions."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _modules(exclude=()) -> list:
    return sorted(p for p in PACKAGE.rglob("*.py")
                  if not str(p.relative_to(PACKAGE)).startswith(exclude))


@pytest.mark.parametrize("path", _modules(exclude=REPORTING), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_method_and_runner_never_import_the_report_package(path):
    report = sorted(name for name in _imports(path) if re.match(r"causalmix\.report\b", name))
    assert not report, f"{path.relative_to(REPO)} imports {report}"


def test_the_results_schema_does_not_import_the_shift_strategies():
    assert not {n for n in _imports(PACKAGE / "runner" / "storage.py") if n.startswith("causalmix.splits")}


def test_readme_lists_every_module():
    readme = (REPO / "README.md").read_text()
    listed = set(re.findall(r"`(causalmix/[\w/]+(?:\.py)?)`", readme))
    missing = [str(p.relative_to(REPO)) for p in _modules() if p.name != "__init__.py"
               and str(p.relative_to(REPO)) not in listed]
    assert not missing, f"README.md's table of modules lacks {missing}"
