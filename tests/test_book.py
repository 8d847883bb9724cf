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

from conftest import REPO

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")


@pytest.fixture(scope="module")
def built_book(tmp_path_factory) -> Path:
    result = subprocess.run([sys.executable, "-m", "causalmix.cli", "book", "--quick", "--jobs", "2"],
                            cwd=REPO, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    index = REPO / "book" / "_build" / "html" / "index.html"
    assert index.is_file()
    return index.parent


def _pages(html_dir: Path) -> list[Path]:
    skip = {"genindex.html", "search.html"}
    return sorted(p for p in html_dir.rglob("*.html")
                  if p.name not in skip and "_static" not in p.parts and "_sources" not in p.parts)


def test_every_page_is_linked_from_the_toc(built_book):
    pages = _pages(built_book)
    assert (built_book / "executed" / "intro.html") in pages
    assert len(pages) >= 2


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


@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="Debian chromium/chromium-driver not installed")
def test_headless_chromium_sees_images_and_working_links(built_book):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--no-first-run",
                 "--disable-sync"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        for page in _pages(built_book):
            driver.get(page.as_uri())
            WebDriverWait(driver, 30).until(
                lambda d: d.execute_script("return document.readyState") == "complete")
            images = driver.execute_script(
                "return Array.from(document.images).map(i => [i.src, i.complete && i.naturalWidth > 0])")
            broken = [src for src, ok in images if not ok]
            assert not broken, (page.name, broken)
            body = driver.execute_script("return document.body.innerText")
            assert "Traceback (most recent call last)" not in body, page.name
            links = driver.execute_script("return Array.from(document.links).map(a => a.href)")
            for href in links:
                url, _ = urldefrag(href)
                parsed = urlparse(url)
                if parsed.scheme == "file":
                    assert Path(parsed.path).exists(), (page.name, href)
    finally:
        driver.quit()


def test_every_results_folder_a_page_reads_comes_from_a_listed_experiment():
    import yaml

    from causalmix.book import book_experiments, read_pages

    config = REPO / "book" / "notebooks.yaml"
    produced = {f"results/{yaml.safe_load((REPO / path).read_text())['name']}" for path in book_experiments(config)}
    read = {page.parameters["results_dir"] for page in read_pages(config) if "results_dir" in page.parameters}
    assert read and read <= produced, read - produced
    for folder in read:
        assert (REPO / folder / "runs.parquet").is_file(), f"{folder} is not stored: run its experiment"
