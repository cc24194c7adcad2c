"""Group stage: listings by company, theme, month and digest issue."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence

from briefgen import group
from briefgen.models import Brief, Company, Theme
from briefgen.slugs import slugify


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


class Registry:
    """The part of the company registry grouping uses."""

    def __init__(self, *companies: Company) -> None:
        self.keys = {key: c for c in companies for key in (c.name, *c.aliases)}

    def get(self, name: str) -> Company | None:
        return self.keys.get(name)


REGISTRY = Registry(
    Company("BYD", "byd", ("比亚迪", "BYD Auto")),
    Company("Haier Group", "haier-group", ("海尔",)),
    Company("蔚来", "nio", ()),
)


def slugs(briefs: Sequence[Brief]) -> dict[str, str]:
    return {g.key: g.slug for g in group.by_company(briefs, REGISTRY)}


def test_by_company_takes_names_and_slugs_from_the_registry() -> None:
    briefs = [*BRIEFS, brief("d", "2026-05-01", "2026-11-06", ["海尔", "BYD Auto", "蔚来"])]
    groups = {g.key: g for g in group.by_company(briefs, REGISTRY)}
    assert set(groups) == {"GAC Group", "Haier Group", "BYD", "蔚来"}  # aliases: one company
    assert [b.id for b in groups["Haier Group"].briefs] == ["b", "d", "a"]
    assert [b.id for b in groups["BYD"].briefs] == ["d", "c"]
    assert (groups["BYD"].slug, groups["蔚来"].slug) == ("byd", "nio")
    assert groups["GAC Group"].slug == "gac-group"  # unknown to the registry: slugify
    assert all(g.slug.isascii() for g in groups.values())


def test_slugs_are_stable_when_companies_are_added() -> None:
    before = slugs(BRIEFS)
    added = [
        brief("x", "2026-01-01", "2026-11-09", ["A&B Motors", "A-B Motors", "GAC-Group", "东风"]),
        brief("y", "2026-01-02", "2026-11-09", ["byd", "B.Y.D."]),
    ]
    after = slugs([*BRIEFS, *added])
    assert {key: after[key] for key in before} == before
    assert len(set(after.values())) == len(after)  # unique
    # A registry company keeps its slug: another name slugged the same way (this registry does
    # not know "byd") gets a suffix.
    assert after["BYD"] == "byd" and after["byd"].startswith("byd-")
    # Names whose slug is taken get a suffix from their own hash, whatever else is there.
    assert after["GAC-Group"].startswith("gac-group-") and after["GAC Group"] == "gac-group"
    alone = slugs([brief("z", None, "2026-11-09", ["GAC Group", "GAC-Group"])])
    assert alone["GAC-Group"] == after["GAC-Group"]
    assert after["B.Y.D."] == "b-y-d"
    assert after["东风"] == slugify("东风") and after["东风"].startswith("x-")


def test_pairs_count_briefs_naming_both() -> None:
    briefs = [
        *BRIEFS,
        brief("d", "2026-05-01", "2026-11-06", ["海尔", "GAC Group", "比亚迪"]),
        brief("e", "2026-05-02", "2026-11-06", ["Haier Group", "海尔"]),  # one company twice
    ]
    found = group.pairs(briefs, REGISTRY)
    assert [(p.a, p.b, [b.id for b in p.briefs]) for p in found] == [
        ("GAC Group", "Haier Group", ["d", "a"]),  # most briefs first, newest first inside
        ("BYD", "GAC Group", ["d"]),
        ("BYD", "Haier Group", ["d"]),
    ]
    partners = group.partners(found)
    assert [(name, len(p.briefs)) for name, p in partners["GAC Group"]] == [
        ("Haier Group", 2),
        ("BYD", 1),
    ]
    assert group.pairs([]) == []


def test_pairs_scale_with_companies_per_brief_not_companies_squared() -> None:
    many = [
        brief(f"{i:05d}", "2026-01-01", "2026-11-01", [f"Company {i % 300}", f"Company {i % 7}"])
        for i in range(10_000)
    ]
    started = time.perf_counter()
    found = group.pairs(many)
    assert time.perf_counter() - started < 2.0  # about 0.05 s: one pass over the briefs
    # A brief names one company twice when i % 300 and i % 7 are the same number: no pair.
    assert sum(len(p.briefs) for p in found) == sum(1 for i in range(10_000) if i % 300 != i % 7)
