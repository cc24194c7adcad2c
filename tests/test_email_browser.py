"""The digest as a reader sees it: Chromium at 600 and 375 px, light and dark (E7, E8, E12, T5).

axe-core (WCAG 2.1 A and AA) must find no violations in any of them; the layout must not
scroll sideways on a phone; dark mode must really switch the palette; the preheader must not
show. Skipped only when no Chromium is installed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from briefgen import render_digest as rd
from tests.browser import axe_violations
from tests.test_render_digest import ISSUES, READER, SETTINGS, issue_of, thirty_chinese

pytestmark = pytest.mark.browser

CASES = {**ISSUES, "thirty": issue_of(thirty_chinese())}
WIDTHS = (600, 375)
SCHEMES = ("light", "dark")
CARD = {"light": "rgb(255, 255, 255)", "dark": "rgb(22, 27, 34)"}


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each issue rendered for one reader, written to a file (the web copy is the same HTML)."""
    folder = tmp_path_factory.mktemp("digest")
    token = rd.unsubscribe_token(READER, SETTINGS)
    written = {}
    for name, issue in CASES.items():
        path = folder / f"{name}.html"
        path.write_text(rd.render_issue(issue, SETTINGS, token).html, encoding="utf-8")
        written[name] = path
    return written


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_t5_axe_finds_nothing_and_the_layout_holds(
    name: str,
    width: int,
    scheme: str,
    pages: dict[str, Path],
    browser: Any,
    tmp_path: Path,
) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
    try:
        page.goto(pages[name].as_uri())
        assert axe_violations(page) == []  # E12
        layout = page.evaluate(
            """() => {
                const style = (selector) => getComputedStyle(document.querySelector(selector));
                const preheader = document.querySelector('.preheader');
                const story = style('td.story');
                return {
                    scroll: document.documentElement.scrollWidth,
                    card: style('table.card').backgroundColor,
                    cardWidth: document.querySelector('table.card').getBoundingClientRect().width,
                    storyPadding: story.paddingLeft,
                    fontSize: parseFloat(story.fontSize),
                    preheaderHeight: preheader.getBoundingClientRect().height,
                    preheaderShown: style('.preheader').display !== 'none',
                };
            }"""
        )
        assert layout["scroll"] <= width  # nothing wider than a phone's screen
        assert layout["cardWidth"] <= 600
        assert layout["card"] == CARD[scheme]  # E8: the dark palette really applies
        assert layout["storyPadding"] == ("20px" if width < 620 else "32px")
        assert layout["fontSize"] >= 16  # E11
        assert layout["preheaderHeight"] == 0 and not layout["preheaderShown"]  # E7
        shot = tmp_path / f"{name}-{width}-{scheme}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert shot.stat().st_size > 20_000  # not blank: a blank page compresses to a few KB
    finally:
        page.close()


def test_links_and_text_are_readable_in_dark_mode(pages: dict[str, Path], browser: Any) -> None:
    """Every link in dark mode is light on dark: the light palette's blue would fail there."""
    page = browser.new_page(viewport={"width": 600, "height": 900}, color_scheme="dark")
    try:
        page.goto(pages["english"].as_uri())
        colours = page.evaluate(
            "() => [...document.querySelectorAll('td.story a, td.foot a')]"
            ".map(a => getComputedStyle(a).color)"
        )
        assert colours and all(c in ("rgb(140, 180, 255)", "rgb(240, 243, 246)") for c in colours)
    finally:
        page.close()
