"""The book: every notebook executes under papermill with quick parameters, the HTML builds, and
a headless Chromium finds every image loaded, no broken internal link and no Python traceback."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import pytest
import yaml

from causalmix.report.book import book_experiments, read_pages
from conftest import REPO

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")


@pytest.fixture(scope="module")
def built_book(tmp_path_factory) -> Path:
    """The book built with quick parameters into a temporary folder (the repository's book/ stays as it is)."""
    book = tmp_path_factory.mktemp("book")
    result = subprocess.run([sys.executable, "-m", "causalmix.cli", "book", "--quick", "--jobs", "2",
                             "--out", str(book)], cwd=REPO, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    index = book / "_build" / "html" / "index.html"
    assert index.is_file()
    return index.parent


def _pages(html_dir: Path) -> list[Path]:
    skip = {"genindex.html", "search.html"}
    return sorted(p for p in html_dir.rglob("*.html")
                  if p.name not in skip and "_static" not in p.parts and "_sources" not in p.parts)


def _toc_files() -> list[str]:
    """The files ``book/_toc.yml`` lists (root, chapters, sections), without suffix."""
    def walk(node):
        if isinstance(node, dict):
            yield from ([node["file"]] if "file" in node else [])
            yield from ([node["root"]] if "root" in node else [])
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    return list(walk(yaml.safe_load((REPO / "book" / "_toc.yml").read_text())))


def test_the_toc_lists_exactly_the_registered_notebook_pages():
    toc = _toc_files()
    assert len(toc) == len(set(toc)), "a page is listed twice"
    registered = {page.name for page in read_pages(REPO / "book" / "notebooks.yaml")}
    assert {f.removeprefix("executed/") for f in toc if f.startswith("executed/")} == registered
    assert all((REPO / "book" / f"{f}.md").is_file() for f in toc if not f.startswith("executed/"))


def test_every_toc_page_is_built_and_nothing_else(built_book):
    built = {page.relative_to(built_book).with_suffix("").as_posix() for page in _pages(built_book)}
    assert built - {"index"} == set(_toc_files())       # index.html: the redirect to the root page


def test_page_titles_are_unique(built_book):
    found = [re.search(r"<title>(.*?)</title>", page.read_text(), re.S) for page in _pages(built_book)]
    titles = [match.group(1).strip() for match in found if match]       # index.html is a bare redirect
    assert len(titles) >= len(found) - 1
    assert not {title for title in titles if titles.count(title) > 1}, titles


def test_pages_have_no_traceback_and_no_external_resources(built_book):
    for page in _pages(built_book):
        text = page.read_text()
        assert "Traceback (most recent call last)" not in text, page
        assert "IProgress not found" not in text, page          # tqdm.auto's warning in a kernel
        for marker in ('src="http', "cdn.jsdelivr", "mathjax@"):
            assert marker not in text, (page, marker)


#: What a reader must see on every page at 1300 px, checked in the browser; ``overflow`` lists
#: elements that stick out of the article column outside an explicit scroll container.
READER_VIEW_JS = """
const article = document.querySelector('article.bd-article') || document.querySelector('main');
const right = article.getBoundingClientRect().right;
const scrolls = e => { for (let p = e.parentElement; p && p !== article; p = p.parentElement) {
    if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true; } return false; };
const overflow = Array.from(article.querySelectorAll('*')).filter(e => {
    const r = e.getBoundingClientRect(); return r.width > 0 && r.right > right + 1 && !scrolls(e); })
    .slice(0, 5).map(e => e.tagName + '.' + e.className);
const images = Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src);
const inputs = Array.from(document.querySelectorAll('details.above-input'));
const shownCode = inputs.filter(d => d.open).length;
const rawText = Array.from(document.querySelectorAll('.cell_output .output.text_plain, .cell_output .output.stream'))
    .map(e => e.innerText.slice(0, 80));
return {overflow, images, inputs: inputs.length, shownCode, rawText, text: document.body.innerText,
        links: Array.from(document.links).map(a => a.href)};
"""


@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="Debian chromium/chromium-driver not installed")
def test_headless_chromium_sees_what_a_reader_should(built_book):
    """At 1300 px: no horizontal overflow of the article column, every image loaded, code inputs
    hidden with a working toggle, no traceback or raw text output, no broken internal link. One
    screenshot per page goes to a temporary folder, kept (and named) when the test fails."""
    import tempfile

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--no-first-run",
                 "--disable-sync", "--window-size=1300,1000"):
        options.add_argument(flag)
    screenshots = Path(tempfile.mkdtemp(prefix="causalmix-book-screenshots-"))
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    problems = []
    try:
        for page in _pages(built_book):
            driver.get(page.as_uri())
            WebDriverWait(driver, 30).until(
                lambda d: d.execute_script("return document.readyState") == "complete")
            view = driver.execute_script(READER_VIEW_JS)
            driver.save_screenshot(str(screenshots / f"{page.stem}.png"))
            name = page.relative_to(built_book).as_posix()
            problems += [f"{name}: overflows the column: {view['overflow']}"] if view["overflow"] else []
            problems += [f"{name}: images not loaded: {view['images']}"] if view["images"] else []
            problems += [f"{name}: {view['shownCode']} code inputs shown by default"] if view["shownCode"] else []
            problems += [f"{name}: raw text output: {view['rawText']}"] if view["rawText"] else []
            if "Traceback (most recent call last)" in view["text"]:
                problems.append(f"{name}: a traceback")
            for href in view["links"]:
                parsed = urlparse(urldefrag(href)[0])
                if parsed.scheme == "file" and not Path(parsed.path).exists():
                    problems.append(f"{name}: broken link {href}")
            if view["inputs"]:
                toggle = driver.find_elements(By.CSS_SELECTOR, "details.above-input > summary")[0]
                driver.execute_script("arguments[0].scrollIntoView();", toggle)
                toggle.click()
                opened = driver.execute_script(
                    "const d = document.querySelector('details.above-input');"
                    "return d.open && d.querySelector('pre').getBoundingClientRect().height > 0;")
                problems += [] if opened else [f"{name}: the code toggle does not show the code"]
    finally:
        driver.quit()
    assert not problems, f"screenshots in {screenshots}:\n" + "\n".join(problems)
    shutil.rmtree(screenshots)


def test_every_results_folder_a_page_reads_comes_from_a_listed_experiment():
    config = REPO / "book" / "notebooks.yaml"
    produced = {f"results/{yaml.safe_load((REPO / path).read_text())['name']}" for path in book_experiments(config)}
    read = {page.parameters["results_dir"] for page in read_pages(config) if "results_dir" in page.parameters}
    assert read and read <= produced, read - produced
    for folder in read:
        assert (REPO / folder / "runs.parquet").is_file(), f"{folder} is not stored: run its experiment"
