"""The built site in headless Chromium: accessibility (axe-core, WCAG 2.1 AA) in light and dark
mode, small screens, search, print styles, and no request leaving the site."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser import axe_violations
from tests.test_mkdocs_plugin import (
    CHINESE,
    ENGLISH,
    HOSTILE,
    PARTNERS,
    make_project,
    run_build,
)

pytestmark = pytest.mark.browser

PAGES = {
    "home": "",
    "brief": ENGLISH.url,
    "chinese brief": CHINESE.url,
    "hostile brief": HOSTILE.url,
    "company": "companies/gac-group/",
    "company with partners": "companies/saic-motor/",
    "chinese-only company": "companies/x-5cd63b3f/",
    "joint venture": "companies/saic-bmw/",
    "companies index": "companies/",
    "partnerships": "partners/",
    "pair": "partners/bmw--saic-motor/",
    "theme": "themes/ai-cloud/",
    "archive": "archive/",
    "issue": "issues/1/",
    "issues": "issues/",
    "search": "search/",
}


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Served:
    url: str
    site: Path
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The sample site (with the briefs of partners.yml), built once and served on 127.0.0.1
    (a free port) for the module."""
    root = make_project(tmp_path_factory.mktemp("browser"), partners=True)
    assert run_build(root) == []
    site = root / "site"
    handler = functools.partial(_Quiet, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(f"http://127.0.0.1:{server.server_address[1]}/", site)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def page(browser: Any, served: Served) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.on("request", lambda request: served.requests.append(request.url))
    tab.on("dialog", lambda dialog: (served.dialogs.append(dialog.message), dialog.dismiss()))
    yield tab
    context.close()


def open_page(tab: Any, served: Served, path: str) -> None:
    response = tab.goto(served.url + path)
    assert response is not None and response.ok, path


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", list(PAGES))
def test_axe_finds_no_violations(page: Any, served: Served, name: str, scheme: str) -> None:
    page.emulate_media(color_scheme=scheme)
    open_page(page, served, PAGES[name])
    if name == "search":  # with results on screen
        page.fill("#search-input", "Haier")
        page.wait_for_selector(".search-result")
    assert axe_violations(page) == []


@pytest.mark.parametrize("name", list(PAGES))
def test_no_horizontal_scroll_at_360px(page: Any, served: Served, name: str) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    open_page(page, served, PAGES[name])
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def search(page: Any, query: str) -> list[Any]:
    page.fill("#search-input", query)
    page.wait_for_function(
        """q => {
            const status = document.getElementById("search-status").textContent;
            return status.includes(q) && !status.startsWith("Searching");
        }""",
        arg=query,
    )
    return list(page.query_selector_all(".search-result"))


def titles(results: list[Any]) -> list[str]:
    return [" ".join(r.query_selector("h2 a").text_content().split()) for r in results]


def test_search_finds_a_company_in_english_and_chinese(page: Any, served: Served) -> None:
    open_page(page, served, "search/")
    assert titles(search(page, "Haier")) == [ENGLISH.title]
    results = search(page, "华为")  # the browser splits it in two; the index does not
    assert titles(results) == [CHINESE.title]
    assert results[0].get_attribute("lang") == "zh"
    chinese = PARTNERS["5a1cb3f3"]  # names 星驰智联, known only by its Chinese name
    assert titles(search(page, "星驰智联")) == [chinese.title]
    assert titles(search(page, "智能座舱")) == [CHINESE.title]  # Chinese text, segmented
    assert titles(search(page, "Baidu")) == ["BYD and Baidu Extend Autonomous Driving Partnership"]
    link = search(page, "GAC Group")[0].query_selector("h2 a")
    link.click()
    page.wait_for_load_state()
    assert page.url == served.url + ENGLISH.url
    assert " ".join(page.text_content("h1").split()) == ENGLISH.title


def test_search_from_the_address_bar(page: Any, served: Served) -> None:
    open_page(page, served, "search/?q=Gasgoo")
    page.wait_for_selector(".search-result")
    assert titles(list(page.query_selector_all(".search-result"))) == [ENGLISH.title]
    # Only the brief's article is indexed: "Follow" is in the footer of every page, in no brief.
    assert search(page, "Follow") == []


def test_hostile_search_results_render_as_text(page: Any, served: Served) -> None:
    open_page(page, served, "search/")
    results = search(page, "Evil")
    assert titles(results) == [" ".join(HOSTILE.title.split())]
    assert page.query_selector_all("#search-results script, #search-results img") == []
    for element in page.query_selector_all("#search-results *"):
        names = element.evaluate("e => e.getAttributeNames()")
        assert not [n for n in names if n.startswith("on")]
        assert element.evaluate("e => e.tagName") in {"LI", "H2", "A", "P", "TIME", "MARK"}
    assert "<script>alert(4)</script>" in (results[0].text_content() or "") or search(
        page, "hostname"
    )
    page.wait_for_timeout(200)
    assert served.dialogs == []


def test_every_request_stays_on_the_site(page: Any, served: Served) -> None:
    for path in PAGES.values():
        open_page(page, served, path)
    search(page, "Haier")
    assert served.requests
    outside = [url for url in served.requests if urlsplit(url).hostname != "127.0.0.1"]
    assert outside == []


def test_skip_link_and_focus_are_visible(page: Any, served: Served) -> None:
    open_page(page, served, ENGLISH.url)
    page.keyboard.press("Tab")
    focused = page.evaluate_handle("document.activeElement")
    assert focused.evaluate("e => e.className") == "skip-link"
    box = focused.bounding_box()
    assert box is not None and box["y"] >= 0 and box["height"] > 0  # on screen when focused
    assert focused.evaluate("e => getComputedStyle(e).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    link = page.evaluate_handle("document.activeElement")
    assert link.evaluate("e => e.tagName") == "A"
    style = link.evaluate(
        "e => getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth"
    )
    assert style.startswith("solid") and not style.endswith(" 0px")


def test_print_writes_out_source_urls(page: Any, served: Served) -> None:
    open_page(page, served, ENGLISH.url)
    page.emulate_media(media="print")
    after = page.evaluate(
        """() => getComputedStyle(document.querySelector("a.source-link"), "::after").content"""
    )
    assert ENGLISH.source.url in after or "attr(href)" in after
    assert page.evaluate("getComputedStyle(document.querySelector('.site-nav')).display") == "none"


def test_dark_mode_follows_the_system(page: Any, served: Served) -> None:
    open_page(page, served, "")
    light = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.emulate_media(color_scheme="dark")
    dark = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert light == "rgb(255, 255, 255)" and dark != light


def test_network_links_take_keyboard_focus_visibly(page: Any, served: Served) -> None:
    """Every name and line of the drawing is a link reached with Tab, with a visible focus;
    a skip link first lets keyboard users go straight to the table."""
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        open_page(page, served, "partners/")
        skip = page.locator("a.skip-diagram")
        skip.focus()
        assert skip.bounding_box()["width"] > 50  # shown when focused
        edge = page.locator("svg.network a.edge").first
        edge.focus()
        path = edge.locator("path")
        before = path.evaluate("e => getComputedStyle(e).stroke")
        assert page.evaluate("document.activeElement.classList.contains('edge')")
        focus = page.evaluate("getComputedStyle(document.body).getPropertyValue('--focus')")
        assert before != "none" and focus.strip()
        node = page.locator("svg.network a.node").first
        node.focus()
        circle = node.locator("circle")
        assert circle.evaluate("e => getComputedStyle(e).strokeWidth") == "4px"
        label = node.locator("text")
        assert label.evaluate("e => getComputedStyle(e).fontWeight") == "700"
        # Text of the drawing follows the page's colours (no fixed colour breaks dark mode).
        fill = label.evaluate("e => getComputedStyle(e).fill")
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert fill != background


def test_network_scales_to_small_screens(page: Any, served: Served) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    open_page(page, served, "partners/")
    box = page.locator("svg.network").bounding_box()
    assert box is not None and box["width"] <= 360 - 2 * 16 + 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
