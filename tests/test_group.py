"""Group stage: listings by company, theme, month and digest issue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from briefgen import group
from briefgen.models import Brief, Theme


def brief(
    bid: str,
    published: str | None,
    added: str,
    companies: Sequence[str] = (),
    themes: Sequence[str] = (),
) -> Brief:
    return Brief(
        id=bid,
        title=f"Story {bid}",
        summary="s",
        why_it_matters="w",
        takeaways=("t",),
        published=dt.date.fromisoformat(published) if published else None,
        added=dt.date.fromisoformat(added),
        companies=tuple(companies),
        themes=tuple(themes),
        path=f"2026/01/{bid}.md",
    )


BRIEFS = [
    brief("a", "2026-04-13", "2026-11-01", ["GAC Group", "Haier Group"], ["smart-home-iot"]),
    brief("b", None, "2026-11-05", ["Haier Group"], ["industrial-internet", "smart-home-iot"]),
    brief("c", "2026-03-02", "2026-11-01", ["比亚迪"], ["unknown-theme"]),
]
THEMES = [Theme("smart-home-iot", "Smart home & IoT"), Theme("industrial-internet", "Industry")]


def test_newest_first_uses_the_article_date_then_added() -> None:
    assert [b.id for b in group.newest_first(BRIEFS)] == ["b", "a", "c"]


def test_by_company_groups_and_slugs_in_ascii() -> None:
    groups = {g.key: g for g in group.by_company(BRIEFS)}
    assert [b.id for b in groups["Haier Group"].briefs] == ["b", "a"]
    assert groups["GAC Group"].url == "companies/gac-group/"
    assert groups["比亚迪"].slug.isascii() and groups["比亚迪"].slug.startswith("x-")


def test_by_theme_follows_taxonomy_order_and_titles() -> None:
    groups = group.by_theme(BRIEFS, THEMES)
    assert [g.key for g in groups] == ["smart-home-iot", "industrial-internet", "unknown-theme"]
    assert groups[0].title == "Smart home & IoT" and len(groups[0].briefs) == 2


def test_by_month_newest_month_first() -> None:
    months = group.by_month(BRIEFS)
    assert [(m.key, m.title) for m in months] == [
        ("2026-11", "November 2026"),
        ("2026-04", "April 2026"),
        ("2026-03", "March 2026"),
    ]


def test_open_issue_holds_briefs_no_closed_issue_holds() -> None:
    closed = [group.ClosedIssue(1, dt.date(2026, 11, 2), ("a", "c"))]
    issues = group.plan_issues(BRIEFS, closed)
    assert [(i.id, [b.id for b in i.briefs]) for i in issues] == [("1", ["a", "c"]), ("2", ["b"])]
    assert issues[1].date == dt.date(2026, 11, 5)
    assert group.current_issue(issues).id == "2"  # type: ignore[union-attr]
    assert group.current_issue(issues, "1") is issues[0]
    assert group.current_issue(issues, "9") is None


def test_no_open_issue_without_new_briefs() -> None:
    closed = [group.ClosedIssue(1, dt.date(2026, 11, 2), ("a", "b", "c"))]
    assert [i.id for i in group.plan_issues(BRIEFS, closed)] == ["1"]
    assert group.plan_issues([]) == []
