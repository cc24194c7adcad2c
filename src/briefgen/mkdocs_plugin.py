"""Render-site stage, MkDocs side: the `briefgen` plugin adds the generated pages to a build."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import jinja2
import nh3
from markupsafe import Markup
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils import meta as front_matter
from mkdocs.utils.templates import TemplateContext

from briefgen import brief_files, feeds, group, issue_records, render_site, search
from briefgen.config import BriefgenConfig, Project, site_url_problem
from briefgen.errors import BriefFileError, BriefgenError
from briefgen.models import Brief, Issue, Theme

if TYPE_CHECKING:
    from briefgen.render_digest import DigestSettings

log = get_plugin_logger("briefgen")
_UNPUBLISHED = (InclusionLevel.EXCLUDED, InclusionLevel.DRAFT)
# The section headings of a brief file, always English: marked as such on other-language pages.
_SECTION_HEADING = re.compile(
    rf"<h2>({re.escape(brief_files.WHY_HEADING)}|{re.escape(brief_files.TAKEAWAYS_HEADING)})</h2>"
)


class BriefgenPlugin(BasePlugin[BriefgenConfig]):  # type: ignore[no-untyped-call]
    """Publishes the briefs in the docs folder as a news site with generated listing pages.

    MkDocs calls the hooks in this order on each build (and on each `mkdocs serve` rebuild):

    1. `on_config`: the nav becomes the generated top-level pages only; `404.html` is built.
    2. `on_files`: every brief is read and parsed once, the company registry and taxonomy are
       loaded once; the generated pages (home, companies, partnerships, themes, archive,
       issues) and the digest web copies (`issues/<id>/index.html`) are added.
    3. MkDocs builds the nav, then for each page: `on_page_markdown` (template and title),
       `on_page_content` (the Markdown output marked safe for the autoescaping templates).
    4. `on_env`: autoescaping on, date filters added.
    5. MkDocs writes each page: `on_page_context` adds the brief view or the listing context.
    6. `on_post_build`: the Atom and JSON feeds are written from the brief bodies rendered in
       step 3 (each brief is rendered once), then Pagefind indexes the written brief pages.
    """

    _mkdocs: MkDocsConfig | None = None
    _themes: tuple[Theme, ...] = ()
    _briefs: Mapping[str, render_site.BriefView] = {}
    """The view of every brief, by `src_uri`: computed once in `on_files`, used by its page."""
    _specs: Mapping[str, render_site.PageSpec] = {}
    _feeds: tuple[render_site.FeedSpec, ...] = ()
    _sitemap_extra: tuple[tuple[str, dt.date], ...] = ()
    """Pages that are not MkDocs pages (the digest's web copies), with their dates."""
    _bodies: dict[str, str]
    """The rendered body of each brief page, by brief id, for the feeds (set in on_config)."""
    _digest_settings: DigestSettings | None = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        """Keep briefs out of the nav (rendering it into thousands of pages is quadratic): the
        nav lists only the generated top-level pages, unless `mkdocs.yml` sets its own."""
        for option in ("briefs_per_page", "feed_size"):
            if self.config[option] < 1:
                raise PluginError(
                    f"mkdocs.yml: '{option}' must be at least 1, got {self.config[option]}"
                )
        problem = site_url_problem(config.site_url)
        if problem is not None:
            raise PluginError(problem)
        self._mkdocs = config
        self._themes = ()
        self._briefs = {}
        self._specs = {}
        self._feeds = ()
        self._sitemap_extra = ()
        self._bodies = {}
        self._digest_settings = None
        if config.nav is None:
            config.nav = [{title: src} for title, src in render_site.TOP_LEVEL]
        # A theme without mkdocs_theme.yml (`name: null`) builds only sitemap.xml by default.
        if any(os.path.isfile(os.path.join(folder, "404.html")) for folder in config.theme.dirs):
            config.theme.static_templates.add("404.html")
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files | None:
        """Read every brief once (a broken one is reported and left out), then add the
        generated pages and the digest web copies to the files MkDocs builds."""
        briefs = self._read_briefs(files)
        try:
            closed = issue_records.load_closed(self._project(config).issues_dir)
        except BriefgenError as error:
            raise PluginError(error.message) from None
        issues = [issue for issue in group.plan_issues(briefs, closed) if issue.briefs]
        registry, self._themes = self._load_analysis(config)
        web_copies = self._web_copies(issues)
        plan = render_site.plan_site(
            briefs,
            self._themes,
            issues,
            self.config.briefs_per_page,
            issue_pages=web_copies is None,
            search=self.config.search,
            feed_size=self.config.feed_size,
            registry=registry,
        )
        self._briefs = plan.briefs
        self._specs = {spec.src_uri: spec for spec in plan.pages}
        self._feeds = plan.feeds
        for spec in plan.pages:
            # Only the top-level pages are in the nav; the rest must not be reported as missing.
            level = InclusionLevel.INCLUDED if spec.in_nav else InclusionLevel.NOT_IN_NAV
            _add(files, File.generated(config, spec.src_uri, content="", inclusion=level))
        if web_copies is not None:
            self._sitemap_extra = tuple((issue.url, issue.date) for issue in issues)
        for issue_id, html in (web_copies or {}).items():
            # Bytes: written as is, the same file `briefgen digest` writes (no newline changes).
            content = html.encode("utf-8")
            _add(files, File.generated(config, f"issues/{issue_id}/index.html", content=content))
        return files

    def on_page_markdown(
        self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        """Pick the template and title of brief and generated pages; `update_date` (the sitemap
        `lastmod`) comes from the briefs, so rebuilding the same briefs gives the same files."""
        uri = page.file.src_uri
        if (brief := self._briefs.get(uri)) is not None:
            page.meta["template"] = "brief.html"
            page.meta["title"] = brief.title
            page.update_date = brief.added.isoformat()
        elif (spec := self._specs.get(uri)) is not None:
            page.meta["template"] = spec.template
            page.meta["title"] = render_site.clean_text(spec.title)
            if spec.updated is not None:
                page.update_date = spec.updated.isoformat()
        return markdown

    def on_page_content(
        self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        """Mark the Markdown output as HTML: it comes from escaped article text or from the
        editor's trusted Markdown, and the templates escape every other value.

        A brief's body is also sanitised (an editor's links get `rel="noopener noreferrer"`,
        nothing can run), its English section headings are marked as English on a page in
        another language, and it is kept for the feeds: rendered once, used twice."""
        brief = self._briefs.get(page.file.src_uri)
        if brief is not None:
            html = nh3.clean(render_site.clean_text(html), link_rel="noopener noreferrer")
            site_language = _site_language(config)
            if _primary(brief.language) not in {"", _primary(site_language)}:
                html = _SECTION_HEADING.sub(rf'<h2 lang="{site_language}">\1</h2>', html)
            self._bodies[brief.id] = html
        return Markup(html)  # noqa: S704 - see the docstring

    def on_env(
        self, env: jinja2.Environment, /, *, config: MkDocsConfig, files: Files
    ) -> jinja2.Environment | None:
        """Turn autoescaping on (MkDocs creates its environment without it), add the `date`
        (`13 Apr 2026`) and `isodate` (`2026-04-13`) filters and the `search_url` global."""
        env.autoescape = True
        env.filters["date"] = render_site.format_date
        env.filters["isodate"] = render_site.iso_date
        # The header links to the search page only when the site has one.
        env.globals["search_url"] = "search/" if self.config.search else None
        env.globals["sitemap_extra"] = self._sitemap_extra
        return env

    def on_page_context(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext | None:
        """Give `brief.html` its `brief`, and listing templates their spec's context."""
        extra = cast(MutableMapping[str, Any], context)
        extra["section"] = None
        uri = page.file.src_uri
        if (brief := self._briefs.get(uri)) is not None:
            extra["brief"] = brief
        elif (spec := self._specs.get(uri)) is not None:
            extra.update(spec.context)
        return context

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """Write the feeds, then index the brief pages for search (MkDocs has written them)."""
        site_dir = Path(config.site_dir)
        site = feeds.FeedSite(
            title=config.site_name,
            url=config.site_url or "",
            description=config.site_description,
            language=_site_language(config),
        )
        writer = feeds.FeedWriter(site, self._bodies)
        for spec in self._feeds:
            _write(site_dir / spec.atom_url, writer.atom(spec))
            _write(site_dir / spec.json_url, writer.json(spec))
        robots = site_dir / "robots.txt"
        if not robots.exists():
            _write(robots, f"User-agent: *\nAllow: /\nSitemap: {site.url}sitemap.xml\n")
        if not self.config.search or not self._briefs:
            return
        language = search.index_language(
            (brief.language for brief in self._briefs.values()), _site_language(config)
        )
        try:
            stats = search.build_index(site_dir, language)
        except search.SearchIndexError as error:
            raise PluginError(str(error)) from None
        log.info(
            "Search index: %d briefs, %d files, %.1f MB in %.2f s (language %s)",
            len(self._briefs),
            stats.files,
            stats.bytes / 1e6,
            stats.seconds,
            stats.language,
        )

    def _read_briefs(self, files: Files) -> list[Brief]:
        """Parse each brief file. Its body stays in the `File`, so MkDocs renders exactly what
        was parsed, without reading the disk or parsing the front matter again."""
        assert self._mkdocs is not None
        briefs = []
        for _path, relative in brief_files.iter_paths(Path(self._mkdocs.docs_dir)):
            file = files.get_file_from_path(relative)
            if file is None or file.inclusion in _UNPUBLISHED:
                continue  # excluded by `exclude_docs` or a draft: not published
            try:
                text = file.content_string
                brief = brief_files.parse(text, relative)
            except BriefFileError as error:
                problem = error.message
            except UnicodeDecodeError:
                problem = f"{relative}: is not UTF-8 text; save it as UTF-8"
            except (OSError, ValueError) as error:
                problem = f"{relative}: cannot be read ({type(error).__name__}: {error})"
            else:
                file.content_string = _markdown_body(text)
                file.inclusion = InclusionLevel.NOT_IN_NAV
                briefs.append(brief)
                continue
            log.warning("%s (left out of the site)", problem)
            files.remove(file)
        return briefs

    def _load_analysis(
        self, config: MkDocsConfig
    ) -> tuple[render_site.CompanyRegistry | None, tuple[Theme, ...]]:
        """The company registry and the taxonomy (defaults plus `companies`, `companies_file`
        and `themes` from mkdocs.yml), loaded once per build as the tag stage loads them: the
        canonical names, slugs, Chinese names and parents of companies, the titles of themes."""
        try:
            # Lazily; both, as `pipeline` may be loaded already when the tag stage is not.
            import briefgen.pipeline as pipeline
            import briefgen.tagging  # noqa: F401
        except ModuleNotFoundError as error:
            if error.name not in {"briefgen.tagging", "briefgen.pipeline"}:
                raise
            # No registry: companies keep the names the briefs give them; the themes listed
            # in mkdocs.yml still get their titles.
            themes = tuple(
                Theme(str(entry["id"]), str(entry.get("title") or entry["id"]))
                for entry in self.config.themes
                if entry.get("id")
            )
            return None, themes
        try:
            analysis = pipeline.Analysis.for_project(self._project(config))
        except BriefgenError as error:
            raise PluginError(error.message) from None
        return analysis.registry, analysis.themes

    def _web_copies(self, issues: list[Issue]) -> dict[str, str] | None:
        """The web copy of each issue, or None when there is no digest renderer to make them
        or its settings do not allow it (`briefgen serve` previews on http://127.0.0.1)."""
        try:
            return {issue.id: self._issue_web_copy(issue) for issue in issues}
        except ModuleNotFoundError as error:
            if error.name != "briefgen.render_digest":
                raise
            log.info("no digest renderer: issue pages at issues/<id>/ use the site theme")
            return None
        except BriefgenError as error:
            # `briefgen digest` and `briefgen build` report it; the site still builds.
            log.info("issue pages at issues/<id>/ use the site theme: %s", error.message)
            return None

    def _issue_web_copy(self, issue: Issue) -> str:
        """The HTML of the emailed digest for `issue`: its "View in browser" copy."""
        import briefgen.render_digest as render_digest  # lazily: only builds with issues need it

        if self._digest_settings is None:
            assert self._mkdocs is not None
            titles = {theme.id: theme.title for theme in self._themes}
            project = self._project(self._mkdocs)
            self._digest_settings = render_digest.settings_for(project, titles)
        return render_digest.web_copy(issue, self._digest_settings)

    def _project(self, config: MkDocsConfig) -> Project:
        return Project(
            root=Path(config.config_file_path).parent, mkdocs=config, options=self.config
        )


def _markdown_body(text: str) -> str:
    """The Markdown MkDocs would render from `text`: the front matter cut off as MkDocs cuts it
    (`mkdocs.utils.meta`). The page's meta comes from the parsed brief instead."""
    match = front_matter.YAML_RE.match(text)
    if match is None:
        return text
    body = text[match.end() :].lstrip("\n")
    # A body that itself looks like front matter would be taken for it: keep the whole text.
    return text if front_matter.YAML_RE.match(body) else body


def _site_language(config: MkDocsConfig) -> str:
    """The site's language: `theme.locale` in mkdocs.yml (`en` when unset)."""
    locale = config.theme.get("locale")
    return str(getattr(locale, "language", None) or "en")


def _primary(language: str | None) -> str:
    return (language or "").split("-")[0].lower()


def _write(path: Path, text: str) -> None:
    """Write generated text as UTF-8 with `\n` newlines on every platform."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def _add(files: Files, file: File) -> None:
    """Add a generated file; one the docs folder already has at that path is replaced."""
    existing = files.get_file_from_path(file.src_uri)
    if existing is not None:
        log.warning("%s in the docs folder is replaced by a generated page", file.src_uri)
        files.remove(existing)
    files.append(file)
