"""The pipeline: the one place that states the order of the stages (see `build`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from briefgen import __version__, brief_files, group, ingest, issue_records, summarise, tagging
from briefgen.atomic_files import atomic_write
from briefgen.config import Project, load_project, today
from briefgen.errors import BriefFileError, BriefgenError, EmptyIssueError, IngestError
from briefgen.models import Article, Brief, Generated, Issue, Theme

log = logging.getLogger("briefgen")
T = TypeVar("T")
R = TypeVar("R")


@dataclass
class BriefReport:
    """What a run did to the briefs folder, file by file."""

    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept_edited: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Analysis:
    """Everything the summarise and tag stages need, loaded once per run."""

    registry: tagging.Registry
    themes: tuple[Theme, ...]
    fingerprint: str
    """Changes whenever the code or data that make a brief change: unedited briefs then
    regenerate (a version number alone would miss unreleased changes)."""

    @classmethod
    def for_project(cls, project: Project | None) -> Analysis:
        if project is None:
            overrides: list[Any] = []
            registry, themes = tagging.load_registry(), tagging.load_taxonomy()
        else:
            options = project.options
            companies_file = Path(options.companies_file) if options.companies_file else None
            registry = tagging.load_registry(options.companies, companies_file)
            themes = tagging.load_taxonomy(options.themes, options.replace_themes)
            overrides = [options.companies, options.themes, options.replace_themes]
            if companies_file is not None:
                overrides.append(companies_file.read_text(encoding="utf-8"))
        return cls(registry, themes, _fingerprint(overrides))


def _fingerprint(overrides: list[Any]) -> str:
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).parent
    stage_files = [package / f"{name}.py" for name in ("ingest", "text", "summarise", "tagging")]
    stage_files += sorted((package / "summarise").glob("*.py"))
    stage_files += sorted((package / "data").iterdir())
    for path in stage_files:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(json.dumps(overrides, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:8]


def build(project: Project) -> BriefReport:
    """The whole pipeline: seeds → briefs → site (with the digest's web copy) → digest preview."""
    report = ingest_paths(project, [project.seeds_dir])  # ingest, summarise, tag, write briefs
    build_site(project)  # group + render site (the MkDocs plugin adds the generated pages)
    try:
        preview = render_digest_preview(project)  # render digest → outbox/<id>/preview.eml
        log.info("Digest preview written to %s", _display(preview, project.root))
    except EmptyIssueError as error:
        log.warning("No digest issue: %s", error.message)
    return report


def ingest_paths(project: Project, paths: Sequence[Path]) -> BriefReport:
    """Turn article files into briefs; an edited brief is never touched, a bad file never stops
    the run. Raises when there were articles but none of them could be read.

    Unchanged seeds (same bytes as last run, brief up to date) are not even parsed; the rest
    are read, summarised and tagged on every core, then written in a stable order.
    """
    analysis = Analysis.for_project(project)
    existing = load_briefs(project)
    by_id = {brief.id: brief for brief in existing}
    by_source = {brief.source.file: brief for brief in existing if brief.source.file}
    taken = {brief.path: brief.id for brief in existing if brief.path}
    cache = _SeedCache(project.state_dir / "seeds.json")
    report = BriefReport()
    seen: dict[str, str] = {}
    to_read: list[tuple[Path, str, str]] = []
    for path in ingest.discover(paths):
        display = _display(path, project.root)
        digest = _file_digest(path)
        known = by_id.get(cache.article_id(display, digest) or "")
        if known is not None and (known.edited or _is_current(known, analysis)):
            seen[known.id] = display
            _report_existing(report, known, display)
        else:
            to_read.append((path, display, digest))
    with _Workers(analysis, len(to_read)) as workers:
        articles = workers.map(_read_article, [(path, display) for path, display, _ in to_read])
        stale: list[tuple[Article, Brief | None, str]] = []
        for (_, display, digest), result in zip(to_read, articles, strict=True):
            if isinstance(result, str):
                log.warning("Skipped %s", result)
                report.failed.append(display)
                continue
            if result.id in seen:
                log.warning("Skipped %s: same text as %s", display, seen[result.id])
                continue
            seen[result.id] = display
            cache.remember(display, digest, result.id)
            old = by_id.get(result.id) or by_source.get(display)
            if old is not None and (old.edited or _is_current(old, analysis)):
                _report_existing(report, old, display)
            else:
                stale.append((result, old, display))
        jobs = [(article, old.added if old else today()) for article, old, _ in stale]
        for (_, old, display), fresh in zip(stale, workers.map(_make_brief, jobs), strict=True):
            _write_brief(project, fresh, old, taken)
            (report.new if old is None else report.updated).append(display)
    cache.save()
    total = len(to_read) + len(report.unchanged) + len(report.kept_edited)
    if total and len(report.failed) == total:
        raise BriefgenError(f"none of the {total} articles could be read (see above)")
    log.info(
        "Briefs: %d new, %d updated, %d unchanged, %d kept as edited, %d failed",
        len(report.new),
        len(report.updated),
        len(report.unchanged),
        len(report.kept_edited),
        len(report.failed),
    )
    return report


def _is_current(brief: Brief, analysis: Analysis) -> bool:
    """Generated by the same code and data as this run would use."""
    return _generator(brief).endswith(analysis.fingerprint)


def _report_existing(report: BriefReport, brief: Brief, display: str) -> None:
    if brief.edited:
        log.info("Kept %s: edited by hand", brief.path)
        report.kept_edited.append(display)
    else:
        report.unchanged.append(display)


def _write_brief(project: Project, fresh: Brief, old: Brief | None, taken: dict[str, str]) -> None:
    if old is not None and old.path:
        taken.pop(old.path, None)
    path = brief_files.relative_path(fresh, taken)
    taken[path] = fresh.id
    brief_files.write(replace(fresh, path=path), project.docs_dir)
    if old is not None and old.path and old.path != path:
        (project.docs_dir / old.path).unlink(missing_ok=True)
    log.debug("Wrote %s", path)


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""  # unreadable: reading it again reports why


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


_worker_analysis: Analysis | None = None


def _init_worker(analysis: Analysis) -> None:
    global _worker_analysis
    _worker_analysis = analysis


def _read_article(job: tuple[Path, str]) -> Article | str:
    """Worker: one article, or the one-line reason it could not be read."""
    try:
        return ingest.read_article(*job)
    except IngestError as error:  # ClickExceptions do not survive pickling: send the text
        return error.message


def _make_brief(job: tuple[Article, dt.date]) -> Brief:
    assert _worker_analysis is not None
    return make_brief(job[0], _worker_analysis, added=job[1])


class _Workers:
    """Runs stage functions on every core when there is enough work, in-process otherwise.
    Results come back in input order, so output does not depend on scheduling."""

    PARALLEL_FROM = 64

    def __init__(self, analysis: Analysis, jobs: int) -> None:
        self.analysis = analysis
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
        self.processes = min(cores, 8) if jobs >= self.PARALLEL_FROM else 1
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> _Workers:
        _init_worker(self.analysis)
        if self.processes > 1:
            self.pool = ProcessPoolExecutor(
                self.processes, initializer=_init_worker, initargs=(self.analysis,)
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def map(self, func: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if self.pool is None or len(items) < self.PARALLEL_FROM:
            return [func(item) for item in items]
        chunk = max(1, min(64, len(items) // (self.processes * 8)))
        return list(self.pool.map(func, items, chunksize=chunk))


def _generator(brief: Brief) -> str:
    return brief.generated.by if brief.generated else ""


def make_brief(article: Article, analysis: Analysis, *, added: dt.date) -> Brief:
    """Summarise and tag one article into a brief (not yet written)."""
    result = summarise.summarise(article)
    tags = tagging.tag(article, analysis.registry, analysis.themes)
    return Brief(
        id=article.id,
        title=article.title,
        summary=result.summary,
        why_it_matters=result.why_it_matters,
        takeaways=result.takeaways,
        added=added,
        source=article.source,
        published=article.published,
        byline=article.byline,
        language=article.language,
        companies=tags.companies,
        themes=tags.themes,
        generated=Generated(
            by=f"briefgen {__version__} {result.method} {analysis.fingerprint}", hash=""
        ),
    )


def summarise_paths(
    project: Project | None, paths: Sequence[Path]
) -> Iterator[tuple[Path, dict[str, Any] | IngestError]]:
    """The brief of each article as a JSON-ready record (DESIGN.md keys); writes nothing."""
    analysis = Analysis.for_project(project)
    titles = {theme.id: theme.title for theme in analysis.themes}
    for path in ingest.discover(paths):
        try:
            article = ingest.read_article(path, str(path))
        except IngestError as error:
            yield path, error
            continue
        brief = make_brief(article, analysis, added=today())
        yield (
            path,
            {
                "title": brief.title,
                "published": brief.published.isoformat() if brief.published else None,
                "source": dataclasses.asdict(brief.source),
                "summary": brief.summary,
                "why_it_matters": brief.why_it_matters,
                "takeaways": list(brief.takeaways),
                "companies": list(brief.companies),
                "themes": [titles.get(theme, theme) for theme in brief.themes],
            },
        )


def load_briefs(project: Project) -> list[Brief]:
    """Every readable brief; a broken file is reported by name and left alone (never rewritten)."""
    briefs = []
    for path, relative in brief_files.iter_paths(project.docs_dir):
        try:
            briefs.append(brief_files.load(path, relative))
        except BriefFileError as error:
            log.warning("Skipped %s", error.message)
    return briefs


def build_site(project: Project) -> Path:
    """Run MkDocs into a temporary folder, then swap it in: `site/` is never half-built."""
    from mkdocs.commands.build import build as mkdocs_build

    site_dir = project.site_dir
    staging = site_dir.with_name(f".{site_dir.name}.new")
    retired = site_dir.with_name(f".{site_dir.name}.old")
    for leftover in (staging, retired):
        shutil.rmtree(leftover, ignore_errors=True)
    _pin_build_date(project)
    staged = load_project(project.root, site_dir=str(staging))
    mkdocs_build(staged.mkdocs)
    if site_dir.exists():
        site_dir.rename(retired)
    staging.rename(site_dir)
    shutil.rmtree(retired, ignore_errors=True)
    log.info("Site built in %s", _display(site_dir, project.root))
    return site_dir


def _pin_build_date(project: Project) -> None:
    """MkDocs stamps the build time into sitemap.xml.gz; pin it to the newest brief so two
    builds of the same briefs are byte-identical (reproducible-builds SOURCE_DATE_EPOCH)."""
    if "SOURCE_DATE_EPOCH" in os.environ:
        return
    briefs = load_briefs(project)
    newest = max((b.added for b in briefs), default=dt.date(2000, 1, 1))
    epoch = dt.datetime(newest.year, newest.month, newest.day, tzinfo=dt.UTC)
    os.environ["SOURCE_DATE_EPOCH"] = str(int(epoch.timestamp()))


def plan_issues(project: Project, briefs: Iterable[Brief]) -> list[Issue]:
    """The digest issues: closed ones from `issues/`, then the open one."""
    return group.plan_issues(briefs, issue_records.load_closed(project.issues_dir))


def render_digest_preview(project: Project, issue_id: str | None = None) -> Path:
    """Render an issue's preview message into `outbox/<id>/preview.eml`."""
    from briefgen import render_digest

    issue = issue_for(project, issue_id)
    settings = render_digest.settings_for(project, _theme_titles(project))
    return render_digest.write_preview(issue, settings, project.outbox_dir)


def render_digest_web_copy(project: Project, issue_id: str | None = None) -> Path:
    """Write an issue's web copy to `site/issues/<id>/index.html` (outside a full site build)."""
    from briefgen import render_digest

    issue = issue_for(project, issue_id)
    settings = render_digest.settings_for(project, _theme_titles(project))
    target = project.site_dir / "issues" / issue.id / "index.html"
    atomic_write(target, render_digest.web_copy(issue, settings))
    return target


def issue_for(project: Project, issue_id: str | None = None) -> Issue:
    """The digest issue `issue_id`, or the current one; a clear error when there is none."""
    issues = plan_issues(project, load_briefs(project))
    issue = group.current_issue(issues, issue_id)
    if issue is None:
        if issue_id is None:
            raise EmptyIssueError(
                "there are no briefs to put in an issue; add articles to seeds/ and run "
                "briefgen build"
            )
        known = ", ".join(i.id for i in issues) or "none"
        raise BriefgenError(f"no digest issue '{issue_id}' (issues: {known})")
    return issue


def _theme_titles(project: Project) -> dict[str, str]:
    return {theme.id: theme.title for theme in Analysis.for_project(project).themes}


def _display(path: Path, root: Path) -> str:
    """A path as the user thinks of it: relative to the project when inside it."""
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)
