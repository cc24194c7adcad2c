"""The pipeline: the one place that states the order of the stages (see `build`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from briefgen import (
    __version__,
    brief_files,
    collect,
    group,
    ingest,
    issue_records,
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
    from briefgen import send

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
    # collect (files, URLs, feeds; one per story), summarise, tag, write briefs
    seeds: list[str | Path] = [project.seeds_dir, *sources.seed_lists(project.seeds_dir)]
    report = ingest_paths(project, seeds, refresh=refresh)
    build_site(project)  # group + render site (the MkDocs plugin adds the generated pages)
    try:
        preview = render_digest_preview(project)  # render digest → outbox/<id>/preview.eml
        log.info("Digest preview written to %s", _display(preview, project.root))
    except EmptyIssueError as error:
        log.warning("No digest issue: %s", error.message)
    return report


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
    analysis = Analysis.for_project(project)
    existing = load_briefs(project)
    by_id = {brief.id: brief for brief in existing}
    by_source = {brief.source.file or brief.source.url: brief for brief in existing}
    taken = {brief.path: brief.id for brief in existing if brief.path}

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
        stale: list[tuple[collect.Collected, Brief | None]] = []
        for item in found.fresh:
            old = by_id.get(item.article.id) or by_source.get(item.display)
            if old is not None and (
                old.edited or (_is_current(old, analysis) and old.also == item.also)
            ):
                _report_existing(report, old, item.display)
            else:
                stale.append((item, old))
        jobs = [(item.article, old.added if old else today()) for item, old in stale]
        for (item, old), fresh in zip(stale, workers.map(_make_brief, jobs), strict=True):
            _write_brief(project, replace(fresh, also=item.also), old, taken)
            (report.new if old is None else report.updated).append(item.display)
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


def _write_brief(project: Project, fresh: Brief, old: Brief | None, taken: dict[str, str]) -> None:
    if old is not None and old.path:
        taken.pop(old.path, None)
    path = brief_files.relative_path(fresh, taken)
    taken[path] = fresh.id
    brief_files.write(replace(fresh, path=path), project.docs_dir)
    if old is not None and old.path and old.path != path:
        (project.docs_dir / old.path).unlink(missing_ok=True)
    log.debug("Wrote %s", path)


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


def render_digest_preview(
    project: Project,
    issue_id: str | None = None,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> Path:
    """Render an issue's preview message into `outbox/<id>/preview.eml`."""
    from briefgen import render_digest

    issue = issue_for(project, issue_id, since=since, until=until)
    settings = render_digest.settings_for(project, _theme_titles(project))
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

    issue = issue_for(project, issue_id, since=since, until=until)
    settings = render_digest.settings_for(project, _theme_titles(project))
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
    log.info("Web copy: %s (publish it before sending)", _display(web_copy, project.root))
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
            log.info("Closed issue %s (%s)", issue.id, _display(record, project.root))
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


def _theme_titles(project: Project) -> dict[str, str]:
    return {theme.id: theme.title for theme in Analysis.for_project(project).themes}


def _display(path: Path, root: Path) -> str:
    """A path as the user thinks of it: relative to the project when inside it."""
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)
