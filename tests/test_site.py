"""The render-site stage without MkDocs: page plan, views, URL safety and date formatting."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from briefgen import render_site
from briefgen.models import Brief, Issue, Source, Theme
from briefgen.render_site import Link, PageSpec, plan_site, safe_http_url, site_pages
from briefgen.slugs import slugify

THEMES = (
    Theme("smart-home-iot", "Smart home & IoT integration"),
    Theme("ai-cloud", "AI models & cloud"),
    Theme("policy", "Policy & regulation"),
)


def brief(
    id: str,
    title: str,
    published: dt.date | None,
    companies: tuple[str, ...] = (),
    themes: tuple[str, ...] = (),
    **fields: object,
) -> Brief:
    added = dt.date(2026, 11, 21)
    date = published or added
    made = Brief(
        id=id,
        title=title,
        summary=f"Summary of {title}.",
        why_it_matters="Because.",
        takeaways=("One fact",),
        added=added,
        published=published,
        companies=companies,
        themes=themes,
        path=f"{date:%Y}/{date:%m}/{id}.md",
    )
    return replace(made, **fields)  # type: ignore[arg-type]


GAC = brief("gac", "GAC and Haier", dt.date(2026, 4, 13), ("GAC Group", "Haier Group"),
            ("smart-home-iot", "ai-cloud"))  # fmt: skip
BYD = brief("byd", "BYD and Baidu", dt.date(2026, 3, 2), ("BYD", "Baidu"), ("ai-cloud",))
SAIC = brief("saic", "上汽与华为", dt.date(2026, 5, 2), ("SAIC Motor", "华为"), ("unknown-id",))
BRIEFS = (GAC, BYD, SAIC)


def issue(number: int, *briefs: Brief) -> Issue:
    return Issue(str(number), number, dt.date(2026, 11, 21), tuple(briefs))


def by_uri(pages: list[PageSpec]) -> dict[str, PageSpec]:
    return {page.src_uri: page for page in pages}


def test_format_date_is_locale_independent() -> None:
    assert render_site.format_date(dt.date(2026, 4, 13)) == "13 Apr 2026"
    assert render_site.format_date(dt.date(2026, 12, 1)) == "1 Dec 2026"
    assert render_site.format_date(None) == ""
    assert render_site.iso_date(dt.date(2026, 4, 3)) == "2026-04-03"


@pytest.mark.parametrize(
    "url",
    [
        "https://autonews.gasgoo.com/a/1.html",
        "http://example.com",
        "HTTPS://EXAMPLE.COM/x?y=1#z",
        "https://例子.中国/新闻",
        "https://[2001:db8::1]:8443/x",
    ],
)
def test_safe_http_url_accepts_web_links(url: str) -> None:
    assert safe_http_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "javascript:alert(1)",
        " javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:x",
        "ftp://example.com/file",
        "//example.com/x",
        "/relative/path",
        "https://",
        "https:///path-only",
        "https://exa mple.com",
        "https://example.com/\nx",
        "https://example.com/\tx",
        "https://example.com/\x00",
        "https://example.com/\x85",
        "https://example.com/\u2028",
        "https://example.com:99999/",
        "https://example.com:port/",
        "http://[::1",
    ],
)
def test_safe_http_url_rejects_everything_else(url: str | None) -> None:
    assert safe_http_url(url) is None


def test_source_view() -> None:
    view = render_site.source_view("Yicai", "https://www.yicai.com/news/1.html")
    assert (view.name, view.domain) == ("Yicai", "yicai.com")
    unsafe = render_site.source_view("Evil", "javascript:alert(1)")
    assert (unsafe.name, unsafe.url, unsafe.domain) == ("Evil", None, None)
    assert render_site.source_view("", None).name is None


def test_byline_text() -> None:
    assert render_site.byline_text("Jane Doe") == "By Jane Doe"
    assert render_site.byline_text("by  Jane\nDoe") == "by Jane Doe"
    assert render_site.byline_text("  ") is None
    assert render_site.byline_text(None) is None


def test_page_spec_url() -> None:
    def url(src: str) -> str:
        return PageSpec(src, "x.html", "X", {}).url

    assert url("index.md") == ""
    assert url("issues/index.md") == "issues/"
    assert url("companies/gac-group.md") == "companies/gac-group/"
    assert url("companies/reindex.md") == "companies/reindex/"
    assert url("page/2/index.md") == "page/2/"


def test_site_pages() -> None:
    pages = by_uri(site_pages(BRIEFS, THEMES, [issue(1, *BRIEFS)], per_page=50))
    assert set(pages) == {
        "index.md",
        "issues/index.md",
        "companies/index.md",
        "companies/baidu.md",
        "companies/byd.md",
        "companies/gac-group.md",
        "companies/haier-group.md",
        "companies/saic-motor.md",
        f"companies/{slugify('华为')}.md",
        "themes/index.md",
        "themes/smart-home-iot.md",
        "themes/ai-cloud.md",
        "themes/unknown-id.md",
        "archive/index.md",
        "archive/2026-03.md",
        "archive/2026-04.md",
        "archive/2026-05.md",
    }
    assert {src for _, src in render_site.TOP_LEVEL} <= set(pages)
    assert [p.src_uri for p in pages.values() if p.in_nav] == [
        src for _, src in render_site.TOP_LEVEL
    ]
    home = pages["index.md"]
    assert home.template == "home.html"
    assert [b.title for b in home.context["briefs"]] == [
        "上汽与华为",
        "GAC and Haier",
        "BYD and Baidu",
    ]
    assert home.context["issue"].number == 1
    assert home.context["issue"].top == home.context["issue"].briefs  # issue order, 3 at most
    ai = pages["themes/ai-cloud.md"]
    assert (ai.title, ai.template, ai.context["section"]) == (
        "AI models & cloud",
        "theme.html",
        "themes/",
    )
    assert [b.title for b in ai.context["briefs"]] == ["GAC and Haier", "BYD and Baidu"]
    assert pages["themes/unknown-id.md"].title == "unknown-id"  # kept, titled by its id
    companies = pages["companies/index.md"].context["groups"]
    assert [(g.title, g.count) for g in companies][:2] == [("Baidu", 1), ("BYD", 1)]
    archive = pages["archive/index.md"].context
    assert [(m.title, m.url) for m in archive["months"]] == [
        ("May 2026", "archive/2026-05/"),
        ("April 2026", "archive/2026-04/"),
        ("March 2026", "archive/2026-03/"),
    ]
    assert [i.url for i in archive["issues"]] == ["issues/1/"]
    assert pages["archive/2026-04.md"].updated == dt.date(2026, 11, 21)


def test_brief_views_link_to_generated_pages() -> None:
    plan = plan_site(BRIEFS, THEMES, [], per_page=50)
    urls = {page.url for page in plan.pages}
    view = plan.briefs["2026/04/gac.md"]
    assert view.url == "2026/04/gac/"
    assert view.companies == (
        Link("GAC Group", "companies/gac-group/"),
        Link("Haier Group", "companies/haier-group/"),
    )
    assert view.themes == (
        Link("Smart home & IoT integration", "themes/smart-home-iot/"),
        Link("AI models & cloud", "themes/ai-cloud/"),
    )
    for item in view.companies + view.themes:
        assert item.url in urls
    chinese = plan.briefs["2026/05/saic.md"]
    assert all(link.url in urls and link.url.isascii() for link in chinese.companies)


def test_brief_view_quotes_paths_and_checks_language() -> None:
    odd = brief("odd", "Odd", dt.date(2026, 1, 2), path="2026/01/数据 1.md", language='en" x')
    view = render_site.brief_view(odd, {}, {})
    assert view.url == "2026/01/%E6%95%B0%E6%8D%AE%201/"
    assert view.language is None
    assert render_site.brief_view(replace(odd, language="zh-Hans"), {}, {}).language == "zh-Hans"


def test_edited_summary_is_shown_without_markup() -> None:
    edited = replace(
        GAC, summary="**Bold** and [a link](https://x.example) <b>raw</b>", edited=True
    )
    view = render_site.brief_view(edited, {}, {})
    assert view.summary == "Bold and a link raw"
    generated = replace(GAC, summary="*not emphasis* <b>kept</b>")
    assert render_site.brief_view(generated, {}, {}).summary == "*not emphasis* <b>kept</b>"


def test_pagination() -> None:
    many = [brief(f"b{i:02d}", f"Brief {i:02d}", dt.date(2026, 1, 1 + i)) for i in range(7)]
    pages = by_uri(site_pages(many, THEMES, [], per_page=3))
    assert [p for p in pages if p.startswith("page/")] == ["page/2/index.md", "page/3/index.md"]
    first, second, third = pages["index.md"], pages["page/2/index.md"], pages["page/3/index.md"]
    assert [b.title for b in first.context["briefs"]] == ["Brief 06", "Brief 05", "Brief 04"]
    assert [b.title for b in third.context["briefs"]] == ["Brief 00"]
    assert (first.context["pagination"].newer_url, first.context["pagination"].older_url) == (
        None,
        "page/2/",
    )
    assert (second.context["pagination"].newer_url, second.context["pagination"].older_url) == (
        "",
        "page/3/",
    )
    assert second.title == "Latest briefs, page 2"
    assert third.context["pagination"].older_url is None
    month = [p for p in pages if p.startswith("archive/2026-01")]
    assert month == [
        "archive/2026-01.md",
        "archive/2026-01/page/2/index.md",
        "archive/2026-01/page/3/index.md",
    ]
    assert pages["archive/2026-01/page/2/index.md"].url == "archive/2026-01/page/2/"


def test_empty_site_still_has_its_top_level_pages() -> None:
    pages = by_uri(site_pages([], THEMES, [], per_page=10))
    assert set(pages) == {src for _, src in render_site.TOP_LEVEL}
    assert pages["index.md"].context["briefs"] == ()
    assert pages["index.md"].context["issue"] is None


def test_issue_pages_only_when_asked() -> None:
    issues = [issue(1, BYD), issue(2, GAC, SAIC), issue(3)]
    assert "issues/1.md" not in by_uri(site_pages(BRIEFS, THEMES, issues, per_page=10))
    plan = plan_site(BRIEFS, THEMES, issues, per_page=10, issue_pages=True)
    pages = by_uri(list(plan.pages))
    assert pages["issues/2.md"].url == "issues/2/"
    assert [b.title for b in pages["issues/2.md"].context["briefs"]] == [
        "GAC and Haier",
        "上汽与华为",
    ]
    assert "issues/3.md" not in pages  # an issue with no briefs is not listed
    assert [i.number for i in pages["issues/index.md"].context["issues"]] == [2, 1]
    assert pages["index.md"].context["issue"].number == 2


def test_briefs_without_a_path_are_left_out() -> None:
    pages = by_uri(site_pages([replace(GAC, path=None), BYD], THEMES, [], per_page=10))
    assert [b.title for b in pages["index.md"].context["briefs"]] == ["BYD and Baidu"]


def test_per_page_must_be_positive() -> None:
    with pytest.raises(ValueError, match="per_page"):
        site_pages(BRIEFS, THEMES, [], per_page=0)


def test_render_site_does_not_import_mkdocs() -> None:
    source = render_site.__file__
    assert source is not None
    with open(source, encoding="utf-8") as handle:
        assert "mkdocs" not in "".join(line for line in handle if "import" in line)


def test_source_fields_are_plain_text() -> None:
    hostile = replace(GAC, source=Source("<b>Outlet</b>", "javascript:alert(1)"))
    view = render_site.brief_view(hostile, {}, {})
    assert view.source.name == "<b>Outlet</b>"  # escaped by the templates, never here
    assert view.source.url is None


def test_a_company_named_index_does_not_replace_the_index_page() -> None:
    named = brief("idx", "Index Ltd news", dt.date(2026, 1, 2), ("Index", "Index 2"), ("index",))
    plan = plan_site([named], THEMES, [], per_page=10)
    pages = by_uri(list(plan.pages))
    assert pages["companies/index.md"].template == "companies.html"
    assert pages["companies/index-3.md"].title == "Index"
    assert pages["companies/index-2.md"].title == "Index 2"
    assert pages["themes/index.md"].template == "themes.html"
    view = plan.briefs["2026/01/idx.md"]
    assert [link.url for link in view.companies] == ["companies/index-3/", "companies/index-2/"]
    assert [link.url for link in view.themes] == ["themes/index-2/"]
