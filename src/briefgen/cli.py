"""Command line: one thin click command per pipeline stage (the contract in DESIGN.md)."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from briefgen import __version__, pipeline
from briefgen.config import CONFIG_FILE, Project, load_project
from briefgen.errors import BriefgenError, CheckFailed, IngestError

F = TypeVar("F", bound=Callable[..., Any])


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
    _configure_logging(click.get_current_context().meta.get("briefgen.verbosity", 0))


@cli.command()
@verbosity_options
def build() -> None:
    """Build everything: new or changed seeds become briefs, then the site and the digest."""
    pipeline.build(_project())


@cli.command("ingest")
@click.argument("paths", nargs=-1, required=True)
@verbosity_options
def ingest_command(paths: tuple[str, ...]) -> None:
    """Add articles (files or folders of .txt, .md, .html) as briefs."""
    for path in paths:
        if "://" in path:
            raise BriefgenError(
                f"{path}: ingesting URLs is not supported yet; save the page as a file "
                "and pass its path"
            )
    pipeline.ingest_paths(_project(), [Path(path) for path in paths])


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


@cli.command()
@click.option("--issue", "issue_id", help="Issue id (default: the current issue).")
@verbosity_options
def digest(issue_id: str | None) -> None:
    """Render a digest issue: web copy in site/issues/ID/ and outbox/ID/preview.eml."""
    project = _project()
    web = pipeline.render_digest_web_copy(project, issue_id)
    preview = pipeline.render_digest_preview(project, issue_id)
    click.echo(f"Web copy: {web.relative_to(project.root)}")
    click.echo(f"Preview:  {preview.relative_to(project.root)}")


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
