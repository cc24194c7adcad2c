"""Sources (web ingest): seed lists, what each input is, feeds as items, and inputs as Articles."""

from __future__ import annotations

import calendar
import datetime as dt
import enum
import html
import io
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import feedparser  # type: ignore[import-untyped]

from briefgen.errors import IngestError
from briefgen.fetch import Fetcher, Page, Progress, decode_body, is_web_url, run_bounded
from briefgen.models import Article
from briefgen.text import count_words
from briefgen.web_extract import Hints, extract, extract_file

URL_LIST = "urls.txt"
FEED_LIST = "feeds.txt"
MAX_ITEMS = 100
"""Items taken from one feed (newest first, as feeds list them)."""
FULL_CONTENT_WORDS = 150
"""A feed item carrying at least this many words is the article itself: no request for it."""

_HTML_SUFFIXES = (".html", ".htm", ".xhtml")
_FEED_SUFFIXES = (".xml", ".rss", ".atom", ".rdf")
_TEXT_SUFFIXES = (".txt", ".md", ".text")
_FEED_MARKERS = ("<rss", "<feed", "<rdf:rdf")
_TAG = re.compile(r"<[^>]+>")


class Kind(enum.Enum):
    """What an input names."""

    URL = "url"
    """An http(s) URL: a page or a feed, as the response tells."""
    FEED_FILE = "feed file"
    HTML_FILE = "HTML file"
    TEXT_FILE = "text file"
    """Pasted text or Markdown: read by `ingest.read_article`, not here."""
    FOLDER = "folder"
    """Expanded by `ingest.discover`, not here."""


@dataclass(frozen=True)
class FeedItem:
    """One entry of an RSS, Atom or RDF feed; `content` is (sanitised) HTML when the feed
    carries the item's text."""

    link: str | None
    title: str | None
    published: dt.date | None = None
    author: str | None = None
    content: str | None = None


@dataclass(frozen=True)
class Feed:
    title: str | None
    items: tuple[FeedItem, ...]


@dataclass(frozen=True)
class Outcome:
    """What became of one source: an article, or the one-line reason it failed."""

    source: str
    """The input as given, or a feed item's link (or `feed#n` when an item has none)."""
    article: Article | None = None
    error: str | None = None
    cached: bool = False
    """True when the page came from the cache: no request was made for it."""
    feed: str | None = None
    """The feed the item came from, for feed items."""


# --- inputs ------------------------------------------------------------------------------------


def read_list(path: Path) -> list[str]:
    """The entries of a seed list (`urls.txt`, `feeds.txt`): one per line, blank lines and
    `#` comments (whole line, or after a space) skipped, duplicates dropped, order kept."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise IngestError(str(path), f"cannot read: {error}", "save it as UTF-8 text") from None
    entries: list[str] = []
    for line in lines:
        entry = line.split(" #", 1)[0].split("\t#", 1)[0].strip()
        if entry and not entry.startswith("#") and entry not in entries:
            entries.append(entry)
    return entries


def seed_lists(seeds_dir: Path) -> list[str]:
    """URLs of `seeds/urls.txt` then feeds of `seeds/feeds.txt` (each optional)."""
    entries: list[str] = []
    for name in (URL_LIST, FEED_LIST):
        if (seeds_dir / name).is_file():
            entries.extend(e for e in read_list(seeds_dir / name) if e not in entries)
    return entries


def classify(source: str) -> Kind:
    """What `source` names; raises IngestError for other URL schemes and missing paths."""
    if is_web_url(source):
        return Kind.URL
    if "://" in source or source.lower().startswith(("javascript:", "mailto:", "data:")):
        scheme = source.split(":", 1)[0]
        raise IngestError(source, f"{scheme}: URLs are not supported", "give an http(s) URL")
    path = Path(source)
    if path.is_dir():
        return Kind.FOLDER
    if not path.is_file():
        raise IngestError(source, "no such file or folder", "check the path")
    suffix = path.suffix.lower()
    if suffix in _HTML_SUFFIXES:
        return Kind.HTML_FILE
    if suffix in _FEED_SUFFIXES or _starts_like_feed(path):
        return Kind.FEED_FILE
    return Kind.TEXT_FILE


def _starts_like_feed(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(1024).decode("utf-8", "replace").lower()
    except OSError:
        return False
    return any(marker in head for marker in _FEED_MARKERS)


# --- feeds -------------------------------------------------------------------------------------


def parse_feed(text: str, url: str | None = None) -> Feed:
    """The items of an RSS 0.9x/2.0, RDF (RSS 1.0) or Atom feed, in feed order (at most
    MAX_ITEMS). Relative links resolve against `url`. Raises IngestError when it is no feed."""
    # A stream, never a string: feedparser fetches strings that look like URLs or file names.
    headers = {"content-type": "application/xml; charset=utf-8"}
    if url:
        headers["content-location"] = url
    parsed = feedparser.parse(io.BytesIO(text.encode("utf-8")), response_headers=headers)
    if not parsed.get("version") or (parsed.get("bozo") and not parsed.entries):
        raise IngestError(url or "<feed>", "not an RSS or Atom feed", "check the feed URL")
    title = _text(parsed.feed.get("title"))
    # A saved feed file has no URL: its own <link> is the base of relative item links.
    base = url or parsed.feed.get("link") or ""
    return Feed(title, tuple(_item(entry, base) for entry in parsed.entries[:MAX_ITEMS]))


def _item(entry: Any, base: str) -> FeedItem:
    link = entry.get("link") or (entry.get("id") if is_web_url(entry.get("id") or "") else None)
    if link and not is_web_url(link) and is_web_url(base):
        link = urljoin(base, link)
    contents = [c.get("value", "") for c in entry.get("content") or [] if c.get("value")]
    content = max(contents, key=len) if contents else entry.get("summary")
    return FeedItem(
        link=link if link and is_web_url(link) else None,
        title=_text(entry.get("title")),
        published=_struct_date(entry.get("published_parsed") or entry.get("updated_parsed")),
        author=_text(entry.get("author")),
        content=content or None,
    )


def _text(value: object) -> str | None:
    return " ".join(value.split()) or None if isinstance(value, str) else None


def _struct_date(value: time.struct_time | None) -> dt.date | None:
    if value is None:
        return None
    return dt.datetime.fromtimestamp(calendar.timegm(value), dt.UTC).date()


def has_full_content(item: FeedItem) -> bool:
    """Whether the feed carries the item's whole text (no need to fetch its page)."""
    if not item.content:
        return False
    plain = html.unescape(_TAG.sub(" ", item.content))
    return count_words(plain) >= FULL_CONTENT_WORDS


def item_page(item: FeedItem, where: str) -> Page:
    """A feed item carrying its text, as a small HTML page for `web_extract.extract`."""
    title = html.escape(item.title or "")
    link = f'<link rel="canonical" href="{html.escape(item.link)}">' if item.link else ""
    body = f"<html><head><title>{title}</title>{link}</head><body><article><h1>{title}</h1>"
    body += f"{item.content or ''}</article></body></html>"
    url = item.link or where
    return Page(url, url, "text/html", body)


# --- collecting --------------------------------------------------------------------------------


def collect(
    sources: Sequence[str], fetcher: Fetcher, *, progress: Progress | None = None
) -> list[Outcome]:
    """Articles from web sources: URLs (pages or feeds), saved HTML pages and feed files.

    Requests run concurrently (at most `fetcher.settings.workers`); outcomes come back in input
    order, each feed followed by its items. A page already in the fetcher's cache is not
    requested again (`Outcome.cached`). Text files and folders belong to `ingest` and come back
    as failures saying so. Nothing here raises for a bad source.
    """
    workers = fetcher.settings.workers
    opened = run_bounded(
        lambda source: _open_source(source, fetcher), sources, workers=workers, progress=progress
    )
    outcomes: list[Outcome] = []
    jobs: list[_ItemJob] = []
    for source, result in zip(sources, opened, strict=True):
        if isinstance(result, IngestError):
            outcomes.append(Outcome(source, error=result.message))
        elif isinstance(result, Outcome):
            outcomes.append(result)
        else:
            for number, item in enumerate(result.items, start=1):
                jobs.append(_ItemJob(len(outcomes), item, result, source))
                outcomes.append(Outcome(item.link or f"{source}#{number}", feed=source))
    done = run_bounded(
        lambda job: _item_outcome(job, fetcher),
        jobs,
        workers=workers,
        progress=progress,
        label=lambda job: job.item.link or job.feed_source,
    )
    for job, result in zip(jobs, done, strict=True):
        if isinstance(result, IngestError):
            outcomes[job.index] = replace(outcomes[job.index], error=result.message)
        else:
            outcomes[job.index] = replace(result, feed=job.feed_source)
    return outcomes


@dataclass(frozen=True)
class _ItemJob:
    index: int
    """Where the item's outcome goes in the list `collect` returns."""
    item: FeedItem
    feed: Feed
    feed_source: str


def _open_source(source: str, fetcher: Fetcher) -> Outcome | Feed:
    """A page's outcome, or a feed whose items are fetched next (raises IngestError)."""
    kind = classify(source)
    if kind is Kind.HTML_FILE:
        return Outcome(source, article=extract_file(Path(source), source))
    if kind is Kind.FEED_FILE:
        return parse_feed(decode_body(_read_file(source), where=source))
    if kind is not Kind.URL:
        raise IngestError(source, f"a {kind.value} is not a web source", "ingest reads it")
    page = fetcher.get(source, accept="any")
    if page.is_feed:
        return parse_feed(page.text, page.final_url)
    return _page_outcome(source, page, fetcher, Hints())


def _item_outcome(job: _ItemJob, fetcher: Fetcher) -> Outcome:
    item = job.item
    hints = Hints(item.title, item.published, job.feed.title, item.author)
    where = item.link or job.feed_source
    if has_full_content(item):
        seen = fetcher.cache is not None and item.link is not None and item.link in fetcher.cache
        outcome = _page_outcome(where, item_page(item, where), fetcher, hints)
        return replace(outcome, cached=seen)
    if item.link is None:
        raise IngestError(job.feed_source, f"item {item.title!r} has no link and no text")
    return _page_outcome(where, fetcher.get(item.link, accept="html"), fetcher, hints)


def _page_outcome(source: str, page: Page, fetcher: Fetcher, hints: Hints) -> Outcome:
    article = extract(page.text, page.final_url, None, hints=hints)
    fetcher.remember(page, article.source.url)
    return Outcome(source, article=article, cached=page.from_cache)


def _read_file(source: str) -> bytes:
    try:
        return Path(source).read_bytes()
    except OSError as error:
        raise IngestError(source, f"cannot read: {error.strerror}", "check the path") from None
