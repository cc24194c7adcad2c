"""Collect: every article to brief this run, from files, URLs and feeds, one per story."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from briefgen import dedupe, fetch, ingest, sources, web_extract
from briefgen.atomic_files import atomic_write
from briefgen.errors import IngestError
from briefgen.models import Article, Source
from briefgen.workers import Workers

log = logging.getLogger("briefgen")

HTML_SUFFIXES = (".html", ".htm")


@dataclass(frozen=True)
class Collected:
    """An article read this run, with the other outlets that reported the same story."""

    display: str
    article: Article
    also: tuple[Source, ...] = ()


@dataclass
class Gathering:
    """What became of every source of a run."""

    fresh: list[Collected] = field(default_factory=list)
    """Articles read this run, one per story, in input order."""
    settled: list[tuple[str, str]] = field(default_factory=list)
    """(source, article id) of seeds skipped unread: same bytes as last run, brief settled."""
    failed: list[tuple[str, str]] = field(default_factory=list)
    """(source, one-line reason)."""
    merged: list[tuple[str, str]] = field(default_factory=list)
    """(source, source it was merged into): the same story, reported again."""

    @property
    def total(self) -> int:
        return len(self.fresh) + len(self.settled) + len(self.failed) + len(self.merged)


def gather(
    inputs: Sequence[str | Path],
    *,
    root: Path,
    state_dir: Path,
    settled: Callable[[str], bool],
    workers: Workers,
    site_url: str = "",
    entities: Callable[[Article], Iterable[str]] | None = None,
    refresh: bool = False,
) -> Gathering:
    """Read every input: files and folders (`.txt`, `.md`, `.html`), URLs, feed URLs and feed
    files. A seed whose bytes did not change since the last run and whose brief is `settled`
    (current or edited by hand) is not read again; a web page already fetched is not
    requested again unless `refresh`. Failures are collected, never raised."""
    result = Gathering()
    local: list[Path] = []
    web: list[str] = []
    for item in inputs:
        try:
            kind = sources.classify(str(item))
        except IngestError as error:
            result.failed.append((str(item), error.message))
            continue
        if kind in (sources.Kind.URL, sources.Kind.FEED_FILE):
            web.append(str(item))
        else:
            local.append(Path(item))
    read = _read_local(local, root, state_dir, settled, workers, result)
    read += _read_web(web, state_dir, site_url, refresh, result)
    _merge_stories(read, result, entities)
    return result


def _read_local(
    paths: list[Path],
    root: Path,
    state_dir: Path,
    settled: Callable[[str], bool],
    workers: Workers,
    result: Gathering,
) -> list[tuple[str, Article]]:
    cache = _SeedCache(state_dir / "seeds.json")
    to_read: list[tuple[Path, str, str]] = []
    try:
        files = ingest.discover(paths)
    except IngestError as error:
        result.failed.append((", ".join(map(str, paths)), error.message))
        return []
    for path in files:
        display = _display(path, root)
        digest = _file_digest(path)
        known = cache.article_id(display, digest)
        if known is not None and settled(known):
            result.settled.append((display, known))
        else:
            to_read.append((path, display, digest))
    read = []
    articles = workers.map(_read_file, [(path, display) for path, display, _ in to_read])
    for (_, display, digest), article in zip(to_read, articles, strict=True):
        if isinstance(article, str):
            result.failed.append((display, article))
        else:
            cache.remember(display, digest, article.id)
            read.append((display, article))
    cache.save()
    return read


def _read_file(job: tuple[Path, str]) -> Article | str:
    """Worker: one article, or the one-line reason it could not be read."""
    path, display = job
    try:
        if path.suffix.lower() in HTML_SUFFIXES:
            return web_extract.extract_file(path, display)
        return ingest.read_article(path, display)
    except IngestError as error:  # ClickExceptions do not survive pickling: send the text
        return error.message


def _read_web(
    inputs: list[str], state_dir: Path, site_url: str, refresh: bool, result: Gathering
) -> list[tuple[str, Article]]:
    if not inputs:
        return []
    settings = fetch.FetchSettings(user_agent=fetch.user_agent(site_url))
    read = []
    with fetch.PageCache.in_state_dir(state_dir) as cache:
        fetcher = fetch.Fetcher(settings, cache, refresh=refresh)
        for outcome in sources.collect(inputs, fetcher, progress=_progress):
            if outcome.article is not None:
                read.append((outcome.source, outcome.article))
            else:
                result.failed.append((outcome.source, outcome.error or "nothing to read"))
    return read


def _progress(done: int, total: int, label: str) -> None:
    log.debug("Fetched %d/%d %s", done, total, label)


def _merge_stories(
    read: list[tuple[str, Article]],
    result: Gathering,
    entities: Callable[[Article], Iterable[str]] | None,
) -> None:
    """One entry per story: exact copies and near-duplicates (rewrites, syndicated copies,
    translations) collapse into their primary, which lists the others as `also`."""
    display_of = {id(article): display for display, article in read}
    unique: list[Article] = []
    seen: dict[str, str] = {}
    for display, article in read:
        if article.id in seen:
            result.merged.append((display, seen[article.id]))
        else:
            seen[article.id] = display
            unique.append(article)
    for story in dedupe.cluster(unique, entities=entities):
        primary = display_of[id(story.primary)]
        result.fresh.append(Collected(primary, story.primary, story.also))
        result.merged += [(display_of[id(other)], primary) for other in story.others]


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""  # unreadable: reading it again reports why


def _display(path: Path, root: Path) -> str:
    """A path as the user thinks of it: relative to the project when inside it."""
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


class _SeedCache:
    """Which article each seed file held when last read (by content hash): a seed whose bytes
    did not change need not be parsed again. Local state, never a source of truth."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.entries: dict[str, list[str]] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.entries = {}
        self.changed = False

    def article_id(self, display: str, digest: str) -> str | None:
        entry = self.entries.get(display)
        return entry[1] if entry and entry[0] == digest else None

    def remember(self, display: str, digest: str, article_id: str) -> None:
        if self.entries.get(display) != [digest, article_id]:
            self.entries[display] = [digest, article_id]
            self.changed = True

    def save(self) -> None:
        if self.changed:
            atomic_write(self.path, json.dumps(self.entries, sort_keys=True, indent=0))
