"""Command line: one thin click command per pipeline stage (the contract in DESIGN.md)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import click

from briefgen import __version__, pipeline
from briefgen.config import CONFIG_FILE, Project, load_project
from briefgen.errors import BriefgenError, CheckFailed, IngestError

if TYPE_CHECKING:
    from briefgen.send import SendReport

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("briefgen")


class _OneLineFormatter(logging.Formatter):
    """Warnings and errors say their level; progress lines are plain."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            return f"{record.levelname.capitalize()}: {message}"
        return message


def _configure_logging(verbosity: int) -> None:
    level = {-1: logging.WARNING, 0: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLineFormatter())
    # MkDocs' own INFO lines repeat ours and its DEBUG lines dump the whole config.
    mkdocs_level = logging.INFO if verbosity > 0 else logging.WARNING
    for name, own_level in (("briefgen", level), ("mkdocs", mkdocs_level)):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(own_level)
        logger.propagate = False


def verbosity_options(func: F) -> F:
    """`--quiet` and `--verbose`, accepted by every command."""

    def callback(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        if value:
            ctx.meta["briefgen.verbosity"] = -1 if param.name == "quiet" else 1
            _configure_logging(ctx.meta["briefgen.verbosity"])

    quiet = click.option(
        "-q", "--quiet", is_flag=True, expose_value=False, callback=callback,
        help="Only show warnings and errors.",
    )  # fmt: skip
    verbose = click.option(
        "-v", "--verbose", is_flag=True, expose_value=False, callback=callback,
        help="Show every step.",
    )  # fmt: skip
    return quiet(verbose(func))


def _project() -> Project:
    return load_project(Path.cwd())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="briefgen")
@verbosity_options
def cli() -> None:
    """Turn news articles into briefs, a static site and an email digest."""
    ctx = click.get_current_context()
    _configure_logging(ctx.meta.get("briefgen.verbosity", 0))
    ctx.with_resource(pipeline.one_report_per_file())  # a broken brief is named once per run


@cli.command()
@click.option("--refresh", is_flag=True, help="Fetch web pages again even if already ingested.")
@verbosity_options
def build(refresh: bool) -> None:
    """Build everything: new or changed seeds (files, urls.txt, feeds.txt) become briefs, then
    the site and the digest."""
    pipeline.build(_project(), refresh=refresh)


@cli.command("ingest")
@click.argument("sources", nargs=-1, required=True)
@click.option("--refresh", is_flag=True, help="Fetch web pages again even if already ingested.")
@verbosity_options
def ingest_command(sources: tuple[str, ...], refresh: bool) -> None:
    """Add articles as briefs: files or folders (.txt, .md, .html), URLs, RSS/Atom feeds."""
    pipeline.ingest_paths(_project(), list(sources), refresh=refresh)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per article, per line.")
@verbosity_options
def summarise(paths: tuple[Path, ...], as_json: bool) -> None:
    """Print the brief of each article; writes nothing."""
    project = load_project(Path.cwd()) if (Path.cwd() / CONFIG_FILE).is_file() else None
    failed = 0
    for _path, result in pipeline.summarise_paths(project, paths):
        if isinstance(result, IngestError):
            click.echo(f"Error: {result.message}", err=True)
            failed += 1
        elif as_json:
            click.echo(json.dumps(result, ensure_ascii=False))
        else:
            click.echo(_as_text(result))
    if failed:
        raise BriefgenError(f"{failed} article(s) could not be read (see above)")


def _as_text(record: dict[str, Any]) -> str:
    lines = [record["title"], "", record["summary"], ""]
    lines += ["Why it matters: " + record["why_it_matters"], "", "Key takeaways:"]
    lines += [f"- {item}" for item in record["takeaways"]]
    lines += ["", "Companies: " + ", ".join(record["companies"])]
    lines += ["Themes: " + ", ".join(record["themes"]), ""]
    return "\n".join(lines)


def _issue_options(func: F) -> F:
    """`--issue ID`, or `--since`/`--until` to make the next issue from a date range."""
    day = click.DateTime(formats=["%Y-%m-%d"])
    since = click.option(
        "--since",
        type=day,
        metavar="YYYY-MM-DD",
        help="Next issue from the briefs added on or after this date.",
    )
    until = click.option(
        "--until",
        type=day,
        metavar="YYYY-MM-DD",
        help="Next issue from the briefs added on or before this date.",
    )
    issue = click.option(
        "--issue", "issue_id", metavar="ID", help="Issue id (default: the current issue)."
    )
    return issue(since(until(func)))


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


@cli.command()
@_issue_options
@verbosity_options
def digest(issue_id: str | None, since: dt.datetime | None, until: dt.datetime | None) -> None:
    """Render a digest issue: web copy in site/issues/ID/ and outbox/ID/preview.eml."""
    project = _project()
    dates = {"since": _day(since), "until": _day(until)}
    web = pipeline.render_digest_web_copy(project, issue_id, **dates)
    preview = pipeline.render_digest_preview(project, issue_id, **dates)
    click.echo(f"Web copy: {web.relative_to(project.root)}")
    click.echo(f"Preview:  {preview.relative_to(project.root)}")


@cli.command("send")
@_issue_options
@click.option(
    "--for-real",
    is_flag=True,
    help="Send over SMTP (SMTP_* environment variables). Without it: a dry run that writes "
    "one .eml per subscriber to outbox/ID/.",
)
@click.option(
    "--mark-stuck",
    type=click.Choice(["sent", "failed"]),
    help="Settle deliveries an interrupted run left in 'sending', after checking the "
    "provider's logs by Message-ID: sent (they arrived) or failed (send again). Sends nothing.",
)
@verbosity_options
def send_command(
    issue_id: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    for_real: bool,
    mark_stuck: Literal["sent", "failed"] | None,
) -> None:
    """Send a digest issue to every active subscriber, never twice (a dry run by default)."""
    project = _project()
    if mark_stuck:
        settled = pipeline.settle_stuck(project, issue_id, mark_stuck)
        for address, message_id in settled:
            log.info("Marked %s: %s %s", mark_stuck, address, message_id)
        log.info("%d stuck deliveries marked %s", len(settled), mark_stuck)
        return
    progress = _Progress("Sending" if for_real else "Writing")
    try:
        report = pipeline.send_digest(
            project,
            issue_id,
            since=_day(since),
            until=_day(until),
            for_real=for_real,
            progress=progress,
        )
    finally:
        progress.close()
    _summarise_send(report, project)


def _summarise_send(report: SendReport, project: Project) -> None:
    issue = report.issue_id
    if report.dry_run:
        for address, message_id in report.stuck:
            log.warning("Left in 'sending' by an interrupted run: %s %s", address, message_id)
        folder = project.outbox_dir / issue
        log.info(
            "Dry run: %d messages written to %s (%d already sent); send them with "
            "briefgen send --issue %s --for-real",
            len(report.written),
            folder.relative_to(project.root) if folder.is_relative_to(project.root) else folder,
            report.already_sent,
            issue,
        )
        return
    log.info(
        "Issue %s: %d sent, %d failed, %d suppressed, %d sent before",
        issue,
        len(report.sent),
        len(report.failed),
        len(report.suppressed),
        report.already_sent,
    )
    problems = []
    if report.stopped:
        problems.append(f"stopped: {report.stopped}")
    if report.failed:
        problems.append(f"{len(report.failed)} failed (listed above; the next run retries them)")
    if report.stuck:
        problems.append(f"{len(report.stuck)} left in 'sending' need checking (listed above)")
    if problems:
        resume = f"; run briefgen send --issue {issue} --for-real again to resume"
        raise BriefgenError(f"issue {issue}: " + "; ".join(problems) + resume)


class _Progress:
    """Progress while sending: a line per message with --verbose (logged by the send stage),
    a bar on a terminal (or a line every 10% in a log file) by default, nothing with --quiet."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.verbosity = click.get_current_context().meta.get("briefgen.verbosity", 0)
        self._bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.verbosity != 0 or total == 0:
            return
        stream = sys.stderr
        if stream.isatty():
            if self._bar is None:
                self._bar = click.progressbar(length=total, label=self.label, file=stream)
                self._bar.__enter__()
            self._bar.update(done - self._bar.pos)
        elif done == total or (total >= 10 and done % (total // 10) == 0):
            log.info("%s: %d/%d", self.label, done, total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


@cli.group("subscribers")
@verbosity_options
def subscribers_group() -> None:
    """Manage the subscribers (a SQLite database, see digest.subscribers_db)."""


@subscribers_group.command("add")
@click.argument("address")
@click.option("--name", default="", help="Display name used in the To header.")
@click.option(
    "--reactivate",
    is_flag=True,
    help="Subscribe again an address that unsubscribed, bounced or complained "
    "(only when that person asked).",
)
@verbosity_options
def subscribers_add(address: str, name: str, reactivate: bool) -> None:
    """Add a subscriber (an address such as reader@example.com)."""
    from briefgen import subscribers

    with subscribers.database(pipeline.subscribers_db(_project())) as conn:
        reader, changed = subscribers.add(conn, address, name, reactivate=reactivate)
    log.info("Added %s" if changed else "%s is already subscribed", reader.email)


@subscribers_group.command("remove")
@click.argument("who", metavar="ADDRESS_OR_TOKEN")
@click.option(
    "--status",
    type=click.Choice(["unsubscribed", "bounced", "complained"]),
    default="unsubscribed",
    show_default=True,
    help="Why they no longer get the digest.",
)
@click.option(
    "--erase", is_flag=True, help="Delete the address and its send history instead (erasure)."
)
@verbosity_options
def subscribers_remove(who: str, status: str, erase: bool) -> None:
    """Stop sending to a subscriber, given the address or the token of an unsubscribe request.

    The address is kept as suppressed so no import can add it again, unless --erase.
    """
    from briefgen import subscribers

    project = _project()
    with subscribers.database(pipeline.subscribers_db(project)) as conn:
        token_of = None if "@" in who else pipeline.unsubscribe_token_of(project)
        reader = subscribers.remove(conn, who, status=status, token_of=token_of, erase=erase)
    log.info("Erased %s" if erase else f"Marked %s {status}", reader.email)


@subscribers_group.command("list")
@click.option(
    "--status",
    type=click.Choice(["active", "unsubscribed", "bounced", "complained"]),
    help="Only subscribers with this status.",
)
@verbosity_options
def subscribers_list(status: str | None) -> None:
    """Print the subscribers, one per line: address, status, name (tab-separated)."""
    from briefgen import subscribers

    with subscribers.database(pipeline.subscribers_db(_project())) as conn:
        readers = subscribers.listing(conn, status)
        counts = subscribers.counts(conn)
    for reader in readers:
        click.echo(f"{reader.email}\t{reader.status}\t{reader.name}")
    log.info(
        "%d subscribers: %s", sum(counts.values()), ", ".join(f"{n} {s}" for s, n in counts.items())
    )


@subscribers_group.command("import")
@click.argument("csv_file", metavar="FILE.csv", type=click.Path(path_type=Path))
@verbosity_options
def subscribers_import(csv_file: Path) -> None:
    """Import subscribers from a CSV file with the header email or email,name.

    Valid rows are added in one transaction; known addresses are skipped (never reactivated);
    invalid rows are listed by line number.
    """
    from briefgen import subscribers

    with subscribers.database(pipeline.subscribers_db(_project())) as conn:
        report = subscribers.import_csv(conn, csv_file)
    for line, reason in report.invalid:
        click.echo(f"Error: {csv_file}:{line}: {reason}", err=True)
    log.info(
        "Imported %d, skipped %d already known (%d of them unsubscribed, bounced or complained)",
        report.added,
        report.duplicates,
        report.suppressed,
    )
    if report.invalid:
        raise BriefgenError(
            f"{len(report.invalid)} invalid rows were not imported (listed above); fix them and "
            "import the file again (known addresses are skipped)"
        )


@cli.command()
@click.option("-a", "--dev-addr", default="127.0.0.1:8000", help="Address to serve on.")
@verbosity_options
def serve(dev_addr: str) -> None:
    """Live preview of the site (MkDocs dev server); rebuilds when briefs change."""
    from mkdocs.commands.serve import serve as mkdocs_serve

    project = _project()
    mkdocs_serve(config_file=str(project.config_file), dev_addr=dev_addr, livereload=True)


@cli.command()
@verbosity_options
def check() -> None:
    """Validate every brief (front matter, source, grounding); non-zero exit on problems."""
    from briefgen import check as checks

    problems = checks.run(_project())
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise CheckFailed(f"{len(problems)} problem(s) found")
    click.echo("All briefs are valid.")


def main() -> None:
    cli(prog_name="briefgen")
