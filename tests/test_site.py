"""The render-site stage without MkDocs: page plan, views, URL safety and date formatting."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from briefgen import render_site
from briefgen.models import Brief, Company, Issue, Source, Theme
from briefgen.render_site import Link, PageSpec, plan_site, site_pages
from briefgen.slugs import slugify
from briefgen.urls import safe_http_url

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
        "partners/index.md",
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


def test_text_language_by_script() -> None:
    assert render_site.text_language("华为") == "zh"
    assert render_site.text_language("トヨタ自動車") == "ja"  # kana first: not Chinese
    assert render_site.text_language("현대자동차") == "ko"
    assert render_site.text_language("SAIC Motor") is None  # the page's own language
    assert render_site.text_language("SAIC 上汽") == "zh"


def test_clean_text_drops_control_characters() -> None:
    assert render_site.clean_text("a\x00b\x07c\x1b\x7f\x9fd\te\n") == "abcd\te\n"
    view = render_site.brief_view(replace(GAC, title="GAC\x07 and\x00 Haier"), {}, {})
    assert view.title == "GAC and Haier"


def test_links_carry_the_language_of_their_script() -> None:
    plan = plan_site(BRIEFS, THEMES, [], per_page=50)
    chinese = plan.briefs["2026/05/saic.md"]
    assert [(link.title, link.lang) for link in chinese.companies] == [
        ("SAIC Motor", None),
        ("华为", "zh"),
    ]
    companies = by_uri(list(plan.pages))["companies/index.md"].context["groups"]
    assert {g.title: g.lang for g in companies}["华为"] == "zh"


def test_feeds_of_site_companies_and_themes() -> None:
    plan = plan_site(BRIEFS, THEMES, [], per_page=50, feed_size=2)
    feeds = {spec.folder: spec for spec in plan.feeds}
    assert set(feeds) == {""} | {
        page.url
        for page in plan.pages
        if page.template in {"company.html", "theme.html"}
        and page.context["pagination"].number == 1
    }
    site = feeds[""]
    assert (site.title, site.atom_url, site.json_url) == (None, "feed.xml", "feed.json")
    assert len(site.briefs) == 2  # feed_size
    ai = feeds["themes/ai-cloud/"]
    assert ai.title == "AI models & cloud" and ai.atom_url == "themes/ai-cloud/feed.xml"
    pages = by_uri(list(plan.pages))
    assert pages["themes/ai-cloud.md"].context["feed"] is ai
    assert pages["index.md"].context["feed"] is site


def test_feed_order_is_by_date_added_then_article_date() -> None:
    old_article_added_late = replace(BYD, added=dt.date(2026, 11, 25))
    views = plan_site([GAC, old_article_added_late, SAIC], THEMES, [], per_page=50).briefs
    ordered = render_site.feed_order(views.values())
    assert [view.id for view in ordered] == ["byd", "saic", "gac"]


def test_group_views_list_every_page_of_their_listing() -> None:
    many = [brief(f"b{i:02d}", f"Brief {i:02d}", dt.date(2026, 1, 1 + i)) for i in range(5)]
    pages = by_uri(site_pages(many, THEMES, [], per_page=2))
    month = pages["archive/index.md"].context["months"][0]
    assert month.page_urls == (
        "archive/2026-01/",
        "archive/2026-01/page/2/",
        "archive/2026-01/page/3/",
    )
    assert all(url in {p.url for p in pages.values()} for url in month.page_urls)


def test_home_lists_themes_and_the_busiest_companies() -> None:
    busy = brief("more", "More GAC", dt.date(2026, 6, 1), ("GAC Group",), ("policy",))
    home = by_uri(site_pages([*BRIEFS, busy], THEMES, [], per_page=50))["index.md"].context
    assert [g.title for g in home["top_companies"]][:2] == ["GAC Group", "Baidu"]
    assert [g.title for g in home["themes"]][:2] == [
        "Smart home & IoT integration",
        "AI models & cloud",
    ]


def test_search_page_only_when_asked() -> None:
    assert "search/index.md" not in by_uri(site_pages(BRIEFS, THEMES, [], per_page=50))
    plan = plan_site(BRIEFS, THEMES, [], per_page=50, search=True)
    search = by_uri(list(plan.pages))["search/index.md"]
    assert (search.template, search.url, search.in_nav) == ("search.html", "search/", False)


class Registry:
    """A small company registry with the interface the site uses (tagging.Registry has it)."""

    def __init__(self, *companies: Company) -> None:
        self.companies = companies
        self.keys = {key: c for c in companies for key in (c.name, *c.aliases)}

    def get(self, name: str) -> Company | None:
        return self.keys.get(name)

    def chinese_names(self, name: str) -> tuple[str, ...]:
        company = self.keys.get(name)
        return tuple(a for a in company.aliases if not a.isascii()) if company else ()

    def children(self, name: str) -> tuple[Company, ...]:
        return tuple(c for c in self.companies if name in c.parents)


REGISTRY = Registry(
    Company("SAIC Motor", "saic-motor", ("上汽", "SAIC", "SAIC Motor Corp."), kind="automaker"),
    Company("BMW", "bmw", ("宝马",), kind="automaker"),
    Company("SAIC-BMW", "saic-bmw", ("SAIC BMW",), ("SAIC Motor", "BMW"), "jv"),
    Company("SAIC-GM", "saic-gm", (), ("SAIC Motor",), "jv"),
    Company("Huawei", "huawei", ("华为",), kind="telecom"),
    Company("比亚迪", "byd", (), kind="automaker"),  # a name without Latin letters: slug given
    Company("Li Auto", "li-auto", ("理想汽车",), kind="automaker"),  # in no brief
)


def test_registry_names_and_slugs() -> None:
    plan = plan_site(BRIEFS, THEMES, [], per_page=50, registry=REGISTRY)
    pages = by_uri(list(plan.pages))
    assert "companies/huawei.md" in pages  # 华为 in a brief: filed under Huawei
    assert f"companies/{slugify('华为')}.md" not in pages
    assert pages["companies/huawei.md"].title == "Huawei"
    saic_brief = plan.briefs["2026/05/saic.md"]
    assert [link.url for link in saic_brief.companies] == [
        "companies/saic-motor/",
        "companies/huawei/",
    ]
    chinese_only = brief("c", "比亚迪新车", dt.date(2026, 1, 1), ("比亚迪",))
    plan = plan_site([chinese_only], THEMES, [], per_page=50, registry=REGISTRY)
    assert "companies/byd.md" in by_uri(list(plan.pages))  # the registry's slug


def test_a_registry_slug_is_never_taken_by_another_name() -> None:
    """ "Li-Auto" (a name the registry does not know) would slug to the registry's Li Auto:
    it gets another slug, even while no brief names Li Auto, so neither changes later."""
    other = brief("o", "Li-Auto news", dt.date(2026, 1, 1), ("Li-Auto",))
    before = by_uri(list(plan_site([other], THEMES, [], per_page=50, registry=REGISTRY).pages))
    [slug] = [u for u in before if u.startswith("companies/li-auto")]
    assert slug != "companies/li-auto.md"
    real = brief("r", "Li Auto news", dt.date(2026, 1, 2), ("Li Auto",))
    plan = plan_site([other, real], THEMES, [], per_page=50, registry=REGISTRY)
    after = by_uri(list(plan.pages))
    assert slug in after and "companies/li-auto.md" in after


def test_company_profile_from_the_registry() -> None:
    deal = brief("jv", "SAIC-BMW deal", dt.date(2026, 2, 1), ("SAIC Motor", "SAIC-BMW", "BMW"),
                 ("ai-cloud",))  # fmt: skip
    software = brief("sw", "SAIC and BMW software", dt.date(2026, 3, 1), ("上汽", "BMW"),
                     ("ai-cloud", "policy"))  # fmt: skip
    plan = plan_site([deal, software, SAIC], THEMES, [], per_page=50, registry=REGISTRY)
    pages = by_uri(list(plan.pages))
    saic = pages["companies/saic-motor.md"].context["profile"]
    assert saic.kind == "Automaker"
    assert saic.chinese_names == ("上汽",)
    assert saic.other_names == ("SAIC",)  # "SAIC Motor Corp." is the name with a legal form
    assert saic.parents == ()
    assert saic.children == (
        render_site.Name("SAIC-BMW", "companies/saic-bmw/"),
        render_site.Name("SAIC-GM", None),  # no briefs, no page: plain text
    )
    assert [(t.title, t.count) for t in saic.themes] == [
        ("AI models & cloud", 2),
        ("Policy & regulation", 1),
        ("unknown-id", 1),
    ]
    partners = [(p.company.title, p.count, p.pair.url) for p in saic.partners]
    assert partners == [
        ("BMW", 2, "partners/bmw--saic-motor/"),
        ("Huawei", 1, "2026/05/saic/"),
        ("SAIC-BMW", 1, "2026/02/jv/"),
    ]
    jv = pages["companies/saic-bmw.md"].context["profile"]
    assert (jv.kind, jv.other_names) == ("Joint venture", ())  # "SAIC BMW" is the same name
    assert [(n.title, n.url) for n in jv.parents] == [
        ("SAIC Motor", "companies/saic-motor/"),
        ("BMW", "companies/bmw/"),
    ]
    pair = pages["partners/bmw--saic-motor.md"]
    assert (pair.template, pair.title) == ("pair.html", "BMW and SAIC Motor")
    assert [b.id for b in pair.context["briefs"]] == ["sw", "jv"]  # newest first
    assert not [uri for uri in pages if uri.startswith("partners/bmw--saic-bmw")]
    index = pages["companies/index.md"].context["groups"]
    assert {g.title: (g.other_name, g.partners) for g in index}["SAIC Motor"] == ("上汽", 3)


def test_profile_without_a_registry_has_partners_and_themes_only() -> None:
    profile = by_uri(site_pages(BRIEFS, THEMES, [], per_page=50))["companies/gac-group.md"]
    view = profile.context["profile"]
    assert (view.kind, view.chinese_names, view.parents, view.children) == (None, (), (), ())
    assert [p.company.title for p in view.partners] == ["Haier Group"]
    assert [t.title for t in view.themes] == ["Smart home & IoT integration", "AI models & cloud"]


def test_theme_pages_list_the_most_active_companies() -> None:
    names = [("BYD", f"Other {i:02d}") for i in range(12)]
    more = [
        brief(f"m{i}", f"More {i}", dt.date(2026, 6, 1 + i), pair, ("ai-cloud",))
        for i, pair in enumerate(names)
    ]
    pages = by_uri(site_pages([*BRIEFS, *more], THEMES, [], per_page=5))
    ai = pages["themes/ai-cloud.md"].context["top_companies"]
    assert len(ai) == render_site.TOP_COMPANIES
    assert [(c.title, c.count, c.url) for c in ai[:3]] == [
        ("BYD", 13, "companies/byd/"),
        ("Baidu", 1, "companies/baidu/"),
        ("GAC Group", 1, "companies/gac-group/"),
    ]
    assert "top_companies" in pages["themes/ai-cloud/page/2/index.md"].context  # hidden there


def test_partnership_page_plan() -> None:
    again = brief("gac2", "GAC and Haier again", dt.date(2026, 6, 1), ("Haier Group", "GAC Group"))
    plan = plan_site([*BRIEFS, again], THEMES, [], per_page=50)
    pages = by_uri(list(plan.pages))
    page = pages["partners/index.md"]
    assert (page.template, page.context["section"], page.in_nav) == (
        "partners.html",
        "partners/",
        True,
    )
    view = page.context["network"]
    assert (view.company_total, view.pair_total) == (6, 3)
    assert [(p.title, p.count, p.url) for p in view.pairs] == [
        ("GAC Group and Haier Group", 2, "partners/gac-group--haier-group/"),
        ("SAIC Motor and 华为", 1, "2026/05/saic/"),
        ("Baidu and BYD", 1, "2026/03/byd/"),
    ]
    assert {(e.pair.a.title, e.pair.b.title) for e in view.edges} == {
        (p.a.title, p.b.title) for p in view.pairs
    }
    drawn = {n.company.title for n in view.nodes}
    assert drawn == {"GAC Group", "Haier Group", "SAIC Motor", "华为", "Baidu", "BYD"}
    assert view.others == ()
    assert pages["partners/gac-group--haier-group.md"].url == "partners/gac-group--haier-group/"
