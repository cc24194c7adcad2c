"""Fetching (web ingest): limits, redirects, failures with their reasons, charsets, the cache."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefgen import __version__
from briefgen.fetch import (
    Fetcher,
    FetchError,
    FetchSettings,
    Page,
    PageCache,
    decode_body,
    normalise_url,
    run_bounded,
    user_agent,
)
from tests.local_web import PAGES, ExternalNetworkError, LocalWeb, guard_network, serve

LIMIT = 100_000


@pytest.fixture(autouse=True)
def connected(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every test here runs with the network guard: only 127.0.0.1 can be reached."""
    return guard_network(monkeypatch)


@pytest.fixture(scope="module")
def web() -> Iterator[LocalWeb]:
    with serve() as running:
        yield running


@pytest.fixture
def fetcher() -> Fetcher:
    settings = FetchSettings(timeout=0.5, deadline=1.0, max_bytes=LIMIT, max_redirects=5)
    return Fetcher(settings)


def failure(fetcher: Fetcher, url: str, accept: str = "html") -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetcher.get(url, accept)  # type: ignore[arg-type]
    return caught.value


# --- pages and what is sent --------------------------------------------------------------------


def test_a_page_is_fetched_with_an_identifying_user_agent(web: LocalWeb) -> None:
    agent = user_agent("https://briefs.example.com")
    page = Fetcher(FetchSettings(user_agent=agent)).get(web.url("/pages/blog.html"))
    assert agent == f"briefgen/{__version__} (+https://briefs.example.com)"
    assert web.user_agents[-1] == agent
    assert page.final_url == page.url == web.url("/pages/blog.html")
    assert page.content_type == "text/html"
    assert "Shenzhen battery swap station" in page.text
    assert not page.from_cache and not page.is_feed


def test_gzip_bodies_are_decompressed(web: LocalWeb, fetcher: Fetcher) -> None:
    page = fetcher.get(web.url("/gzip/blog.html"))
    assert "Power Swap Station" in page.text


def test_a_vague_content_type_is_decided_by_the_body(web: LocalWeb, fetcher: Fetcher) -> None:
    assert "Power Swap Station" in fetcher.get(web.url("/octet")).text


def test_feeds_are_recognised_by_type_or_by_content(web: LocalWeb, fetcher: Fetcher) -> None:
    assert fetcher.get(web.url("/feeds/rss.xml"), "feed").is_feed
    assert fetcher.get(web.url("/feeds/atom.xml?type=text/html"), "any").is_feed
    assert not fetcher.get(web.url("/pages/blog.html"), "any").is_feed
    assert failure(fetcher, web.url("/feeds/rss.xml"), "html").kind == "type"
    assert failure(fetcher, web.url("/pages/blog.html"), "feed").kind == "type"


# --- charsets ----------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "?charset=gb2312", "?charset=utf-8"])
def test_gb2312_page_decodes_whatever_the_header_says(
    web: LocalWeb, fetcher: Fetcher, query: str
) -> None:
    """The meta tag says gb2312 (decoded as its superset GB18030); a wrong header is survived."""
    page = fetcher.get(web.url("/pages/zh_news.html" + query))
    assert "宁德时代与长安汽车签署十年战略合作协议" in page.text
    assert "\ufffd" not in page.text


def test_big5_page_decodes(web: LocalWeb, fetcher: Fetcher) -> None:
    page = fetcher.get(web.url("/pages/zh_tw_news.html"))
    assert "鴻海與三菱汽車簽約" in page.text


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("<p>宁德时代与长安汽车签署十年战略合作协议，双方将开展全面合作。</p>", "gb18030"),
        ("<p>鴻海與三菱汽車簽署電動車委託設計製造合約，首批車款將銷往澳洲。</p>", "big5"),
        ("<p>Café déjà vu, naïve façade.</p>", "cp1252"),
        ("<p>Plain UTF-8 — with a dash.</p>", "utf-8"),
    ],
)
def test_undeclared_charsets_are_detected(text: str, codec: str) -> None:
    assert decode_body(text.encode(codec)) == text


def test_the_bom_wins_over_a_wrong_declaration() -> None:
    body = b"\xef\xbb\xbf<meta charset='big5'><p>\xe6\xb5\x8b\xe8\xaf\x95</p>"
    assert decode_body(body, "latin-1") == "<meta charset='big5'><p>测试</p>"


# --- redirects ---------------------------------------------------------------------------------


def test_redirects_are_followed_up_to_the_limit(web: LocalWeb, fetcher: Fetcher) -> None:
    page = fetcher.get(web.url("/redirect/5"))
    assert page.url == web.url("/redirect/5")
    assert page.final_url == web.url("/pages/news_site.html")
    error = failure(fetcher, web.url("/redirect/6"))
    assert (error.kind, error.reason) == ("redirect", "more than 5 redirects")


def test_a_redirect_loop_is_reported(web: LocalWeb, fetcher: Fetcher) -> None:
    error = failure(fetcher, web.url("/loop/a"))
    assert error.kind == "redirect"
    assert error.reason == f"redirect loop at {web.url('/loop/a')}"


@pytest.mark.parametrize("scheme", ["file", "ftp", "javascript"])
def test_redirects_to_other_schemes_are_refused(
    web: LocalWeb, fetcher: Fetcher, scheme: str
) -> None:
    error = failure(fetcher, web.url(f"/to/{scheme}"))
    assert error.kind == "scheme"
    refused = f"a redirect to a {scheme}: URL is refused: only http and https are fetched"
    assert error.reason == refused


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://127.0.0.1/a.html", "javascript:alert(1)", "/relative"]
)
def test_only_http_urls_are_requested(web: LocalWeb, fetcher: Fetcher, url: str) -> None:
    before = sum(web.hits.values())
    assert failure(fetcher, url).kind == "scheme"
    assert sum(web.hits.values()) == before


# --- failures, each with its reason ------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "kind", "reason"),
    [
        ("/status/404", "http", "HTTP 404 Not Found"),
        ("/status/500", "http", "HTTP 500 Internal Server Error"),
        ("/status/403", "http", "HTTP 403 Forbidden"),
        ("/image.png", "type", "not an HTML page (image/png)"),
        ("/empty", "empty", "empty response"),
        ("/huge", "too-large", "larger than 100 kB"),
        ("/huge-unsized", "too-large", "larger than 100 kB"),
        ("/gzip-bomb", "too-large", "larger than 100 kB"),
        ("/slow", "timeout", "timed out after 0.5 s"),
        ("/drip", "timeout", "timed out after 1 s"),
    ],
)
def test_failures_name_their_reason(
    web: LocalWeb, fetcher: Fetcher, path: str, kind: str, reason: str
) -> None:
    error = failure(fetcher, web.url(path))
    assert (error.kind, error.reason) == (kind, reason)
    assert error.message == f"{web.url(path)}: {reason}"
    assert "\n" not in error.message


def test_a_dropped_connection_is_reported(web: LocalWeb, fetcher: Fetcher) -> None:
    error = failure(fetcher, web.url("/drop"))
    assert error.kind == "broken"
    assert error.reason.startswith("connection broken: ")


def test_dns_failure_is_reported_without_leaving_the_machine(fetcher: Fetcher) -> None:
    error = failure(fetcher, "https://news.example.invalid/a")
    assert (error.kind, error.reason) == ("dns", "DNS lookup failed for news.example.invalid")


def test_a_refused_connection_is_reported(fetcher: Fetcher) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nobody listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = failure(fetcher, f"http://127.0.0.1:{port}/")
    assert (error.kind, error.reason) == ("connect", "connection refused")


def test_one_failure_does_not_stop_the_others(web: LocalWeb, fetcher: Fetcher) -> None:
    paths = ["/pages/blog.html", "/status/404", "/slow", "/image.png", "/pages/news_site.html"]
    progress: list[tuple[int, int, str]] = []
    results = run_bounded(
        lambda p: fetcher.get(web.url(p)), paths, workers=3, progress=lambda *a: progress.append(a)
    )
    assert isinstance(results[0], Page) and isinstance(results[4], Page)
    assert [getattr(r, "kind", None) for r in results[1:4]] == ["http", "timeout", "type"]
    assert [done for done, _, _ in progress] == [1, 2, 3, 4, 5]
    assert {total for _, total, _ in progress} == {5}
    assert sorted(label for _, _, label in progress) == sorted(paths)


def test_concurrency_is_bounded_and_order_kept() -> None:
    active, peak = 0, 0
    lock = threading.Lock()

    def work(n: int) -> int:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.02 * (n % 3))
        with lock:
            active -= 1
        return n * n

    assert run_bounded(work, list(range(12)), workers=4) == [n * n for n in range(12)]
    assert peak <= 4


# --- the cache ---------------------------------------------------------------------------------


def test_an_ingested_url_is_not_requested_again(web: LocalWeb, tmp_path: Path) -> None:
    path = "/pages/blog.html"
    with PageCache.in_state_dir(tmp_path / ".briefgen") as cache:
        fetcher = Fetcher(cache=cache)
        page = fetcher.get(web.url(path))
        fetcher.remember(page, "https://chargingcurve.example/2026/03/02/week/")
        hits = web.hits[path]
        again = fetcher.get(web.url(path) + "?utm_source=newsletter#comments")
        assert again.from_cache and again.text == page.text
        assert fetcher.get("https://chargingcurve.example/2026/03/02/week/").from_cache
        assert web.hits[path] == hits
    # A later run (new process, same state folder) still knows it; --refresh asks again.
    with PageCache.in_state_dir(tmp_path / ".briefgen") as cache:
        assert Fetcher(cache=cache).get(web.url(path)).from_cache
        assert not Fetcher(cache=cache, refresh=True).get(web.url(path)).from_cache
        assert web.hits[path] == hits + 1
        assert [p.final_url for p in cache.pages()] == [web.url(path)]
    assert (tmp_path / ".briefgen" / "web-pages.sqlite").is_file()


def test_a_redirected_page_is_cached_under_both_urls(web: LocalWeb, tmp_path: Path) -> None:
    with PageCache(tmp_path / "cache.sqlite") as cache:
        fetcher = Fetcher(cache=cache)
        fetcher.remember(fetcher.get(web.url("/redirect/2")))
        assert web.url("/redirect/2") in cache
        assert web.url("/pages/news_site.html") in cache


def test_feeds_are_always_requested(web: LocalWeb, tmp_path: Path) -> None:
    with PageCache(tmp_path / "cache.sqlite") as cache:
        fetcher = Fetcher(cache=cache)
        fetcher.remember(fetcher.get(web.url("/feeds/rdf.xml"), "feed"))
        hits = web.hits["/feeds/rdf.xml"]
        assert not fetcher.get(web.url("/feeds/rdf.xml"), "feed").from_cache
        assert web.hits["/feeds/rdf.xml"] == hits + 1


def test_an_unfetched_page_is_not_cached(web: LocalWeb, tmp_path: Path) -> None:
    with PageCache(tmp_path / "cache.sqlite") as cache:
        fetcher = Fetcher(FetchSettings(timeout=0.5), cache=cache)
        with pytest.raises(FetchError):
            fetcher.get(web.url("/status/404"))
        assert web.url("/status/404") not in cache


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("HTTPS://Example.COM:443/a?b=2&a=1#top", "https://example.com/a?a=1&b=2"),
        ("http://example.com", "http://example.com/"),
        ("http://example.com:8080/x?utm_source=rss&id=7", "http://example.com:8080/x?id=7"),
        ("https://example.com/x?fbclid=abc&gclid=d", "https://example.com/x"),
    ],
)
def test_urls_are_normalised_for_the_cache(url: str, key: str) -> None:
    assert normalise_url(url) == key


# --- nothing leaves the machine ----------------------------------------------------------------


def test_the_guard_refuses_other_hosts(web: LocalWeb, connected: list[object]) -> None:
    with socket.socket() as sock, pytest.raises(ExternalNetworkError):
        sock.connect(("93.184.216.34", 80))
    Fetcher().get(web.url("/pages/blog.html"))
    assert connected and all(address[0] == "127.0.0.1" for address in connected)  # type: ignore[index]


def test_the_pages_used_here_exist() -> None:
    assert {p.name for p in PAGES.glob("*.html")} >= {"news_site.html", "blog.html", "zh_news.html"}


# --- addresses: no requests to the machines around us --------------------------------------------


def loopback_only() -> Fetcher:
    return Fetcher(FetchSettings(timeout=0.5, deadline=1.0, allowed_networks=("127.0.0.1/32",)))


def test_private_and_loopback_addresses_are_refused_by_default(
    web: LocalWeb, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BRIEFGEN_ALLOW_PRIVATE_URLS")
    strict = Fetcher(FetchSettings(timeout=0.5, deadline=1.0))
    assert strict.settings.allowed_networks == ()
    before = web.hits["/pages/blog.html"]
    for url in (web.url("/pages/blog.html"), "http://localhost:9/", "http://[::1]:9/x"):
        error = failure(strict, url)
        assert error.kind == "private", error.message
        assert "is not a public address; set BRIEFGEN_ALLOW_PRIVATE_URLS=1" in error.message
    for address in ("10.1.2.3", "169.254.169.254", "192.168.0.1", "100.64.0.1", "0.0.0.0"):
        assert failure(strict, f"http://{address}/latest/meta-data/").kind == "private"
    assert web.hits["/pages/blog.html"] == before, "refused before any request"


def test_every_redirect_hop_is_checked(web: LocalWeb, connected: list[object]) -> None:
    fetcher = loopback_only()
    assert fetcher.get(web.url("/pages/blog.html")).text  # 127.0.0.1 allowed here
    metadata = "http://169.254.169.254/latest/meta-data/"
    error = failure(fetcher, web.url(f"/redirect/2?to={metadata}"))
    assert (error.kind, error.url) == ("private", web.url(f"/redirect/2?to={metadata}"))
    assert "169.254.169.254" in error.message
    assert not any("169.254" in str(address) for address in connected)


def test_a_name_is_checked_by_every_address_it_resolves_to(web: LocalWeb) -> None:
    """localhost resolves to 127.0.0.1 and, on most machines, ::1: only the first is allowed."""
    port = web.base.rsplit(":", 1)[1]
    resolved = {info[4][0] for info in socket.getaddrinfo("localhost", int(port))}
    url = f"http://localhost:{port}/pages/blog.html"
    if resolved <= {"127.0.0.1"}:
        assert loopback_only().get(url).text
    else:
        assert failure(loopback_only(), url).kind == "private"


# --- conditional GET of feeds ------------------------------------------------------------------


def test_a_feed_is_asked_for_only_if_it_changed(web: LocalWeb, tmp_path: Path) -> None:
    url = web.url("/etag/rss.xml")
    with PageCache.in_state_dir(tmp_path / ".briefgen") as cache:
        fetcher = Fetcher(cache=cache)
        first = fetcher.get(url, accept="feed")
        assert first.is_feed and not first.from_cache and web.not_modified == 0
        again = fetcher.get(url, accept="any")
        assert web.not_modified == 1 and web.hits["/etag/rss.xml"] == 2
        assert again.from_cache and again.text == first.text  # the same items: none is new
        forced = Fetcher(cache=cache, refresh=True).get(url, accept="feed")
        assert not forced.from_cache and web.not_modified == 1
    with PageCache.in_state_dir(tmp_path / ".briefgen") as cache:  # kept across runs
        assert Fetcher(cache=cache).get(url, accept="feed").from_cache
        assert web.not_modified == 2


def test_a_feed_without_validators_is_fetched_whole_every_time(
    web: LocalWeb, tmp_path: Path
) -> None:
    with PageCache.in_state_dir(tmp_path / ".briefgen") as cache:
        fetcher = Fetcher(cache=cache)
        for _ in range(2):
            assert not fetcher.get(web.url("/feeds/atom.xml"), accept="feed").from_cache
        assert cache.feed(web.url("/feeds/atom.xml")) is None
