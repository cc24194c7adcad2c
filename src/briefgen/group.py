"""Group stage: pure functions from briefs to listings by company, theme, month and digest issue."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from briefgen.models import Brief, Group, Issue, Theme
from briefgen.slugs import slugify


def newest_first(briefs: Iterable[Brief]) -> list[Brief]:
    """Newest first by the article's date, then by when it was added; ties broken stably."""
    return sorted(briefs, key=lambda b: (-b.date.toordinal(), -b.added.toordinal(), b.title, b.id))


def by_company(briefs: Iterable[Brief]) -> list[Group]:
    """One group per company named in any brief, ordered by name."""
    buckets: dict[str, list[Brief]] = defaultdict(list)
    for brief in briefs:
        for name in brief.companies:
            buckets[name].append(brief)
    groups = [
        Group("company", name, name, slugify(name), tuple(newest_first(items)))
        for name, items in buckets.items()
    ]
    return _unique_slugs(sorted(groups, key=lambda g: (g.title.casefold(), g.key)))


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
