"""Render-site stage: the view models of the site and the pages the MkDocs plugin generates."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import markdown
import nh3

from briefgen import group, network
from briefgen.models import Brief, Company, Group, Issue, Theme
from briefgen.urls import safe_http_url

TOP_LEVEL: tuple[tuple[str, str], ...] = (
    ("Home", "index.md"),
    ("Issues", "issues/index.md"),
    ("Companies", "companies/index.md"),
    ("Partners", "partners/index.md"),
    ("Themes", "themes/index.md"),
    ("Archive", "archive/index.md"),
)
"""The site's navigation: the generated top-level pages only (briefs stay out of the nav)."""

SEARCH: tuple[str, str] = ("Search", "search/index.md")
"""The search page: linked from the header of every page when the site has search."""

TOP_STORIES = 3
"""Headlines shown in the latest-issue block on the home page."""

TOP_COMPANIES = 10
"""Companies with the most briefs, listed beside the latest briefs on the home page (and the
most active companies of a theme, on its page)."""

PAIRS_LISTED = 200
"""Rows of the table of partnerships on the partnership page: the strongest pairs (and any other
pair the drawing shows). Every pair is also on both companies' pages."""

PARTNERS_SHOWN = 12
"""Partners listed openly on a company page; the others are one click away (a disclosure)."""

NAMES_SHOWN = 4
"""Chinese names (and, separately, other names) shown on a company page."""

KINDS = {
    "automaker": "Automaker",
    "jv": "Joint venture",
    "supplier": "Supplier",
    "battery": "Battery maker",
    "chip": "Chip maker",
    "ai": "AI company",
    "cloud": "Cloud provider",
    "internet": "Internet company",
    "telecom": "Telecoms and electronics",
    "appliance": "Appliance maker",
    "energy": "Energy company",
    "regulator": "Regulator",
    "association": "Industry association",
}
"""How the registry's `kind` of a company reads on its page."""


class CompanyRegistry(group.CompanyDirectory, Protocol):
    """What the site needs of the company registry (`tagging.Registry` is one)."""

    @property
    def companies(self) -> Sequence[Company]: ...

    def chinese_names(self, name: str) -> tuple[str, ...]: ...

    def children(self, name: str) -> tuple[Company, ...]: ...


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Whitespace (any script), C0 and C1 controls: a URL holding one is not linked (DESIGN X5).
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
# Control characters (but tab, LF, CR): invisible, and not allowed in XML or HTML text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


@dataclass(frozen=True)
class Link:
    """A titled site-relative URL (directory style, e.g. `companies/gac-group/`)."""

    title: str
    url: str
    lang: str | None = None
    """The language of `title` when its script says so (`zh` for 华为), else None."""


@dataclass(frozen=True)
class Name:
    """A company named on another's page: linked when it has a page (`url`), else plain text."""

    title: str
    url: str | None
    lang: str | None = None


@dataclass(frozen=True)
class Count:
    """A company or theme with a number of briefs, linked to its page."""

    title: str
    url: str
    count: int
    lang: str | None = None


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
    also: tuple[SourceView, ...] = ()
    """Other outlets that reported the story ("Also reported by")."""


@dataclass(frozen=True)
class GroupView:
    """One entry of an index page: a company, theme or month with its number of briefs."""

    title: str
    url: str
    count: int
    latest: dt.date
    lang: str | None = None
    page_urls: tuple[str, ...] = ()
    """Every page of the group's listing (`archive/2026-04/`, `archive/2026-04/page/2/`...)."""
    other_name: str | None = None
    """A company's first Chinese name, when the registry knows one."""
    partners: int = 0
    """A company's number of partners (companies named with it in a brief)."""


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
class FeedSpec:
    """An Atom + JSON feed pair: the site's (`feed.xml`) or a company's or theme's
    (`companies/<slug>/feed.xml`), with its newest briefs by date added."""

    folder: str
    """Site-relative folder of the feed and of the page it follows (`""` for the site)."""
    title: str | None
    """The company or theme; None for the whole site."""
    briefs: tuple[BriefView, ...]
    lang: str | None = None

    @property
    def atom_url(self) -> str:
        return f"{self.folder}feed.xml"

    @property
    def json_url(self) -> str:
        return f"{self.folder}feed.json"


@dataclass(frozen=True)
class PairView:
    """Two companies named in the same briefs. `url` lists those briefs: the pair's own page
    (`partners/<slug-a>--<slug-b>/`) when there are several, else the one brief's page."""

    a: Link
    b: Link
    count: int
    latest: dt.date
    url: str
    brief: BriefView | None = None
    """The one brief behind the pair, when there is only one."""

    @property
    def title(self) -> str:
        return f"{self.a.title} and {self.b.title}"


@dataclass(frozen=True)
class PartnerView:
    """A partner on a company's page: the partner's page, and the briefs that name both."""

    company: Link
    pair: PairView

    @property
    def count(self) -> int:
        return self.pair.count


@dataclass(frozen=True)
class CompanyProfile:
    """What a company page shows besides its briefs (its first page only)."""

    kind: str | None = None
    chinese_names: tuple[str, ...] = ()
    other_names: tuple[str, ...] = ()
    parents: tuple[Name, ...] = ()
    children: tuple[Name, ...] = ()
    themes: tuple[Count, ...] = ()
    partners: tuple[PartnerView, ...] = ()

    @property
    def shown_partners(self) -> tuple[PartnerView, ...]:
        return self.partners[:PARTNERS_SHOWN]

    @property
    def more_partners(self) -> tuple[PartnerView, ...]:
        return self.partners[PARTNERS_SHOWN:]


@dataclass(frozen=True)
class NetworkNode:
    """A company drawn in the partnership network."""

    place: network.PlacedNode
    company: Link
    briefs: int
    partners: int


@dataclass(frozen=True)
class NetworkEdge:
    """A partnership drawn in the network: a link to the briefs behind it."""

    place: network.PlacedEdge
    pair: PairView


@dataclass(frozen=True)
class NetworkView:
    """The partnership page: the drawing, the table of pairs and the companies not drawn."""

    view_box: str
    width: str
    height: str
    nodes: tuple[NetworkNode, ...]
    edges: tuple[NetworkEdge, ...]
    pairs: tuple[PairView, ...]
    """The table: the strongest `PAIRS_LISTED` pairs, plus any other pair drawn."""
    pair_total: int
    company_total: int
    """Companies with at least one partner."""
    others: tuple[GroupView, ...] = field(default=())
    """Companies with partners that are not drawn, most partners first."""


@dataclass(frozen=True)
class SitePlan:
    """The generated pages plus the view of every brief, keyed by its file path."""

    pages: tuple[PageSpec, ...]
    briefs: Mapping[str, BriefView]
    feeds: tuple[FeedSpec, ...] = ()


def format_date(value: dt.date | None) -> str:
    """`13 Apr 2026`: unambiguous for every reader and independent of the process locale."""
    if value is None:
        return ""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def iso_date(value: dt.date | None) -> str:
    """`2026-04-13`, for `<time datetime>`."""
    return value.isoformat() if value is not None else ""


def source_view(name: str | None, url: str | None) -> SourceView:
    """The outlet name and, when the URL is safe, the link and its domain (without `www.`)."""
    safe = safe_http_url(url)
    domain = None
    if safe is not None:
        host = urlsplit(safe).hostname or ""
        domain = host.removeprefix("www.")
    return SourceView(name=name or None, url=safe, domain=domain)


def clean_text(text: str) -> str:
    """`text` without control characters (an article may carry them; no page shows them)."""
    return _CONTROL.sub("", text)


def text_language(text: str) -> str | None:
    """`ja`, `ko` or `zh` when `text` is written in that script (kana before Han, so Japanese
    names are not taken for Chinese), else None: the page's own language."""
    if _KANA.search(text):
        return "ja"
    if _HANGUL.search(text):
        return "ko"
    if _HAN.search(text):
        return "zh"
    return None


def feed_order(briefs: Iterable[BriefView]) -> list[BriefView]:
    """Newest first by the date briefgen added them (what a subscriber has not seen yet), then
    by the article's date: a brief added today about an old article still reaches feeds."""
    return sorted(briefs, key=lambda b: (-b.added.toordinal(), -b.date.toordinal(), b.title, b.id))


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
        title=clean_text(brief.title),
        # MkDocs percent-quotes page URLs the same way (File.url), so links match its output.
        url=quote(brief.url),
        summary=clean_text(summary_text(brief)),
        date=brief.date,
        published=brief.published,
        added=brief.added,
        source=source_view(clean_text(brief.source.name or ""), brief.source.url),
        also=tuple(
            source_view(clean_text(other.name or ""), other.url)
            for other in brief.also
            if other.name or safe_http_url(other.url)
        ),
        byline=byline_text(clean_text(brief.byline or "")),
        language=language,
        # A name and its alias both listed lead to one page: one chip.
        companies=tuple(
            dict.fromkeys(companies[name] for name in brief.companies if name in companies)
        ),
        themes=tuple(dict.fromkeys(themes[key] for key in brief.themes if key in themes)),
        edited=brief.edited,
    )


def plan_site(
    briefs: Iterable[Brief],
    themes: Sequence[Theme],
    issues: Sequence[Issue],
    per_page: int,
    *,
    issue_pages: bool = False,
    search: bool = False,
    feed_size: int = 50,
    registry: CompanyRegistry | None = None,
) -> SitePlan:
    """Every generated page and feed of the site, from briefs that have a file path.

    `issue_pages` adds a themed page per digest issue at `issues/<id>/`, for when no web copy
    of the emailed digest is available to put there; `search` adds the search page. Feeds hold
    the newest `feed_size` briefs by date added. With the company `registry`, companies are
    filed under their canonical names and slugs, and their pages show what it knows of them
    (Chinese names, parents, joint ventures and brands).
    """
    if per_page < 1:
        raise ValueError(f"per_page must be at least 1, got {per_page}")
    if feed_size < 1:
        raise ValueError(f"feed_size must be at least 1, got {feed_size}")
    ordered = group.newest_first(b for b in briefs if b.path is not None)
    reserved = (company.slug for company in registry.companies) if registry is not None else ()
    names = group.CompanyNames(registry, reserved)
    companies = _unreserved(group.by_company(ordered, names))
    theme_groups = _unreserved(group.by_theme(ordered, themes))
    months = group.by_month(ordered)
    company_groups = {g.key: g for g in companies}
    company_links = {g.key: _link(g) for g in companies}
    theme_links = {g.key: _link(g) for g in theme_groups}
    # Every name a brief uses leads to its company's page (an alias to the canonical one).
    name_links = {
        name: company_links[names.canonical(name)] for b in ordered for name in b.companies
    }
    # One view per brief, shared by its page and every listing it appears on.
    views = {b.path: brief_view(b, name_links, theme_links) for b in ordered if b.path}
    by_id = {b.id: views[b.path] for b in ordered if b.path}

    def listed(items: Iterable[Brief]) -> tuple[BriefView, ...]:
        return tuple(views[b.path] for b in items if b.path in views)

    issue_views = [_issue_view(issue, by_id) for issue in issues]
    issue_views = [view for view in issue_views if view.count]
    newest_issues = tuple(reversed(issue_views))
    latest_issue = newest_issues[0] if newest_issues else None
    newest = max((b.added for b in ordered), default=None)

    def feed(folder: str, title: str | None, items: Iterable[Brief]) -> FeedSpec:
        title = clean_text(title) if title else None
        lang = text_language(title) if title else None
        return FeedSpec(folder, title, tuple(feed_order(listed(items))[:feed_size]), lang)

    site_feed = feed("", None, ordered)
    feeds = [site_feed]
    busiest = sorted(companies, key=lambda g: (-len(g.briefs), g.title.casefold(), g.key))
    home_context = {
        "issue": latest_issue,
        "section": "",
        "feed": site_feed,
        "themes": tuple(_group_view(g, per_page) for g in theme_groups),
        "top_companies": tuple(_group_view(g, per_page) for g in busiest[:TOP_COMPANIES]),
    }
    pages: list[PageSpec] = []
    pages += _paginated(
        "", "home.html", "Home", "Latest briefs", listed(ordered), per_page, home_context
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
    # Partnerships: counted once over all briefs, then shared by company pages, the network
    # page and the pair pages.
    found = group.pairs(ordered, names)
    pair_views = {(p.a, p.b): _pair_view(p, company_links, listed) for p in found}
    partner_lists = group.partners(found)
    company_views = []
    for item in companies:
        partnered = partner_lists.get(item.key, ())
        chinese = registry.chinese_names(item.key)[:1] if registry is not None else ()
        company_views.append(
            replace(
                _group_view(item, per_page),
                other_name=chinese[0] if chinese else None,
                partners=len(partnered),
            )
        )
    pages.append(
        PageSpec(
            "companies/index.md",
            "companies.html",
            "Companies",
            {"groups": tuple(company_views), "section": "companies/"},
            newest,
        )
    )
    for item in companies:
        item_feed = feed(item.url, item.title, item.briefs)
        feeds.append(item_feed)
        partnered = partner_lists.get(item.key, ())
        profile = _company_profile(
            item,
            registry,
            company_groups,
            theme_links,
            [(company_links[other], pair_views[(pair.a, pair.b)]) for other, pair in partnered],
        )
        pages += _group_pages(
            item,
            "company.html",
            listed(item.briefs),
            per_page,
            "companies/",
            item_feed,
            {"profile": profile},
        )
    view = _network_view(found, pair_views, company_groups, partner_lists, per_page)
    pages.append(
        PageSpec(
            "partners/index.md",
            "partners.html",
            "Partnerships",
            {"network": view, "section": "partners/"},
            newest,
        )
    )
    for pair in found:
        pair_view = pair_views[(pair.a, pair.b)]
        if pair_view.brief is None:  # one brief: the pair links to it, no page of its own
            pages += _paginated(
                pair_view.url,
                "pair.html",
                pair_view.title,
                pair_view.title,
                listed(pair.briefs),
                per_page,
                {"pair": pair_view, "section": "partners/"},
            )
    pages.append(
        PageSpec(
            "themes/index.md",
            "themes.html",
            "Themes",
            {"groups": tuple(_group_view(g, per_page) for g in theme_groups), "section": "themes/"},
            newest,
        )
    )
    for item in theme_groups:
        item_feed = feed(item.url, item.title, item.briefs)
        feeds.append(item_feed)
        active = Counter(name for b in item.briefs for name in names.of(b))
        top = sorted(active, key=lambda k: (-active[k], k.casefold(), k))[:TOP_COMPANIES]
        busy = tuple(_count(company_links[key], active[key]) for key in top)
        pages += _group_pages(
            item,
            "theme.html",
            listed(item.briefs),
            per_page,
            "themes/",
            item_feed,
            {"top_companies": busy},
        )
    pages.append(
        PageSpec(
            "archive/index.md",
            "archive.html",
            "Archive",
            {
                "months": tuple(_group_view(g, per_page) for g in months),
                "issues": newest_issues,
                "section": "archive/",
            },
            newest,
        )
    )
    for month in months:
        pages += _group_pages(month, "month.html", listed(month.briefs), per_page, "archive/")
    if search:
        pages.append(PageSpec(SEARCH[1], "search.html", SEARCH[0], {"section": "search/"}))
    return SitePlan(pages=tuple(pages), briefs=views, feeds=tuple(feeds))


def site_pages(
    briefs: Iterable[Brief], themes: Sequence[Theme], issues: Sequence[Issue], per_page: int
) -> list[PageSpec]:
    """The generated pages only (see `plan_site`)."""
    return list(plan_site(briefs, themes, issues, per_page).pages)


def _group_pages(
    item: Group,
    template: str,
    briefs: tuple[BriefView, ...],
    per_page: int,
    section: str,
    feed: FeedSpec | None = None,
    extra: Mapping[str, Any] | None = None,
) -> list[PageSpec]:
    return _paginated(
        item.url,
        template,
        item.title,
        item.title,
        briefs,
        per_page,
        {"group": _group_view(item, per_page), "section": section, "feed": feed, **(extra or {})},
    )


def _pair_view(
    pair: group.Pair,
    links: Mapping[str, Link],
    listed: Callable[[Iterable[Brief]], tuple[BriefView, ...]],
) -> PairView:
    a, b = links[pair.a], links[pair.b]
    latest = pair.briefs[0].date
    if len(pair.briefs) == 1:
        (only,) = listed(pair.briefs)
        return PairView(a, b, 1, latest, only.url, only)
    slug_a = a.url.removeprefix("companies/").rstrip("/")
    slug_b = b.url.removeprefix("companies/").rstrip("/")
    return PairView(a, b, len(pair.briefs), latest, f"partners/{slug_a}--{slug_b}/")


def _company_profile(
    item: Group,
    registry: CompanyRegistry | None,
    pages: Mapping[str, Group],
    theme_links: Mapping[str, Link],
    partnered: Sequence[tuple[Link, PairView]],
) -> CompanyProfile:
    """What the registry knows of the company, its themes and its partners."""
    themes = Counter(key for brief in item.briefs for key in dict.fromkeys(brief.themes))
    order = {key: index for index, key in enumerate(theme_links)}
    ranked = sorted(themes, key=lambda key: (-themes[key], order.get(key, len(order)), key))
    profile = CompanyProfile(
        themes=tuple(_count(theme_links[key], themes[key]) for key in ranked if key in theme_links),
        partners=tuple(PartnerView(link, pair) for link, pair in partnered),
    )
    company = registry.get(item.key) if registry is not None else None
    if registry is None or company is None or company.name != item.key:
        return profile

    def name(title: str) -> Name:
        page = pages.get(title)
        return Name(clean_text(title), page.url if page else None, text_language(title))

    chinese = registry.chinese_names(company.name)
    others = [
        alias
        for alias in company.aliases
        if alias not in chinese and not _legal_variant(alias, company.name)
    ]
    return replace(
        profile,
        kind=KINDS.get(company.kind, company.kind.capitalize() or None),
        chinese_names=tuple(chinese[:NAMES_SHOWN]),
        other_names=tuple(others[:NAMES_SHOWN]),
        parents=tuple(name(parent) for parent in company.parents),
        children=tuple(name(child.name) for child in registry.children(company.name)),
    )


# Words of a legal form: an alias that only adds them to the name is not another name.
# fmt: off
_LEGAL_WORDS = frozenset({
    "co", "company", "corp", "corporation", "inc", "incorporated", "limited", "ltd", "plc",
    "holdings", "ag", "se", "sa", "nv", "llc", "group", "the",
})
# fmt: on
_WORDS = re.compile(r"[^\W_]+")


def _legal_variant(alias: str, name: str) -> bool:
    """Whether `alias` is only `name` written differently ("SAIC BMW" for "SAIC-BMW") or with
    a legal form added ("SAIC Motor Corporation Limited"): not worth showing as another name."""
    words, base = _WORDS.findall(alias.casefold()), _WORDS.findall(name.casefold())
    if "".join(words) == "".join(base):
        return True
    return words[: len(base)] == base and all(word in _LEGAL_WORDS for word in words[len(base) :])


def _network_view(
    found: Sequence[group.Pair],
    pair_views: Mapping[tuple[str, str], PairView],
    companies: Mapping[str, Group],
    partner_lists: Mapping[str, Sequence[tuple[str, group.Pair]]],
    per_page: int,
) -> NetworkView:
    """The drawing of the companies with the most partners, the table of the strongest pairs
    and the list of the other companies with partners."""
    degrees = {key: len(partnered) for key, partnered in partner_lists.items()}
    weights = {key: len(companies[key].briefs) for key in degrees}
    drawn = network.pick_nodes(degrees, weights)
    edges = network.pick_edges(
        [network.EdgeIn(p.a, p.b, len(p.briefs)) for p in found], drawn, network.MAX_EDGES
    )
    drawing = network.layout(
        [network.NodeIn(key, clean_text(key), weights[key]) for key in drawn], edges
    )
    nodes = tuple(
        NetworkNode(place, _link(companies[place.key]), weights[place.key], degrees[place.key])
        for place in drawing.nodes
    )
    lines = tuple(NetworkEdge(place, pair_views[(place.a, place.b)]) for place in drawing.edges)
    shown = set(drawn)
    others = sorted(
        (key for key in degrees if key not in shown),
        key=lambda key: (-degrees[key], -weights[key], key.casefold(), key),
    )
    drawn_pairs = {(edge.a, edge.b) for edge in edges}
    listed = [
        pair_views[(p.a, p.b)]
        for index, p in enumerate(found)
        if index < PAIRS_LISTED or (p.a, p.b) in drawn_pairs
    ]
    return NetworkView(
        view_box=drawing.view_box,
        width=network.number(drawing.width),
        height=network.number(drawing.height),
        nodes=nodes,
        edges=lines,
        pairs=tuple(listed),
        pair_total=len(found),
        company_total=len(degrees),
        others=tuple(
            replace(_group_view(companies[key], per_page), partners=degrees[key]) for key in others
        ),
    )


def _count(link: Link, count: int) -> Count:
    return Count(link.title, link.url, count, link.lang)


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


def _link(item: Group) -> Link:
    title = clean_text(item.title)
    return Link(title, item.url, text_language(title))


def _group_view(item: Group, per_page: int) -> GroupView:
    count = -(-len(item.briefs) // per_page)
    page_urls = (item.url, *(f"{item.url}page/{n}/" for n in range(2, count + 1)))
    return GroupView(
        clean_text(item.title),
        item.url,
        len(item.briefs),
        item.briefs[0].date,
        text_language(item.title),
        page_urls,
    )


def _issue_view(issue: Issue, by_id: Mapping[str, BriefView]) -> IssueView:
    members = tuple(by_id[b.id] for b in issue.briefs if b.id in by_id)
    return IssueView(issue.id, issue.number, issue.date, issue.url, members)


def _latest(dates: Iterable[dt.date]) -> dt.date | None:
    return max(dates, default=None)
