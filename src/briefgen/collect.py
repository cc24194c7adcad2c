"""Collect: every article to brief this run, from files, URLs and feeds, one per story."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from briefgen import dedupe, fetch, ingest, sources, story_index, web_extract
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
    replaces: str | None = None
    """The id of a brief written in an earlier run for this same story, whose place this one
    takes: this report came out earlier (or is fuller) than that brief's."""


@dataclass(frozen=True)
class Attached:
    """Reports read this run of a story briefed in an earlier run, whose primary stays: the
    brief only lists them under `also`."""

    displays: tuple[str, ...]
    brief: str
    """The id of the story's brief."""
    primary: str
    """The source the brief was made from."""
    also: tuple[Source, ...]
    """The brief's "Also reported by", these reports included, in the within-run order."""


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
    attached: list[Attached] = field(default_factory=list)
    """New reports of stories briefed in earlier runs."""
    repeats_edited: list[tuple[str, str]] = field(default_factory=list)
    """(source, brief id): a new report of a story whose brief was edited by hand, so it is
    not rewritten: the report is left out."""

    @property
    def total(self) -> int:
        attached = sum(len(item.displays) for item in self.attached)
        return (
            len(self.fresh)
            + len(self.settled)
            + len(self.failed)
            + len(self.merged)
            + attached
            + len(self.repeats_edited)
        )


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
    briefed: Mapping[str, bool] | None = None,
) -> Gathering:
    """Read every input: files and folders (`.txt`, `.md`, `.html`), URLs, feed URLs and feed
    files. A seed whose bytes did not change since the last run and whose brief is `settled`
    (current or edited by hand) is not read again; a web page already fetched is not
    requested again unless `refresh`. Failures are collected, never raised.

    `briefed` maps the id of every brief in the project to whether it was edited by hand:
    with it, reports of stories briefed in earlier runs (kept in the story index) join those
    stories instead of becoming new ones."""
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
    with contextlib.closing(story_index.StoryIndex.in_state_dir(state_dir)) as index:
        stories = _StoryMemory(index, briefed, root) if briefed is not None else None
        indexed = stories.indexed if stories is not None else None
        read = _read_local(local, root, cache, settled, workers, result, skipped, indexed)
        read += _read_web(web, state_dir, site_url, refresh, result)
        read = _merged_before(read, cache, skipped, result)
        _merge_stories(read, result, entities, stories, cache)
        _remember(read, cache, result)
        index.commit()
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
    indexed: set[str] | None = None,
) -> list[tuple[str, Article]]:
    """Read the seed files that need it. A story is skipped unread, all of it or none of it:
    its primary seed when its bytes did not change and its brief is `settled`, with the seeds
    merged into it last run when their bytes did not change either. Reading only part of a
    story would make its other reports look like new stories (a new brief on every rebuild).
    A story missing from the story `indexed` is read once more, to be fingerprinted."""
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
        if indexed is not None and known not in indexed:
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
    stories: _StoryMemory | None = None,
    cache: _SeedCache | None = None,
) -> None:
    """One entry per story: exact copies and near-duplicates (rewrites, syndicated copies,
    translations) collapse into their primary, which lists the others as `also`. With the
    `stories` of earlier runs, a story briefed before takes in its new reports."""
    display_of = {id(article): display for display, article in read}
    unique: list[Article] = []
    seen: dict[str, str] = {}
    copies: dict[str, list[str]] = {}
    for display, article in read:
        if article.id in seen:
            copies[seen[article.id]].append(display)
        else:
            seen[article.id] = display
            copies[display] = []
            unique.append(article)
    prints = [dedupe.fingerprint(article, entities=entities) for article in unique]
    clusters = dedupe.cluster(unique, entities=entities, prints=prints)

    def displays(article: Article) -> list[str]:
        """The source of a report and of its exact copies."""
        first = display_of[id(article)]
        return [first, *copies[first]]

    def new_story(story: dedupe.Cluster, also: tuple[Source, ...], replaces: str | None) -> None:
        primary = display_of[id(story.primary)]
        result.fresh.append(Collected(primary, story.primary, _shown(also), replaces))
        result.merged += [(d, primary) for d in displays(story.primary)[1:]]
        result.merged += [(d, primary) for other in story.others for d in displays(other)]
        for article in (story.primary, *story.others):
            placed.update((d, story.primary.id) for d in displays(article))

    placed: dict[str, str] = {}
    """Source → id of the story it belongs to, for the story index."""
    if stories is None:
        for story in clusters:
            new_story(story, story.also, None)
        return
    stories.forget([display for display, _ in read])
    print_of = {article.id: fp for article, fp in zip(unique, prints, strict=True)}
    joining: dict[str, list[dedupe.Cluster]] = {}
    order: list[dedupe.Cluster | str] = []
    for story in clusters:
        target = stories.match([print_of[a.id] for a in (story.primary, *story.others)])
        if target is None:
            order.append(story)
            continue
        if target not in joining:
            order.append(target)
            joining[target] = []
        joining[target].append(story)
    for entry in order:
        if not isinstance(entry, str):
            new_story(entry, entry.also, None)
            continue
        newcomers = [a for story in joining[entry] for a in (story.primary, *story.others)]
        if stories.briefed[entry]:  # edited by hand: never rewritten, so the repeat waits
            result.repeats_edited += [(d, entry) for a in newcomers for d in displays(a)]
            continue
        stored = stories.index.reports_of(entry)
        ranked: list[tuple[tuple[dt.date, int, str], Source, Article | story_index.Report]] = [
            (dedupe.primary_order(a), a.source, a) for a in newcomers
        ]
        ranked += [(report.order, report.origin, report) for report in stored]
        ranked.sort(key=lambda item: item[0])
        first = ranked[0][2]
        if isinstance(first, story_index.Report) and first.id != entry:
            # The brief was made from a report that changed since: it is made again from the
            # best report read now (the index has no text to make it from).
            ranked.sort(key=lambda item: isinstance(item[2], story_index.Report))
            first = ranked[0][2]
        also = dedupe.also_sources((item[1] for item in ranked[1:]), ranked[0][1])
        if isinstance(first, story_index.Report):
            shown = tuple(d for a in newcomers for d in displays(a))
            result.attached.append(Attached(shown, entry, first.source, _shown(also)))
            placed.update((d, entry) for d in shown)
            continue
        others = tuple(a for a in newcomers if a is not first)
        new_story(dedupe.Cluster(first, others), also, entry)
        primary = display_of[id(first)]
        result.merged += [(report.source, primary) for report in stored]
        stories.index.move([report.source for report in stored], first.id)
        if cache is not None:
            for report in stored:
                cache.reassign(report.source, primary)
    for display, article in read:
        if display in placed:
            stories.record(display, article, placed[display], print_of[article.id])


def _shown(also: Iterable[Source]) -> tuple[Source, ...]:
    """Sources as a brief lists them: outlet and URL (a seed's path is not published)."""
    return tuple(Source(source.name, source.url) for source in also)


def _remember(read: list[tuple[str, Article]], cache: _SeedCache, result: Gathering) -> None:
    """Record what each source read this run held and the story it was merged into."""
    primary_of = dict(result.merged)
    for attached in result.attached:
        primary_of.update((display, attached.primary) for display in attached.displays)
    for display, article in read:
        cache.remember(display, article.id, primary_of.get(display))


class _StoryMemory:
    """The stories briefed in earlier runs (`story_index`), kept true to the briefs folder:
    a story whose brief is gone and a report whose seed file is gone are forgotten, so they
    can never draw a new report into a wrong story."""

    def __init__(self, index: story_index.StoryIndex, briefed: Mapping[str, bool], root: Path):
        self.index = index
        self.briefed = briefed
        index.forget_stories(index.stories() - set(briefed))
        index.forget_sources(source for source in index.sources() if not _still_there(source, root))
        self.indexed = index.stories()
        self._prints: dict[str, dedupe.Fingerprint] = {}

    def forget(self, sources: Iterable[str]) -> None:
        """Sources read again this run: what they held is recorded afresh."""
        self.index.forget_sources(sources)

    def match(self, prints: Sequence[dedupe.Fingerprint]) -> str | None:
        """The briefed story these reports (one story of this run) repeat, if any: the one
        whose report is the most alike (word, then shingle overlap), then the smallest id."""
        best: tuple[float, float, str] | None = None
        for fp in prints:
            narrow = story_index.narrow(fp)
            for report in self.index.candidates(fp):
                if report.story not in self.briefed:
                    continue
                match = dedupe.compare(narrow, self._print(report.source))
                if not match.same:
                    continue
                key = (-match.words, -match.jaccard, report.story)
                if best is None or key < best:
                    best = key
        return best[2] if best is not None else None

    def record(self, source: str, article: Article, story: str, fp: dedupe.Fingerprint) -> None:
        report = story_index.Report(
            source, article.id, story, article.source, article.published, len(article.text)
        )
        self.index.add(report, fp)

    def _print(self, source: str) -> dedupe.Fingerprint:
        if source not in self._prints:
            self._prints[source] = self.index.fingerprint(source)
        return self._prints[source]


def _still_there(source: str, root: Path) -> bool:
    """Whether a report's source may still be read: a URL always; a file while it exists (a
    feed file's item is `<file>#<n>`)."""
    if fetch.is_web_url(source) or fetch.is_web_url(source.rsplit("#", 1)[0]):
        return True
    return (root / source).exists() or (root / source.rsplit("#", 1)[0]).exists()


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

    def reassign(self, display: str, merged_into: str) -> None:
        """File a source read in an earlier run under another story's primary."""
        entry = self.entries.get(display)
        if entry is not None and entry[2:] != [merged_into]:
            self.entries[display] = [entry[0], entry[1], merged_into]
            self.changed = True

    def save(self) -> None:
        if self.changed:
            atomic_write(self.path, json.dumps(self.entries, sort_keys=True, indent=0))
