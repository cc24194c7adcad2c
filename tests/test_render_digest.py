"""Render digest stage: the email HTML (E1-E15), plain text, MIME message (M1-M10) and safety."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import shutil
import subprocess
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import html5lib
import pytest
from bs4 import BeautifulSoup, Comment, Tag
from hypothesis import given
from hypothesis import strategies as st

from briefgen import render_digest as rd
from briefgen.config import BriefgenConfig, Project
from briefgen.errors import ConfigError, EmptyIssueError
from briefgen.models import Brief, Issue, Source

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = REPO / "templates" / "email"
DATA = Path(__file__).parent / "data" / "digest"
GOLDEN = Path(__file__).parent / "golden" / "digest"
SITE = "https://briefs.example.com/"
FONT_STACK = (
    '-apple-system,"Segoe UI",Roboto,Arial,"PingFang SC","Hiragino Sans","Microsoft YaHei",'
    '"Noto Sans CJK SC",sans-serif'
)
THEMES = {
    "smart-cockpit": "Smart cockpit & in-car AI",
    "autonomous-driving": "Autonomous driving & ADAS",
    "smart-home-iot": "Smart home & IoT integration",
    "industrial-internet": "Industrial internet & manufacturing",
    "batteries-energy": "Batteries & energy",
    "chips": "Chips & semiconductors",
    "ev-charging": "EV charging & infrastructure",
    "ai-cloud": "AI models & cloud",
    "capital-jv": "Capital & joint ventures",
    "overseas": "Overseas expansion",
    "policy": "Policy & regulation",
}
READER = "reader@example.org"
UTM = "utm_source=newsletter&utm_medium=email&utm_campaign=issue-"


# --- fixtures ---------------------------------------------------------------------------------


def make_settings(**changes: Any) -> rd.DigestSettings:
    base = rd.DigestSettings(
        brand="China Auto Briefing",
        site_url=SITE,
        from_address="China Auto Briefing <briefs@example.com>",
        reply_to=None,
        list_id="briefs.example.com",
        postal_address="Example Media Ltd., 1 Example Road, Shanghai, China",
        unsubscribe_url="https://briefs.example.com/u/{token}",
        unsubscribe_mailto="unsubscribe@example.com",
        max_full_briefs=25,
        theme_titles=THEMES,
        templates_dir=TEMPLATES,
        secret=b"test-secret",
    )
    return dataclasses.replace(base, **changes)


def load_briefs(name: str, language: str) -> list[Brief]:
    briefs = []
    for item in json.loads((DATA / name).read_text(encoding="utf-8")):
        briefs.append(
            Brief(
                id=item["id"],
                title=item["title"],
                summary=item["summary"],
                why_it_matters=item["why_it_matters"],
                takeaways=tuple(item["takeaways"]),
                added=dt.date(2026, 4, 14),
                source=Source(**item["source"]),
                published=dt.date.fromisoformat(item["published"]),
                language=language,
                companies=tuple(item["companies"]),
                themes=tuple(item["themes"]),
                path=item["path"],
            )
        )
    return briefs


ENGLISH = load_briefs("english_briefs.json", "en")
CHINESE = load_briefs("chinese_briefs.json", "zh")
HOSTILE = Brief(
    id="deadbeef",
    title="Evil </title><script>alert(1)</script>\r\nBcc: victim@example.com",
    summary='Look <img src=x onerror=alert(1)> here {: onclick=x} --8<-- "/etc/hostname"',
    why_it_matters='<a href="x" onclick="steal()">bait</a> {: onclick=x }\n\n--8<-- "/etc/passwd"',
    takeaways=(
        "<b onmouseover=alert(1)>bold</b>",
        '--8<-- "/etc/hostname"',
        "[link](x){: onclick=x}",
        "a fourth takeaway that must not be shown",
    ),
    added=dt.date(2026, 4, 14),
    source=Source(name="Evil <Outlet>", url="javascript:alert(1)"),
    published=dt.date(2026, 4, 14),
    companies=("<script>Co</script>",),
    themes=("policy", "<svg onload=alert(1)>"),
    path="2026/04/hostile.md",
)


def issue_of(briefs: list[Brief], number: int = 12) -> Issue:
    return Issue(str(number), number, dt.date(2026, 4, 14), tuple(briefs))


def thirty_chinese() -> list[Brief]:
    return [
        dataclasses.replace(
            CHINESE[i % len(CHINESE)],
            id=f"{CHINESE[i % len(CHINESE)].id[:6]}{i:02d}",
            path=CHINESE[i % len(CHINESE)].path.replace(".md", f"-{i}.md"),
        )
        for i in range(30)
    ]


ISSUES = {
    "english": issue_of(ENGLISH, 12),
    "chinese": issue_of(CHINESE[:5], 13),
    "hostile": issue_of([HOSTILE, ENGLISH[0], CHINESE[0]], 14),
}
SETTINGS = make_settings()


@pytest.fixture(scope="module")
def rendered() -> dict[str, rd.RenderedIssue]:
    token = rd.unsubscribe_token(READER, SETTINGS)
    return {name: rd.render_issue(issue, SETTINGS, token) for name, issue in ISSUES.items()}


def soup_of(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html5lib")


def style_of(tag: Tag) -> dict[str, str]:
    declarations = str(tag.get("style", "")).split(";")
    pairs = (d.split(":", 1) for d in declarations if ":" in d)
    return {k.strip().lower(): v.strip() for k, v in pairs}


def stories(soup: BeautifulSoup) -> list[Tag]:
    return soup.select("td.story")


def text_lines(text: str) -> list[str]:
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    return text.split("\r\n")[:-1]


# --- golden files and determinism -------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ISSUES))
def test_golden_files(name: str, rendered: dict[str, rd.RenderedIssue]) -> None:
    """Owned output: UPDATE_GOLDEN=1 (or pytest --update-golden) rewrites the files."""
    outputs = {"html": rendered[name].html, "txt": rendered[name].text}
    for suffix, content in outputs.items():
        path = GOLDEN / f"{name}.{suffix}"
        if os.environ.get("UPDATE_GOLDEN") == "1":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.encode("utf-8"))
        assert path.read_bytes().decode("utf-8") == content, f"{path} differs; see test docstring"


def test_same_issue_gives_identical_bytes(tmp_path: Path) -> None:
    issue = ISSUES["chinese"]
    first, second = rd.render_issue(issue, SETTINGS), rd.render_issue(issue, SETTINGS)
    assert first == second
    assert rd.preview_message(issue, SETTINGS) == rd.preview_message(issue, SETTINGS)
    path = rd.write_preview(issue, SETTINGS, tmp_path / "outbox")
    assert path == tmp_path / "outbox" / "13" / "preview.eml"
    assert path.read_bytes() == rd.preview_message(issue, SETTINGS)


def test_empty_issue_is_refused() -> None:
    with pytest.raises(EmptyIssueError, match=r"issue 7 has no briefs; add articles to seeds/"):
        rd.render_issue(issue_of([], 7), SETTINGS)
    with pytest.raises(EmptyIssueError):
        rd.preview_message(issue_of([], 7), SETTINGS)


# --- E1-E15: the HTML -------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ISSUES))
def test_e1_full_document_parses_strictly(name: str, rendered: dict[str, rd.RenderedIssue]) -> None:
    html = rendered[name].html
    html5lib.HTMLParser(strict=True).parse(html)  # raises on any parse error (T2)
    assert html.lower().startswith("<!doctype html>")
    soup = soup_of(html)
    assert soup.html is not None and soup.html.get("lang") == "en"
    assert soup.find("meta", charset="utf-8") is not None
    viewport = soup.find("meta", attrs={"name": "viewport"})
    assert viewport is not None and viewport["content"] == "width=device-width,initial-scale=1"
    assert soup.title is not None and soup.title.string == rendered[name].subject


def test_e2_e3_tables_and_outlook_ghost_table(rendered: dict[str, rd.RenderedIssue]) -> None:
    soup = soup_of(rendered["english"].html)
    tables = soup.find_all("table")
    assert tables
    for table in tables:
        assert table.get("role") == "presentation"
        assert (table.get("cellpadding"), table.get("cellspacing"), table.get("border")) == (
            "0",
            "0",
            "0",
        )
    body = soup.body
    assert body is not None
    outer = body.find("table", recursive=False)
    assert isinstance(outer, Tag) and outer.get("width") == "100%"
    container = soup.find("table", class_="card")
    assert isinstance(container, Tag) and container.get("width") == "600"
    assert {"width": "100%", "max-width": "600px"}.items() <= style_of(container).items()
    comments = [str(c) for c in soup.find_all(string=lambda s: isinstance(s, Comment))]
    opening = [c for c in comments if c.startswith("[if mso]><table")]
    assert len(opening) == 1 and opening[0].startswith('[if mso]><table width="600" ')  # E3
    assert opening[0].endswith("><tr><td><![endif]")
    assert any(c.startswith("[if mso]></td></tr></table>") for c in comments)
    assert any("<o:PixelsPerInch>96</o:PixelsPerInch>" in c for c in comments)
    assert not any(isinstance(t, Tag) and t.name in ("div", "span") for t in container.parents)


FORBIDDEN = ("display:flex", "display:grid", "position:", "float:", "var(", "@import", "@font-face")


@pytest.mark.parametrize("name", sorted(ISSUES))
def test_e4_no_unsupported_inline_css(name: str, rendered: dict[str, rd.RenderedIssue]) -> None:
    soup = soup_of(rendered[name].html)
    for tag in soup.find_all(style=True):
        compact = str(tag["style"]).replace(" ", "").lower()
        assert not [f for f in FORBIDDEN if f in compact], tag.name
        if tag.name in ("table", "td"):
            assert "margin" not in style_of(tag), "spacing on cells is padding"


@pytest.mark.parametrize("name", sorted(ISSUES))
def test_e5_text_elements_carry_font_family(
    name: str, rendered: dict[str, rd.RenderedIssue]
) -> None:
    soup = soup_of(rendered[name].html)
    checked = 0
    for tag in soup.find_all(["h1", "h2", "h3", "p", "li", "a", "td"]):
        if tag.get_text(strip=True):
            family = style_of(tag).get("font-family", "")
            assert family.replace("'", '"') == FONT_STACK, f"{tag.name}: {family!r}"  # E11
            checked += 1
    assert checked > 20
    styles = soup.find_all("style")
    assert len(styles) == 1
    css = re.sub(r"\s+", "", str(styles[0].string))
    assert css and not re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*\}", "", css)  # only @media
    assert "@media(prefers-color-scheme:dark)" in css.replace(" ", "")
    assert not soup.find_all("link")


def test_e6_thirty_chinese_briefs_fit_the_size_budget() -> None:
    issue = issue_of(thirty_chinese())
    html = rd.render_issue(issue, SETTINGS, rd.unsubscribe_token(READER, SETTINGS)).html
    assert len(html.encode("utf-8")) <= rd.MAX_HTML_BYTES
    soup = soup_of(html)
    shown = len(stories(soup))
    assert shown == SETTINGS.max_full_briefs == 25
    more = soup.select("td.more li a")
    assert len(more) == 30 - shown
    linked = [str(a["href"]) for a in soup.select("td.story h2 a")] + [str(a["href"]) for a in more]
    assert linked == [f"{SITE}{b.url}?{UTM}12" for b in issue.briefs]


def test_e6_full_briefs_are_lowered_automatically_when_over_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    issue = issue_of(thirty_chinese())
    monkeypatch.setattr(rd, "MAX_HTML_BYTES", 50_000)
    html = rd.render_issue(issue, SETTINGS).html
    soup = soup_of(html)
    assert len(html.encode("utf-8")) <= 50_000
    assert 5 < len(stories(soup)) < 25
    assert len(stories(soup)) + len(soup.select("td.more li")) == 30


def test_e6_max_full_briefs_is_honoured() -> None:
    soup = soup_of(rd.render_issue(ISSUES["english"], make_settings(max_full_briefs=1)).html)
    assert [h.get_text() for h in soup.select("td.story h2")] == [ENGLISH[0].title]
    assert [a.get_text() for a in soup.select("td.more li a")] == [b.title for b in ENGLISH[1:]]


@pytest.mark.parametrize(
    "briefs",
    [ENGLISH, CHINESE[:5], [HOSTILE], [ENGLISH[2]], thirty_chinese(), [ENGLISH[0], CHINESE[1]]],
    ids=["english", "chinese", "hostile", "one", "thirty", "mixed"],
)
def test_e7_preheader(briefs: list[Brief]) -> None:
    result = rd.render_issue(issue_of(briefs), SETTINGS)
    assert rd.PREHEADER_MIN <= len(result.preheader) <= rd.PREHEADER_MAX
    assert result.preheader != result.subject
    soup = soup_of(result.html)
    assert soup.body is not None
    first = soup.body.contents[0]
    assert isinstance(first, Tag) and first.name == "div"
    style = style_of(first)
    assert style["display"] == "none" and style["max-height"] in ("0", "0px")
    assert style["overflow"] == "hidden" and style["mso-hide"] == "all"
    text = first.get_text()
    assert text.startswith(result.preheader)
    spacer = text[len(result.preheader) :]
    assert spacer and spacer == "\u00a0\u200c" * (len(spacer) // 2)


def test_e7_preheader_comes_from_the_top_stories(rendered: dict[str, rd.RenderedIssue]) -> None:
    assert rendered["english"].preheader.startswith(f"Also: {ENGLISH[1].title}")
    one = rd.render_issue(issue_of([ENGLISH[0]]), SETTINGS)
    assert one.preheader.startswith(ENGLISH[0].summary[:60])


def test_e8_dark_mode(rendered: dict[str, rd.RenderedIssue]) -> None:
    soup = soup_of(rendered["english"].html)
    for name in ("color-scheme", "supported-color-schemes"):
        meta = soup.find("meta", attrs={"name": name})
        assert meta is not None and meta["content"] == "light dark"
    assert soup.html is not None and style_of(soup.html)["color-scheme"] == "light dark"  # :root
    css = str(soup.style.string) if soup.style else ""
    assert "@media (prefers-color-scheme:dark)" in css
    assert ":root{color-scheme:light dark}" in css  # E8 as written, inside @media (E5)
    dark = css.split("@media (prefers-color-scheme:dark){", 1)[1]
    for selector in ("body", ".card", "td", "h2", "a", ".meta"):
        assert re.search(rf"(^|[,\n]){re.escape(selector)}[,{{]", dark), selector


@pytest.mark.parametrize("name", sorted(ISSUES))
def test_e9_e15_no_images_no_tracking(name: str, rendered: dict[str, rd.RenderedIssue]) -> None:
    soup = soup_of(rendered[name].html)
    for img in soup.find_all("img"):  # none today; any future logo must follow E9
        assert str(img.get("src", "")).startswith("https://")
        assert img.has_attr("alt") and img.has_attr("width") and img.has_attr("height")
    assert not soup.find_all("img")
    assert "background-image" not in rendered[name].html and "url(" not in rendered[name].html


@pytest.mark.parametrize("name", sorted(ISSUES))
def test_e10_e15_links(name: str, rendered: dict[str, rd.RenderedIssue]) -> None:
    soup = soup_of(rendered[name].html)
    issue = ISSUES[name]
    publisher = {b.source.url for b in issue.briefs if b.source.url}
    for a in soup.find_all("a"):
        href = str(a["href"])
        if href.startswith("mailto:") or a.get_text() == "Unsubscribe":
            assert href == rd.unsubscribe_link(SETTINGS, rd.unsubscribe_token(READER, SETTINGS))
            continue
        assert href.startswith("https://"), href
        assert "click here" not in a.get_text().lower()
        if href.startswith(SITE):
            assert href.endswith(f"?{UTM}{issue.number}"), href  # UTM on our own links only
        else:
            assert "utm_" not in href and href in publisher, href
            assert a.get_text() == f"Read at {rd._display_domain(href)}"
            assert "noopener" in a["rel"] and "noreferrer" in a["rel"]
        cell = a.find_parent("td")
        assert cell is not None and style_of(cell).get("word-break") == "break-word"


def test_e10_source_link_names_the_publisher_domain(rendered: dict[str, rd.RenderedIssue]) -> None:
    soup = soup_of(rendered["english"].html)
    links = [a for a in soup.find_all("a") if a.get_text().startswith("Read at ")]
    assert [a.get_text() for a in links] == [
        "Read at autonews.gasgoo.com",
        "Read at saic-bmw.example.cn",
        "Read at yicaiglobal.com",
    ]
    assert links[0]["href"] == ENGLISH[0].source.url


def test_e11_body_text_size_and_line_height(rendered: dict[str, rd.RenderedIssue]) -> None:
    soup = soup_of(rendered["chinese"].html)
    for cell in stories(soup):
        style = style_of(cell)
        assert int(style["font-size"].removesuffix("px")) >= 16
        assert float(style["line-height"]) >= 1.5
        for tag in cell.find_all(["p", "li"]):
            own = style_of(tag)
            if "meta" not in (tag.get("class") or []):  # summary, why, takeaways inherit 16px
                assert "font-size" not in own and "line-height" not in own
    assert stories(soup)[0].get("lang") == "zh"  # CJK glyphs pick the right font


def _luminance(colour: str) -> float:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _inherited(tag: Tag, prop: str, default: str) -> str:
    for node in [tag, *tag.parents]:
        if isinstance(node, Tag) and prop in style_of(node):
            return style_of(node)[prop]
    return default


@pytest.mark.parametrize("name", ["english", "chinese"])
def test_e12_text_contrast_in_light_mode(name: str, rendered: dict[str, rd.RenderedIssue]) -> None:
    """WCAG AA from the inlined colours (the dark palette lives in @media; see the report)."""
    soup = soup_of(rendered[name].html)
    preheader = soup.body.contents[0] if soup.body else None
    for tag in soup.find_all(True):
        if not tag.find(string=lambda s: bool(s.strip()), recursive=False):
            continue
        if tag is preheader or tag.name in ("title", "style"):
            continue
        fg = _luminance(_inherited(tag, "color", "#000000"))
        bg = _luminance(_inherited(tag, "background-color", "#ffffff"))
        ratio = (max(fg, bg) + 0.05) / (min(fg, bg) + 0.05)
        size = float(_inherited(tag, "font-size", "16px").removesuffix("px"))
        bold = tag.name in ("h1", "h2", "strong") or tag.find_parent(["h1", "h2"]) is not None
        large = size >= 24 or (size >= 18.66 and bold)
        assert ratio >= (3.0 if large else 4.5), f"{tag.name} {tag.get_text()[:30]!r} {ratio:.2f}"


@pytest.mark.parametrize("name", ["english", "chinese"])
def test_e13_each_brief_in_order(name: str, rendered: dict[str, rd.RenderedIssue]) -> None:
    soup = soup_of(rendered[name].html)
    issue = ISSUES[name]
    cells = stories(soup)
    assert len(cells) == len(issue.briefs)
    for cell, brief in zip(cells, issue.briefs, strict=True):
        blocks = [t for t in cell.children if isinstance(t, Tag)]
        assert [t.name for t in blocks] == ["h2", "p", "p", "ul", "p"]
        heading, summary, why, takeaways, meta = blocks
        link = heading.find("a")
        assert link is not None and link.get_text() == brief.title
        assert link["href"] == f"{SITE}{brief.url}?{UTM}{issue.number}"
        assert summary.get_text() == brief.summary
        assert why.get_text() == f"Why it matters: {brief.why_it_matters}"
        items = [li.get_text() for li in takeaways.find_all("li")]
        assert items == list(brief.takeaways[:3])
        companies = ", ".join(brief.companies)
        themes = ", ".join(THEMES[t] for t in brief.themes)
        lines = meta.get_text("\n").split("\n")
        assert lines[0] == f"Companies: {companies}; Themes: {themes}"
        source = meta.find("a")
        if brief.source.url and brief.source.url.startswith("https://"):
            assert source is not None and source["href"] == brief.source.url
        else:
            assert source is None and brief.source.name in meta.get_text()


def test_e14_header_and_footer(rendered: dict[str, rd.RenderedIssue]) -> None:
    soup = soup_of(rendered["english"].html)
    bar = soup.select_one("td.bar")
    assert bar is not None
    assert bar.h1 is not None and bar.h1.get_text() == "China Auto Briefing"
    assert "Issue #12 · 14 April 2026 · 4 stories" in bar.get_text()
    browser = bar.find("a", string="View in browser")
    assert browser is not None and browser["href"] == f"{SITE}issues/12/?{UTM}12"
    foot = soup.select_one("td.foot")
    assert foot is not None
    assert "You are receiving this because you subscribed to China Auto Briefing" in foot.get_text()
    assert "Example Media Ltd., 1 Example Road, Shanghai, China" in foot.get_text()
    unsubscribe = foot.find("a", string="Unsubscribe")
    token = rd.unsubscribe_token(READER, SETTINGS)
    assert unsubscribe is not None and unsubscribe["href"] == f"{SITE}u/{token}"
    toc = soup.select_one("td.toc")
    assert toc is not None and [li.get_text() for li in toc.find_all("li")] == [
        b.title for b in ENGLISH
    ]


def test_in_this_issue_only_from_four_stories() -> None:
    soup = soup_of(rd.render_issue(issue_of(ENGLISH[:3]), SETTINGS).html)
    assert soup.select_one("td.toc") is None


# --- untrusted text (X1-X8, T4) ---------------------------------------------------------------


def test_hostile_brief_is_inert(rendered: dict[str, rd.RenderedIssue]) -> None:
    result = rendered["hostile"]
    html = result.html
    html5lib.HTMLParser(strict=True).parse(html)
    soup = soup_of(html)
    assert "<script" not in html.lower() and not soup.find_all(["script", "img", "svg", "b"])
    for tag in soup.find_all(True):
        assert not [a for a in tag.attrs if a.lower().startswith("on")], tag
        if tag.has_attr("href"):
            assert not str(tag["href"]).lower().startswith("javascript:")
    assert "javascript:" not in html.lower() and "javascript:" not in result.text.lower()
    heading = soup.select_one("td.story h2")
    assert heading is not None
    assert heading.get_text() == "Evil </title><script>alert(1)</script> Bcc: victim@example.com"
    assert soup.title is not None and soup.title.get_text() == result.subject
    cell = stories(soup)[0]
    assert 'onerror=alert(1)> here {: onclick=x} --8<-- "/etc/hostname"' in cell.get_text()
    assert len(cell.find_all("li")) == 3
    assert "Evil <Outlet>" in cell.get_text()
    assert cell.find("a", string=re.compile("Read at")) is None
    hostname = Path("/etc/hostname")
    if hostname.is_file() and len(hostname.read_text().strip()) >= 6:
        assert hostname.read_text().strip() not in html + result.text


def test_hostile_title_cannot_inject_headers(rendered: dict[str, rd.RenderedIssue]) -> None:
    result = rendered["hostile"]
    assert "\r" not in result.subject and "\n" not in result.subject
    raw = rd.preview_message(ISSUES["hostile"], SETTINGS)
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert parsed["Bcc"] is None and parsed["Subject"] == result.subject


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.com/a",
        "https://",
        "https:///path",
        "https://exa mple.com/",
        "https://example.com/\x00x",
        "https://example.com/\u202ex",
        "https://[::1/",
        "//example.com/a",
        "",
    ],
)
def test_x5_unsafe_source_urls_are_not_linked(url: str) -> None:
    brief = dataclasses.replace(ENGLISH[0], source=Source(name="Outlet", url=url))
    result = rd.render_issue(issue_of([brief]), SETTINGS)
    soup = soup_of(result.html)
    cell = stories(soup)[0]
    assert cell.find("a", string=re.compile("Read at")) is None
    assert "Outlet · 13 Apr 2026" in cell.get_text()
    assert "Read at" not in result.text


def test_http_source_is_text_in_html_and_a_url_in_plain_text() -> None:
    brief = dataclasses.replace(
        ENGLISH[0], source=Source(name="Outlet", url="http://news.example.cn/a.html")
    )
    result = rd.render_issue(issue_of([brief]), SETTINGS)
    cell = stories(soup_of(result.html))[0]
    assert cell.find("a", href=re.compile("^http:")) is None  # E10: https only
    assert "Outlet · 13 Apr 2026 · news.example.cn" in cell.get_text()
    assert "http://news.example.cn/a.html" in text_lines(result.text)


def test_x6_templates_autoescape_and_never_mark_safe() -> None:
    html_env, text_env = rd._environments(TEMPLATES)
    assert html_env.autoescape is True and text_env.autoescape is False
    for template in TEMPLATES.iterdir():
        assert "|safe" not in template.read_text(encoding="utf-8").replace(" ", "")
        assert "autoescape false" not in template.read_text(encoding="utf-8")


# --- M1-M10: the message ----------------------------------------------------------------------


def make_message(settings: rd.DigestSettings, issue: Issue) -> tuple[EmailMessage, bytes, str]:
    token = rd.unsubscribe_token(READER, settings)
    result = rd.render_issue(issue, settings, token)
    msg = rd.build_message(
        result,
        settings,
        to=f"Reader <{READER}>",
        token=token,
        message_id="<issue-13.s-abc123@example.com>",
        date=dt.datetime(2026, 4, 14, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))),
    )
    return msg, msg.as_bytes(), token


@pytest.mark.parametrize("name", sorted(ISSUES))
def test_m1_m9_message_structure_and_round_trip(name: str) -> None:
    settings = make_settings(reply_to="editors@example.com")
    _, raw, token = make_message(settings, ISSUES[name])
    assert all(byte < 0x80 for byte in raw)  # M8
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert b"\n" not in raw.replace(b"\r\n", b"")
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert parsed.get_content_type() == "multipart/alternative"  # M1
    parts = list(parsed.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    result = rd.render_issue(ISSUES[name], settings, token)
    assert parsed["Subject"] == result.subject  # M9
    assert parts[1].get_content() == result.html and parts[0].get_content() == result.text
    assert parseaddr(str(parsed["From"])) == ("China Auto Briefing", "briefs@example.com")
    assert len(parsed["To"].addresses) == 1 and parsed["To"].addresses[0].addr_spec == READER
    date = parsedate_to_datetime(str(parsed["Date"]))
    assert date.tzinfo is not None and date == dt.datetime(2026, 4, 14, 0, 0, tzinfo=dt.UTC)
    assert parsed["Message-ID"] == "<issue-13.s-abc123@example.com>"
    assert parsed["MIME-Version"] == "1.0"
    assert parsed["List-Id"] == "China Auto Briefing <briefs.example.com>"
    assert parsed["Reply-To"] == "editors@example.com"
    assert parsed["List-Unsubscribe"] == (
        f"<https://briefs.example.com/u/{token}>, "
        f"<mailto:unsubscribe@example.com?subject=unsub-{token}>"
    )
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    subject_line = raw.split(b"\r\nDate:")[0].split(b"Subject:")[1]
    assert b"=?utf-8?" in subject_line  # RFC 2047: the em dash is not ASCII


def test_m5_without_https_endpoint_only_mailto() -> None:
    settings = make_settings(unsubscribe_url=None)
    _, raw, token = make_message(settings, ISSUES["english"])
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    # folded right after the colon; Python keeps the fold's space, other readers strip it
    unsubscribe = parsed["List-Unsubscribe"].strip()
    assert unsubscribe == f"<mailto:unsubscribe@example.com?subject=unsub-{token}>"
    assert parsed["List-Unsubscribe-Post"] is None and parsed["Reply-To"] is None
    html = parsed.get_body(("html",))
    assert html is not None
    link = soup_of(html.get_content()).find("a", string="Unsubscribe")
    assert link is not None
    assert link["href"] == f"mailto:unsubscribe@example.com?subject=unsub-{token}"


def test_m5_unsubscribe_token_is_opaque_and_stable() -> None:
    token = rd.unsubscribe_token(READER, SETTINGS)
    assert re.fullmatch(r"[A-Za-z0-9_-]{20,}", token)
    assert "reader" not in token.lower() and "example" not in token.lower()
    assert token == rd.unsubscribe_token(" Reader@Example.org ", SETTINGS)
    assert token != rd.unsubscribe_token("other@example.org", SETTINGS)
    assert token != rd.unsubscribe_token(READER, make_settings(list_id="other.example.com"))
    assert token != rd.unsubscribe_token(READER, make_settings(secret=b"another secret"))


@pytest.mark.parametrize("name", sorted(ISSUES))
def test_personaliser_gives_exactly_what_render_issue_gives(name: str) -> None:
    """Rendering once and putting each token in is only an optimisation: same bytes."""
    issue = ISSUES[name]
    for_token = rd.personaliser(issue, SETTINGS)
    for reader in (READER, "other@example.org", "张@example.cn"):
        token = rd.unsubscribe_token(reader, SETTINGS)
        assert for_token(token) == rd.render_issue(issue, SETTINGS, token)
    odd = "short-token"  # not a real token's length: falls back to a full render
    assert for_token(odd) == rd.render_issue(issue, SETTINGS, odd)
    thirty = issue_of(thirty_chinese())
    token = rd.unsubscribe_token(READER, SETTINGS)
    assert rd.personaliser(thirty, SETTINGS)(token) == rd.render_issue(thirty, SETTINGS, token)


def test_m4_message_id_is_deterministic_opaque_and_on_our_domain() -> None:
    first = rd.message_id("12", READER, SETTINGS)
    assert first == rd.message_id("12", " Reader@Example.org ", SETTINGS)
    assert re.fullmatch(r"<issue-12\.s-[0-9a-f]{20}@example\.com>", first)
    assert "reader" not in first
    others = {
        rd.message_id("13", READER, SETTINGS),
        rd.message_id("12", "other@example.org", SETTINGS),
        rd.message_id("12", READER, make_settings(secret=b"another")),
    }
    assert first not in others and len(others) == 3
    assert rd.message_id("a/b c", READER, SETTINGS).startswith("<issue-a-b-c.s-")


def test_m10_header_injection_raises_value_error() -> None:
    result = rd.render_issue(ISSUES["english"], SETTINGS)
    bad = dataclasses.replace(result, subject="Hi\r\nBcc: victim@example.com")
    kwargs: dict[str, Any] = {
        "token": None,
        "message_id": "<x@example.com>",
        "date": dt.datetime(2026, 4, 14, tzinfo=dt.UTC),
    }
    with pytest.raises(ValueError):
        rd.build_message(bad, SETTINGS, to=READER, **kwargs)
    with pytest.raises(ValueError):
        rd.build_message(result, SETTINGS, to=f"{READER}\r\nBcc: victim@example.com", **kwargs)
    with pytest.raises(ValueError, match="exactly one"):
        rd.build_message(result, SETTINGS, to=f"{READER}, other@example.org", **kwargs)
    with pytest.raises(ValueError, match="timezone"):
        naive = dt.datetime(2026, 4, 14)
        rd.build_message(result, SETTINGS, to=READER, token=None, message_id="<x@e>", date=naive)


def test_preview_message_headers() -> None:
    raw = rd.preview_message(ISSUES["english"], SETTINGS)
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert parsed["To"].addresses[0].addr_spec == "briefs@example.com"
    assert parsed["Message-ID"] == "<issue-12.preview@example.com>"
    assert parsedate_to_datetime(str(parsed["Date"])) == dt.datetime(2026, 4, 14, 8, tzinfo=dt.UTC)
    assert parsed["List-Unsubscribe"].strip() == (
        "<mailto:unsubscribe@example.com?subject=unsubscribe>"
    )
    assert parsed["List-Unsubscribe-Post"] is None


def test_web_copy_is_the_token_free_email() -> None:
    issue = ISSUES["english"]
    page = rd.web_copy(issue, SETTINGS)
    assert page == rd.render_issue(issue, SETTINGS, None).html
    token = rd.unsubscribe_token(READER, SETTINGS)
    assert token not in page
    link = soup_of(page).find("a", string="Unsubscribe")
    assert link is not None and link["href"] == f"{SITE}u/"


# --- subject ----------------------------------------------------------------------------------


def test_subject_is_unique_per_issue_and_truncated_at_a_word() -> None:
    assert rd.make_subject(ISSUES["english"], SETTINGS) == (
        "China Auto Briefing #12 — GAC Group, Haier Group Sign Strategic Agreement"
    )
    assert rd.make_subject(issue_of(ENGLISH, 13), SETTINGS).startswith("China Auto Briefing #13 — ")
    words = " ".join(["Partnership"] * 20)
    long = dataclasses.replace(ENGLISH[0], title=words)
    title = rd.make_subject(issue_of([long]), SETTINGS).split(" — ", 1)[1]
    assert len(title) <= rd.SUBJECT_TITLE_CHARS and title.endswith("Partnership…")
    cjk = dataclasses.replace(CHINESE[0], title="合作" * 60)
    assert len(rd.make_subject(issue_of([cjk]), SETTINGS).split(" — ", 1)[1]) <= 90


# --- M2: plain text ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ISSUES))
def test_m2_plain_text_lines_and_urls(name: str, rendered: dict[str, rd.RenderedIssue]) -> None:
    text = rendered[name].text
    lines = text_lines(text)
    for line in lines:
        if "://" in line or "mailto:" in line:
            assert re.fullmatch(r"\s*(https?://|mailto:)\S+", line), line  # a URL on its own line
        else:
            assert rd.text_width(line) <= 78, line
    issue = ISSUES[name]
    assert "View in browser:" in lines
    web = f"{SITE}issues/{issue.id}/?{UTM}{issue.number}"
    assert lines[lines.index("View in browser:") + 1] == web
    token = rd.unsubscribe_token(READER, SETTINGS)
    assert lines[lines.index("Unsubscribe:") + 1] == f"{SITE}u/{token}"
    assert "&amp;" not in text  # not HTML-escaped


def test_m2_chinese_text_wraps_without_inserting_spaces(
    rendered: dict[str, rd.RenderedIssue],
) -> None:
    text = "".join(text_lines(rendered["chinese"].text))
    for brief in CHINESE[:5]:
        assert brief.summary in text
        assert brief.why_it_matters in text


def test_wrap_text_cjk_width_and_punctuation() -> None:
    lines = rd.wrap_text("合作" * 50 + "，完成。").split("\n")
    assert all(rd.text_width(line) <= 78 for line in lines)
    assert rd.text_width(lines[0]) == 78 and not lines[-1].startswith("，")
    assert "".join(lines) == "合作" * 50 + "，完成。"
    punct = rd.wrap_text("字" * 39 + "。下一句").split("\n")
    assert not any(line.startswith("。") for line in punct)
    assert rd.wrap_text("see https://example.com/a/b now", "  - ", "    ").split("\n") == [
        "  - see",
        "    https://example.com/a/b",
        "    now",
    ]
    assert rd.wrap_text("x" * 100).split("\n") == ["x" * 78, "x" * 22]


@given(st.text(alphabet=st.sampled_from("ab 合作，。https:/."), max_size=300))
def test_wrap_text_never_exceeds_width_and_keeps_every_character(text: str) -> None:
    wrapped = rd.wrap_text(text)
    for line in wrapped.split("\n"):
        assert rd.text_width(line) <= 78 or re.search(r"https?://", line)
    assert wrapped.replace("\n", "").replace(" ", "") == text.replace(" ", "")


# --- settings ---------------------------------------------------------------------------------


def make_project(tmp_path: Path, digest: dict[str, Any], site_url: str = SITE) -> Project:
    options = BriefgenConfig()
    options.load_dict({"digest": digest})
    errors, _ = options.validate()
    assert not errors
    mkdocs = SimpleNamespace(site_url=site_url, site_name="Site", theme={"locale": "en"})
    return Project(root=tmp_path, mkdocs=mkdocs, options=options)  # type: ignore[arg-type]


def test_settings_for_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRIEFGEN_SECRET", raising=False)
    digest = {"brand": "China Auto Briefing", "from_address": "CAB <briefs@mail.example.com>"}
    settings = rd.settings_for(make_project(tmp_path, digest), THEMES)
    assert settings.list_id == "mail.example.com"
    assert settings.unsubscribe_mailto == "unsubscribe@mail.example.com"
    assert settings.templates_dir == tmp_path / "templates" / "email"
    assert settings.max_full_briefs == 25 and settings.unsubscribe_url is None
    assert settings.secret == rd.settings_for(make_project(tmp_path, digest), THEMES).secret
    assert settings.secret_is_default  # a real send refuses it (see test_send)
    monkeypatch.setenv("BRIEFGEN_SECRET", "s3cret")
    configured = rd.settings_for(make_project(tmp_path, digest), THEMES)
    assert configured.secret == b"s3cret" and not configured.secret_is_default


def test_settings_for_rejects_unusable_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="site_url"):
        rd.settings_for(make_project(tmp_path, {}, site_url=""), THEMES)
    with pytest.raises(ConfigError, match="unsubscribe_url"):
        project = make_project(tmp_path, {"unsubscribe_url": "http://example.com/u/{token}"})
        rd.settings_for(project, THEMES)


# --- T5: a real browser (optional) ------------------------------------------------------------

CHROMIUM = shutil.which("chromium-headless-shell") or shutil.which("chromium")


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="needs headless Chromium")
@pytest.mark.parametrize("width", [600, 375])
def test_t5_renders_in_chromium(
    width: int, tmp_path: Path, rendered: dict[str, rd.RenderedIssue]
) -> None:
    page = tmp_path / "digest.html"
    page.write_text(rendered["chinese"].html, encoding="utf-8")
    shot = tmp_path / "shot.png"
    command = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu"]
    command += ["--disable-background-networking", f"--window-size={width},1600"]
    command += [f"--screenshot={shot}", page.as_uri()]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a blank page compresses to a few KB


def test_also_reported_by_links_other_outlets_https_only() -> None:
    [brief, *_] = load_briefs("english_briefs.json", "en")
    also = (
        Source("Reuters", "https://www.reuters.com/a"),
        Source("Plain Wire", "http://plain.example/b"),
        Source("新华网", None),
        Source(None, "javascript:alert(1)"),
    )
    rendered_issue = rd.render_issue(issue_of([dataclasses.replace(brief, also=also)]), SETTINGS)
    meta = stories(soup_of(rendered_issue.html))[0].find("p", class_="meta")
    assert meta is not None and "Also reported by: Reuters, Plain Wire, 新华网" in meta.get_text()
    links = {a.get_text(): a["href"] for a in meta.find_all("a")}
    assert links["Reuters"] == "https://www.reuters.com/a"
    assert "Plain Wire" not in links and "新华网" not in links  # http and no URL: plain text
    assert "javascript:" not in rendered_issue.html
    lines = text_lines(rendered_issue.text)
    assert "Also reported by: Reuters, Plain Wire, 新华网" in lines
    assert "http://plain.example/b" in lines and "https://www.reuters.com/a" in lines
