"""Configuration: the typed `briefgen` plugin schema in `mkdocs.yml` and its project."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig

from briefgen.errors import ConfigError, ProjectNotFound

CONFIG_FILE = "mkdocs.yml"


class DigestConfig(base.Config):
    """The `digest:` section: who the newsletter is from and what its footer says."""

    brand = c.Optional(c.Type(str))
    """Name of the newsletter, shown in the header and the subject. Default: `site_name`."""

    from_address = c.Type(str, default="Briefgen <briefs@example.com>")
    """`From` header: a display name and an address whose domain signs the mail (DKIM)."""

    reply_to = c.Optional(c.Type(str))
    """Optional `Reply-To` address."""

    list_id = c.Optional(c.Type(str))
    """RFC 2919 `List-Id` identifier such as `briefs.example.com`. Default: from `from_address`."""

    postal_address = c.Type(str, default="Briefgen, 1 Example Street, Example City")
    """Sender postal address for the footer (CAN-SPAM requires one)."""

    unsubscribe_url = c.Optional(c.Type(str))
    """HTTPS endpoint that unsubscribes a token (`{token}` is replaced). Enables one-click
    `List-Unsubscribe-Post`. Without it, unsubscribing goes by `mailto:`."""

    unsubscribe_mailto = c.Optional(c.Type(str))
    """Address for `mailto:` unsubscribe requests. Default: `unsubscribe@` the sending domain."""

    max_full_briefs = c.Type(int, default=25)
    """Briefs shown in full in one email; the rest are listed as headlines (Gmail clips ~102 KB)."""

    secret = c.Optional(c.Type(str))
    """Key for unsubscribe tokens. Default: the `BRIEFGEN_SECRET` environment variable."""

    subscribers_db = c.Optional(c.Type(str))
    """SQLite database of subscribers and the send ledger. Default: `<state_dir>/subscribers.db`."""

    bounce_address = c.Optional(c.Type(str))
    """Envelope sender (`MAIL FROM`) that receives bounces. Default: the `from_address` address."""

    rate_per_sec = c.Type((int, float), default=1)
    """Messages sent per second at most (token bucket). `SEND_RATE_PER_SEC` overrides it."""

    daily_cap = c.Type(int, default=2000)
    """Messages sent per UTC day at most, over all issues. `SEND_DAILY_CAP` overrides it."""


class BriefgenConfig(base.Config):
    """The options of the `briefgen` plugin in `mkdocs.yml` (all paths relative to that file)."""

    seeds_dir = c.Type(str, default="seeds")
    """Folder of raw articles (`.txt`, `.md`, `.html`) that `briefgen build` turns into briefs."""

    outbox_dir = c.Type(str, default="outbox")
    """Where digest messages are written (`outbox/<issue>/*.eml`). Gitignored."""

    state_dir = c.Type(str, default=".briefgen")
    """Local state: subscribers database, send ledger, caches. Gitignored."""

    issues_dir = c.Type(str, default="issues")
    """Records of closed digest issues (`issues/<id>.yml`). Committed, like the briefs."""

    email_templates = c.Type(str, default="templates/email")
    """Folder of the digest templates `digest.html.j2` and `digest.txt.j2`."""

    companies_file = c.Optional(c.File(exists=True))
    """YAML file of extra registry entries (same shape as `companies`)."""

    companies = c.ListOfItems(c.Type(dict), default=[])
    """Extra or overriding company entries: `{name, aliases, parents, kind}`."""

    themes = c.ListOfItems(c.Type(dict), default=[])
    """Extra or overriding themes: `{id, title, cues}`. An entry with an existing id replaces it."""

    replace_themes = c.Type(bool, default=False)
    """When true, `themes` replaces the default taxonomy instead of extending it."""

    briefs_per_page = c.Type(int, default=50)
    """Briefs listed per page on the home page and other long listings."""

    search = c.Type(bool, default=True)
    """Build the search page (`search/`) and its Pagefind index after MkDocs writes the site."""

    feed_size = c.Type(int, default=50)
    """Entries in each Atom and JSON feed (the site's, each company's, each theme's): the newest
    briefs by the date they were added."""

    digest = c.SubConfig(DigestConfig)
    """Options for the email digest."""


@dataclass(frozen=True)
class Project:
    """A briefgen project: the folder holding `mkdocs.yml` and everything resolved from it."""

    root: Path
    mkdocs: MkDocsConfig
    options: BriefgenConfig

    @property
    def config_file(self) -> Path:
        return self.root / CONFIG_FILE

    @property
    def docs_dir(self) -> Path:
        return Path(self.mkdocs.docs_dir)

    @property
    def site_dir(self) -> Path:
        return Path(self.mkdocs.site_dir)

    @property
    def site_url(self) -> str:
        return self.mkdocs.site_url or ""

    @property
    def site_name(self) -> str:
        return self.mkdocs.site_name

    def path(self, relative: str) -> Path:
        return self.root / relative

    @property
    def seeds_dir(self) -> Path:
        return self.path(self.options.seeds_dir)

    @property
    def outbox_dir(self) -> Path:
        return self.path(self.options.outbox_dir)

    @property
    def state_dir(self) -> Path:
        return self.path(self.options.state_dir)

    @property
    def issues_dir(self) -> Path:
        return self.path(self.options.issues_dir)

    @property
    def email_templates(self) -> Path:
        return self.path(self.options.email_templates)

    @property
    def brand(self) -> str:
        return self.options.digest.brand or self.site_name


def plugin_options(config: MkDocsConfig) -> BriefgenConfig:
    """The validated `briefgen` plugin options of a loaded MkDocs config."""
    plugin = config.plugins.get("briefgen")
    if plugin is None:
        raise ConfigError.invalid(
            "plugins", "a list that includes 'briefgen'", list(config.plugins)
        )
    options: BriefgenConfig = plugin.config
    return options


def load_project(root: Path | str = ".", *, site_dir: str | None = None) -> Project:
    """Load and validate `mkdocs.yml` in `root`; raise a one-line error on any problem."""
    from mkdocs import exceptions
    from mkdocs.config import load_config

    root = Path(root).resolve()
    config_file = root / CONFIG_FILE
    if not config_file.is_file():
        raise ProjectNotFound(
            f"no {CONFIG_FILE} in {root}; run briefgen in a project folder (see README.md)"
        )
    overrides: dict[str, Any] = {}
    if site_dir is not None:
        overrides["site_dir"] = site_dir
    with _collected_errors("mkdocs.config") as errors:
        try:
            mkdocs_config = load_config(str(config_file), **overrides)
        except (exceptions.ConfigurationError, exceptions.Abort) as error:
            # MkDocs logs each invalid key, then aborts: report them on one line instead.
            details = "; ".join(errors) or " ".join(str(error).split())
            raise ConfigError(f"{config_file.name}: {details}") from None
    problem = site_url_problem(mkdocs_config.site_url)
    if problem is not None:
        raise ConfigError(problem)
    return Project(root=root, mkdocs=mkdocs_config, options=plugin_options(mkdocs_config))


def site_url_problem(site_url: str | None) -> str | None:
    """What is wrong with `site_url`, or None. Canonical links, feeds and the sitemap are
    absolute, so the site needs the http(s) address it is published at."""
    example = "e.g. site_url: https://briefs.example.com/"
    if not site_url:
        return f"{CONFIG_FILE}: 'site_url' is missing; set it to the address of the site, {example}"
    try:
        parts = urlsplit(site_url)
        usable = parts.scheme.lower() in {"http", "https"} and bool(parts.hostname)
    except ValueError:
        usable = False
    if not usable:
        return (
            f"{CONFIG_FILE}: 'site_url' must be an absolute http(s) address, {example}; "
            f"got {site_url!r}"
        )
    return None


class _ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(" ".join(record.getMessage().split()))


@contextlib.contextmanager
def _collected_errors(logger_name: str) -> Iterator[list[str]]:
    """Collect (and hold back) the error records of a logger while the block runs."""
    logger = logging.getLogger(logger_name)
    handler = _ListHandler()
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def today() -> dt.date:
    """The date briefs are added on. `BRIEFGEN_TODAY=YYYY-MM-DD` pins it (tests, rebuilds)."""
    pinned = os.environ.get("BRIEFGEN_TODAY")
    if pinned:
        try:
            return dt.date.fromisoformat(pinned)
        except ValueError:
            raise ConfigError.invalid(
                "BRIEFGEN_TODAY", "a date as YYYY-MM-DD", pinned, "environment"
            ) from None
    return dt.datetime.now(dt.UTC).date()
