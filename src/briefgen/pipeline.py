"""The pipeline: the one place that states the order of the stages (see `build`)."""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import datetime as dt
import hashlib
import json
import logging
import multiprocessing
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from briefgen import (
    __version__,
    atomic_files,
    brief_files,
    collect,
    group,
    ingest,
    issue_records,
    site_cache,
    sources,
    summarise,
    tagging,
    workers,
)
from briefgen.atomic_files import atomic_write
from briefgen.config import Project, load_project, today
from briefgen.errors import BriefFileError, BriefgenError, ConfigError, EmptyIssueError, IngestError
from briefgen.models import Article, Brief, Generated, Issue, Theme
from briefgen.workers import Workers

if TYPE_CHECKING:
    from briefgen import render_digest, send

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
    stages = ("ingest", "web_extract", "dedupe", "text", "summarise", "tagging")
    stage_files = [package / f"{name}.py" for name in stages]
    stage_files += sorted((package / "summarise").glob("*.py"))
    stage_files += sorted((package / "data").iterdir())
    for path in stage_files:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(json.dumps(overrides, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:8]


def build(project: Project, *, refresh: bool = False) -> BriefReport:
    """The whole pipeline: seeds → briefs → site (with the digest's web copy) → digest preview."""
    with one_report_per_file(), exclusive(project):
        # collect (files, URLs, feeds; one per story), summarise, tag, write briefs
        seeds: list[str | Path] = [project.seeds_dir, *sources.seed_lists(project.seeds_dir)]
        report = ingest_paths(project, seeds, refresh=refresh)
        publish(project)
    return report


def publish(project: Project) -> bool:
    """Build the site (with the digest's web copy) and the digest preview from the briefs;
    False when there was nothing to do.

    Incremental: when nothing the site and the preview are made from has changed since the
    last build (and neither was touched since), neither is built again; otherwise only the
    pages, feeds and search indexes whose content changed are rendered (`site_cache`).
    """
    with one_report_per_file(), exclusive(project):
        inputs = input_fingerprint(project)
        previous = site_cache.Manifest.load(project.state_dir)
        if (
            previous is not None
            and previous.inputs == inputs
            and _outputs_intact(project, previous)
        ):
            log.info("Site and digest preview are up to date: nothing changed since the last build")
            return False
        # The digest preview is rendered on the other core while MkDocs builds the site: the
        # two read the same briefs and write different folders.
        with _background() as pool:
            previewing = pool.submit(_write_preview, project.root) if pool else None
            # group + render site (the MkDocs plugin adds the generated pages)
            manifest = build_site(project, incremental=True, background=pool)
            # render digest → outbox/<id>/preview.eml
            preview, problem = previewing.result() if previewing else _write_preview(project)
        if preview is not None:
            log.info("Digest preview written to %s", collect.display_path(preview, project.root))
        else:
            log.warning("No digest issue: %s", problem)
        if manifest is not None:
            manifest.inputs = inputs
            manifest.preview = _preview_record(project, preview)
            manifest.save(project.state_dir)
    return True


@contextlib.contextmanager
def _background() -> Iterator[ProcessPoolExecutor | None]:
    """Two processes forked from this one (they inherit the briefs already parsed) for the
    digest's preview and web copy, or None where processes cannot be forked or there is a
    single core."""
    if workers.cores() < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield None
        return
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        yield pool


def _write_preview(project: Project | Path) -> tuple[Path | None, str]:
    """Render the current issue's preview: its path, or None and why there is none."""
    if isinstance(project, Path):
        project = load_project(project)
    try:
        return render_digest_preview(project), ""
    except EmptyIssueError as error:
        return None, error.message


def input_fingerprint(project: Project) -> str:
    """A hash of everything the site and the digest preview are made from: every file of the
    docs folder (briefs, by content), closed issues, `mkdocs.yml`, the company registry file,
    the site and email templates, briefgen's code and the rendering libraries."""
    digest = hashlib.sha256(b"briefgen inputs\0")
    folders = [Path(folder) for folder in project.mkdocs.theme.dirs]
    folders += [project.email_templates, project.docs_dir, project.issues_dir]
    digest.update(
        site_cache.render_fingerprint(Path(project.mkdocs.config_file_path), folders).encode()
    )
    companies_file = project.options.companies_file
    if companies_file and project.path(companies_file).is_file():
        digest.update(project.path(companies_file).read_bytes())
    # The build date MkDocs stamps into sitemap.xml.gz, when the caller pins it.
    digest.update(os.environ.get("SOURCE_DATE_EPOCH", "").encode())
    return digest.hexdigest()


def _outputs_intact(project: Project, manifest: site_cache.Manifest) -> bool:
    """Whether `site/` and the digest preview are still exactly what the last build wrote."""
    if manifest.preview:
        relative, _, expected = manifest.preview.rpartition(":")
        path = project.root / relative
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != expected:
            return False
    return manifest.site_intact(project.site_dir)


def _preview_record(project: Project, preview: Path | None) -> str:
    if preview is None:
        return ""
    relative = preview.relative_to(project.root).as_posix()
    return f"{relative}:{hashlib.sha256(preview.read_bytes()).hexdigest()}"


def ingest_paths(
    project: Project,
    inputs: Sequence[str | Path],
    *,
    refresh: bool = False,
) -> BriefReport:
    """Turn articles (files, folders, URLs, feeds) into briefs. An edited brief is never
    touched, a bad source never stops the run, the same story reported twice becomes one
    brief. Raises when there were sources but none of them could be read.

    Unchanged seeds are not even parsed; the rest are read, summarised and tagged on every
    core, then written in a stable order.
    """
    with one_report_per_file(), exclusive(project):
        return _ingest_paths(project, inputs, refresh=refresh)


def _ingest_paths(project: Project, inputs: Sequence[str | Path], *, refresh: bool) -> BriefReport:
    analysis = Analysis.for_project(project)
    existing = load_briefs(project)
    by_id = {brief.id: brief for brief in existing}
    by_source = {brief.source.file or brief.source.url: brief for brief in existing}
    # A brief file that cannot be read is the editor's to fix: never written over, nor beside.
    taken = {relative: "" for _, relative in brief_files.iter_paths(project.docs_dir)}
    taken.update({brief.path: brief.id for brief in existing if brief.path})

    def settled(article_id: str) -> bool:
        known = by_id.get(article_id)
        return known is not None and (known.edited or _is_current(known, analysis))

    report = BriefReport()
    with Workers(analysis) as workers:
        found = collect.gather(
            inputs,
            root=project.root,
            state_dir=project.state_dir,
            settled=settled,
            workers=workers,
            site_url=project.site_url,
            entities=lambda article: _companies(article, analysis),
            refresh=refresh,
            briefed={brief.id: brief.edited for brief in existing},
        )
        for display, reason in found.failed:
            log.warning(
                "Skipped %s", reason if reason.startswith(display) else f"{display}: {reason}"
            )
            report.failed.append(display)
        for display, primary in found.merged:
            log.info("Merged %s into %s: the same story", display, primary)
        for display, article_id in found.settled:
            _report_existing(report, by_id[article_id], display)
        _attach_repeats(project, found, by_id, report)
        stale: list[tuple[collect.Collected, Brief | None]] = []
        for item in found.fresh:
            replaced = by_id.get(item.replaces) if item.replaces else None
            old = by_id.get(item.article.id) or replaced or by_source.get(item.display)
            if old is not None and (
                old.edited or (_is_current(old, analysis) and old.also == item.also)
            ):
                _report_existing(report, old, item.display)
            else:
                stale.append((item, old))
        jobs = [(item.article, old.added if old else today()) for item, old in stale]
        for (item, old), fresh in zip(stale, workers.map(_make_brief, jobs), strict=True):
            if _write_brief(project, replace(fresh, also=item.also), old, taken):
                (report.new if old is None else report.updated).append(item.display)
            else:
                report.kept_edited.append(item.display)
    if found.total and len(report.failed) == found.total:
        raise BriefgenError(f"none of the {found.total} sources could be read (see above)")
    log.info(
        "Briefs: %d new, %d updated, %d unchanged, %d kept as edited, %d failed",
        len(report.new),
        len(report.updated),
        len(report.unchanged),
        len(report.kept_edited),
        len(report.failed),
    )
    return report


def _attach_repeats(
    project: Project, found: collect.Gathering, by_id: dict[str, Brief], report: BriefReport
) -> None:
    """New reports of stories briefed in earlier runs: listed under their brief's `also`, or,
    when an editor changed that brief, left out (it is never rewritten)."""
    for display, brief_id in found.repeats_edited:
        log.info(
            "Skipped %s: the same story as %s, which was edited by hand (not rewritten)",
            display,
            by_id[brief_id].path,
        )
        report.kept_edited.append(display)
    for attached in found.attached:
        brief = by_id[attached.brief]
        if brief.also != attached.also:
            brief_files.write(replace(brief, also=attached.also), project.docs_dir)
            report.updated.append(attached.primary)
        else:
            report.unchanged.append(attached.primary)
        for display in attached.displays:
            log.info(
                "Merged %s into %s: the same story, briefed before (%s)",
                display,
                attached.primary,
                brief.path,
            )


def _companies(article: Article, analysis: Analysis) -> tuple[str, ...]:
    """Names that tell two reports of one story apart from two stories (for dedupe)."""
    return tagging.tag(article, analysis.registry, analysis.themes).companies


def _is_current(brief: Brief, analysis: Analysis) -> bool:
    """Generated by the same code and data as this run would use."""
    return _generator(brief).endswith(analysis.fingerprint)


def _report_existing(report: BriefReport, brief: Brief, display: str) -> None:
    if brief.edited:
        log.info("Kept %s: edited by hand", brief.path)
        report.kept_edited.append(display)
    else:
        report.unchanged.append(display)


def _write_brief(project: Project, fresh: Brief, old: Brief | None, taken: dict[str, str]) -> bool:
    """Write a new or regenerated brief; False when its file cannot be read (`taken` maps
    those paths to ""): probably this story's brief, broken by hand, so it is left alone."""
    if old is not None and old.path:
        taken.pop(old.path, None)
    path = brief_files.relative_path(fresh, taken)
    natural = brief_files.relative_path(fresh)
    if taken.get(path) == "" or (old is None and taken.get(natural) == ""):
        broken = path if taken.get(path) == "" else natural
        log.info("Kept %s as it is (it cannot be read, see above): not briefed again", broken)
        if old is not None and old.path:
            taken[old.path] = old.id
        return False
    taken[path] = fresh.id
    brief_files.write(replace(fresh, path=path), project.docs_dir)
    if old is not None and old.path and old.path != path:
        (project.docs_dir / old.path).unlink(missing_ok=True)
    log.debug("Wrote %s", path)
    return True


def _make_brief(job: tuple[Article, dt.date]) -> Brief:
    """Worker: summarise and tag one article with the run's analysis."""
    analysis: Analysis = workers.context()
    return make_brief(job[0], analysis, added=job[1])


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
    reported = _reported.get()
    for path, relative in brief_files.iter_paths(project.docs_dir):
        try:
            briefs.append(brief_files.load(path, relative))
        except BriefFileError as error:
            if reported is None or error.path not in reported:
                log.warning("Skipped %s", error.message)
            if reported is not None:
                reported.add(error.path)
    return briefs


_reported: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar(
    "briefgen_reported", default=None
)
"""The brief files reported as unreadable in this run (None outside a run)."""


@contextlib.contextmanager
def one_report_per_file() -> Iterator[None]:
    """Within one run (a command), a brief file that cannot be read is reported once, though
    the stages, and the MkDocs plugin, read the briefs folder several times."""
    if _reported.get() is not None:
        yield
        return
    token = _reported.set(set())
    try:
        with _filtered("mkdocs.plugins.briefgen", _AlreadyReported()):
            yield
    finally:
        _reported.reset(token)


@contextlib.contextmanager
def _filtered(logger: str, drop: logging.Filter) -> Iterator[None]:
    """`drop` filters the records of `logger` while the block runs."""
    target = logging.getLogger(logger)
    target.addFilter(drop)
    try:
        yield
    finally:
        target.removeFilter(drop)


class _AlreadyReported(logging.Filter):
    """Drops the MkDocs plugin's warning about a brief file this run has reported already."""

    def filter(self, record: logging.LogRecord) -> bool:
        reported = _reported.get()
        if record.levelno != logging.WARNING or not reported:
            return True
        message = record.getMessage()
        return not any(f"{path}: " in message for path in reported)


_locked: contextvars.ContextVar[frozenset[Path]] = contextvars.ContextVar(
    "briefgen_locked", default=frozenset()
)
"""The projects this run (thread) holds the lock of: a build's ingest takes it again."""


@contextlib.contextmanager
def exclusive(project: Project) -> Iterator[None]:
    """One run at a time writes a project's briefs and site: another `build` or `ingest`
    stops with a one-line error instead of mixing its files with this one's. The lock is the
    kernel's (`flock` on `<state_dir>/lock`), so a killed run never leaves it held. Holding
    it, a run deletes the temporary files that a killed run left behind."""
    if project.root in _locked.get():
        yield
        return
    project.state_dir.mkdir(parents=True, exist_ok=True)
    with (project.state_dir / "lock").open("ab") as handle:
        if not _try_lock(handle.fileno()):
            raise BriefgenError(
                "another briefgen run is writing to this project; wait for it to finish, "
                "then run this again"
            )
        token = _locked.set(_locked.get() | {project.root})
        try:
            for folder, depth in (
                (project.docs_dir, 2),
                (project.issues_dir, 0),
                (project.outbox_dir, 1),
                (project.state_dir, 0),
            ):
                for leftover in atomic_files.remove_leftovers(folder, depth=depth):
                    log.debug("Removed %s (left by an interrupted run)", leftover)
            yield
        finally:
            _locked.reset(token)


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":
        return True  # no flock: runs are not kept apart
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def build_site(
    project: Project, *, incremental: bool = False, background: Executor | None = None
) -> site_cache.Manifest | None:
    """Run MkDocs into a temporary folder, then swap it in: `site/` is never half-built.

    Killed at any moment, a build leaves `site/` as the previous complete site or the new
    complete one (`atomic_files.replace_folder`): never absent once a build has finished,
    never a mix. Where the swap takes two renames, the next build first puts back a previous
    site that a kill between them left aside.

    `incremental`: pages, feeds, web copies and search indexes whose key (a hash of what they
    show) is the one recorded for the current `site/` are hard-linked from it instead of being
    rendered again. The new manifest is saved (and returned) before the swap: it describes the
    new site's files by inode, so it can never vouch for a site it does not describe.
    `background`: where the plugin renders the digest's web copies (another core).
    """
    from mkdocs.commands.build import build as mkdocs_build

    from briefgen.mkdocs_plugin import BriefgenPlugin

    site_dir = project.site_dir
    staging = site_dir.with_name(f".{site_dir.name}.new")
    retired = site_dir.with_name(f".{site_dir.name}.old")
    if atomic_files.recover_folder(site_dir, retired):
        log.info("Put back %s: an interrupted build had set it aside", site_dir.name)
    for leftover in (staging, retired):
        shutil.rmtree(leftover, ignore_errors=True)
    staged = load_project(project.root, site_dir=str(staging))
    cache = None
    plugin = staged.mkdocs.plugins.get("briefgen")
    if isinstance(plugin, BriefgenPlugin):
        plugin.background = background
    if incremental and isinstance(plugin, BriefgenPlugin):
        previous = site_cache.Manifest.load(project.state_dir)
        bodies = site_cache.load_bodies(project.state_dir) if previous is not None else {}
        cache = site_cache.SiteCache(site_dir if site_dir.is_dir() else None, previous, bodies)
        plugin.site_cache = cache
    with _pinned_build_date(project), _filtered("mkdocs.commands.build", _DropDirtyWarning()):
        # dirty: MkDocs then asks each page whether to render it (the plugin's kept ones say no)
        mkdocs_build(staged.mkdocs, dirty=cache is not None)
    manifest = None
    if cache is not None:
        manifest = cache.manifest(staging)
        site_cache.save_bodies(project.state_dir, cache.bodies)
        manifest.save(project.state_dir)
        log.info(
            "Site: %d pages, feeds and indexes rendered, %d kept from the previous build",
            len(cache.keys) - cache.kept,
            cache.kept,
        )
    atomic_files.replace_folder(staging, site_dir, retired)
    log.info("Site built in %s", collect.display_path(site_dir, project.root))
    return manifest


class _DropDirtyWarning(logging.Filter):
    """MkDocs warns that a dirty build may leave stale pages; ours builds into an empty folder
    and renders every page whose content changed, so the warning (fatal with `strict`) goes."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("A 'dirty' build is being performed")


@contextlib.contextmanager
def _pinned_build_date(project: Project) -> Iterator[None]:
    """MkDocs stamps the build time into sitemap.xml.gz; pin it to the newest brief so two
    builds of the same briefs are byte-identical (reproducible-builds SOURCE_DATE_EPOCH).
    Only while MkDocs runs: a later build in the same process pins its own date."""
    if "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    briefs = load_briefs(project)
    newest = max((b.added for b in briefs), default=dt.date(2000, 1, 1))
    epoch = dt.datetime(newest.year, newest.month, newest.day, tzinfo=dt.UTC)
    os.environ["SOURCE_DATE_EPOCH"] = str(int(epoch.timestamp()))
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


def plan_issues(project: Project, briefs: Iterable[Brief]) -> list[Issue]:
    """The digest issues: closed ones from `issues/`, then the open one."""
    return group.plan_issues(briefs, issue_records.load_closed(project.issues_dir))


def render_digest_preview(
    project: Project,
    issue_id: str | None = None,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> Path:
    """Render an issue's preview message into `outbox/<id>/preview.eml`."""
    from briefgen import render_digest

    issue, settings = _issue_and_settings(project, issue_id, since, until)
    return render_digest.write_preview(issue, settings, project.outbox_dir)


def render_digest_web_copy(
    project: Project,
    issue_id: str | None = None,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> Path:
    """Write an issue's web copy to `site/issues/<id>/index.html` (outside a full site build)."""
    from briefgen import render_digest

    issue, settings = _issue_and_settings(project, issue_id, since, until)
    target = project.site_dir / "issues" / issue.id / "index.html"
    atomic_write(target, render_digest.web_copy(issue, settings))
    return target


def issue_for(
    project: Project,
    issue_id: str | None = None,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> Issue:
    """The digest issue `issue_id`, or the current one; a clear error when there is none.

    With `since` and/or `until` (inclusive dates the briefs were added) the next issue holds
    only the briefs added in that range that no closed issue holds; the others wait for a
    later issue. Its id is the next issue number, like any open issue's.
    """
    if since is None and until is None:
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
    if issue_id is not None:
        raise BriefgenError("give either --issue or --since/--until, not both")
    if since is not None and until is not None and since > until:
        raise BriefgenError(f"--since {since} is after --until {until}; swap them")
    closed = issue_records.load_closed(project.issues_dir)
    held = {brief_id for record in closed for brief_id in record.brief_ids}
    low, high = since or dt.date.min, until or dt.date.max
    chosen = [b for b in load_briefs(project) if b.id in held or low <= b.added <= high]
    issues = group.plan_issues(chosen, closed)
    if not issues or issues[-1].number <= max((r.number for r in closed), default=0):
        span = f"from {since or 'the start'} to {until or 'today'}"
        raise EmptyIssueError(
            f"no briefs added {span} are left for a new issue (earlier issues hold the rest); "
            "pick other dates or add articles to seeds/"
        )
    return issues[-1]


# --- sending: subscribers (SQLite), the ledger and SMTP (briefgen.send) -----------------------


def subscribers_db(project: Project) -> Path:
    """The SQLite file holding the subscribers and the send ledger."""
    configured = project.options.digest.subscribers_db
    return project.path(configured) if configured else project.state_dir / "subscribers.db"


def unsubscribe_token_of(project: Project) -> Callable[[str], str]:
    """address → unsubscribe token, to act on `mailto:` requests that quote a token."""
    from briefgen import render_digest

    settings = render_digest.settings_for(project, {})
    return lambda address: render_digest.unsubscribe_token(address, settings)


def send_digest(
    project: Project,
    issue_id: str | None = None,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    for_real: bool = False,
    transport: send.Transport | None = None,
    progress: send.Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> send.SendReport:
    """Send an issue to every active subscriber, never twice (the protocol is in `send`).

    Dry run (the default): one `.eml` per reader in `outbox/<id>/`; the ledger is untouched.
    For real: the ledger rows are created, then the issue is closed in `issues/` (its briefs
    are frozen, so a resumed send mails the same issue and new briefs go to the next one),
    then every row is sent over SMTP with the settings from the environment.
    """
    from email.message import EmailMessage
    from email.utils import formataddr, parseaddr

    from briefgen import render_digest, send, subscribers

    issue = issue_for(project, issue_id, since=since, until=until)
    settings = render_digest.settings_for(project, _theme_titles(project))
    options = project.options.digest
    limits = send.Limits.resolve(options.rate_per_sec, options.daily_cap)
    if for_real and settings.secret_is_default:
        raise ConfigError(
            "set BRIEFGEN_SECRET (a long random string that never changes) before sending "
            "real mail: it keys the unsubscribe tokens and Message-IDs"
        )
    if for_real and transport is None:
        transport = send.SmtpTransport(send.SmtpSettings.from_env())
    personalise = render_digest.personaliser(issue, settings)

    def message_for(
        reader: subscribers.Subscriber, message_id: str, date: dt.datetime
    ) -> EmailMessage:
        token = render_digest.unsubscribe_token(reader.email, settings)
        to = formataddr((reader.name, reader.email))
        return render_digest.build_message(
            personalise(token), settings, to=to, token=token, message_id=message_id, date=date
        )

    outgoing = send.Outgoing(
        issue_id=issue.id,
        sender=parseaddr(options.bounce_address or "")[1] or settings.sender,
        message_id_for=lambda reader: render_digest.message_id(issue.id, reader.email, settings),
        message_for=message_for,
    )
    web_copy = project.site_dir / "issues" / issue.id / "index.html"
    atomic_write(web_copy, render_digest.web_copy(issue, settings))
    shown = collect.display_path(web_copy, project.root)
    log.info("Web copy: %s (publish it before sending)", shown)
    with subscribers.database(subscribers_db(project)) as conn:
        if not subscribers.counts(conn)["active"] and not sum(send.ledger(conn, issue.id).values()):
            raise BriefgenError(
                "no active subscribers; add them with briefgen subscribers add ADDRESS or "
                "briefgen subscribers import FILE.csv"
            )
        for other, count in send.unfinished_issues(conn).items():
            if other != issue.id:
                log.warning(
                    "Issue %s still has %d deliveries to make: briefgen send --issue %s --for-real",
                    other,
                    count,
                    other,
                )
        if not for_real or transport is None:
            folder = project.outbox_dir / issue.id
            return send.write_outbox(conn, outgoing, folder, progress=progress)
        send.prepare(conn, outgoing)
        if issue.number not in {r.number for r in issue_records.load_closed(project.issues_dir)}:
            record = issue_records.close(issue, project.issues_dir)
            log.info("Closed issue %s (%s)", issue.id, collect.display_path(record, project.root))
        return send.deliver(
            conn, outgoing, transport, limits=limits, sleep=sleep, progress=progress
        )


def settle_stuck(
    project: Project, issue_id: str | None, outcome: Literal["sent", "failed"]
) -> list[tuple[str, str]]:
    """Mark an issue's deliveries left in `sending` as `sent` or `failed` (to be resent)."""
    from briefgen import send, subscribers

    issue = issue_for(project, issue_id)
    with subscribers.database(subscribers_db(project)) as conn:
        return send.mark_stuck(conn, issue.id, outcome)


def _issue_and_settings(
    project: Project, issue_id: str | None, since: dt.date | None, until: dt.date | None
) -> tuple[Issue, render_digest.DigestSettings]:
    from briefgen import render_digest

    issue = issue_for(project, issue_id, since=since, until=until)
    return issue, render_digest.settings_for(project, _theme_titles(project))


def _theme_titles(project: Project) -> dict[str, str]:
    return {theme.id: theme.title for theme in Analysis.for_project(project).themes}
