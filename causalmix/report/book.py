"""Batch-execute the book's notebooks with papermill, then build the HTML book (Jupyter Book 1).

``book/notebooks.yaml`` lists the pages: each entry names a source notebook, its papermill
parameters, the inputs it reads and optionally a ``title`` that replaces the notebook's first
heading in the executed copy (one notebook can then serve several pages, e.g. one per claim). An executed copy goes to ``book/executed/<name>.ipynb``
(sources are never overwritten) next to a ``.key`` file: the hash of the notebook, its
parameters, its input files and the ``causalmix`` sources. A page whose key is unchanged is not
re-executed. Notebooks run in parallel, each in its own process with a wall-clock timeout; a
failing notebook does not stop the batch, and the summary names it. A notebook executes into a
temporary file that replaces the page only on success: a failure keeps the last good page (and
so its HTML), which the summary reports as stale. The YAML's ``experiments``
lists the configs whose results the pages read; ``causalmix book --recompute`` runs them first.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from tqdm import tqdm

from causalmix.report.tables import EXECUTED_VARIABLE

REPO = Path(__file__).resolve().parents[2]
#: The book's source folder: executed pages go to ``executed/``, the HTML to ``_build/html``.
BOOK = REPO / "book"
#: The book's hand-written sources, copied beside the executed pages when building elsewhere.
STATIC_SOURCES = ("_toc.yml", "*.md")
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
PACKAGE = Path(__file__).resolve().parents[1]  # every source file of causalmix, not only the report package


@dataclass
class Page:
    """One notebook page of the book."""

    name: str
    notebook: Path
    parameters: dict = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)  # globs relative to the repository root
    timeout: int = 600  # seconds for the whole notebook
    title: str | None = None  # replaces the first heading of the executed copy
    output_dir: Path = BOOK / "executed"

    @property
    def output(self) -> Path:
        return self.output_dir / f"{self.name}.ipynb"

    def key(self) -> str:
        """Hash of everything that determines the executed notebook's content."""
        digest = hashlib.sha256()
        digest.update(self.notebook.read_bytes())
        digest.update(json.dumps([self.parameters, self.title], sort_keys=True).encode())
        files = sorted({p for pattern in self.inputs for p in REPO.glob(pattern) if p.is_file()})
        files += sorted(PACKAGE.rglob("*.py"))
        for path in files:
            digest.update(str(path.relative_to(REPO)).encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()


def read_pages(config: Path, quick: bool = False, book: Path = BOOK) -> list[Page]:
    """Pages from a notebooks YAML, executing into ``book/executed``; ``quick`` merges each
    entry's ``quick_parameters``."""
    spec = yaml.safe_load(Path(config).read_text())
    pages = []
    for entry in spec["pages"]:
        parameters = {**spec.get("parameters", {}), **entry.get("parameters", {})}
        if quick:
            parameters.update(entry.get("quick_parameters", {}))
            parameters["quick"] = True
        pages.append(Page(name=entry["name"], notebook=REPO / entry["notebook"],
                          parameters=parameters, inputs=entry.get("inputs", []),
                          timeout=int(entry.get("timeout", spec.get("timeout", 600))),
                          title=entry.get("title"), output_dir=Path(book) / "executed"))
    return pages


def book_experiments(config: Path) -> list[str]:
    """The experiment configs behind the book's pages (the YAML's ``experiments`` list)."""
    return list(yaml.safe_load(Path(config).read_text()).get("experiments", []))


STALE = "last good page kept, stale"


def execute_page(page: Page, force: bool = False, threads: int | None = None) -> tuple[str, str]:
    """Run one page under papermill unless its key is unchanged; returns (name, status).
    ``threads``: BLAS/OpenMP/torch threads of its kernel, unless the environment sets them.

    The notebook executes into a temporary file beside the page, which replaces the page (then
    its key is written) only when the whole notebook ran; on failure or timeout the previous page
    stays, and the status says so (``STALE``)."""
    key_file = page.output.with_suffix(".key")
    key = page.key()
    if not force and page.output.is_file() and key_file.is_file() and key_file.read_text() == key:
        return page.name, "cached"
    page.output.parent.mkdir(parents=True, exist_ok=True)
    partial = page.output.with_name(f".{page.name}.{os.getpid()}.{threading.get_ident()}.partial.ipynb")
    command = [sys.executable, "-m", "papermill", str(page.notebook), str(partial),
               "--cwd", str(REPO), "--kernel", "python3", "--no-progress-bar",
               "--parameters_yaml", yaml.safe_dump(page.parameters)]
    kept = f" ({STALE})" if page.output.is_file() else " (no page yet)"
    try:
        env = dict(os.environ)
        if threads:
            for variable in THREAD_VARIABLES:
                env.setdefault(variable, str(threads))
        env["MPLBACKEND"] = INLINE_BACKEND  # figures become outputs even where MPLBACKEND=Agg is exported
        env[EXECUTED_VARIABLE] = str(page.output.parent)
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=page.timeout, env=env)
        except subprocess.TimeoutExpired:
            return page.name, f"timed out after {page.timeout} s{kept}"
        if result.returncode != 0:
            lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
            return page.name, "failed: " + (lines[-1] if lines else f"exit {result.returncode}") + kept
        hide_parameters(partial)
        if page.title:
            set_title(partial, page.title)
        os.replace(partial, page.output)
    finally:
        partial.unlink(missing_ok=True)
    temporary_key = key_file.with_name(f".{key_file.name}.{os.getpid()}.tmp")
    temporary_key.write_text(key)
    os.replace(temporary_key, key_file)
    return page.name, "executed"


#: The kernel's matplotlib backend: figures as inline PNG outputs.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
#: Tags of the cells that set a page's parameters: the source's and the one papermill injects.
PARAMETER_TAGS = ("parameters", "injected-parameters")


def hide_parameters(notebook: Path) -> None:
    """Tag ``notebook``'s parameter cells (the source's and papermill's injected one) ``hide-input``:
    the book shows them collapsed, one click away, instead of opening the page with code."""
    content = json.loads(notebook.read_text())
    for cell in content["cells"]:
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if any(tag in tags for tag in PARAMETER_TAGS) and "hide-input" not in tags:
            tags.append("hide-input")
    notebook.write_text(json.dumps(content, indent=1, ensure_ascii=False) + "\n")


def set_title(notebook: Path, title: str) -> None:
    """Replace the first level-1 heading of ``notebook``'s first markdown cell with ``title``."""
    content = json.loads(notebook.read_text())
    cell = next((c for c in content["cells"] if c["cell_type"] == "markdown"), None)
    lines = "".join(cell["source"]).splitlines(keepends=True) if cell else []
    if not lines or not lines[0].startswith("# "):
        raise ValueError(f"{notebook}: the first markdown cell must start with a '# ' heading to take a title")
    cell["source"] = [f"# {title}\n", *lines[1:]]
    notebook.write_text(json.dumps(content, indent=1, ensure_ascii=False) + "\n")


def execute_pages(pages: list[Page], jobs: int = 2, force: bool = False) -> dict[str, str]:
    """Execute pages, ``jobs`` at a time, each kernel with its share of the CPU cores as threads
    (oversubscribed OpenMP threads slow torch and scikit-learn down several-fold); returns
    name -> status."""
    statuses = {}
    jobs = max(1, jobs)
    threads = max(1, (os.cpu_count() or 1) // jobs)
    with ThreadPoolExecutor(max_workers=jobs) as pool, \
            tqdm(total=len(pages), desc="notebooks", unit="nb") as bar:
        for name, status in pool.map(lambda page: execute_page(page, force, threads), pages):
            statuses[name] = status
            bar.update()
    return statuses


def build_html(book: Path = BOOK) -> int:
    """Build ``book/_build/html`` from the executed notebooks in ``book/executed`` (no
    re-execution); a folder other than the repository's ``book/`` first gets its static sources."""
    book = Path(book)
    if book.resolve() != BOOK.resolve():
        for pattern in STATIC_SOURCES:
            for source in BOOK.glob(pattern):
                shutil.copy2(source, book / source.name)
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    command = [str(jupyter_book), "build", str(book), "--config", str(REPO / "_config.yml"),
               "--toc", str(book / "_toc.yml"), "--path-output", str(book), "--quiet"]
    return subprocess.run(command).returncode


def main(args) -> int:
    """``causalmix book``: optionally recompute results, execute notebooks, build the HTML."""
    started = time.perf_counter()
    if args.recompute:
        from causalmix.runner import load_config, run_experiment

        for config in args.recompute_config or book_experiments(Path(args.config)):
            print(run_experiment(load_config(config)))
    book = Path(args.out).resolve()
    pages = read_pages(Path(args.config), quick=args.quick, book=book)
    statuses = execute_pages(pages, jobs=args.jobs, force=args.recompute or args.force)
    failed = {name: status for name, status in statuses.items()
              if status not in ("executed", "cached")}
    for name, status in statuses.items():
        print(f"  {name:32s} {status}")
    code = 0 if args.no_build else build_html(book)
    print(f"book: {len(pages) - len(failed)}/{len(pages)} notebooks ok, "
          f"HTML {'skipped' if args.no_build else ('built' if code == 0 else 'FAILED')} "
          f"in {time.perf_counter() - started:.0f} s -> {book / '_build' / 'html' / 'index.html'}")
    if failed:
        print("failed notebooks: " + ", ".join(f"{n} ({s})" for n, s in failed.items()))
        stale = [name for name, status in failed.items() if status.endswith(f"({STALE})")]
        if stale:
            print("stale pages (the last good version is shown; fix the notebook and rerun): "
                  + ", ".join(stale))
    return 1 if failed or code else 0
