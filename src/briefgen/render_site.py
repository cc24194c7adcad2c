"""Render-site stage: the view models of the site and the pages the MkDocs plugin generates."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote, urlsplit

import markdown
import nh3

from briefgen import group
from briefgen.models import Brief, Group, Issue, Theme

TOP_LEVEL: tuple[tuple[str, str], ...] = (
    ("Home", "index.md"),
    ("Issues", "issues/index.md"),
    ("Companies", "companies/index.md"),
    ("Themes", "themes/index.md"),
    ("Archive", "archive/index.md"),
)
"""The site's navigation: the generated top-level pages only (briefs stay out of the nav)."""

TOP_STORIES = 3
"""Headlines shown in the latest-issue block on the home page."""

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Whitespace (any script), C0 and C1 controls: a URL holding one is not linked (DESIGN X5).
_UNSAFE_URL_CHAR = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")


@dataclass(frozen=True)
class Link:
    """A titled site-relative URL (directory style, e.g. `companies/gac-group/`)."""

    title: str
    url: str


@dataclass(frozen=True)
class SourceView:
    """The outlet of a brief; `url` is set only when it is safe to link (http/https)."""

    name: str | None
    url: str | None
    domain: str | None


@dataclass(frozen=True)
class BriefView:
    """What templates show of a brief: plain-text fields (autoescaped) and resolved links."""

    id: str
    title: str
    url: str
    summary: str
    date: dt.date
    published: dt.date | None
    added: dt.date
    source: SourceView
    byline: str | None
    language: str | None
    companies: tuple[Link, ...]
    themes: tuple[Link, ...]
    edited: bool


@dataclass(frozen=True)
class GroupView:
    """One entry of an index page: a company, theme or month with its number of briefs."""

    title: str
    url: str
    count: int
    latest: dt.date


@dataclass(frozen=True)
class IssueView:
    """A digest issue as listed on the site; `url` is its web copy `issues/<id>/`."""

    id: str
    number: int
    date: dt.date
    url: str
    briefs: tuple[BriefView, ...]

    @property
    def count(self) -> int:
        return len(self.briefs)

    @property
    def top(self) -> tuple[BriefView, ...]:
        """The top stories, for the highlighted block on the home page."""
        return self.briefs[:TOP_STORIES]


@dataclass(frozen=True)
class Pagination:
    """Where a page sits in a paginated listing; URLs are site-relative."""

    number: int
    count: int
    newer_url: str | None
    older_url: str | None


@dataclass(frozen=True)
class PageSpec:
    """A page the plugin adds to the site: its source URI, template, title and context."""

    src_uri: str
    template: str
    title: str
    context: Mapping[str, Any]
    updated: dt.date | None = None
    """The newest date of what the page lists: its sitemap `lastmod` (reproducible builds)."""

    @property
    def url(self) -> str:
        """The directory URL MkDocs gives the page (`companies/index.md` → `companies/`)."""
        stem = self.src_uri.removesuffix(".md")
        if stem == "index" or stem.endswith("/index"):
            return stem.removesuffix("index")
        return stem + "/"

    @property
    def in_nav(self) -> bool:
        return any(src == self.src_uri for _, src in TOP_LEVEL)


@dataclass(frozen=True)
class SitePlan:
    """The generated pages plus the view of every brief, keyed by its file path."""

    pages: tuple[PageSpec, ...]
    briefs: Mapping[str, BriefView]


def format_date(value: dt.date | None) -> str:
    """`13 Apr 2026`: unambiguous for every reader and independent of the process locale."""
    if value is None:
        return ""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def iso_date(value: dt.date | None) -> str:
    """`2026-04-13`, for `<time datetime>`."""
    return value.isoformat() if value is not None else ""


def safe_http_url(url: str | None) -> str | None:
    """The URL when it is http(s) with a host and no whitespace or control characters, else None.

    Autoescaping does not stop `javascript:` in an `href`, so this is the only gate for links
    taken from articles.
    """
    if not url or _UNSAFE_URL_CHAR.search(url):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc or not parts.hostname:
        return None
    return url


def source_view(name: str | None, url: str | None) -> SourceView:
    """The outlet name and, when the URL is safe, the link and its domain (without `www.`)."""
    safe = safe_http_url(url)
    domain = None
    if safe is not None:
        host = urlsplit(safe).hostname or ""
        domain = host.removeprefix("www.")
    return SourceView(name=name or None, url=safe, domain=domain)


def byline_text(byline: str | None) -> str | None:
    """`By Jane Doe`, without doubling a `By` the article already has."""
    if not byline or not byline.strip():
        return None
    byline = " ".join(byline.split())
    return byline if byline.casefold().startswith("by ") else f"By {byline}"


def summary_text(brief: Brief) -> str:
    """The summary as plain text for listings.

    A generated summary already is plain text. An editor's summary is Markdown: listings show
    its text without the markup (the brief page renders the Markdown itself).
    """
    if not brief.edited:
        return brief.summary
    rendered = markdown.markdown(brief.summary)
    text = html.unescape(nh3.clean(rendered, tags=set()))
    return " ".join(text.split())


def brief_view(
    brief: Brief, companies: Mapping[str, Link], themes: Mapping[str, Link]
) -> BriefView:
    """The view of one brief; `companies` and `themes` map names and theme ids to their pages."""
    language = brief.language if _LANGUAGE_TAG.fullmatch(brief.language or "") else None
    return BriefView(
        id=brief.id,
        title=brief.title,
        # MkDocs percent-quotes page URLs the same way (File.url), so links match its output.
        url=quote(brief.url),
        summary=summary_text(brief),
        date=brief.date,
        published=brief.published,
        added=brief.added,
        source=source_view(brief.source.name, brief.source.url),
        byline=byline_text(brief.byline),
        language=language,
        companies=tuple(companies[name] for name in brief.companies if name in companies),
        themes=tuple(themes[key] for key in brief.themes if key in themes),
        edited=brief.edited,
    )


def plan_site(
    briefs: Iterable[Brief],
    themes: Sequence[Theme],
    issues: Sequence[Issue],
    per_page: int,
    *,
    issue_pages: bool = False,
) -> SitePlan:
    """Every generated page of the site, from briefs that have a file path.

    `issue_pages` adds a themed page per digest issue at `issues/<id>/`, for when no web copy
    of the emailed digest is available to put there.
    """
    if per_page < 1:
        raise ValueError(f"per_page must be at least 1, got {per_page}")
    ordered = group.newest_first(b for b in briefs if b.path is not None)
    companies = _unreserved(group.by_company(ordered))
    theme_groups = _unreserved(group.by_theme(ordered, themes))
    months = group.by_month(ordered)
    company_links = {g.key: Link(g.title, g.url) for g in companies}
    theme_links = {g.key: Link(g.title, g.url) for g in theme_groups}
    # One view per brief, shared by its page and every listing it appears on.
    views = {b.path: brief_view(b, company_links, theme_links) for b in ordered if b.path}
    by_id = {b.id: views[b.path] for b in ordered if b.path}

    def listed(items: Iterable[Brief]) -> tuple[BriefView, ...]:
        return tuple(views[b.path] for b in items if b.path in views)

    issue_views = [_issue_view(issue, by_id) for issue in issues]
    issue_views = [view for view in issue_views if view.count]
    newest_issues = tuple(reversed(issue_views))
    latest_issue = newest_issues[0] if newest_issues else None
    newest = max((b.added for b in ordered), default=None)

    pages: list[PageSpec] = []
    pages += _paginated(
        "",
        "home.html",
        "Home",
        "Latest briefs",
        listed(ordered),
        per_page,
        {"issue": latest_issue, "section": ""},
    )
    pages.append(
        PageSpec(
            "issues/index.md",
            "issues.html",
            "Digest issues",
            {"issues": newest_issues, "section": "issues/"},
            _latest(issue.date for issue in newest_issues),
        )
    )
    if issue_pages:
        for issue in newest_issues:
            pages.append(
                PageSpec(
                    f"issues/{issue.id}.md",
                    "issue.html",
                    f"Issue #{issue.number}",
                    {"issue": issue, "briefs": issue.briefs, "section": "issues/"},
                    issue.date,
                )
            )
    for kind, items, index_title in (
        ("companies", companies, "Companies"),
        ("themes", theme_groups, "Themes"),
    ):
        section = f"{kind}/"
        pages.append(
            PageSpec(
                f"{kind}/index.md",
                f"{kind}.html",
                index_title,
                {"groups": tuple(_group_view(g) for g in items), "section": section},
                newest,
            )
        )
        template = "company.html" if kind == "companies" else "theme.html"
        for item in items:
            pages += _group_pages(item, template, listed(item.briefs), per_page, section)
    pages.append(
        PageSpec(
            "archive/index.md",
            "archive.html",
            "Archive",
            {
                "months": tuple(_group_view(g) for g in months),
                "issues": newest_issues,
                "section": "archive/",
            },
            newest,
        )
    )
    for month in months:
        pages += _group_pages(month, "month.html", listed(month.briefs), per_page, "archive/")
    return SitePlan(pages=tuple(pages), briefs=views)


def site_pages(
    briefs: Iterable[Brief], themes: Sequence[Theme], issues: Sequence[Issue], per_page: int
) -> list[PageSpec]:
    """The generated pages only (see `plan_site`)."""
    return list(plan_site(briefs, themes, issues, per_page).pages)


def _group_pages(
    item: Group, template: str, briefs: tuple[BriefView, ...], per_page: int, section: str
) -> list[PageSpec]:
    return _paginated(
        item.url,
        template,
        item.title,
        item.title,
        briefs,
        per_page,
        {"group": _group_view(item), "section": section},
    )


def _paginated(
    base_url: str,
    template: str,
    title: str,
    later_title: str,
    briefs: tuple[BriefView, ...],
    per_page: int,
    context: Mapping[str, Any],
) -> list[PageSpec]:
    """A listing split into pages: `<base>/` then `<base>/page/2/`, `<base>/page/3/`..."""
    chunks = [briefs[i : i + per_page] for i in range(0, len(briefs), per_page)] or [()]
    count = len(chunks)

    def url(number: int) -> str:
        return base_url if number == 1 else f"{base_url}page/{number}/"

    def src(number: int) -> str:
        if number > 1:
            return f"{base_url}page/{number}/index.md"
        return base_url.rstrip("/") + ".md" if base_url else "index.md"

    pages = []
    for number, chunk in enumerate(chunks, start=1):
        pagination = Pagination(
            number=number,
            count=count,
            newer_url=url(number - 1) if number > 1 else None,
            older_url=url(number + 1) if number < count else None,
        )
        page_title = title if number == 1 else f"{later_title}, page {number}"
        page_context = {**context, "briefs": chunk, "pagination": pagination}
        updated = _latest(b.added for b in chunk)
        pages.append(PageSpec(src(number), template, page_title, page_context, updated))
    return pages


def _unreserved(groups: list[Group]) -> list[Group]:
    """A company or theme slugged `index` would take the place of its index page: rename it."""
    taken = {item.slug for item in groups}
    renamed = []
    for item in groups:
        if item.slug == "index":
            number = 2
            while f"index-{number}" in taken:
                number += 1
            taken.add(f"index-{number}")
            item = replace(item, slug=f"index-{number}")
        renamed.append(item)
    return renamed


def _group_view(item: Group) -> GroupView:
    return GroupView(item.title, item.url, len(item.briefs), item.briefs[0].date)


def _issue_view(issue: Issue, by_id: Mapping[str, BriefView]) -> IssueView:
    members = tuple(by_id[b.id] for b in issue.briefs if b.id in by_id)
    return IssueView(issue.id, issue.number, issue.date, issue.url, members)


def _latest(dates: Iterable[dt.date]) -> dt.date | None:
    return max(dates, default=None)
