"""Group stage: pure functions from briefs to listings by company, theme, month and digest issue."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from briefgen.models import Brief, Company, Group, Issue, Theme
from briefgen.slugs import slugify


class CompanyDirectory(Protocol):
    """What grouping needs of the company registry (`tagging.Registry` is one)."""

    def get(self, name: str) -> Company | None: ...


def newest_first(briefs: Iterable[Brief]) -> list[Brief]:
    """Newest first by the article's date, then by when it was added; ties broken stably."""
    return sorted(briefs, key=lambda b: (-b.date.toordinal(), -b.added.toordinal(), b.title, b.id))


class CompanyNames:
    """Canonical names and slugs of the companies named in briefs, looked up once per name.

    A name the registry knows (canonical, an alias in any script, or differing only in case) is
    filed under the registry's canonical name and slug: one page per company, whatever name a
    hand-edited brief used. Any other name keeps its own, slugged with `slugify`.
    """

    def __init__(
        self, registry: CompanyDirectory | None = None, reserved: Iterable[str] = ()
    ) -> None:
        self._registry = registry
        self._canonical: dict[str, str] = {}
        self._registry_slug: dict[str, str] = {}
        self.reserved = frozenset(reserved)
        """Slugs other names must not take: every registry company's, with briefs or not."""

    def canonical(self, name: str) -> str:
        found = self._canonical.get(name)
        if found is None:
            company = self._registry.get(name) if self._registry is not None else None
            found = name if company is None else company.name
            if company is not None:
                self._registry_slug[company.name] = company.slug
            self._canonical[name] = found
        return found

    def of(self, brief: Brief) -> list[str]:
        """The brief's companies by canonical name, each once, in the brief's order."""
        return list(dict.fromkeys(self.canonical(name) for name in brief.companies))

    def registry_slug(self, canonical: str) -> str | None:
        """The registry's slug for a canonical name it knows, else None."""
        self.canonical(canonical)
        return self._registry_slug.get(canonical)


def by_company(
    briefs: Iterable[Brief], registry: CompanyDirectory | CompanyNames | None = None
) -> list[Group]:
    """One group per company named in any brief, ordered by name.

    With a registry, names are filed under their canonical name and take the registry's slug
    (see `CompanyNames`); slugs never change when other companies are added (`_company_slugs`).
    """
    names = registry if isinstance(registry, CompanyNames) else CompanyNames(registry)
    buckets: dict[str, list[Brief]] = defaultdict(list)
    for brief in briefs:
        for name in names.of(brief):
            buckets[name].append(brief)
    groups = [
        Group("company", name, name, "", tuple(newest_first(items)))
        for name, items in buckets.items()
    ]
    groups.sort(key=lambda g: (g.title.casefold(), g.key))
    return _company_slugs(groups, names)


def _company_slugs(groups: list[Group], names: CompanyNames) -> list[Group]:
    """Registry companies keep the registry's slug (unique by construction). Other names get
    `slugify(name)`; one that is taken (by a registry company, even one no brief names yet, or
    by another name: only punctuation differs) gets a suffix from its own hash, never a number
    that depends on which other companies exist."""
    slugs = {g.key: names.registry_slug(g.key) for g in groups}
    taken = {slug for slug in slugs.values() if slug is not None} | names.reserved
    result = []
    for item in groups:
        slug = slugs[item.key]
        if slug is None:
            slug = slugify(item.key)
            if slug in taken:
                digest = hashlib.sha256(item.key.encode("utf-8")).hexdigest()
                slug = next(
                    candidate
                    for size in range(6, 65, 2)
                    if (candidate := f"{slug}-{digest[:size]}") not in taken
                )
            taken.add(slug)
        result.append(Group(item.kind, item.key, item.title, slug, item.briefs))
    return result


@dataclass(frozen=True)
class Pair:
    """Two companies named in the same briefs (`a` before `b` by name), those briefs newest
    first."""

    a: str
    b: str
    briefs: tuple[Brief, ...]


def pairs(
    briefs: Iterable[Brief], registry: CompanyDirectory | CompanyNames | None = None
) -> list[Pair]:
    """Every pair of companies named together in a brief: most briefs first, then newest, then
    by names. Work is the sum over briefs of (companies per brief) squared."""
    names = registry if isinstance(registry, CompanyNames) else CompanyNames(registry)
    buckets: dict[tuple[str, str], list[Brief]] = defaultdict(list)
    for brief in briefs:
        companies = sorted(names.of(brief), key=lambda name: (name.casefold(), name))
        for a, b in itertools.combinations(companies, 2):
            buckets[(a, b)].append(brief)
    found = [Pair(a, b, tuple(newest_first(items))) for (a, b), items in buckets.items()]
    found.sort(key=lambda p: (-len(p.briefs), -p.briefs[0].date.toordinal(), *_pair_key(p)))
    return found


def _pair_key(pair: Pair) -> tuple[str, str, str, str]:
    return (pair.a.casefold(), pair.b.casefold(), pair.a, pair.b)


def partners(found: Iterable[Pair]) -> Mapping[str, list[tuple[str, Pair]]]:
    """Each company's partners with the pair behind each, in the order of `found`."""
    result: dict[str, list[tuple[str, Pair]]] = defaultdict(list)
    for pair in found:
        result[pair.a].append((pair.b, pair))
        result[pair.b].append((pair.a, pair))
    return result


def by_theme(briefs: Iterable[Brief], themes: Sequence[Theme]) -> list[Group]:
    """One group per taxonomy theme that has briefs, in taxonomy order. Unknown ids are kept."""
    buckets: dict[str, list[Brief]] = defaultdict(list)
    for brief in briefs:
        for theme_id in brief.themes:
            buckets[theme_id].append(brief)
    titles = {theme.id: theme.title for theme in themes}
    order = {theme.id: i for i, theme in enumerate(themes)}
    groups = [
        Group("theme", key, titles.get(key, key), slugify(key), tuple(newest_first(items)))
        for key, items in buckets.items()
    ]
    groups.sort(key=lambda g: (order.get(g.key, len(order)), g.key))
    return _unique_slugs(groups)


def by_month(briefs: Iterable[Brief]) -> list[Group]:
    """One group per calendar month of the briefs' dates, newest month first."""
    buckets: dict[str, list[Brief]] = defaultdict(list)
    for brief in briefs:
        buckets[f"{brief.date:%Y-%m}"].append(brief)
    return [
        Group("month", key, _month_title(key), key, tuple(newest_first(buckets[key])))
        for key in sorted(buckets, reverse=True)
    ]


def _month_title(key: str) -> str:
    return dt.date.fromisoformat(key + "-01").strftime("%B %Y")


def _unique_slugs(groups: list[Group]) -> list[Group]:
    """Two names with the same slug (e.g. only punctuation differs) get numbered slugs."""
    seen: dict[str, int] = {}
    unique = []
    for group in groups:
        count = seen.get(group.slug, 0)
        seen[group.slug] = count + 1
        if count:
            group = Group(
                group.kind, group.key, group.title, f"{group.slug}-{count + 1}", group.briefs
            )
        unique.append(group)
    return unique


@dataclass(frozen=True)
class ClosedIssue:
    """The record of an issue that was sent: its number, date and the briefs it held."""

    number: int
    date: dt.date
    brief_ids: tuple[str, ...]


def plan_issues(briefs: Iterable[Brief], closed: Sequence[ClosedIssue] = ()) -> list[Issue]:
    """Closed issues as recorded, then the open issue: every brief no closed issue holds.

    The open issue is numbered after the last closed one and dated by its newest brief, so
    rebuilding without new briefs gives the same issue. It is left out when it has no briefs.
    """
    by_id = {brief.id: brief for brief in briefs}
    issues = []
    held: set[str] = set()
    for record in sorted(closed, key=lambda r: r.number):
        members = [by_id[i] for i in record.brief_ids if i in by_id]
        held.update(record.brief_ids)
        issues.append(Issue(str(record.number), record.number, record.date, _issue_order(members)))
    fresh = [brief for brief in by_id.values() if brief.id not in held]
    if fresh:
        number = max((r.number for r in closed), default=0) + 1
        date = max(brief.added for brief in fresh)
        issues.append(Issue(str(number), number, date, _issue_order(fresh)))
    return issues


def _issue_order(briefs: Iterable[Brief]) -> tuple[Brief, ...]:
    """Top story first: the newest article, then the rest newest first."""
    return tuple(newest_first(briefs))


def current_issue(issues: Sequence[Issue], issue_id: str | None = None) -> Issue | None:
    """The issue with `issue_id`, or the newest one."""
    if issue_id is None:
        return issues[-1] if issues else None
    return next((issue for issue in issues if issue.id == issue_id), None)
