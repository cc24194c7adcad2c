"""Web sources (web ingest): seed lists, input kinds, feeds, and URLs/files/feeds as articles."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefgen.errors import IngestError
from briefgen.fetch import Fetcher, FetchSettings, PageCache
from briefgen.sources import (
    FeedItem,
    Kind,
    Outcome,
    classify,
    collect,
    has_full_content,
    parse_feed,
    read_list,
    seed_lists,
)
from tests.local_web import FEEDS, PAGES, LocalWeb, guard_network, serve

NEWS_URL = "https://www.autowire.example/industry/2026/05/geely-renault-horse-brazil"


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    guard_network(monkeypatch)


@pytest.fixture(scope="module")
def web() -> Iterator[LocalWeb]:
    with serve() as running:
        yield running


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[PageCache]:
    with PageCache.in_state_dir(tmp_path / ".briefgen") as opened:
        yield opened


def feed_text(name: str, web: LocalWeb) -> str:
    return (FEEDS / name).read_text("utf-8").replace("{BASE}", web.base)


# --- seed lists and input kinds ----------------------------------------------------------------


def test_seed_lists_skip_comments_blanks_and_repeats(tmp_path: Path) -> None:
    (tmp_path / "urls.txt").write_text(
        "\ufeff# Pages to ingest\nhttps://a.example/1\n\n  https://a.example/2   # a blog\n"
        "   # indented comment\nhttps://a.example/1\nhttps://a.example/3#section\n",
        encoding="utf-8",
    )
    (tmp_path / "feeds.txt").write_text("https://a.example/feed.xml\nhttps://a.example/2\n")
    assert read_list(tmp_path / "urls.txt") == [
        "https://a.example/1",
        "https://a.example/2",
        "https://a.example/3#section",
    ]
    assert seed_lists(tmp_path) == [*read_list(tmp_path / "urls.txt"), "https://a.example/feed.xml"]
    assert seed_lists(tmp_path / "nowhere") == []


def test_inputs_are_classified(tmp_path: Path) -> None:
    (tmp_path / "feed.xml").write_text("<rss version='2.0'><channel></channel></rss>")
    (tmp_path / "feed.txt").write_text(
        "<?xml version='1.0'?>\n<feed xmlns='http://www.w3.org/2005/Atom'>"
    )
    (tmp_path / "page.htm").write_text("<html></html>")
    (tmp_path / "note.md").write_text("# Title\n\nText.")
    assert classify("https://example.com/a") is Kind.URL
    assert classify("HTTP://example.com/feed") is Kind.URL
    assert classify(str(tmp_path / "feed.xml")) is Kind.FEED_FILE
    assert classify(str(tmp_path / "feed.txt")) is Kind.FEED_FILE  # sniffed
    assert classify(str(tmp_path / "page.htm")) is Kind.HTML_FILE
    assert classify(str(tmp_path / "note.md")) is Kind.TEXT_FILE
    assert classify(str(tmp_path)) is Kind.FOLDER


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("ftp://example.com/a.html", "ftp://example.com/a.html: ftp: URLs are not supported"),
        ("javascript:alert(1)", "javascript:alert(1): javascript: URLs are not supported"),
        ("file:///etc/passwd", "file:///etc/passwd: file: URLs are not supported"),
        ("missing/page.html", "missing/page.html: no such file or folder"),
    ],
)
def test_unsupported_inputs_are_refused(source: str, message: str) -> None:
    with pytest.raises(IngestError) as caught:
        classify(source)
    assert caught.value.message.startswith(message)


# --- feeds -------------------------------------------------------------------------------------


def test_rss_items(web: LocalWeb) -> None:
    feed = parse_feed(feed_text("rss.xml", web), web.url("/feeds/rss.xml"))
    assert feed.title == "AutoWire Daily - Industry"
    first, second, third = feed.items
    assert first.link == web.url("/pages/news_site.html?utm_source=rss&utm_medium=feed")
    assert first.title == "Geely and Renault take hybrid engine venture to Brazil"
    assert first.published == dt.date(2026, 5, 6)
    assert not has_full_content(first)
    assert second.author == "Ana Lima"
    assert second.content is not None and "series production of robotaxis" in second.content
    assert has_full_content(second)
    assert third.link == web.url("/status/404")


def test_atom_items_resolve_relative_links(web: LocalWeb) -> None:
    feed = parse_feed(feed_text("atom.xml", web), web.url("/feeds/atom.xml"))
    assert feed.title == "华东经济网 汽车频道"
    assert [item.link for item in feed.items] == [
        web.url("/pages/zh_news.html"),
        web.url("/pages/zh_portal.html"),
    ]
    assert [item.published for item in feed.items] == [dt.date(2026, 4, 13), dt.date(2026, 3, 18)]


def test_rdf_items(web: LocalWeb) -> None:
    feed = parse_feed(feed_text("rdf.xml", web))
    assert feed.items == (
        FeedItem(
            link=web.url("/pages/blog.html"),
            title="What a week inside a Shenzhen battery swap station taught me",
            published=dt.date(2026, 3, 2),
            content="Field notes from a NIO Power Swap Station.",
        ),
    )


@pytest.mark.parametrize(
    "text",
    ["<html><body>Not a feed</body></html>", "https://example.com/feed.xml", "", "/etc/hosts"],
)
def test_what_is_not_a_feed_is_refused_and_never_fetched(text: str) -> None:
    with pytest.raises(IngestError, match="not an RSS or Atom feed"):
        parse_feed(text, "https://example.com/feed")


# --- collecting: URLs, feeds and files become articles -----------------------------------------


def test_urls_feeds_and_files_become_articles_and_failures_say_why(
    web: LocalWeb, cache: PageCache, tmp_path: Path
) -> None:
    atom = tmp_path / "saved-feed.xml"
    atom.write_text(feed_text("atom.xml", web), encoding="utf-8")
    note = tmp_path / "note.txt"
    note.write_text("Pasted text.")
    sources = [
        web.url("/feeds/rss.xml"),
        web.url("/pages/blog.html"),
        web.url("/status/500"),
        str(PAGES / "zh_tw_news.html"),
        str(atom),
        web.url("/image.png"),
        web.url("/pages/paywall.html"),
        str(note),
    ]
    progress: list[tuple[int, int, str]] = []
    outcomes = collect(sources, Fetcher(cache=cache), progress=lambda *a: progress.append(a))
    summary = [(o.source, o.article.title if o.article else o.error) for o in outcomes]
    assert summary == [
        (
            web.url("/pages/news_site.html?utm_source=rss&utm_medium=feed"),
            "Geely and Renault take hybrid engine venture to Brazil",
        ),
        (
            web.url("/articles/toyota-pony-robotaxi-production"),
            "Toyota and Pony.ai start building robotaxis in Guangzhou",
        ),
        (web.url("/status/404"), f"{web.url('/status/404')}: HTTP 404 Not Found"),
        (
            web.url("/pages/blog.html"),
            "What a week inside a Shenzhen battery swap station taught me",
        ),
        (web.url("/status/500"), f"{web.url('/status/500')}: HTTP 500 Internal Server Error"),
        (str(PAGES / "zh_tw_news.html"), "鴻海與三菱汽車簽約 2026年起代工電動車供應澳洲"),
        (web.url("/pages/zh_news.html"), "宁德时代与长安汽车签署十年战略合作协议 共建换电网络"),
        (web.url("/pages/zh_portal.html"), "比亚迪匈牙利塞格德工厂正式投产 首款车型为海豚"),
        (web.url("/image.png"), f"{web.url('/image.png')}: not an HTML page or feed (image/png)"),
        (
            web.url("/pages/paywall.html"),
            f"{web.url('/pages/paywall.html')}: paywalled: only 11 words are free to read",
        ),
        (str(note), f"{note}: a text file is not a web source; ingest reads it"),
    ]
    assert [o.feed for o in outcomes[:3]] == [web.url("/feeds/rss.xml")] * 3
    assert outcomes[6].feed == str(atom)
    assert all(o.error is None or "\n" not in o.error for o in outcomes)
    # The feed carried the whole Toyota story: its page was never requested.
    assert web.hits["/articles/toyota-pony-robotaxi-production"] == 0
    toyota = outcomes[1].article
    assert toyota is not None
    assert toyota.byline == "Ana Lima" and toyota.source.name == "AutoWire Daily - Industry"
    assert toyota.published == dt.date(2026, 5, 4)
    # The brief links to the canonical URL, not the feed's tracking link.
    news = outcomes[0].article
    assert news is not None and news.source.url == NEWS_URL
    assert (news.source.name, news.published, news.language) == (
        "AutoWire Daily",
        dt.date(2026, 5, 6),
        "en",
    )
    assert len(progress) == len(sources) + 5  # the inputs, then the feed items


def test_a_second_run_requests_only_the_feeds(web: LocalWeb, cache: PageCache) -> None:
    sources = [web.url("/feeds/rss.xml"), web.url("/pages/blog.html")]
    first = collect(sources, Fetcher(cache=cache))
    before = web.hits.copy()
    again = collect(sources, Fetcher(cache=cache))
    assert [o.cached for o in again] == [True, True, False, True]
    assert [_id(o) for o in again] == [_id(o) for o in first]
    requested = {path for path in web.hits if web.hits[path] > before[path]}
    assert requested == {"/feeds/rss.xml", "/status/404"}  # the feed, and the item that failed
    # The canonical URL alone is enough to know a page was ingested.
    assert NEWS_URL in cache


def test_refresh_requests_everything_again(web: LocalWeb, cache: PageCache) -> None:
    collect([web.url("/pages/blog.html")], Fetcher(cache=cache))
    hits = web.hits["/pages/blog.html"]
    (outcome,) = collect([web.url("/pages/blog.html")], Fetcher(cache=cache, refresh=True))
    assert not outcome.cached and outcome.article is not None
    assert web.hits["/pages/blog.html"] == hits + 1


def test_a_feed_served_as_html_is_still_a_feed(web: LocalWeb) -> None:
    outcomes = collect([web.url("/feeds/rdf.xml?type=text/html")], Fetcher())
    assert [o.article.title if o.article else o.error for o in outcomes] == [
        "What a week inside a Shenzhen battery swap station taught me"
    ]


def test_fetch_limits_apply_to_feeds_and_their_items(web: LocalWeb) -> None:
    fetcher = Fetcher(FetchSettings(max_bytes=1000))
    feed_url, page_url = web.url("/feeds/rdf.xml"), web.url("/pages/blog.html")
    assert collect([feed_url], fetcher) == [
        Outcome(page_url, error=f"{page_url}: larger than 1 kB", feed=feed_url)
    ]
    small = Fetcher(FetchSettings(max_bytes=500))
    assert collect([feed_url], small) == [
        Outcome(feed_url, error=f"{feed_url}: larger than 0.5 kB")
    ]


def test_nothing_to_collect() -> None:
    assert collect([], Fetcher()) == []


def _id(outcome: Outcome) -> str | None:
    return outcome.article.id if outcome.article else None
