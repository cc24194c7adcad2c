"""The MkDocs plugin end to end: real builds of a small project, output parsed with html5lib."""

from __future__ import annotations

import datetime as dt
import gzip
import importlib
import json
import logging
import shutil
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit
from xml.etree import ElementTree

import pytest
import yaml
from bs4 import BeautifulSoup, Tag
from mkdocs.commands.build import build
from mkdocs.config import load_config

from briefgen import brief_files, group, tagging
from briefgen.models import Brief, Generated, Source
from briefgen.slugs import slugify

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data" / "site"
TOP_LEVEL = ["Home", "Issues", "Companies", "Partners", "Themes", "Archive"]


def _optional(module: str) -> Any:
    """The module, or None when it is not written yet (any other import error is raised)."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name != module:
            raise
        return None


render_digest = _optional("briefgen.render_digest")
needs_digest = pytest.mark.skipif(
    render_digest is None,
    reason="briefgen.render_digest is not written yet: no web copy of the digest to check",
)


def theme_titles() -> dict[str, str]:
    return {theme.id: theme.title for theme in tagging.load_taxonomy([], False)}


# --- the sample project -------------------------------------------------------------------


def sample_briefs(name: str = "briefs.yml") -> list[tuple[Brief, str | None]]:
    """The briefs of tests/data/site/<name>, each with its hand-edited body (or None)."""
    briefs = []
    for entry in yaml.safe_load((DATA / name).read_text(encoding="utf-8")):
        edited_body = entry.pop("edited_body", None)
        brief = Brief(
            source=Source(**entry.pop("source")),
            takeaways=tuple(entry.pop("takeaways")),
            companies=tuple(entry.pop("companies")),
            themes=tuple(entry.pop("themes")),
            generated=Generated("briefgen test", ""),
            **entry,
        )
        briefs.append((replace(brief, path=brief_files.relative_path(brief)), edited_body))
    return briefs


BRIEFS = {brief.id: brief for brief, _ in sample_briefs()}
ENGLISH, CHINESE, HOSTILE, EDITED = (
    BRIEFS[i] for i in ("1a8499f2", "6d8b8213", "d11e70a5", "0c0ffee1")
)


PARTNERS = {brief.id: brief for brief, _ in sample_briefs("partners.yml")}
"""More briefs for the company and partnership pages (`make_project(..., partners=True)`)."""


def make_project(root: Path, *, partners: bool = False, **options: object) -> Path:
    """A project like the repository's (same mkdocs.yml and templates) holding the briefs, and
    with `partners` the briefs of partners.yml too."""
    root.mkdir(parents=True, exist_ok=True)
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    plugin = next(p for p in config["plugins"] if isinstance(p, dict) and "briefgen" in p)
    plugin["briefgen"].update(options)
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    shutil.copytree(REPO / "templates", root / "templates")
    docs = root / "briefings"
    extra = sample_briefs("partners.yml") if partners else []
    for brief, edited_body in sample_briefs() + extra:
        brief_files.write(brief, docs)
        if edited_body is not None:
            assert brief.path is not None
            text = (docs / brief.path).read_text(encoding="utf-8")
            front_matter_end = text.index("\n---\n", 3) + len("\n---\n")
            (docs / brief.path).write_text(text[:front_matter_end] + edited_body, "utf-8")
    return root


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def run_build(root: Path, site_dir: str | None = None) -> list[str]:
    """Build the project with MkDocs; return the warnings it logged."""
    overrides = {"site_dir": site_dir} if site_dir else {}
    handler = _Records()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    try:
        build(load_config(str(root / "mkdocs.yml"), **overrides))
    finally:
        logger.removeHandler(handler)
    return [record.getMessage() for record in handler.records]


@dataclass(frozen=True)
class Built:
    root: Path
    site: Path
    warnings: list[str]

    def page(self, url: str) -> BeautifulSoup:
        return parse(self.site / url / "index.html")

    def brief(self, brief: Brief) -> BeautifulSoup:
        return self.page(brief.url)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = make_project(tmp_path_factory.mktemp("project"))
    warnings = run_build(root)
    return Built(root, root / "site", warnings)


# --- helpers ------------------------------------------------------------------------------

REGISTRY = tagging.load_registry()


def canonical(name: str) -> str:
    """The registry's name for a company named in a brief (the name itself when unknown)."""
    company = REGISTRY.get(name)
    return company.name if company is not None else name


def parse(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html5lib")


def text(tag: Tag | None) -> str:
    assert tag is not None
    return " ".join(tag.get_text().split())


def plain(value: str) -> str:
    return " ".join(value.split())


def href(tag: Tag) -> str:
    value = tag.get("href")
    assert isinstance(value, str)
    return value


def card(soup: BeautifulSoup, title: str) -> Tag:
    """The card of the brief titled `title` in a listing."""
    for link in soup.select("main .card-title a"):
        if text(link) == plain(title):
            parent = link.find_parent("article")
            assert parent is not None
            return parent
    raise AssertionError(f"no card for {title!r}")


def resolve(site: Path, page: Path, link: str) -> Path:
    """The file a relative link on `page` points to (directory URLs serve index.html)."""
    parts = urlsplit(link)
    assert not parts.scheme and not parts.netloc, link
    target = (page.parent / unquote(parts.path)).resolve()
    if target.is_dir():
        target = target / "index.html"
    assert target.is_relative_to(site.resolve()), f"{link} leaves the site"
    return target


def html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def themed(path: Path) -> bool:
    """Pages of our theme (a digest web copy is not one: render_digest owns it)."""
    return "css/briefgen.css" in path.read_text(encoding="utf-8")


# --- structure ----------------------------------------------------------------------------


def test_build_is_quiet(built: Built) -> None:
    assert built.warnings == []


def test_home_lists_briefs_newest_first(built: Built) -> None:
    home = built.site / "index.html"
    soup = parse(home)
    titles = soup.select("main .cards .card-title a")
    expected = group.newest_first(BRIEFS.values())
    assert [text(a) for a in titles] == [plain(b.title) for b in expected]
    assert [text(a) for a in titles][:2] == [plain(HOSTILE.title), CHINESE.title]
    for link, brief in zip(titles, expected, strict=True):
        assert (
            resolve(built.site, home, href(link))
            == (built.site / brief.url / "index.html").resolve()
        )


def test_home_highlights_the_latest_issue(built: Built) -> None:
    home = built.site / "index.html"
    block = parse(home).select_one("main .latest-issue")
    assert block is not None
    assert "Issue #1" in text(block.find("h2"))
    stories = [text(a) for a in block.select(".top-stories a")]
    assert len(stories) == 3
    assert stories[0] == plain(HOSTILE.title)
    for link in block.find_all("a"):
        assert resolve(built.site, home, href(link)).is_file()


def test_every_internal_link_resolves(built: Built) -> None:
    for path in html_files(built.site):
        soup = parse(path)
        for tag in soup.find_all(["a", "link"]):
            link = tag.get("href")
            assert isinstance(link, str)
            if link.startswith("#"):
                assert soup.find(id=link[1:]) is not None, (path, link)
                continue
            if urlsplit(link).scheme or path.name == "404.html":
                continue  # external, or absolute from the server root on the 404 page
            assert resolve(built.site, path, link).is_file(), (path, link)


def test_brief_page(built: Built) -> None:
    page = built.site / ENGLISH.url / "index.html"
    soup = parse(page)
    assert [text(h) for h in soup.find_all("h1")] == [ENGLISH.title]
    assert text(soup.title) == f"{ENGLISH.title} · China Auto Partnerships Briefing"
    times = {t["datetime"]: text(t) for t in soup.select(".brief-head time")}
    assert times == {"2026-04-13": "13 Apr 2026", "2026-11-21": "21 Nov 2026"}
    assert text(soup.select_one(".brief-head .byline")) == "By Jane Doe"
    assert text(soup.select_one(".source .outlet")) == "Gasgoo Auto News"
    source = soup.select_one("a.source-link")
    assert source is not None
    assert href(source) == ENGLISH.source.url
    assert text(source) == "Gasgoo Auto News"  # the link names the outlet...
    assert text(soup.select_one(".source .domain")) == "autonews.gasgoo.com"  # ...and its site
    assert {"noopener", "noreferrer"} <= set(source.get_attribute_list("rel"))

    body = soup.select_one(".brief-body")
    assert body is not None
    assert text(body.find("p")) == plain(ENGLISH.summary)
    headings = body.find_all("h2")
    assert [text(h) for h in headings] == ["Why it matters", "Key takeaways"]
    assert text(headings[0].find_next_sibling("p")) == plain(ENGLISH.why_it_matters)
    assert [text(li) for li in body.select("ul li")] == list(ENGLISH.takeaways)

    titles = theme_titles()
    companies = soup.select(".brief-head a.chip-company")
    themes = soup.select(".brief-head a.chip-theme")
    assert [text(a) for a in companies] == ["GAC Group", "Haier Group"]
    assert [text(a) for a in themes] == [titles["smart-home-iot"], titles["ai-cloud"]]
    expected = ["companies/gac-group", "companies/haier-group", "themes/smart-home-iot"]
    expected.append("themes/ai-cloud")
    for link, url in zip(companies + themes, expected, strict=True):
        assert resolve(built.site, page, href(link)) == (built.site / url / "index.html").resolve()


def test_chinese_brief(built: Built) -> None:
    """A Chinese brief's page is lang="zh" (Pagefind and screen readers read <html lang>); the
    site's English parts on it say so, and English names in it too."""
    soup = built.brief(CHINESE)
    assert soup.html is not None and soup.html["lang"] == "zh"
    article = soup.select_one("main article.brief")
    assert article is not None and article.get("lang") is None  # inherits zh
    for selector in (
        "header.site-header",
        "footer.site-footer",
        "a.skip-link",
        ".brief-head .meta",
    ):
        tag = soup.select_one(selector)
        assert tag is not None and tag["lang"] == "en", selector
    assert text(soup.find("h1")) == CHINESE.title
    assert text(soup.select_one("a.source-link")) == "第一财经"
    chips = soup.select(".chip-company")
    # 华为 in the brief is the registry's Huawei: its English name, marked as English.
    assert [(text(a), a.get("lang")) for a in chips] == [("SAIC Motor", "en"), ("Huawei", "en")]
    assert [(text(h), h.get("lang")) for h in soup.select(".brief-body h2")] == [
        ("Why it matters", "en"),
        ("Key takeaways", "en"),
    ]
    assert card(built.page(""), CHINESE.title)["lang"] == "zh"
    assert card(built.page(""), ENGLISH.title).get("lang") is None  # the page's language


def test_chinese_names_on_english_pages_are_marked(partnered: Built) -> None:
    chinese = PARTNERS["5a1cb3f3"]  # names 星驰智联, a company known only by its Chinese name
    companies = partnered.page("companies")
    chinese_only = companies.find("a", string="星驰智联")
    assert isinstance(chinese_only, Tag) and chinese_only["lang"] == "zh"
    assert companies.find("a", string="GAC Group").get("lang") is None  # type: ignore[union-attr]
    home_chip = card(partnered.page(""), chinese.title).find("a", string="星驰智联")
    assert isinstance(home_chip, Tag) and home_chip.get("lang") is None  # inside a zh card
    company = partnered.page("companies/" + href(chinese_only))
    h1 = company.find("h1")
    assert isinstance(h1, Tag) and h1["lang"] == "zh"
    assert href(chinese_only).startswith("x-") and href(chinese_only).isascii()


def test_brief_without_source_url_names_the_outlet(built: Built) -> None:
    soup = built.brief(EDITED)
    assert text(soup.select_one(".source .outlet")) == "CnEVPost"
    assert soup.select("a.source-link") == []


def test_company_and_theme_pages_list_their_briefs(built: Built) -> None:
    def listed(url: str) -> list[str]:
        soup = built.page(url)
        return [text(a) for a in soup.select("main .card-title a")]

    assert text(built.page("companies/gac-group").find("h1")) == "GAC Group"
    assert listed("companies/gac-group") == [ENGLISH.title]
    assert listed("companies/baidu") == [EDITED.title]
    assert text(built.page("themes/ai-cloud").find("h1")) == theme_titles()["ai-cloud"]
    assert listed("themes/ai-cloud") == [ENGLISH.title, EDITED.title]
    assert listed("themes/smart-cockpit") == [CHINESE.title]


def test_company_and_theme_indexes(built: Built) -> None:
    companies = built.page("companies")
    entries = {
        text(li.find("a")): text(li.select_one(".count")) for li in companies.select("main li")
    }
    assert entries["GAC Group"] == "1 brief · 1 partner"
    assert entries["Huawei"] == "1 brief · 1 partner"  # 华为 in the brief
    assert entries["<b>Evil</b> Corp"] == "1 brief"
    assert set(entries) == {canonical(c) for b in BRIEFS.values() for c in b.companies}

    themes = built.page("themes")
    titles = theme_titles()
    entries = {text(li.find("a")): text(li.select_one(".count")) for li in themes.select("main li")}
    assert entries[titles["ai-cloud"]] == "2 briefs"
    assert set(entries) == {titles[t] for b in BRIEFS.values() for t in b.themes}


def test_archive_by_month(built: Built) -> None:
    archive = built.page("archive")
    months = [
        (text(li.find("a")), text(li.select_one(".count")))
        for li in archive.select(".index-months li")
    ]
    assert months == [
        ("November 2026", "1 brief"),
        ("May 2026", "1 brief"),
        ("April 2026", "1 brief"),
        ("March 2026", "1 brief"),
    ]
    assert [text(a) for a in archive.select(".issue-list a")] == ["Issue #1"]
    month = built.page("archive/2026-11")
    assert text(month.find("h1")) == "November 2026"
    assert [text(a) for a in month.select("main .card-title a")] == [plain(HOSTILE.title)]


def test_issues_index_links_to_the_issue(built: Built) -> None:
    page = built.site / "issues" / "index.html"
    links = parse(page).select("main .issue-list a")
    assert [text(a) for a in links] == ["Issue #1"]
    assert resolve(built.site, page, href(links[0])) == built.site / "issues" / "1" / "index.html"
    assert (built.site / "issues" / "1" / "index.html").is_file()


@needs_digest
def test_issue_web_copy_is_the_digest(built: Built) -> None:
    from briefgen.config import load_project

    project = load_project(built.root)
    briefs = brief_files.load_all(project.docs_dir)
    issue = group.plan_issues(briefs)[-1]
    settings = render_digest.settings_for(project, theme_titles())
    expected = render_digest.web_copy(issue, settings)
    assert (built.site / "issues" / "1" / "index.html").read_bytes() == expected.encode("utf-8")


def test_issue_page_without_digest_renderer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "briefgen.render_digest", None)  # "not importable"
    root = make_project(tmp_path / "project")
    assert run_build(root) == []
    issue = parse(root / "site" / "issues" / "1" / "index.html")
    assert text(issue.find("h1")) == "Issue #1"
    assert len(issue.select("main .card")) == len(BRIEFS)


def test_theme_titles_without_tagging(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "briefgen.tagging", None)  # "not importable"
    root = make_project(tmp_path / "project", themes=[{"id": "policy", "title": "Rules"}])
    config = load_config(str(root / "mkdocs.yml"))
    build(config)
    chips = parse(root / "site" / HOSTILE.url / "index.html").select(".chip-theme")
    assert [text(a) for a in chips] == ["Rules"]
    chips = parse(root / "site" / ENGLISH.url / "index.html").select(".chip-theme")
    assert [text(a) for a in chips] == ["smart-home-iot", "ai-cloud"]  # no title: the id


def test_briefs_are_not_in_the_nav(built: Built) -> None:
    page = built.site / ENGLISH.url / "index.html"
    nav = parse(page).select("header nav a")
    assert [text(a) for a in nav] == TOP_LEVEL
    targets = ["index.html", "issues/index.html", "companies/index.html"]
    targets += ["partners/index.html", "themes/index.html", "archive/index.html"]
    assert [resolve(built.site, page, href(a)) for a in nav] == [
        (built.site / t).resolve() for t in targets
    ]
    for path in html_files(built.site):
        if themed(path):
            assert len(parse(path).select("header nav a")) == len(TOP_LEVEL), path


def test_section_is_marked_in_the_nav(built: Built) -> None:
    current = built.page("companies/gac-group").select("header nav a[aria-current]")
    assert [text(a) for a in current] == ["Companies"]
    current = built.page("companies").select("header nav a[aria-current]")
    assert [(text(a), a["aria-current"]) for a in current] == [("Companies", "page")]


def test_every_page_has_one_h1_a_lang_and_a_skip_link(built: Built) -> None:
    for path in html_files(built.site):
        if not themed(path):
            continue
        soup = parse(path)
        assert len(soup.find_all("h1")) == 1, path
        chinese = path == built.site / CHINESE.url / "index.html"
        assert soup.html is not None and soup.html.get("lang") == ("zh" if chinese else "en")
        skip = soup.select_one("a.skip-link")
        assert skip is not None and href(skip) == "#main" and soup.find(id="main") is not None


def test_not_found_page(built: Built) -> None:
    soup = parse(built.site / "404.html")
    assert text(soup.find("h1")) == "Page not found"
    stylesheet = soup.select_one('link[rel="stylesheet"]')
    assert stylesheet is not None and href(stylesheet) == "/css/briefgen.css"


# --- safety -------------------------------------------------------------------------------


def _no_javascript(value: str) -> bool:
    squeezed = "".join(ch for ch in value if ch.isprintable() and not ch.isspace()).lower()
    return not squeezed.startswith(("javascript:", "vbscript:", "data:"))


def test_no_active_content_anywhere(built: Built) -> None:
    search_page = built.site / "search" / "index.html"
    for path in html_files(built.site):
        soup = parse(path)
        if path == search_page:  # the one script of the site: its own search, from the site
            scripts = soup.find_all("script")
            assert [(s.get("src"), s.get("type"), s.string) for s in scripts] == [
                ("../js/search.js", "module", None)
            ]
            assert [f.get("action") for f in soup.find_all("form")] == ["./"]
            for tag in scripts + soup.find_all("form"):
                tag.decompose()
        assert soup.find_all(["script", "iframe", "object", "embed", "form", "base"]) == [], path
        if themed(path):
            # The one drawing of the site: the partnership network, inline SVG made of
            # shapes, text and links only.
            drawings = ["svg"] if path == built.site / "partners" / "index.html" else []
            assert [t.name for t in soup.find_all(["img", "svg", "style"])] == drawings, path
            for svg in soup.find_all("svg"):
                kinds = {t.name.lower() for t in svg.find_all(True)}
                assert kinds <= {"title", "desc", "g", "a", "path", "circle", "text"}, kinds
        for tag in soup.find_all(True):
            for name, value in tag.attrs.items():
                assert not name.lower().startswith("on"), (path, tag.name, name)
                values = value if isinstance(value, list) else [value]
                assert all(_no_javascript(v) for v in values), (path, tag.name, name, value)
    hostname = Path("/etc/hostname")
    if hostname.is_file() and len(hostname.read_text().strip()) >= 6:
        secret = hostname.read_text().strip()
        for path in built.site.rglob("*"):
            if path.is_file() and path.suffix in {".html", ".xml", ".css"}:
                assert secret not in path.read_text(encoding="utf-8"), path


def test_hostile_brief_shows_its_plain_text(built: Built) -> None:
    soup = built.brief(HOSTILE)
    assert text(soup.find("h1")) == HOSTILE.title
    assert text(soup.title).startswith(HOSTILE.title)
    body = soup.select_one(".brief-body")
    assert body is not None
    assert body.find_all(["em", "strong", "a", "code"]) == []
    paragraphs = body.find_all("p")
    assert text(paragraphs[0]) == plain(HOSTILE.summary)
    assert "*emphasis*" in text(paragraphs[0])
    assert text(paragraphs[1]) == plain(HOSTILE.why_it_matters)
    assert [text(li) for li in body.select("li")] == list(HOSTILE.takeaways)
    assert text(soup.select_one(".source .outlet")) == HOSTILE.source.name
    assert soup.select("a.source-link") == []  # javascript: URL: no link at all
    assert text(soup.select_one(".byline")) == f"By {HOSTILE.byline}"
    assert [text(a) for a in soup.select(".chip-company")] == ["<b>Evil</b> Corp"]
    description = soup.find("meta", attrs={"name": "description"})
    assert isinstance(description, Tag)
    assert str(description["content"]).startswith("Hostile <img src=x")
    summary = card(built.page(""), HOSTILE.title).select_one(".summary")
    assert text(summary) == plain(HOSTILE.summary)


def test_templates_use_no_safe_filter() -> None:
    for path in (REPO / "templates" / "site").rglob("*.html"):
        source = path.read_text(encoding="utf-8").replace(" ", "")
        assert "|safe" not in source, path
        assert "autoescapefalse" not in source, path


def test_no_external_requests(built: Built) -> None:
    for path in html_files(built.site):
        if not themed(path):
            continue
        soup = parse(path)
        for tag in soup.select('link[rel="stylesheet"], script[src], img[src], source[src]'):
            url = str(tag.get("href") or tag.get("src"))
            assert not urlsplit(url).scheme and not url.startswith("//"), (path, url)
    css = (built.site / "css" / "briefgen.css").read_text(encoding="utf-8")
    assert "url(" not in css and "@import" not in css and "@font-face" not in css


# --- behaviour ----------------------------------------------------------------------------


def test_edited_brief_renders_the_editors_markdown(built: Built) -> None:
    soup = built.brief(EDITED)
    body = soup.select_one(".brief-body")
    assert body is not None
    assert text(body.find("strong")) == "BYD and Baidu"
    link = body.find("a")
    assert link is not None and href(link) == "https://example.com/report"
    assert text(body.find("em")) == "large-volume"
    assert text(body.find("code")) == "code"
    assert [text(li) for li in body.select("li")][-1] == "Editors may use code too"
    assert soup.select_one(".note") is not None
    summary = text(card(built.page(""), EDITED.title).select_one(".summary"))
    assert summary.startswith("An editor rewrote this: BYD and Baidu extend")
    assert "*" not in summary and "](" not in summary


def test_brief_page_is_small(built: Built) -> None:
    html = (built.site / ENGLISH.url / "index.html").stat().st_size
    css = (built.site / "css" / "briefgen.css").stat().st_size
    assert html + css < 30_000, (html, css)


def test_build_is_reproducible(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project", partners=True)
    run_build(root, str(tmp_path / "one"))
    run_build(root, str(tmp_path / "two"))

    def tree(site: Path) -> dict[str, bytes]:
        return {
            p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()
        }

    one, two = tree(tmp_path / "one"), tree(tmp_path / "two")
    assert sorted(one) == sorted(two)
    assert [name for name in one if one[name] != two[name]] == []


def test_broken_brief_is_reported_and_left_out(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    month = root / "briefings" / "2026" / "04"
    (month / "broken.md").write_text("---\ntitle: [unclosed\n---\nBody\n", encoding="utf-8")
    (month / "latin1.md").write_bytes("---\ntitle: caf\xe9\n---\n".encode("latin-1"))
    warnings = run_build(root)
    assert len(warnings) == 2
    for name, warning in zip(("broken.md", "latin1.md"), sorted(warnings), strict=True):
        assert f"2026/04/{name}" in warning and "left out of the site" in warning
        assert "\n" not in warning
    site = root / "site"
    assert not (site / "2026" / "04" / "broken").exists()
    assert not (site / "2026" / "04" / "latin1").exists()
    assert len(parse(site / "index.html").select("main .card")) == len(BRIEFS)


def test_pagination(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project", briefs_per_page=3)
    assert run_build(root) == []
    site = root / "site"
    first, second = site / "index.html", site / "page" / "2" / "index.html"
    assert len(parse(first).select("main .card")) == 3
    older = parse(first).select_one('.pager a[rel="next"]')
    assert older is not None and resolve(site, first, href(older)) == second.resolve()
    soup = parse(second)
    assert text(soup.find("h1")) == "Latest briefs, page 2"
    assert [text(a) for a in soup.select("main .card-title a")] == [EDITED.title]
    newer = soup.select_one('.pager a[rel="prev"]')
    assert newer is not None and resolve(site, second, href(newer)) == first.resolve()
    assert not (site / "page" / "3").exists()


def test_docs_page_at_a_generated_path_is_replaced(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    (root / "briefings" / "index.md").write_text("# Old home\n", encoding="utf-8")
    warnings = run_build(root)
    assert warnings == ["briefgen: index.md in the docs folder is replaced by a generated page"]
    assert parse(root / "site" / "index.html").select_one(".latest-issue") is not None


def test_other_markdown_pages_still_build(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    (root / "briefings" / "about.md").write_text("# About us\n\nWe *read* the news.\n", "utf-8")
    assert run_build(root) == []
    soup = parse(root / "site" / "about" / "index.html")
    assert [text(h) for h in soup.find_all("h1")] == ["About us"]
    assert text(soup.find("em")) == "read"


def test_sitemap_dates_come_from_the_briefs(built: Built) -> None:
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ElementTree.parse(built.site / "sitemap.xml").getroot()
    dates = {
        url.findtext("s:loc", namespaces=namespace): url.findtext("s:lastmod", namespaces=namespace)
        for url in root.findall("s:url", namespace)
    }
    assert dates[f"https://briefs.example.com/{ENGLISH.url}"] == "2026-11-21"
    assert dates[f"https://briefs.example.com/{HOSTILE.url}"] == "2026-11-20"
    assert dates["https://briefs.example.com/companies/baidu/"] == "2026-11-19"


def test_plugin_rejects_a_bad_page_size(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from mkdocs.exceptions import Abort

    root = make_project(tmp_path / "project", briefs_per_page=0)
    with pytest.raises(Abort):
        run_build(root)
    assert "'briefs_per_page' must be at least 1, got 0" in caplog.text


@pytest.mark.parametrize(
    ("site_url", "problem"),
    [
        (None, "'site_url' is missing; set it to the address of the site"),
        ("ftp://briefs.example.com/", "'site_url' must be an absolute http(s) address"),
    ],
)
def test_site_url_is_required(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, site_url: str | None, problem: str
) -> None:
    from mkdocs.exceptions import Abort

    from briefgen.config import load_project
    from briefgen.errors import ConfigError

    root = make_project(tmp_path / "project")
    config = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))
    config["site_url"] = site_url
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    with pytest.raises(ConfigError) as error:  # the CLI's one line, before any work
        load_project(root)
    message = error.value.message
    assert "\n" not in message and problem in message and "site_url: https://" in message
    if site_url is None:  # MkDocs itself refuses ftp://; a missing one reaches the plugin
        with pytest.raises(Abort):
            run_build(root)
        assert problem in caplog.text


# --- SEO, feeds and navigation ------------------------------------------------------------


def meta(soup: BeautifulSoup, key: str) -> str | None:
    tag = soup.find("meta", attrs={"property": key}) or soup.find("meta", attrs={"name": key})
    return str(tag["content"]) if isinstance(tag, Tag) else None


def test_every_page_has_canonical_and_social_meta(built: Built) -> None:
    site_url = "https://briefs.example.com/"
    for path in html_files(built.site):
        if not themed(path) or path.name == "404.html":
            continue
        soup = parse(path)
        relative = path.relative_to(built.site).as_posix().removesuffix("index.html")
        canonical = soup.select_one('link[rel="canonical"]')
        assert canonical is not None and href(canonical) == site_url + quote(relative), path
        assert meta(soup, "og:url") == href(canonical)
        assert meta(soup, "og:site_name") == "China Auto Partnerships Briefing"
        assert meta(soup, "og:title") and meta(soup, "og:description"), path
        assert meta(soup, "og:description") == meta(soup, "description")
        assert meta(soup, "twitter:card") == "summary"
        brief_page = any(path == built.site / b.url / "index.html" for b in BRIEFS.values())
        assert meta(soup, "og:type") == ("article" if brief_page else "website"), path
        feeds = soup.select('head link[rel="alternate"]')
        assert {link["type"] for link in feeds} == {"application/atom+xml", "application/feed+json"}
    brief = built.brief(ENGLISH)
    assert meta(brief, "og:title") == ENGLISH.title
    assert meta(brief, "og:description") == plain(ENGLISH.summary)
    assert meta(brief, "article:published_time") == "2026-04-13"
    assert meta(built.page(""), "og:title") == "China Auto Partnerships Briefing"
    hostile = built.brief(HOSTILE)
    assert meta(hostile, "og:title") == HOSTILE.title  # the attribute holds it as text
    assert str(meta(hostile, "og:description")).startswith("Hostile <img src=x")


def test_sitemap_lists_every_page_by_absolute_url(built: Built) -> None:
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ElementTree.parse(built.site / "sitemap.xml").getroot()
    entries = {
        url.findtext("s:loc", namespaces=namespace): url.findtext("s:lastmod", namespaces=namespace)
        for url in root.findall("s:url", namespace)
    }
    assert all(str(loc).startswith("https://briefs.example.com/") for loc in entries)
    for brief in BRIEFS.values():
        assert entries[f"https://briefs.example.com/{brief.url}"] == brief.added.isoformat()
    assert entries["https://briefs.example.com/issues/1/"] == "2026-11-21"  # the web copy
    assert "https://briefs.example.com/search/" not in entries
    robots = (built.site / "robots.txt").read_text(encoding="utf-8")
    assert "Sitemap: https://briefs.example.com/sitemap.xml" in robots


def internal_links(site: Path, page: Path) -> list[Path]:
    """The pages a reader can reach from `page` with one click (links inside the site)."""
    found = []
    for link in parse(page).find_all("a", href=True):
        target = urlsplit(str(link["href"]))
        if target.scheme or target.netloc or not target.path:
            continue
        path = (page.parent / unquote(target.path)).resolve()
        path = path / "index.html" if path.is_dir() else path
        if path.suffix == ".html" and path.is_file():
            found.append(path)
    return found


def clicks_from_home(site: Path) -> dict[Path, int]:
    """Breadth-first over the built pages: how many clicks each page is from the home page."""
    home = (site / "index.html").resolve()
    depth = {home: 0}
    frontier = [home]
    while frontier:
        following = []
        for page in frontier:
            for target in internal_links(site, page):
                if target not in depth:
                    depth[target] = depth[page] + 1
                    following.append(target)
        frontier = following
    return depth


def test_every_brief_is_within_three_clicks_of_home(tmp_path: Path) -> None:
    """With many briefs on many pages: the archive links every page of every month."""
    root = make_project(tmp_path / "project", briefs_per_page=2)
    extra = [
        Brief(
            id=f"{n:08x}",
            title=f"Filler brief number {n}",
            summary=f"Filler summary {n}.",
            why_it_matters="Because.",
            takeaways=("One fact",),
            added=dt.date(2026, 11, 1),
            published=dt.date(2026, 1 + n % 3, 1 + n),
            companies=("Filler Motors",),
            themes=("policy",),
        )
        for n in range(20)
    ]
    for brief in extra:
        brief_files.write(replace(brief, path=brief_files.relative_path(brief)), root / "briefings")
    assert run_build(root) == []
    site = (root / "site").resolve()
    depth = clicks_from_home(site)
    all_briefs = [*BRIEFS.values(), *extra]
    for brief in all_briefs:
        page = (site / brief_files.relative_path(brief)[:-3] / "index.html").resolve()
        assert depth.get(page, 99) <= 3, (brief.title, depth.get(page))
    archive = parse(site / "archive" / "index.html")
    assert [text(a) for a in archive.select(".page-links a")][:3] == ["1", "2", "3"]


def test_search_index_holds_the_brief_articles_only(built: Built) -> None:
    bundle = built.site / "pagefind"
    assert (bundle / "pagefind.js").is_file() and (bundle / "pagefind-entry.json").is_file()
    assert not (bundle / "pagefind-ui.js").exists()  # the site has its own search page
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert list(entry["languages"]) == ["zh"]  # one index, Chinese segmentation for all
    fragments = {}
    for path in bundle.glob("fragment/*.pf_fragment"):
        data = gzip.decompress(path.read_bytes()).removeprefix(b"pagefind_dcd")
        fragment = json.loads(data)
        fragments[fragment["url"]] = fragment
    assert sorted(fragments) == sorted(f"/{b.url}" for b in BRIEFS.values())
    hostile = fragments[f"/{HOSTILE.url}"]
    assert hostile["meta"]["title"] == HOSTILE.title  # text, as the page showed it
    assert hostile["meta"]["date"] == "2026-11-20"
    assert set(hostile) >= {"url", "content", "meta"}
    assert "Added" not in hostile["content"]  # the page's date line is not indexed
    chinese = fragments[f"/{CHINESE.url}"]
    assert chinese["meta"]["lang"] == "zh"
    assert "华为" in chinese["content"].replace("\u200b", "")
    english = fragments[f"/{ENGLISH.url}"]["content"].replace("\u200b", "")
    for needle in ("GAC Group", ENGLISH.takeaways[0], "Haier Group", "Qingdao"):
        assert needle in english


def test_search_can_be_turned_off(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project", search=False)
    assert run_build(root) == []
    site = root / "site"
    assert not (site / "pagefind").exists() and not (site / "search").exists()
    assert parse(site / "index.html").select(".search-link") == []
    assert (site / "feed.xml").is_file()
    assert parse(built_page := site / "companies" / "index.html").select(".search-link") == []
    assert built_page.is_file()


def test_raw_output_has_no_live_markup_from_articles(tmp_path: Path) -> None:
    """Every output file of a site with a brief whose every field is an attack (and carries
    control characters and a CDATA end): nothing from it is live markup anywhere."""
    root = make_project(tmp_path / "project")
    nasty = '</title><script>alert(1)</script> ]]> \x07\x0b "><img src=x onerror=alert(2)>'
    evil = Brief(
        id="0badf00d",
        title=nasty,
        summary=f"{nasty} {{: onclick=x}}",
        why_it_matters="<a href='javascript:alert(4)'>click</a>",
        takeaways=(nasty,),
        added=dt.date(2026, 11, 22),
        source=Source(name=nasty, url="javascript:alert(6)"),
        byline=nasty,
        companies=(nasty, "GAC Group"),  # a partner: the name is in the network page too
        themes=("policy", nasty),
    )
    brief_files.write(replace(evil, path=brief_files.relative_path(evil)), root / "briefings")
    assert run_build(root) == []
    site = root / "site"
    for path in sorted(site.rglob("*")):
        if path.suffix not in {".html", ".xml", ".json", ".txt"}:
            continue
        raw = path.read_text(encoding="utf-8")
        if path.parts[-2:] == ("search", "index.html"):
            raw = raw.replace('<script type="module" src="../js/search.js"></script>', "")
        assert "<script" not in raw.lower(), path
        assert "<img" not in raw.lower() and "<iframe" not in raw.lower(), path
        assert "\x07" not in raw and "\x0b" not in raw, path
        if path.suffix == ".xml":
            ElementTree.fromstring(raw.encode("utf-8"))  # well-formed XML 1.0
        if path.suffix == ".json":
            json.loads(raw)
    evil_page = parse(site / brief_files.relative_path(evil)[:-3] / "index.html")
    expected = plain(nasty.replace("\x07", "").replace("\x0b", ""))
    assert text(evil_page.find("h1")) == expected
    assert text(evil_page.title).startswith(expected)
    assert evil_page.select("a.source-link") == []
    assert [text(a) for a in evil_page.select(".chip-company")] == [expected, "GAC Group"]
    network = parse(site / "partners" / "index.html")
    assert expected in {text(t).split(": ")[0] for t in network.select("svg a.node title")}
    assert expected in {text(a) for a in network.select("table.pairs td a")}


def test_external_links_do_not_leak_the_opener_or_referrer(built: Built) -> None:
    for path in html_files(built.site):
        if not themed(path):
            continue
        for link in parse(path).select("a[href]"):
            if urlsplit(href(link)).scheme in {"http", "https"}:
                rel = set(link.get_attribute_list("rel"))
                assert {"noopener", "noreferrer"} <= rel, (path, href(link))


# --- company, theme and pair pages (issue 4) ---------------------------------------------


@pytest.fixture(scope="module")
def partnered(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The sample project plus the briefs of partners.yml, built once."""
    root = make_project(tmp_path_factory.mktemp("partnered"), partners=True)
    warnings = run_build(root)
    return Built(root, root / "site", warnings)


ALL_BRIEFS = {**BRIEFS, **PARTNERS}


def companies_of(brief: Brief) -> list[str]:
    return list(dict.fromkeys(canonical(name) for name in brief.companies))


def expected_pairs() -> dict[frozenset[str], set[str]]:
    """Each pair of companies named together (canonical names) and the ids of its briefs,
    worked out here the plain way."""
    pairs: dict[frozenset[str], set[str]] = {}
    for brief in ALL_BRIEFS.values():
        names = companies_of(brief)
        for a in names:
            for b in names:
                if a < b:
                    pairs.setdefault(frozenset((a, b)), set()).add(brief.id)
    return pairs


def listed_titles(site: Path, page: Path, link: str) -> set[str]:
    """The briefs a link leads to: the brief itself, or every card of the listing it opens
    (all its pages)."""
    target = resolve(site, page, link)
    soup = parse(target)
    if soup.select_one("article.brief") is not None:
        return {text(soup.find("h1"))}
    titles = {text(a) for a in soup.select("main .card-title a")}
    older = soup.select_one('.pager a[rel="next"]')
    if older is not None:
        titles |= listed_titles(site, target, href(older))
    return titles


def titles_of(ids: set[str]) -> set[str]:
    return {plain(ALL_BRIEFS[i].title) for i in ids}


def company_pages(built: Built) -> dict[str, Path]:
    """Every company page by the name in its heading."""
    pages = {}
    for path in sorted((built.site / "companies").glob("*/index.html")):
        pages[text(parse(path).find("h1"))] = path
    return pages


def facts_of(soup: BeautifulSoup) -> dict[str, Tag]:
    """A company page's facts ("Part of", "Joint ventures and brands"...) by their name."""
    terms, details = soup.select(".facts dt"), soup.select(".facts dd")
    return {text(dt): dd for dt, dd in zip(terms, details, strict=True)}


def test_partnered_build_is_quiet(partnered: Built) -> None:
    assert partnered.warnings == []


def test_aliases_are_filed_under_the_registrys_company(partnered: Built) -> None:
    """上汽 and 宁德时代 in a brief are SAIC Motor and CATL: one page each, ASCII slugs."""
    pages = company_pages(partnered)
    assert "上汽" not in pages and "宁德时代" not in pages
    assert pages["SAIC Motor"] == partnered.site / "companies" / "saic-motor" / "index.html"
    assert pages["CATL"] == partnered.site / "companies" / "catl" / "index.html"
    chinese = partnered.brief(PARTNERS["5a1cb3f3"])
    chips = [(text(a), href(a)) for a in chinese.select(".chip-company")]
    assert chips == [
        ("SAIC Motor", "../../../companies/saic-motor/"),
        ("CATL", "../../../companies/catl/"),
        ("星驰智联", f"../../../companies/{slugify('星驰智联')}/"),
    ]
    for name, path in pages.items():
        folder = path.parent.name
        assert folder.isascii() and folder == folder.lower(), (name, folder)


def test_company_page_names_parents_and_joint_ventures(partnered: Built) -> None:
    page = partnered.site / "companies" / "saic-motor" / "index.html"
    soup = parse(page)
    assert text(soup.find("h1")) == "SAIC Motor"
    assert text(soup.select_one(".page-head .eyebrow")) == "Company · Automaker"
    names = soup.select_one(".page-head .other-names")
    assert names is not None and names["lang"] == "zh"
    assert text(names).split(" · ")[:2] == ["上汽", "上汽集团"]
    facts = facts_of(soup)
    assert set(facts) == {"Also known as", "Joint ventures and brands"}  # no parent
    assert "SAIC Motor Corporation Limited" not in text(facts["Also known as"])  # legal form
    assert "Shanghai Automotive Industry Corporation" in text(facts["Also known as"])
    children = facts["Joint ventures and brands"]
    linked = {text(a): resolve(partnered.site, page, href(a)) for a in children.find_all("a")}
    assert linked == {"SAIC-BMW": partnered.site / "companies" / "saic-bmw" / "index.html"}
    for name in ("SAIC-GM", "SAIC Volkswagen", "IM Motors"):  # no briefs: plain text
        assert name in text(children).split(", ")

    jv = partnered.site / "companies" / "saic-bmw" / "index.html"
    soup = parse(jv)
    assert text(soup.select_one(".page-head .eyebrow")) == "Company · Joint venture"
    facts = facts_of(soup)
    assert set(facts) == {"Part of"}  # "SAIC BMW" is the same name: not another one
    parents = [(text(a), resolve(partnered.site, jv, href(a))) for a in facts["Part of"]("a")]
    assert parents == [
        ("SAIC Motor", partnered.site / "companies" / "saic-motor" / "index.html"),
        ("BMW", partnered.site / "companies" / "bmw" / "index.html"),
    ]


def test_company_page_timeline_is_newest_first(partnered: Built) -> None:
    soup = partnered.page("companies/saic-motor")
    cards = [text(a) for a in soup.select("main .card-title a")]
    mine = [b for b in ALL_BRIEFS.values() if "SAIC Motor" in companies_of(b)]
    assert cards == [plain(b.title) for b in group.newest_first(mine)]
    assert text(soup.select_one("#briefs-title")) == "Briefs, newest first"


def test_company_pages_show_themes_with_counts(partnered: Built) -> None:
    titles = theme_titles()
    for name, path in company_pages(partnered).items():
        soup = parse(path)
        mine = [b for b in ALL_BRIEFS.values() if name in companies_of(b)]
        counts: dict[str, int] = {}
        for brief in mine:
            for theme in dict.fromkeys(brief.themes):
                counts[theme] = counts.get(theme, 0) + 1
        heading = soup.find(id="themes-title")
        assert heading is not None, name
        section = heading.find_parent("section")
        assert section is not None
        shown = {}
        for li in section.select("li"):
            link = li.find("a")
            assert isinstance(link, Tag)
            theme_page = resolve(partnered.site, path, href(link))
            assert theme_page.parent.parent == (partnered.site / "themes").resolve()
            shown[theme_page.parent.name] = (text(link), text(li.select_one(".count")))
        assert shown == {
            theme: (titles.get(theme, theme), f"{n} brief{'s' if n > 1 else ''}")
            for theme, n in counts.items()
        }, name
    saic = parse(company_pages(partnered)["SAIC Motor"])
    section = saic.find(id="themes-title").find_parent("section")  # type: ignore[union-attr]
    order = [text(li.select_one(".count")) for li in section.select("li")]  # type: ignore[union-attr]
    assert order == sorted(order, key=lambda c: -int(c.split()[0]))  # most briefs first


def test_company_pages_list_partners_and_the_briefs_behind_them(partnered: Built) -> None:
    pairs = expected_pairs()
    pages = company_pages(partnered)
    for name, path in pages.items():
        soup = parse(path)
        expected = {next(iter(pair - {name})): ids for pair, ids in pairs.items() if name in pair}
        rows = soup.select(".index-partners li")
        found = {}
        for li in rows:
            partner_link, briefs_link = li.find_all("a")
            partner = text(partner_link)
            assert resolve(partnered.site, path, href(partner_link)) == pages[partner]
            count = len(expected.get(partner, ()))
            assert text(briefs_link) == f"{count} brief{'s' if count > 1 else ''} with {partner}"
            assert listed_titles(partnered.site, path, href(briefs_link)) == titles_of(
                expected[partner]
            ), (name, partner)
            found[partner] = count
        assert set(found) == set(expected), name
        counts = list(found.values())
        assert counts == sorted(counts, reverse=True), name  # most briefs first
        if expected:
            more = soup.select_one(".listing-aside a[href$='partners/']")
            assert more is not None and resolve(partnered.site, path, href(more)) == (
                partnered.site / "partners" / "index.html"
            )
    rows = parse(pages["SAIC Motor"]).select(".index-partners li")
    saic = {text(li.find("a")): text(li.select_one("a.count")) for li in rows}
    assert saic["BMW"] == "2 briefs with BMW"
    assert saic["CATL"] == "2 briefs with CATL"  # one of them names 上汽 and 宁德时代
    assert saic["SAIC-BMW"] == "1 brief with SAIC-BMW"


def test_pair_page_lists_the_briefs_naming_both(partnered: Built) -> None:
    page = partnered.site / "partners" / "bmw--saic-motor" / "index.html"
    soup = parse(page)
    assert text(soup.find("h1")) == "BMW and SAIC Motor"
    assert text(soup.select_one(".page-head .dek")) == "2 briefs naming both"
    assert [text(a) for a in soup.select("main .card-title a")] == [
        PARTNERS["5a1cb3f0"].title,  # newest first
        PARTNERS["5a1cb3f1"].title,
    ]
    links = {text(a): resolve(partnered.site, page, href(a)) for a in soup.select(".jump a")}
    assert links == {
        "BMW": partnered.site / "companies" / "bmw" / "index.html",
        "SAIC Motor": partnered.site / "companies" / "saic-motor" / "index.html",
        "All partnerships": partnered.site / "partners" / "index.html",
    }
    nav = soup.select("header nav a[aria-current]")
    assert [text(a) for a in nav] == ["Partners"]
    # A pair named in one brief has no page: its links lead to the brief.
    assert not (partnered.site / "partners" / "bmw--saic-bmw").exists()


def test_theme_page_shows_the_most_active_companies(partnered: Built) -> None:
    for path in sorted((partnered.site / "themes").glob("*/index.html")):
        theme = path.parent.name
        soup = parse(path)
        counts: dict[str, int] = {}
        for brief in ALL_BRIEFS.values():
            if theme in brief.themes:
                for name in companies_of(brief):
                    counts[name] = counts.get(name, 0) + 1
        top = sorted(counts, key=lambda n: (-counts[n], n.casefold(), n))[:10]
        heading = soup.find(id="active-title")
        if not counts:
            assert heading is None
            continue
        assert heading is not None and text(heading) == "Most active companies"
        section = heading.find_parent("section")
        assert section is not None
        shown = [(text(li.find("a")), text(li.select_one(".count"))) for li in section.select("li")]
        assert shown == [(n, f"{counts[n]} brief{'s' if counts[n] > 1 else ''}") for n in top]
        for link in section.select("li a"):
            target = resolve(partnered.site, path, href(link))
            assert text(parse(target).find("h1")) == text(link)
    batteries = partnered.page("themes/batteries-energy")
    assert [text(a) for a in batteries.select("main .card-title a")] == [
        PARTNERS["5a1cb3f2"].title,
        PARTNERS["5a1cb3f3"].title,
    ]


def test_companies_index_shows_chinese_names_and_partners(partnered: Built) -> None:
    soup = partnered.page("companies")
    rows = {text(li.find("a")): li for li in soup.select(".index-companies > li")}
    names = [text(li.find("a")) for li in soup.select(".index-companies > li")]
    assert names == sorted(names, key=lambda n: (n.casefold(), n))  # A to Z
    saic = rows["SAIC Motor"].select_one(".other-name")
    assert saic is not None and text(saic) == "上汽" and saic["lang"] == "zh"
    assert text(rows["SAIC Motor"].select_one(".count")).startswith("6 briefs · ")
    assert rows["A & B Motors"].select_one(".other-name") is None
    link = soup.select_one(".page-head a")
    index = partnered.site / "companies" / "index.html"
    assert link is not None and resolve(partnered.site, index, href(link)).parent.name == "partners"


def test_hostile_company_names_are_text_on_company_pages(partnered: Built) -> None:
    hostile = PARTNERS["5a1cb3f4"].companies[:3]
    pages = company_pages(partnered)
    for name in hostile:
        assert name in pages  # the heading holds the name as text
        raw = pages[name].read_text(encoding="utf-8")
        assert "<script" not in raw and "<img" not in raw
        soup = parse(pages[name])
        partners = [text(li.find("a")) for li in soup.select(".index-partners li")]
        assert set(partners) == {*(h for h in hostile if h != name), "SAIC Motor"}
