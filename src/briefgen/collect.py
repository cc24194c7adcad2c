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
    cache = _SeedCache(state_dir / "seeds.json")
    skipped: set[str] = set()
    read = _read_local(local, root, cache, settled, workers, result, skipped)
    read += _read_web(web, state_dir, site_url, refresh, result)
    read = _merged_before(read, cache, skipped, result)
    _merge_stories(read, result, entities)
    _remember(read, cache, result)
    cache.save()
    return result


def _read_local(
    paths: list[Path],
    root: Path,
    cache: _SeedCache,
    settled: Callable[[str], bool],
    workers: Workers,
    result: Gathering,
    skipped: set[str],
) -> list[tuple[str, Article]]:
    """Read the seed files that need it. A story is skipped unread, all of it or none of it:
    its primary seed when its bytes did not change and its brief is `settled`, with the seeds
    merged into it last run when their bytes did not change either. Reading only part of a
    story would make its other reports look like new stories (a new brief on every rebuild)."""
    try:
        files = ingest.discover(paths)
    except IngestError as error:
        result.failed.append((", ".join(map(str, paths)), error.message))
        return []
    digests = {display_path(path, root): (path, _file_digest(path)) for path in files}
    members: dict[str, list[str]] = {}
    for display in digests:
        primary = cache.merged_into(display)
        if primary is not None:
            members.setdefault(primary, []).append(display)

    def unchanged(display: str) -> bool:
        return cache.article_id(display, digests[display][1]) is not None

    def story_settled(primary: str) -> bool:
        """Whether a story's primary is a seed file left unread. It may be outside this run's
        inputs (`briefgen ingest one.txt`); a web page is read on every run (page cache)."""
        known = cache.primary_id(primary)
        if known is None or not cache.entries[primary][0]:
            return False
        if primary in digests and not unchanged(primary):
            return False
        return settled(known) and all(unchanged(member) for member in members.get(primary, []))

    to_read: list[tuple[Path, str, str]] = []
    for display, (path, digest) in digests.items():
        primary = cache.merged_into(display)
        if not unchanged(display):
            to_read.append((path, display, digest))
        elif primary is None and story_settled(display):
            result.settled.append((display, cache.primary_id(display) or ""))
            skipped.add(display)
        elif primary is not None and story_settled(primary):
            result.merged.append((display, primary))
            skipped.add(display)
        else:
            to_read.append((path, display, digest))
    read = []
    articles = workers.map(_read_file, [(path, display) for path, display, _ in to_read])
    for (_, display, digest), article in zip(to_read, articles, strict=True):
        if isinstance(article, str):
            result.failed.append((display, article))
        else:
            cache.digests[display] = digest
            read.append((display, article))
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


def _merged_before(
    read: list[tuple[str, Article]], cache: _SeedCache, skipped: set[str], result: Gathering
) -> list[tuple[str, Article]]:
    """Reports read this run (a web page is read on every run) that last run merged into a
    story skipped unread this run, unchanged since: merged into it again, not new stories."""
    kept = []
    for display, article in read:
        primary = cache.merged_into(display)
        if primary in skipped and cache.entries[display][1] == article.id:
            result.merged.append((display, primary))
        else:
            kept.append((display, article))
    return kept


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
    copies: list[tuple[str, str]] = []
    for display, article in read:
        if article.id in seen:
            copies.append((display, seen[article.id]))
        else:
            seen[article.id] = display
            unique.append(article)
    story_of: dict[str, str] = {}
    for story in dedupe.cluster(unique, entities=entities):
        primary = display_of[id(story.primary)]
        result.fresh.append(Collected(primary, story.primary, story.also))
        result.merged += [(display_of[id(other)], primary) for other in story.others]
        story_of.update((display_of[id(other)], primary) for other in story.others)
    # An exact copy joins the story of the report it copies (which may itself be merged).
    result.merged += [(display, story_of.get(first, first)) for display, first in copies]


def _remember(read: list[tuple[str, Article]], cache: _SeedCache, result: Gathering) -> None:
    """Record what each source read this run held and the story it was merged into."""
    primary_of = dict(result.merged)
    for display, article in read:
        cache.remember(display, article.id, primary_of.get(display))


def _file_digest(path: Path) -> str:
    try:
        if path.stat().st_size > ingest.MAX_FILE_BYTES:
            return ""  # refused unread: reading it "again" reports why
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""  # unreadable: reading it again reports why


def display_path(path: Path, root: Path) -> str:
    """A path as the user thinks of it: relative to the project when inside it."""
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


class _SeedCache:
    """What each source held when last read: the seed file's content hash (empty for web
    pages), its article id, and the source of the story it was merged into (none for a
    story's primary). A seed whose bytes did not change need not be parsed again. Local state,
    never a source of truth: entries written by older versions have no third item."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            entries = {}
        self.entries: dict[str, list[str | None]] = {
            key: value
            for key, value in (entries.items() if isinstance(entries, dict) else ())
            if isinstance(value, list)
            and len(value) in (2, 3)
            and all(isinstance(item, str) or item is None for item in value)
        }
        self.digests: dict[str, str] = {}
        """Content hash of each seed file read this run."""
        self.changed = False

    def article_id(self, display: str, digest: str) -> str | None:
        entry = self.entries.get(display)
        return entry[1] if entry and digest and entry[0] == digest else None

    def merged_into(self, display: str) -> str | None:
        entry = self.entries.get(display)
        return entry[2] if entry and len(entry) == 3 else None

    def primary_id(self, display: str) -> str | None:
        entry = self.entries.get(display)
        return entry[1] if entry and self.merged_into(display) is None else None

    def remember(self, display: str, article_id: str, merged_into: str | None) -> None:
        entry: list[str | None] = [self.digests.get(display, ""), article_id]
        if merged_into is not None:
            entry.append(merged_into)
        if self.entries.get(display) != entry:
            self.entries[display] = entry
            self.changed = True

    def save(self) -> None:
        if self.changed:
            atomic_write(self.path, json.dumps(self.entries, sort_keys=True, indent=0))
