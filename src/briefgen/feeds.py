"""Render-site stage, feeds: Atom 1.0 and JSON Feed 1.1 documents built from the briefs.

Pure functions over brief views (no I/O): the MkDocs plugin writes their output. Dates come
from the briefs (the article's date, the date briefgen added it), never from files, so two
builds of the same briefs give the same bytes. Every value taken from an article is escaped:
XML text and attributes go through `_escape`, HTML content is built with markupsafe, and
characters XML 1.0 forbids are dropped from all text.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import nh3
from markupsafe import Markup

from briefgen.render_site import BriefView, FeedSpec, Link

ATOM_TYPE = "application/atom+xml"
JSON_FEED_TYPE = "application/feed+json"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
_ATOM_NS = "http://www.w3.org/2005/Atom"
# Not allowed in XML 1.0 (C0 controls but tab/LF/CR, surrogates, U+FFFE/U+FFFF), plus the C1
# controls and DEL, which XML allows but no reader shows: dropped from every text.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_NO_DATE = dt.date(1970, 1, 1)
_JSON_ESCAPES = (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"))
_BY = re.compile(r"^by\s+", re.IGNORECASE)  # the site shows "By Jane Doe"; an author is "Jane Doe"


def xml_text(value: str) -> str:
    """`value` without the characters XML 1.0 cannot carry (and invisible controls)."""
    return _NOT_XML.sub("", value)


def _escape(value: str) -> str:
    """XML-escape text for element content and double-quoted attributes."""
    text = xml_text(value)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;")


def _element(tag: str, text: str | None = None, /, **attributes: str | None) -> str:
    """`<tag a="...">text</tag>` (or `<tag .../>`), every value escaped; None values skipped."""
    attrs = "".join(
        f' {name}="{_escape(value)}"' for name, value in attributes.items() if value is not None
    )
    if text is None:
        return f"<{tag}{attrs}/>"
    return f"<{tag}{attrs}>{_escape(text)}</{tag}>"


def rfc3339(day: dt.date) -> str:
    """Midnight UTC of `day`: briefs carry dates, feeds need instants."""
    return f"{day.isoformat()}T00:00:00Z"


def absolute(site_url: str, path: str) -> str:
    """The absolute URL of a site-relative path (`site_url` ends with `/`)."""
    return site_url + path


def entry_id(site_url: str, brief_id: str, added: dt.date) -> str:
    """A stable RFC 4151 tag URI for a brief, e.g. `tag:briefs.example.com,2026-11-21:3f9c2a1b`:
    the site's host, the day the brief was added, its id. Page URLs may change; this does not."""
    host = urlsplit(site_url).hostname or "localhost"
    return f"tag:{host},{added.isoformat()}:{brief_id}"


def escaped_body(summary: str, why_it_matters: str, takeaways: Iterable[str]) -> Markup:
    """A brief's body as HTML from its plain-text fields (for when no rendered page exists)."""
    parts = [Markup("<p>{}</p>").format(summary)]
    if why_it_matters:
        parts.append(Markup("<h2>Why it matters</h2>\n<p>{}</p>").format(why_it_matters))
    items = [Markup("<li>{}</li>").format(item) for item in takeaways]
    if items:
        parts.append(Markup("<h2>Key takeaways</h2>\n<ul>\n{}\n</ul>").format(
            Markup("\n").join(items)
        ))  # fmt: skip
    return Markup("\n").join(parts)


@dataclass(frozen=True)
class FeedSite:
    """What every feed of a site says about the site itself."""

    title: str
    url: str
    """Absolute `site_url`, ending with `/`."""
    description: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Entry:
    """One brief as a feed entry: absolute URLs, plain text and its full content as HTML."""

    id: str
    url: str
    title: str
    summary: str
    content_html: str
    published: dt.date
    updated: dt.date
    language: str | None
    byline: str | None
    source_url: str | None
    tags: tuple[str, ...]


def content_html(view: BriefView, body_html: str, site_url: str) -> Markup:
    """The full content of a brief for feed readers: its rendered body (sanitised again, with
    relative links made absolute), its companies and themes as links, and its source."""
    page = absolute(site_url, view.url)
    body = nh3.clean(
        xml_text(body_html),
        url_relative=("rewrite_with_base", page),
        link_rel="noopener noreferrer",
    )
    parts = [Markup(body)]  # noqa: S704 - sanitised by nh3 just above

    def links(label: str, items: tuple[Link, ...]) -> Markup:
        joined = Markup(", ").join(
            Markup('<a href="{}">{}</a>').format(absolute(site_url, item.url), item.title)
            for item in items
        )
        return Markup("<p>{}: {}</p>").format(label, joined)

    if view.companies:
        parts.append(links("Companies", view.companies))
    if view.themes:
        parts.append(links("Themes", view.themes))
    source = view.source
    if source.url is not None:
        parts.append(
            Markup('<p>Source: <a href="{}" rel="noopener noreferrer">{}</a></p>').format(
                source.url, source.name or source.domain
            )
        )
    elif source.name:
        parts.append(Markup("<p>Source: {}</p>").format(source.name))
    return Markup(xml_text(str(Markup("\n").join(parts))))  # noqa: S704 - escaped parts


@dataclass
class FeedWriter:
    """Builds the feeds of one site. Each brief becomes an entry once and its serialised forms
    are reused by every feed it appears in (site, companies, themes)."""

    site: FeedSite
    bodies: Mapping[str, str] = field(default_factory=dict)
    """Rendered body HTML of each brief page, by brief id (rendered once, by MkDocs)."""
    _entries: dict[str, Entry] = field(default_factory=dict, init=False, repr=False)
    _atom: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _json: dict[str, dict[str, object]] = field(default_factory=dict, init=False, repr=False)

    def entry(self, view: BriefView) -> Entry:
        """The feed entry of a brief (computed once)."""
        found = self._entries.get(view.id)
        if found is not None:
            return found
        body = self.bodies.get(view.id)
        if body is None:
            body = str(Markup("<p>{}</p>").format(view.summary))
        tags = tuple(link.title for link in (*view.companies, *view.themes))
        made = Entry(
            id=entry_id(self.site.url, view.id, view.added),
            url=absolute(self.site.url, view.url),
            title=view.title,
            summary=view.summary,
            content_html=str(content_html(view, body, self.site.url)),
            published=view.date,
            updated=max(view.date, view.added),
            language=view.language,
            byline=_BY.sub("", view.byline) if view.byline else None,
            source_url=view.source.url,
            tags=tags,
        )
        self._entries[view.id] = made
        return made

    def title(self, spec: FeedSpec) -> str:
        return self.site.title if spec.title is None else f"{spec.title} · {self.site.title}"

    def atom(self, spec: FeedSpec) -> str:
        """The Atom 1.0 document of a feed."""
        entries = [self._atom_entry(view) for view in spec.briefs]
        updated = max((self.entry(view).updated for view in spec.briefs), default=_NO_DATE)
        page = absolute(self.site.url, spec.folder)
        head = [
            _element("id", page),
            _element("title", self.title(spec), type="text"),
        ]
        if self.site.description and spec.title is None:
            head.append(_element("subtitle", self.site.description, type="text"))
        head += [
            _element(
                "link", rel="self", type=ATOM_TYPE, href=absolute(self.site.url, spec.atom_url)
            ),
            _element("link", rel="alternate", type="text/html", href=page),
            _element("updated", rfc3339(updated)),
            f"<author>{_element('name', self.site.title)}{_element('uri', self.site.url)}</author>",
            _element("generator", "briefgen"),
        ]
        language = spec.lang or self.site.language
        opening = f'<feed xmlns="{_ATOM_NS}"' + (
            f' xml:lang="{_escape(language)}">' if language else ">"
        )
        lines = ['<?xml version="1.0" encoding="utf-8"?>', opening, *head, *entries, "</feed>"]
        return "\n".join(lines) + "\n"

    def json(self, spec: FeedSpec) -> str:
        """The JSON Feed 1.1 document of a feed."""
        feed: dict[str, object] = {
            "version": JSON_FEED_VERSION,
            "title": xml_text(self.title(spec)),
            "home_page_url": absolute(self.site.url, spec.folder),
            "feed_url": absolute(self.site.url, spec.json_url),
        }
        if self.site.description and spec.title is None:
            feed["description"] = xml_text(self.site.description)
        if spec.lang or self.site.language:
            feed["language"] = spec.lang or self.site.language
        feed["authors"] = [{"name": xml_text(self.site.title), "url": self.site.url}]
        feed["items"] = [self._json_item(view) for view in spec.briefs]
        text = json.dumps(feed, ensure_ascii=False, separators=(",", ":"))
        # The same strings, with no raw <, > or & anywhere: safe even where a reader treats a
        # title as HTML or a page embeds the JSON (these characters occur only inside strings).
        for char, escaped in _JSON_ESCAPES:
            text = text.replace(char, escaped)
        return text + "\n"

    def _atom_entry(self, view: BriefView) -> str:
        found = self._atom.get(view.id)
        if found is not None:
            return found
        entry = self.entry(view)
        lines = [
            _element("id", entry.id),
            _element("title", entry.title, type="text"),
            _element("link", rel="alternate", type="text/html", href=entry.url),
        ]
        if entry.source_url is not None:
            lines.append(_element("link", rel="related", type="text/html", href=entry.source_url))
        lines += [
            _element("published", rfc3339(entry.published)),
            _element("updated", rfc3339(entry.updated)),
        ]
        if entry.byline:
            lines.append(f"<author>{_element('name', entry.byline)}</author>")
        lines += [_element("category", term=tag) for tag in entry.tags]
        lines += [
            _element("summary", entry.summary, type="text"),
            _element("content", entry.content_html, type="html"),
        ]
        lang = f' xml:lang="{_escape(entry.language)}"' if entry.language else ""
        text = f"<entry{lang}>\n" + "\n".join(lines) + "\n</entry>"
        self._atom[view.id] = text
        return text

    def _json_item(self, view: BriefView) -> dict[str, object]:
        found = self._json.get(view.id)
        if found is not None:
            return found
        entry = self.entry(view)
        item: dict[str, object] = {
            "id": entry.id,
            "url": entry.url,
        }
        if entry.source_url is not None:
            item["external_url"] = entry.source_url
        item |= {
            "title": xml_text(entry.title),
            "summary": xml_text(entry.summary),
            "content_html": entry.content_html,
            "date_published": rfc3339(entry.published),
            "date_modified": rfc3339(entry.updated),
        }
        if entry.byline:
            item["authors"] = [{"name": xml_text(entry.byline)}]
        if entry.tags:
            item["tags"] = [xml_text(tag) for tag in entry.tags]
        if entry.language:
            item["language"] = entry.language
        self._json[view.id] = item
        return item
