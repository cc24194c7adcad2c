"""Feeds: Atom and JSON Feed 1.1 from brief data, valid, stable, and inert with hostile text."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import feedparser
import html5lib
import pytest

from briefgen import feeds, render_site
from briefgen.models import Brief, Source, Theme
from tests.test_mkdocs_plugin import BRIEFS, CHINESE, EDITED, ENGLISH, HOSTILE, make_project
from tests.test_mkdocs_plugin import run_build as build_site

SITE = feeds.FeedSite(
    title="Briefs & <Co>",
    url="https://briefs.example.com/",
    description="Partnerships in the Chinese auto industry.",
    language="en",
)
THEMES = (
    Theme("smart-home-iot", "Smart home & IoT integration"),
    Theme("ai-cloud", "AI models & cloud"),
    Theme("smart-cockpit", "Smart cockpit & in-car AI"),
    Theme("policy", "Policy & regulation"),
)
ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")
# Every attack at once, plus what XML cannot carry (NUL, BEL, a lone surrogate) and a CDATA end.
NASTY = '</title><script>alert(1)</script> ]]> \x00\x07\ud800 "><img src=x onerror=alert(2)>'
HOSTILE_BRIEF = Brief(
    id="0badf00d",
    title=NASTY,
    summary=f"{NASTY} {{: onclick=x}} javascript:alert(3)",
    why_it_matters="<a href='javascript:alert(4)'>click</a> ]]>",
    takeaways=(NASTY, "<svg onload=alert(5)>"),
    added=dt.date(2026, 11, 22),
    source=Source(name=NASTY, url="javascript:alert(6)"),
    byline=NASTY,
    companies=(NASTY,),
    themes=("policy", NASTY),
    path="2026/11/hostile.md",
)


def plan(*briefs: Brief, feed_size: int = 50) -> render_site.SitePlan:
    return render_site.plan_site(briefs, THEMES, [], per_page=50, feed_size=feed_size)


def bodies(briefs: tuple[Brief, ...]) -> dict[str, str]:
    return {b.id: feeds.escaped_body(b.summary, b.why_it_matters, b.takeaways) for b in briefs}


def writer(*briefs: Brief) -> feeds.FeedWriter:
    return feeds.FeedWriter(SITE, bodies(briefs))


def site_feed(site_plan: render_site.SitePlan) -> render_site.FeedSpec:
    return next(spec for spec in site_plan.feeds if spec.title is None)


def atom_entries(text: str) -> list[ElementTree.Element]:
    root = ElementTree.fromstring(text.encode("utf-8"))  # strict XML 1.0 parser
    assert root.tag == f"{ATOM}feed"
    return root.findall(f"{ATOM}entry")


def check_json_feed(text: str) -> dict[str, Any]:
    """JSON Feed 1.1: the required fields, and items with id, url, content and RFC 3339 dates."""
    feed: dict[str, Any] = json.loads(text)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and feed["title"]
    assert feed["home_page_url"].startswith("https://") and feed["feed_url"].endswith(".json")
    assert isinstance(feed["items"], list)
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert item["url"].startswith("https://briefs.example.com/")
        assert isinstance(item["content_html"], str) and item["content_html"]
        assert RFC3339.fullmatch(item["date_published"]), item["date_published"]
        assert RFC3339.fullmatch(item["date_modified"]), item["date_modified"]
    return feed


def inert(html: str) -> None:
    """HTML content parsed as a browser would: no element or attribute that can run code."""
    fragment = html5lib.parseFragment(html, namespaceHTMLElements=False)
    for element in fragment.iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag not in {"script", "img", "iframe", "svg", "object", "style"}, html
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            squeezed = "".join(value.split()).lower()
            assert not squeezed.startswith(("javascript:", "data:", "vbscript:")), value
        link = str(element.get("href", "")) if element.tag == "a" else ""
        if link.startswith("http") and not link.startswith(SITE.url):  # external
            assert {"noopener", "noreferrer"} <= set(element.get("rel", "").split())


# --- pure functions -----------------------------------------------------------------------


def test_entry_ids_are_tag_uris_from_brief_data() -> None:
    assert (
        feeds.entry_id("https://briefs.example.com/news/", "3f9c2a1b", dt.date(2026, 11, 21))
        == "tag:briefs.example.com,2026-11-21:3f9c2a1b"
    )
    assert feeds.rfc3339(dt.date(2026, 4, 13)) == "2026-04-13T00:00:00Z"


def test_xml_text_drops_what_xml_cannot_carry() -> None:
    assert feeds.xml_text("a\x00b\x07c\x1fd\x7fe\x85f\ud800g\ufffeh\tok\n") == "abcdefgh\tok\n"
    assert feeds.xml_text("上汽 ]]> & <x>") == "上汽 ]]> & <x>"  # escaping is not its job


def test_atom_feed_is_valid_and_carries_the_briefs_dates() -> None:
    briefs = tuple(BRIEFS.values())
    site_plan = plan(*briefs)
    text = writer(*briefs).atom(site_feed(site_plan))
    parsed = feedparser.parse(text)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == SITE.title
    assert parsed.feed.link == SITE.url
    assert [link.href for link in parsed.feed.links if link.rel == "self"] == [
        f"{SITE.url}feed.xml"
    ]
    entries = {entry.id: entry for entry in parsed.entries}
    english = entries[feeds.entry_id(SITE.url, ENGLISH.id, ENGLISH.added)]
    assert english.title == ENGLISH.title
    assert english.link == SITE.url + ENGLISH.url
    assert english.published == "2026-04-13T00:00:00Z"  # the article's own date
    assert english.updated == "2026-11-21T00:00:00Z"  # the day briefgen added it
    assert english.author == "Jane Doe"
    assert english.summary == ENGLISH.summary
    content = english.content[0].value
    assert ENGLISH.why_it_matters in content and all(t in content for t in ENGLISH.takeaways)
    assert f'href="{ENGLISH.source.url}"' in content
    assert [tag.term for tag in english.tags] == [
        "GAC Group",
        "Haier Group",
        "Smart home & IoT integration",
        "AI models & cloud",
    ]
    chinese = entries[feeds.entry_id(SITE.url, CHINESE.id, CHINESE.added)]
    assert chinese.title == CHINESE.title
    element = next(e for e in atom_entries(text) if CHINESE.id in (e.findtext(f"{ATOM}id") or ""))
    assert element.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh"
    hostile = entries[feeds.entry_id(SITE.url, HOSTILE.id, HOSTILE.added)]
    assert hostile.published == hostile.updated == "2026-11-20T00:00:00Z"  # no article date


def test_json_feed_is_valid() -> None:
    briefs = tuple(BRIEFS.values())
    feed = check_json_feed(writer(*briefs).json(site_feed(plan(*briefs))))
    assert feed["feed_url"] == f"{SITE.url}feed.json"
    assert feed["language"] == "en"
    items = {item["id"]: item for item in feed["items"]}
    english = items[feeds.entry_id(SITE.url, ENGLISH.id, ENGLISH.added)]
    assert english["title"] == ENGLISH.title
    assert english["external_url"] == ENGLISH.source.url
    assert english["date_published"] == "2026-04-13T00:00:00Z"
    assert english["authors"] == [{"name": "Jane Doe"}]
    chinese = items[feeds.entry_id(SITE.url, CHINESE.id, CHINESE.added)]
    assert chinese["language"] == "zh" and chinese["tags"][:2] == ["SAIC Motor", "华为"]
    assert "external_url" not in items[feeds.entry_id(SITE.url, HOSTILE.id, HOSTILE.added)]


def test_feeds_hold_the_newest_briefs_by_date_added() -> None:
    briefs = tuple(BRIEFS.values())
    site_plan = plan(*briefs, feed_size=2)
    spec = site_feed(site_plan)
    # ENGLISH and CHINESE were added on 21 Nov (CHINESE's article is newer), HOSTILE on the 20th.
    assert [view.id for view in spec.briefs] == [CHINESE.id, ENGLISH.id]
    feed = json.loads(writer(*briefs).json(spec))
    assert [item["url"] for item in feed["items"]] == [
        SITE.url + CHINESE.url,
        SITE.url + ENGLISH.url,
    ]
    with pytest.raises(ValueError, match="feed_size"):
        plan(*briefs, feed_size=0)


def test_company_and_theme_feeds() -> None:
    briefs = tuple(BRIEFS.values())
    site_plan = plan(*briefs)
    by_folder = {spec.folder: spec for spec in site_plan.feeds}
    assert (
        "" in by_folder and "companies/gac-group/" in by_folder and "themes/ai-cloud/" in by_folder
    )
    ai = by_folder["themes/ai-cloud/"]
    assert (ai.atom_url, ai.json_url) == ("themes/ai-cloud/feed.xml", "themes/ai-cloud/feed.json")
    assert {view.id for view in ai.briefs} == {ENGLISH.id, EDITED.id}
    made = writer(*briefs)
    parsed = feedparser.parse(made.atom(ai))
    assert parsed.bozo == 0
    assert parsed.feed.title == f"AI models & cloud · {SITE.title}"
    assert parsed.feed.link == f"{SITE.url}themes/ai-cloud/"
    huawei = next(spec for spec in site_plan.feeds if spec.title == "华为")
    assert huawei.lang == "zh"
    assert check_json_feed(made.json(huawei))["language"] == "zh"


def test_each_entry_is_built_once_and_reused() -> None:
    briefs = tuple(BRIEFS.values())
    site_plan = plan(*briefs)
    made = writer(*briefs)
    outputs = [(made.atom(spec), made.json(spec)) for spec in site_plan.feeds]
    assert len(made._entries) == len(briefs)
    again = writer(*briefs)
    assert outputs == [(again.atom(spec), again.json(spec)) for spec in site_plan.feeds]


def test_empty_feed_is_still_valid() -> None:
    spec = render_site.FeedSpec("", None, ())
    parsed = feedparser.parse(writer().atom(spec))
    assert parsed.bozo == 0 and parsed.entries == []
    assert parsed.feed.updated == "1970-01-01T00:00:00Z"
    assert check_json_feed(writer().json(spec))["items"] == []


def test_edited_markdown_keeps_its_markup_with_safe_absolute_links() -> None:
    view = plan(EDITED).briefs[EDITED.path or ""]
    body = (
        '<p><strong>BYD</strong> <a href="https://example.com/report">report</a> '
        '<a href="../../../companies/baidu/">Baidu</a></p>'
    )
    html = feeds.content_html(view, body, SITE.url)
    assert "<strong>BYD</strong>" in html
    assert '<a href="https://example.com/report" rel="noopener noreferrer">report</a>' in html
    page = SITE.url + view.url
    assert f'href="{page}../../../companies/baidu/"' not in html
    assert 'href="https://briefs.example.com/companies/baidu/"' in html
    inert(html)


def test_hostile_text_is_inert_in_both_feeds() -> None:
    site_plan = plan(HOSTILE_BRIEF, replace(HOSTILE, path=HOSTILE.path))
    made = writer(HOSTILE_BRIEF, HOSTILE)
    for spec in site_plan.feeds:
        atom = made.atom(spec)
        parsed = feedparser.parse(atom)
        assert parsed.bozo == 0, (spec.folder, parsed.get("bozo_exception"))
        assert "\x00" not in atom and "\x07" not in atom and "<script" not in atom
        for element in atom_entries(atom):
            content = element.find(f"{ATOM}content")
            assert content is not None and content.get("type") == "html"
            inert(content.text or "")
            title = element.findtext(f"{ATOM}title") or ""
            assert "<" not in title or title.startswith("</title><script>")  # plain text
        json_text = made.json(spec)
        for item in check_json_feed(json_text)["items"]:
            inert(item["content_html"])
        assert "\\u0000" not in json_text and "\\u0007" not in json_text
    entry = made.entry(site_plan.briefs["2026/11/hostile.md"])
    expected = '</title><script>alert(1)</script> ]]>  "><img src=x onerror=alert(2)>'
    parsed = feedparser.parse(made.atom(site_feed(site_plan)))
    titles = [e.title for e in parsed.entries]
    assert expected in titles  # the same plain text, minus what no reader can show
    items = json.loads(made.json(site_feed(site_plan)))["items"]
    assert expected in [item["title"] for item in items]
    assert entry.source_url is None  # javascript: URL: no link at all


# --- the built site -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("feeds"), search=False)
    assert build_site(root) == []
    return root / "site"


def test_site_writes_valid_feeds_for_site_companies_and_themes(site: Path) -> None:
    for folder in ("", "companies/gac-group/", "companies/baidu/", "themes/ai-cloud/"):
        atom = (site / folder / "feed.xml").read_text(encoding="utf-8")
        parsed = feedparser.parse(atom)
        assert parsed.bozo == 0, (folder, parsed.get("bozo_exception"))
        assert parsed.entries, folder
        for entry in atom_entries(atom):
            inert(entry.findtext(f"{ATOM}content") or "")
        check_json_feed((site / folder / "feed.json").read_text(encoding="utf-8"))
    everything = feedparser.parse((site / "feed.xml").read_text(encoding="utf-8"))
    assert len(everything.entries) == len(BRIEFS)


def test_site_feeds_use_each_rendered_page_body(site: Path) -> None:
    feed = json.loads((site / "feed.json").read_text(encoding="utf-8"))
    items = {item["url"]: item for item in feed["items"]}
    edited = items[f"https://briefs.example.com/{EDITED.url}"]["content_html"]
    assert "<strong>BYD and Baidu</strong>" in edited  # the editor's Markdown, rendered once
    assert '<a href="https://example.com/report" rel="noopener noreferrer">' in edited
    chinese = items[f"https://briefs.example.com/{CHINESE.url}"]["content_html"]
    assert '<h2 lang="en">Why it matters</h2>' in chinese
    hostile = items[f"https://briefs.example.com/{HOSTILE.url}"]["content_html"]
    inert(hostile)
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in hostile  # shown as text


def test_pages_link_their_feeds_in_head(site: Path) -> None:
    from bs4 import BeautifulSoup

    def alternates(path: Path) -> list[tuple[str, str]]:
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html5lib")
        assert soup.head is not None
        return [(str(a["type"]), str(a["href"])) for a in soup.head.select('link[rel="alternate"]')]

    site_feeds = [
        ("application/atom+xml", "https://briefs.example.com/feed.xml"),
        ("application/feed+json", "https://briefs.example.com/feed.json"),
    ]
    assert alternates(site / "index.html") == site_feeds
    assert alternates(site / ENGLISH.url / "index.html") == site_feeds
    assert alternates(site / "companies" / "gac-group" / "index.html") == [
        ("application/atom+xml", "https://briefs.example.com/companies/gac-group/feed.xml"),
        ("application/feed+json", "https://briefs.example.com/companies/gac-group/feed.json"),
        *site_feeds,
    ]
    assert alternates(site / "themes" / "policy" / "index.html")[0] == (
        "application/atom+xml",
        "https://briefs.example.com/themes/policy/feed.xml",
    )
