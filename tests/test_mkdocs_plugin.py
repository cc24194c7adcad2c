"""The MkDocs plugin end to end: real builds of a small project, output parsed with html5lib."""

from __future__ import annotations

import importlib
import logging
import shutil
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

import pytest
import yaml
from bs4 import BeautifulSoup, Tag
from mkdocs.commands.build import build
from mkdocs.config import load_config

from briefgen import brief_files, group, tagging
from briefgen.models import Brief, Generated, Source

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data" / "site"
TOP_LEVEL = ["Home", "Issues", "Companies", "Themes", "Archive"]


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


def sample_briefs() -> list[tuple[Brief, str | None]]:
    """The briefs of tests/data/site/briefs.yml, each with its hand-edited body (or None)."""
    briefs = []
    for entry in yaml.safe_load((DATA / "briefs.yml").read_text(encoding="utf-8")):
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


def make_project(root: Path, **options: object) -> Path:
    """A project like the repository's (same mkdocs.yml and templates) holding the briefs."""
    root.mkdir(parents=True, exist_ok=True)
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    plugin = next(p for p in config["plugins"] if isinstance(p, dict) and "briefgen" in p)
    plugin["briefgen"].update(options)
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    shutil.copytree(REPO / "templates", root / "templates")
    docs = root / "briefings"
    for brief, edited_body in sample_briefs():
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
    assert text(source) == "Read at autonews.gasgoo.com"
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
    soup = built.brief(CHINESE)
    article = soup.select_one("main article.brief")
    assert article is not None and article["lang"] == "zh"
    assert text(soup.find("h1")) == CHINESE.title
    assert text(soup.select_one("a.source-link")) == "Read at yicai.com"
    assert [text(a) for a in soup.select(".chip-company")] == ["SAIC Motor", "华为"]
    assert card(built.page(""), CHINESE.title)["lang"] == "zh"
    assert card(built.page(""), ENGLISH.title).get("lang") is None  # the page's language


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
    assert entries["GAC Group"] == "1 brief"
    assert entries["华为"] == "1 brief"
    assert set(entries) == {c for b in BRIEFS.values() for c in b.companies}

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
    targets = ["index.html", "issues/index.html", "companies/index.html", "themes/index.html"]
    targets.append("archive/index.html")
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
        assert soup.html is not None and soup.html.get("lang") == "en"
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
    for path in html_files(built.site):
        soup = parse(path)
        assert soup.find_all(["script", "iframe", "object", "embed", "form", "base"]) == [], path
        if themed(path):
            assert soup.find_all(["img", "svg", "style"]) == [], path
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
    root = make_project(tmp_path / "project")
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
