"""The documentation site as a reader sees it: built with mkdocs, served on localhost and loaded
page by page in headless Chromium (Playwright driving the system's browser). A page fails on
Mermaid source shown as text, a broken image, a table wider than its column, or a console error.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: the switches a headless browser needs on these machines (no sandbox as root, no network)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _missing(what: str, how: str) -> None:
    if os.environ.get("TRADECLOCK_REQUIRE_TOOLS"):
        pytest.fail(f"{what} is missing: {how}")
    pytest.skip(f"{what} is not installed ({how})")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # no line per request
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """The built site, served on a free port: (base URL, every page's path)."""
    if shutil.which("mkdocs", path=str(Path(sys.executable).parent)) is None:
        _missing("mkdocs", "pip install -e '.[test]'")
    out = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(out)],
        cwd=ROOT,
        check=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    pages = sorted(
        str(p.relative_to(out).parent).replace(".", "") + "/"
        for p in out.rglob("index.html")
        if "assets" not in p.parts and p.parent.name != "404"
    )
    handler = functools.partial(_Quiet, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", pages
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    if CHROMIUM is None:
        _missing("Chromium", "apt-get install chromium")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


#: What a page must not show, read from the rendered page.
_PROBLEMS = """() => {
  const out = [];
  const content = document.querySelector("article") || document.body;
  const width = content.clientWidth;
  for (const el of content.querySelectorAll("pre, .mermaid")) {  // a block, not a word in code
    const text = el.textContent || "";
    if (/^\\s*(stateDiagram|graph (LR|TD)|flowchart|sequenceDiagram)[^\\n]*\\n/.test(text)) {
      out.push("Mermaid source shown as text: " + text.slice(0, 40));
    }
  }
  for (const img of content.querySelectorAll("img")) {
    if (!img.complete || img.naturalWidth === 0) out.push("broken image: " + img.src);
  }
  for (const table of content.querySelectorAll("table")) {
    const w = table.getBoundingClientRect().width;
    if (w > width + 1) {
      const head = (table.querySelector("th") || {}).textContent || "";
      out.push(`table "${head}..." is ${Math.round(w)} px wide in a ${width} px column`);
    }
  }
  return out;
}"""


def test_every_page_reads_well_in_a_browser(browser: Any, site: tuple[str, list[str]]) -> None:
    base, pages = site
    assert len(pages) > 20 and "diagrams/" in pages and "sources/" in pages
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []

    def console(message: Any) -> None:
        if message.type == "error":
            errors.append(f"{message.text} {message.location.get('url', '')}")

    page.on("console", console)
    page.on("pageerror", lambda e: errors.append(str(e)))
    found = {}
    for path in pages:
        errors.clear()
        page.goto(f"{base}/{path}", wait_until="networkidle")
        problems = page.evaluate(_PROBLEMS) + [f"console: {e}" for e in errors]
        if problems:
            found[path] = problems
    page.close()
    assert not found, found


def test_the_diagrams_page_shows_pictures(browser: Any, site: tuple[str, list[str]]) -> None:
    base, _ = site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/diagrams/", wait_until="networkidle")
    sizes = page.evaluate(
        "() => [...document.querySelectorAll('article img')].map(i => [i.naturalWidth, i.alt])"
    )
    page.close()
    assert len(sizes) == 2 and all(width > 300 for width, _ in sizes), sizes


def test_the_page_check_sees_each_problem(browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_content(
        "<article style='width:600px'>"
        "<pre><code>stateDiagram-v2\n  a --> b</code></pre>"
        "<p>the <code>stateDiagram-v2</code> format</p>"
        "<img src='data:image/png;base64,AAAA'>"
        "<table style='width:900px'><tr><th>wide</th></tr></table>"
        "</article>"
    )
    problems = page.evaluate(_PROBLEMS)
    page.close()
    assert len(problems) == 3, problems  # the word in running text is no diagram
    assert problems[0].startswith("Mermaid source") and problems[1].startswith("broken image")
    assert "900 px wide in a 600 px column" in problems[2]
