"""Render-site stage, MkDocs side: the `briefgen` plugin adds the generated pages to a build."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping, MutableMapping
from concurrent.futures import Executor, Future
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
from briefgen.site_cache import Digester, SiteCache, render_fingerprint

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

    With a `site_cache` (set by `briefgen build`, which then runs MkDocs with `dirty=True`),
    every page, feed, web copy and search index gets a key from exactly what it shows; those
    whose key is the same as in the previous build are not rendered but linked from the
    previous site (`SiteCache`).
    """

    site_cache: SiteCache | None = None
    """Set before the build to reuse the previous build's outputs (see above)."""
    background: Executor | None = None
    """Set before the build to render the digest's web copies in another process."""

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
    _render_key: str = ""
    """What every page depends on besides its own content (code, config, templates)."""
    _digester: Digester
    _page_keys: dict[str, str]
    """The key of each brief page, by brief id."""
    _kept: dict[str, File]
    """Pages the previous build rendered from the same key, by `src_uri`: not rendered."""
    _pending: dict[str, Future[str]]
    """Web copies being rendered in the background, by issue id."""

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
        self._render_key = ""
        self._digester = Digester()
        self._page_keys = {}
        self._kept = {}
        self._pending = {}
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
        cache = self.site_cache
        if cache is not None:
            if not self._render_key:
                self._render_key = self._render_fingerprint(config)
            self._key_brief_pages(files, briefs, cache)
        for spec in plan.pages:
            # Only the top-level pages are in the nav; the rest must not be reported as missing.
            level = InclusionLevel.INCLUDED if spec.in_nav else InclusionLevel.NOT_IN_NAV
            file = File.generated(config, spec.src_uri, content="", inclusion=level)
            _add(files, file)
            if cache is not None:
                key = self._key("page", spec.src_uri, spec.template, spec.title, spec.updated)
                if cache.reuse(file.dest_uri, self._digester.of(key, spec.context)):
                    self._keep(file)
        if web_copies is not None:
            self._sitemap_extra = tuple((issue.url, issue.date) for issue in issues)
        for issue_id, html in (web_copies or {}).items():
            if html is None:
                continue  # kept from the previous build
            # Bytes: written as is, the same file `briefgen digest` writes (no newline changes).
            content = html.encode("utf-8")
            _add(files, File.generated(config, f"issues/{issue_id}/index.html", content=content))
        return files

    def on_nav(
        self, nav: Navigation, /, *, config: MkDocsConfig, files: Files
    ) -> Navigation | None:
        """Give the pages that are not rendered again their title, template and date, as
        `on_page_markdown` gives the others: the sitemap lists them all."""
        for file in self._kept.values():
            page = file.page if file.page is not None else Page(None, file, config)
            self._describe(page)
        return nav

    def on_page_markdown(
        self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        """Pick the template and title of brief and generated pages; `update_date` (the sitemap
        `lastmod`) comes from the briefs, so rebuilding the same briefs gives the same files."""
        self._describe(page)
        return markdown

    def _describe(self, page: Page) -> None:
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
            if self.site_cache is not None:
                self.site_cache.remember_body(brief.id, self._page_keys[brief.id], html)
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
        for issue_id, job in sorted(self._pending.items()):
            # The same bytes MkDocs writes for a generated file's content (see on_files).
            target = site_dir / "issues" / issue_id / "index.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(job.result().encode("utf-8"))
        cache = self.site_cache
        if cache is not None:
            # The pages kept from the previous build, before anything reads the site.
            log.debug("Kept %d files of the previous build", cache.fill(site_dir))
        site = feeds.FeedSite(
            title=config.site_name,
            url=config.site_url or "",
            description=config.site_description,
            language=_site_language(config),
        )
        writer = feeds.FeedWriter(site, self._bodies)
        for spec in self._feeds:
            if cache is not None:
                members = tuple(self._page_keys.get(view.id, "") for view in spec.briefs)
                key = self._digester.of(self._key("feed"), spec, members)
                kept_atom = cache.reuse(spec.atom_url, key)
                kept_json = cache.reuse(spec.json_url, key)
            else:
                kept_atom = kept_json = False
            if not kept_atom:
                _write(site_dir / spec.atom_url, writer.atom(spec))
            if not kept_json:
                _write(site_dir / spec.json_url, writer.json(spec))
        robots = site_dir / "robots.txt"
        if not robots.exists():
            _write(robots, f"User-agent: *\nAllow: /\nSitemap: {site.url}sitemap.xml\n")
        if self.config.search and self._briefs:
            self._index(site_dir, _site_language(config))
        if cache is not None:
            cache.fill(site_dir)

    def _index(self, site_dir: Path, site_language: str) -> None:
        """Index the brief pages for search, unless none of them changed since the previous
        build (then its index is kept). One index for the whole site: Pagefind matches all
        the words of a query within an index, and falls back to looser matches in an index
        where that finds nothing, so indexes merged in the browser (say, one per month) would
        answer "华为" with pages that only hold "为"."""
        language = search.index_language(
            (brief.language for brief in self._briefs.values()), site_language
        )
        cache = self.site_cache
        if cache is not None:
            pages = sorted(
                (view.url, self._page_keys.get(view.id, "")) for view in self._briefs.values()
            )
            key = self._digester.of(self._key("search", language), pages)
            if cache.reuse_folder(f"{search.BUNDLE}/", key):
                log.info("Search index: kept (no brief page changed)")
                return
            cache.fill(site_dir)  # every brief page in place before Pagefind reads them
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

    def _render_fingerprint(self, config: MkDocsConfig) -> str:
        folders = [Path(folder) for folder in config.theme.dirs]
        folders.append(self._project(config).email_templates)
        return render_fingerprint(Path(config.config_file_path), folders)

    def _key(self, *parts: object) -> str:
        return self._digester.of(self._render_key, *parts)

    def _key_brief_pages(self, files: Files, briefs: list[Brief], cache: SiteCache) -> None:
        """Key each brief page by its view and body; keep the unchanged ones (with the body
        the previous build rendered, for the feeds). A page edited by hand is always rendered:
        its Markdown may link to other pages."""
        edited = {brief.path for brief in briefs if brief.edited}
        for uri, view in self._briefs.items():
            file = files.get_file_from_path(uri)
            if file is None:
                continue
            key = self._digester.of(self._key("brief", uri), view, file.content_string)
            self._page_keys[view.id] = key
            body = cache.body(view.id, key) if uri not in edited else None
            if body is not None and cache.reuse(file.dest_uri, key):
                self._bodies[view.id] = body
                self._keep(file)
            else:
                cache.keys[file.dest_uri] = key

    def _keep(self, file: File) -> None:
        """Leave `file` out of this build's rendering (MkDocs asks `is_modified` when dirty)."""
        file.is_modified = _unmodified  # type: ignore[method-assign]
        self._kept[file.src_uri] = file

    def _read_briefs(self, files: Files) -> list[Brief]:
        """Parse each brief file. Its body stays in the `File`, so MkDocs renders exactly what
        was parsed, without reading the disk or parsing the front matter again."""
        assert self._mkdocs is not None
        briefs = []
        for path, relative in brief_files.iter_paths(Path(self._mkdocs.docs_dir)):
            file = files.get_file_from_path(relative)
            if file is None or file.inclusion in _UNPUBLISHED:
                continue  # excluded by `exclude_docs` or a draft: not published
            try:
                text = file.content_string
                # The parse cache: `briefgen build` has read every brief before MkDocs runs.
                brief = brief_files.load(path, relative)
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

    def _web_copies(self, issues: list[Issue]) -> dict[str, str | None] | None:
        """The web copy of each issue (None for one kept from the previous build), or None
        when there is no digest renderer to make them or its settings do not allow it
        (`briefgen serve` previews on http://127.0.0.1)."""
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

    def _issue_web_copy(self, issue: Issue) -> str | None:
        """The HTML of the emailed digest for `issue`: its "View in browser" copy; None when
        the previous build's copy is kept."""
        import briefgen.render_digest as render_digest  # lazily: only builds with issues need it

        if self._digest_settings is None:
            assert self._mkdocs is not None
            titles = {theme.id: theme.title for theme in self._themes}
            project = self._project(self._mkdocs)
            self._digest_settings = render_digest.settings_for(project, titles)
        if self.site_cache is not None:
            assert self._mkdocs is not None
            if not self._render_key:
                self._render_key = self._render_fingerprint(self._mkdocs)
            key = self._digester.of(self._key("issue"), issue, self._digest_settings)
            if self.site_cache.reuse(f"issues/{issue.id}/index.html", key):
                return None
        if self.background is not None:
            # Rendered on the other core while MkDocs renders the pages; written at the end.
            job = self.background.submit(render_digest.web_copy, issue, self._digest_settings)
            self._pending[issue.id] = job
            return None
        return render_digest.web_copy(issue, self._digest_settings)

    def _project(self, config: MkDocsConfig) -> Project:
        return Project(
            root=Path(config.config_file_path).parent, mkdocs=config, options=self.config
        )


def _unmodified() -> bool:
    return False


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
