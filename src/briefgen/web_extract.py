"""Ingest stage for web pages: an HTML page's main text and metadata (trafilatura) as an Article."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import py3langid  # type: ignore[import-untyped]
import trafilatura

from briefgen.errors import IngestError
from briefgen.fetch import decode_body, is_web_url
from briefgen.models import Article, Source
from briefgen.text import count_words

MIN_WORDS = 40
"""Fewer words than this (two CJK characters count as one) is a stub, not an article."""
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_META_CHARS = 200
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
DATE_WINDOW = 8
"""Text nodes after the headline searched for a printed date."""

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_MONTH_NAME = r"(?P<month>(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*)\.?"
_TEXT_DATES = (
    re.compile(r"(?P<year>20\d\d|19\d\d)\s*年\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日"),
    re.compile(r"(?<!\d)(?P<year>20\d\d|19\d\d)([-/.])(?P<month>\d{1,2})\2(?P<day>\d{1,2})(?!\d)"),
    re.compile(rf"\b{_MONTH_NAME}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})\b"),
    re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH_NAME},?\s+(?P<year>\d{{4}})\b"),
)

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_LETTER = re.compile(r"[^\W\d_]")
_LANG_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b\u2060\ufeff]")
_SPACES = re.compile(r"[ \t\xa0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
# trafilatura's block elements (its XML vocabulary) and <lb/> for <br>: each starts a line.
_BREAKS = frozenset({"p", "head", "item", "list", "quote", "row", "table", "code", "lb", "div"})
_SOURCE_BREAK = "\x00"
_CJK_CHARS = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_SOURCE_BREAK_CJK = re.compile(f"(?<=[{_CJK_CHARS}])[ \t]*\x00[\\s\x00]*(?=[{_CJK_CHARS}])")
_TITLE_SEPARATOR = re.compile(r"\s+[|｜–—-]\s+|_|\s*｜\s*")
# Lines that extractors keep although no reader counts them as the article: editor credits,
# wire-copy end marks, reading times and newsletter prompts. Whole-line matches only.
_FURNITURE = re.compile(
    r"[（(]?(?:责任编辑|编辑|责编|校对|审核|來源|来源)\s*[:：].{0,40}[）)]?"
    r"|[（(]完[）)]|\d+\s*min(?:ute)?s?\s+read"
    r"|(?:newsletter\s*)?(?:sign up|subscribe)\b.{0,120}"
    r"|subscribe to (?:continue|keep) reading.*|already a subscriber\?.*"
    r"|(?:订阅|付费)后?(?:阅读|查看)全文.*|本文(?:为|系)付费内容.*",
    re.IGNORECASE,
)
_PAYWALL_CUES = re.compile(
    r"subscribe to (?:continue|keep) reading|subscribers only|for subscribers"
    r"|(?:订阅|付费)后?(?:阅读|查看)全文|会员专享|付費閱讀",
    re.IGNORECASE,
)


class ExtractError(IngestError):
    """A page yielded no article text. `kind` is "paywall" or "no-text"."""

    def __init__(self, where: str, reason: str, kind: str):
        super().__init__(where, reason)
        self.kind = kind


@dataclass(frozen=True)
class Hints:
    """What a feed said about an item: used where the page itself is silent."""

    title: str | None = None
    published: dt.date | None = None
    outlet: str | None = None
    author: str | None = None


# --- public API --------------------------------------------------------------------------------


def extract(
    html: str, url: str | None = None, file: str | None = None, *, hints: Hints | None = None
) -> Article:
    """The article in an HTML page: main text without page furniture, plus title, date, outlet,
    author, canonical URL and language. Every field is plain text.

    `url` is where the page was fetched from (relative links and the fallback canonical URL),
    `file` the saved file it came from (for `Source.file` and messages). Raises ExtractError
    for pages with no article text (paywall stubs, empty or furniture-only pages).
    """
    where = url or file or "<page>"
    hints = hints or Hints()
    meta = read_meta(html)
    document = _trafilatura(html, url)
    title = _title(document, meta, hints)
    paragraphs = _paragraphs(body_text(document), title)
    _require_text(where, paragraphs, meta, html)
    canonical = _canonical_url(document, meta, url)
    return Article(
        id=article_id(title, paragraphs),
        title=title or _derive_title(paragraphs),
        paragraphs=tuple(paragraphs),
        source=Source(name=_outlet(document, meta, hints, canonical), url=canonical, file=file),
        published=_date(document, meta, title) or hints.published,
        byline=_author(document, meta, hints),
        language=detect_language(" ".join([title or "", *paragraphs]), meta.language),
    )


def extract_file(path: Path, display: str | None = None) -> Article:
    """`extract` for a saved HTML file; `display` is what `Source.file` and errors show."""
    shown = display if display is not None else str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise IngestError(shown, "file is larger than 20 MB", "keep only the article's page")
        data = path.read_bytes()
    except OSError as error:
        raise IngestError(shown, f"cannot read: {error.strerror}", "check the path") from None
    if not data.strip():
        raise IngestError(shown, "empty file", "save the article's page into it or delete it")
    if data.startswith(_UTF16_BOMS):
        raise IngestError(shown, "cannot decode: UTF-16 is not supported", "save it as UTF-8")
    if b"\x00" in data[:8192]:
        raise IngestError(shown, "binary file, not HTML", "save the article's page as HTML")
    return extract(decode_body(data, where=shown), None, shown)


def article_id(title: str | None, paragraphs: list[str] | tuple[str, ...]) -> str:
    """8 hex of the sha256 of the normalised extracted text (title and body).

    The same rule as `ingest._source_id` (NFC, whitespace runs as one space), applied to the
    extracted text rather than the raw page, whose markup changes from fetch to fetch.
    """
    text = "\n\n".join([title or "", *paragraphs])
    normalised = " ".join(unicodedata.normalize("NFC", text).split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:8]


def detect_language(text: str, declared: str | None = None) -> str:
    """A BCP 47 tag for the text: its script first (zh, zh-Hant, ja, ko), then the page's own
    declaration, then a statistical guess (py3langid) for other languages."""
    letters = len(_LETTER.findall(text)) or 1
    han = len(_CJK.findall(text))
    if len(_KANA.findall(text)) > 0.05 * letters:
        return "ja"
    if len(_HANGUL.findall(text)) > 0.2 * letters:
        return "ko"
    if han > 0.3 * letters:
        return "zh-Hant" if _is_traditional(text, declared) else "zh"
    primary = re.split(r"[-_]", declared or "")[0].lower()
    if primary.isalpha() and len(primary) in (2, 3) and primary not in ("zh", "ja", "ko"):
        return primary  # the page's own word, when its script does not contradict it
    return _guess_language(text)


# --- page metadata -----------------------------------------------------------------------------


@dataclass
class PageMeta:
    """What the page's markup says about it (meta tags, link rel, JSON-LD, `<html lang>`)."""

    language: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    canonical: str | None = None
    json_ld: list[dict[str, Any]] = field(default_factory=list)
    title: str | None = None
    visible: list[str] = field(default_factory=list)
    """Text outside `<head>`, scripts and styles, for dates printed near the headline."""

    def get(self, *names: str) -> str | None:
        for name in names:
            value = self.meta.get(name)
            if value:
                return value
        return None

    def articles(self) -> Iterator[dict[str, Any]]:
        """JSON-LD objects of article types, `@graph` members included."""
        for item in self.json_ld:
            graph = item.get("@graph")
            for node in graph if isinstance(graph, list) else [item]:
                kinds = node.get("@type") if isinstance(node, dict) else None
                names = kinds if isinstance(kinds, list) else [kinds]
                if any(isinstance(n, str) and n.endswith("Article") for n in names):
                    yield node

    @property
    def free(self) -> bool:
        """False when JSON-LD marks the article as not freely accessible (a paywall)."""
        for node in self.articles():
            if str(node.get("isAccessibleForFree", "true")).lower() in ("false", "0"):
                return False
        return True


def read_meta(html: str) -> PageMeta:
    """Parse the metadata of a page; malformed markup and JSON are skipped, never fatal."""
    parser = _MetaParser()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):
        pass  # html.parser gives up on some broken markup: keep what was read
    return parser.result


_INVISIBLE_TAGS = frozenset({"head", "script", "style", "noscript", "template", "title"})


class _MetaParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.result = PageMeta()
        self._script: list[str] | None = None
        self._in_title = False
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "").strip() for k, v in attrs}
        if tag == "html" and values.get("lang"):
            self.result.language = values["lang"]
        elif tag == "meta":
            self._meta(values)
        elif tag == "link" and "canonical" in values.get("rel", "").lower().split():
            self.result.canonical = self.result.canonical or values.get("href") or None
        elif tag == "script" and values.get("type", "").lower() == "application/ld+json":
            self._script = []
        elif tag == "title" and self.result.title is None:
            self._in_title = True
        if tag in _INVISIBLE_TAGS:
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self._json_ld("".join(self._script))
            self._script = None
        elif tag == "title":
            self._in_title = False
        if tag in _INVISIBLE_TAGS:
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)
        elif self._in_title:
            self.result.title = (self.result.title or "") + data
        elif not self._hidden and data.strip():
            self.result.visible.append(data.strip())

    def _meta(self, values: dict[str, str]) -> None:
        name = values.get("property") or values.get("name") or values.get("http-equiv") or ""
        content = values.get("content", "")
        if name and content:
            self.result.meta.setdefault(name.lower(), content[:1000])
        if name.lower() == "content-language" and not self.result.language:
            self.result.language = content.split(",")[0].strip()

    def _json_ld(self, text: str) -> None:
        try:
            data = json.loads(text)
        except ValueError:
            return
        items = data if isinstance(data, list) else [data]
        self.result.json_ld.extend(item for item in items if isinstance(item, dict))


# --- trafilatura -------------------------------------------------------------------------------


def _trafilatura(html: str, url: str | None) -> Any:
    # Precision mode: on the saved pages it keeps every article line and drops promos that the
    # default and recall modes let through (benchmarks/extraction_quality.py).
    try:
        return trafilatura.bare_extraction(
            html,
            url=url,
            favor_precision=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            with_metadata=True,
            deduplicate=False,
            # The extensive search guesses from any number on the page (a bare year becomes
            # January 1st); dates in the text are looked for near the headline instead.
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except (ValueError, TypeError, RecursionError):
        return None  # lxml rejects some broken markup; the page then has no text


def body_text(document: Any) -> str:
    """The extracted body, one block (paragraph, heading, list item, row) per line.

    Built from trafilatura's element tree rather than its text output, which keeps the line
    breaks of the HTML source inside paragraphs. A source line break between two CJK characters
    joins them; elsewhere it is a space. `<br>` starts a new line.
    """
    body = getattr(document, "body", None)
    if body is None:
        return str(getattr(document, "text", None) or "")
    parts: list[str] = []
    _walk(body, parts)
    text = _SOURCE_BREAK_CJK.sub("", "".join(parts))
    return text.replace(_SOURCE_BREAK, " ")


def _walk(element: Any, parts: list[str]) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _BREAKS:
        parts.append("\n" + ("- " if tag == "item" else ""))
    elif tag == "cell":
        parts.append(" | ")
    if tag and element.text:
        parts.append(element.text.replace("\n", _SOURCE_BREAK))
    for child in element:
        _walk(child, parts)
    if tag in _BREAKS:
        parts.append("\n")
    if element.tail:
        parts.append(element.tail.replace("\n", _SOURCE_BREAK))


def _field(document: Any, name: str) -> str | None:
    value = getattr(document, name, None) if document is not None else None
    return _plain(value) if isinstance(value, str) and value.strip() else None


# --- the parts of the article ------------------------------------------------------------------


def _plain(text: str) -> str:
    """One line of plain text: NFC, no control or zero-width characters, single spaces."""
    text = _CONTROL.sub("", unicodedata.normalize("NFC", text))
    return _SPACES.sub(" ", text).strip()


def _paragraphs(text: str, title: str | None) -> list[str]:
    lines = [_plain(line) for line in text.splitlines()]
    title_key = _key(title or "")
    kept: list[str] = []
    for line in lines:
        if not line or _FURNITURE.fullmatch(line) or _key(line) == title_key:
            continue
        if kept and _key(kept[-1]) == _key(line):
            continue
        kept.append(line)
    return kept


def _key(text: str) -> str:
    return "".join(text.casefold().split())


def _require_text(where: str, paragraphs: list[str], meta: PageMeta, html: str) -> None:
    words = count_words(" ".join(paragraphs))
    if words >= MIN_WORDS:
        return
    if not meta.free or _PAYWALL_CUES.search(html):
        raise ExtractError(where, f"paywalled: only {words} words are free to read", "paywall")
    raise ExtractError(where, f"no article text found ({words} words)", "no-text")


def _title(document: Any, meta: PageMeta, hints: Hints) -> str | None:
    for node in meta.articles():
        headline = node.get("headline")
        if isinstance(headline, str) and headline.strip():
            return _plain(headline)[:MAX_META_CHARS]
    title = _field(document, "title") or hints.title or meta.get("og:title")
    return title[:MAX_META_CHARS] if title else None


def _derive_title(paragraphs: list[str]) -> str:
    first = paragraphs[0]
    return first if len(first) <= 80 else first[:79].rstrip() + "…"


def _date(document: Any, meta: PageMeta, title: str | None) -> dt.date | None:
    """JSON-LD datePublished, else what htmldate finds in the markup and URL, else the first
    date printed within a few lines after the headline."""
    for node in meta.articles():
        found = _parse_date(node.get("datePublished"))
        if found is not None:
            return found
    return _parse_date(_field(document, "date")) or _date_near(meta.visible, title)


def _date_near(visible: list[str], title: str | None) -> dt.date | None:
    start = next((i for i, text in enumerate(visible) if title and _plain(text) == title), None)
    window = " ".join(visible[start : start + DATE_WINDOW] if start is not None else [])
    for pattern in _TEXT_DATES:
        for match in pattern.finditer(window):
            found = _to_date(match["year"], match["month"], match["day"])
            if found is not None:
                return found
    return None


def _to_date(year: str, month: str, day: str) -> dt.date | None:
    number = _MONTHS.get(month[:3].lower()) if month[:1].isalpha() else int(month)
    try:
        return dt.date(int(year), number or 0, int(day))
    except ValueError:
        return None


def _parse_date(value: object) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _canonical_url(document: Any, meta: PageMeta, url: str | None) -> str | None:
    """rel=canonical, og:url or the JSON-LD page id (made absolute), else the fetched URL."""
    candidates = [meta.canonical, meta.get("og:url"), _json_ld_page(meta), _field(document, "url")]
    for candidate in candidates:
        if candidate:
            absolute = urljoin(url, candidate) if url else candidate
            if is_web_url(absolute):
                return absolute
    return url if url and is_web_url(url) else None


def _json_ld_page(meta: PageMeta) -> str | None:
    for node in meta.articles():
        page = node.get("mainEntityOfPage")
        value = page.get("@id") if isinstance(page, dict) else page
        if isinstance(value, str):
            return value
        if isinstance(node.get("url"), str):
            return str(node["url"])
    return None


def _outlet(document: Any, meta: PageMeta, hints: Hints, canonical: str | None) -> str | None:
    """og:site_name or the JSON-LD publisher, else the feed's name, a source meta tag, the
    title's suffix ("Headline | Outlet"), and last the host name."""
    for node in meta.articles():
        publisher = node.get("publisher")
        name = publisher.get("name") if isinstance(publisher, dict) else None
        if isinstance(name, str) and name.strip():
            return _plain(name)[:MAX_META_CHARS]
    sitename = _field(document, "sitename")
    if sitename and not _is_host(sitename):
        return sitename[:MAX_META_CHARS]
    named = hints.outlet or meta.get("og:site_name", "source", "application-name")
    named = named or _title_suffix(meta.title, document)
    if named:
        return _plain(named)[:MAX_META_CHARS]
    host = urlsplit(canonical).hostname if canonical else sitename
    return host.removeprefix("www.") if host else None


def _is_host(name: str) -> bool:
    return " " not in name and "." in name and not _CJK.search(name)


def _title_suffix(page_title: str | None, document: Any) -> str | None:
    """ "Headline_Channel_Outlet" or "Headline | Outlet": the last part, when it is short."""
    headline = _field(document, "title")
    if not page_title or not headline:
        return None
    rest = _plain(page_title).replace(headline, "", 1)
    parts = [part.strip() for part in _TITLE_SEPARATOR.split(rest) if part.strip()]
    if parts and len(parts[-1]) <= 30 and parts[-1] != _plain(page_title):
        return parts[-1]
    return None


def _author(document: Any, meta: PageMeta, hints: Hints) -> str | None:
    author = _field(document, "author") or hints.author
    if author is None:
        candidate = meta.get("author", "article:author")
        author = candidate if candidate and not is_web_url(candidate) else None
    if author is None:
        return None
    outlet = _key(meta.get("og:site_name") or _field(document, "sitename") or "")
    names = [n.strip() for n in author.split(";") if n.strip() and _key(n) != outlet]
    return ", ".join(names)[:MAX_META_CHARS] or None


# --- language ----------------------------------------------------------------------------------


def _is_traditional(text: str, declared: str | None) -> bool:
    """Traditional Chinese: declared so (zh-Hant, zh-TW, zh-HK), or many of its characters are
    outside GB2312, the simplified set."""
    if declared:
        tag = declared.lower().replace("_", "-")
        if tag.startswith(("zh-hant", "zh-tw", "zh-hk", "zh-mo")):
            return True
        if tag.startswith(("zh-hans", "zh-cn", "zh-sg")):
            return False
    han = _CJK.findall(text)
    outside = sum(1 for char in han if not _in_gb2312(char))
    return outside > 0.15 * len(han)


@functools.lru_cache(maxsize=65536)
def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _guess_language(text: str) -> str:
    if count_words(text) < 5:
        return "en"
    language, _score = py3langid.classify(text[:5000])
    return str(language) if _LANG_TAG.fullmatch(str(language)) else "en"
