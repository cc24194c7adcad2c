"""Ingest stage: read article files pasted from web pages and turn them into `Article` records."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from briefgen.errors import IngestError
from briefgen.models import Article, Source
from briefgen.text import strip_dateline

SUPPORTED_SUFFIXES = (".txt", ".md", ".text", ".html", ".htm")
SEED_LISTS = frozenset({"urls.txt", "feeds.txt"})
MAX_FILE_BYTES = 20 * 1024 * 1024
HEADER_LINES = 8
"""Dates, bylines and outlets are looked for only in this many first non-blank lines."""

_HTML_SUFFIXES = (".html", ".htm")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\f\v\x1b")
_DECODE_FIX = "save the file as UTF-8"

# --- character classes ------------------------------------------------------------------------

_CJK_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK = re.compile(f"[{_CJK_RANGES}]")
_CJK_RUN = re.compile(f"[{_CJK_RANGES}]+")
_CJK_PUNCT = "，。、；：！？「」『』（）《》【】“”‘’"
_TERMINAL = ".!?。！？…"
_CLOSERS = "\"'”’」』)）]】"
_ODD_SPACES = re.compile(r"[\t\xa0\u1680\u2000-\u200a\u202f\u205f\u3000]")
# Invisible characters pasted along with web text; ZWJ/ZWNJ are kept (they shape some scripts).
_INVISIBLE = re.compile(r"[\u200b\u2060\ufeff\u00ad]")
_SPACE_RUN = re.compile(r" {2,}")
_WHITESPACE = re.compile(r"\s+")
_MD_HEADING = re.compile(r"^#{1,6}\s+")
_MD_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|`)(?=\S)(.+?)(?<=\S)\1")
_MD_QUOTE = re.compile(r"^>[ \t]?", re.MULTILINE)
_SYMBOLS_ONLY = re.compile(r"[\W_]*")
_BULLET = re.compile(
    r"(?:[•·▪▫◦‣⁃●○■□◆◇▶►✓✔➤→]\s*|[-*+–—]\s+|\d{1,2}[.)]\s+|\d{1,2}、\s*"
    r"|[（(]\d{1,2}[)）]\s*|[一二三四五六七八九十]{1,3}、\s*)(?P<text>\S.*)"
)
_SYMBOL_BULLET = re.compile(r"(?:[•·▪▫◦‣⁃●○■□◆◇▶►✓✔➤→]\s*|[-*+]\s+)(?P<text>\S.*)")
_WORD_LETTERS = re.compile(r"[^\W\d_]+")

# --- page junk ---------------------------------------------------------------------------------

# Whole lines that are page furniture, not article text. Each pattern must match the entire line
# (surrounding symbols and punctuation aside), so a sentence that merely contains one of these
# words survives.
_JUNK_PATTERNS = (
    # navigation and page chrome
    r"top of page|bottom of page|back to top|skip to (?:main )?content|jump to content",
    r"home|menu|search|close|print|email|e-mail|tweet|facebook|twitter|linkedin|whatsapp",
    r"reddit|pinterest|telegram|weibo|wechat|copy link|link copied|like|reply|report",
    r"log ?in|sign ?in|sign ?up|register|(?:previous|next)(?: (?:article|post|story|page))?",
    # comments, ratings and counters
    r"(?:no |\d+ )?comments?(?: yet)?|loading comments|(?:show|view|hide|load) (?:all )?"
    r"(?:\d+ )?comments|(?:leave|post|add|write) a (?:comment|reply|review)",
    r"(?:want to )?join the (?:conversation|discussion)\??|be the first to comment",
    r"rated [\d.]+ out of \d+ stars?|no ratings yet|add a rating|(?:rate|review) this \w+",
    r"(?:[\d.,]+\s*[km]?\s*(?:views?|comments?|likes?|shares?|replies|reads?|reactions?"
    r"|votes?|followers?)\s*)+",
    r"\d+\s*(?:min|mins|minutes?)(?: read)?",
    r"(?:(?:updated|posted|published)\s+)?\d+\s*(?:seconds?|minutes?|mins?|hours?|hrs?|days?"
    r"|weeks?)\s+ago",
    # onward links, sharing, ads and subscriptions
    r"recent posts|related(?: (?:posts|articles|stories|news|content|reading|topics))?",
    r"(?:more|latest|popular|trending|top) (?:news|stories|posts|articles)|you may also like",
    r"recommended(?: for you)?|(?:see|view|show|load) (?:all|more)|read (?:more|next)",
    r"(?:continue|keep) reading|(?:read more|see also|also read|related|more)\s*:.*",
    r"share(?: this)?(?: (?:article|story|post|page))?|share (?:on|via) \w+",
    r"advertisement|advert|ad|sponsored(?: content)?|click here\b.*",
    r"(?:subscribe|sign up)(?: now| today| here)?(?: (?:for|to) .{0,40}"
    r"(?:newsletter|updates|alerts)s?)?|follow us(?: on .{0,40})?",
    r"(?:tags?|topics|filed under|categories|category|keywords)\s*:.*",
    r"(?:photo|image|picture|video|graphic)s?(?: credit| source)?\s*:.{0,80}",
    r"(?:(?:additional )?reporting|writing|editing) by\b.{0,120}",
    r"(?:©|\(c\)|copyright\s*(?:©|\d{4})).*|.{0,80}all rights reserved\.?",
    # common Chinese page furniture
    r"分享到.*|分享[:：]?|(?:责任|值班)?编辑\s*[:：].*|(?:校对|审核|审校|监制|策划|制作)\s*[:：].*",
    r"相关(?:阅读|新闻|推荐|文章|报道|链接)(?:\s*[:：].*)?|点击(?:查看|进入|阅读|这里|此处|收听|播放).{0,30}",
    r"返回(?:顶部|首页|列表|目录)?|扫一扫.{0,30}|(?:微信)?扫(?:码|描二维码).{0,30}",
    r"打印(?:本页|此页|本文)?|关闭(?:窗口|本页)?|纠错|字号[:：]?[大中小\s]*|收藏|举报|点赞|评论|转发",
    r"(?:上一篇|下一篇)[:：]?.{0,60}|(?:免责|版权)声明[:：].*|原标题[:：].*",
    r"关注我们.{0,30}|更多(?:精彩|内容|新闻).{0,30}|完",
    r"(?:阅读|浏览)(?:量|数)?\s*[:：]?\s*\d+\s*次?|\d+\s*(?:人|次)?(?:阅读|浏览|评论|点赞|收藏|参与)",
)
_JUNK = re.compile(r"\W*(?:" + "|".join(_JUNK_PATTERNS) + r")\W*", re.IGNORECASE)
# Headings of onward-link lists: the headline-like lines under them are links, not the story.
_LINK_LIST = re.compile(
    r"\W*(?:recent posts|related(?: \w+)?|(?:more|latest|popular|trending|top) (?:news|stories"
    r"|posts|articles)|you may also like|recommended(?: for you)?|read (?:more|next)|see also"
    r"|tags?|topics|filed under|相关(?:阅读|新闻|推荐|文章|报道|链接)|推荐阅读|延伸阅读|热门\w{2}"
    r"|标签|关键词)\W*",
    re.IGNORECASE,
)
MAX_LINK_WORDS = 20
MAX_LINKS = 12

# --- dates -------------------------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?i:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")"
# The month may be glued to a preceding word ("Gasgoo Auto NewsApr 13, 2026").
_DATE_PATTERNS = (
    re.compile(
        r"(?:\b|(?<=[a-z]))(?P<month>" + _MONTH + r")\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?"
        r"\s+(?P<year>\d{4})(?!\d)"
    ),
    re.compile(
        r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?P<month>" + _MONTH + r")\.?,?\s+"
        r"(?P<year>\d{4})(?!\d)"
    ),
    re.compile(r"(?<!\d)(?P<year>\d{4})([-/.])(?P<month>\d{1,2})\2(?P<day>\d{1,2})(?!\d)"),
    re.compile(r"(?P<year>\d{4})\s*年\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日"),
)
_YEAR = re.compile(r"\d{4}")
# Which date wins when a page shows several: lower ranks first.
_PUBLISHED_DATE, _BARE_DATE, _UPDATED_DATE, _NO_DATE = range(4)
_PUBLISHED_LABEL = re.compile(
    r"(?i:first published|published|posted|发布时间|发布日期|发表时间|发布于|发表于)"
)
_UPDATED_LABEL = re.compile(r"(?i:last updated|updated|modified|更新时间|更新于)")
_DATE_DECORATION = re.compile(
    r"(?i:\b(?:(?:first |last )?(?:published|posted|updated|modified)(?: on| at)?|dated?|on|at)\b)"
    r"\s*[:：]?"
    r"|(?:发布时间|发布日期|发表时间|更新时间|发布于|发表于|更新于|时间|日期)\s*[:：]?"
    r"|T?\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?\s*(?i:[ap]\.?m\.?)?\s*"
    r"(?:Z|UTC|GMT|[A-Z]{1,4}T|[+-]\d{2}:?\d{2})?(?:[+-]\d{1,2})?"
    r"|(?i:\b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|sday|nesday|rsday|urday)?\b\.?)"
    r"|星期[一二三四五六日天]|周[一二三四五六日天]"
)
_FIELD_SEPARATOR = re.compile(
    r"\s*(?:[|｜·•]|(?:^|\s)[-–—](?:\s|$))\s*"
    r"|\s+(?=(?:来源|稿源|作者|记者|编辑|责任编辑)\s*[:：])"
)

# --- bylines and outlets -----------------------------------------------------------------------

_BYLINE_EN = re.compile(
    r"(?i:(?:written |words |story |text |reporting )?by|(?:our |staff |special |senior |chief )?"
    r"(?:reporter|correspondent|staff writer|writer|author|journalist)s?)"
    r"(?:\s*[:：]\s*|\s+)(?P<rest>\S.*)"
)
_BYLINE_ZH = re.compile(
    r"(?:本报|本刊|本台|本网)?(?:特约|首席|实习)?(?:记者|通讯员|作者|撰文|撰稿)\s*[:：]?\s*"
    r"(?P<rest>.+?)(?:\s+\S{2,6}报道|\s*报道|\s*采写|\s*摄|\s*发自\S+)?"
    r"|文\s*[/／|｜]\s*(?P<rest2>.+)"
)
_BYLINE_PLACE = re.compile(r"\s+(?:in|from)\s+[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,2}$")
_NAME_SPLIT = re.compile(r"\s*(?:,|\band\b|&)\s*")
_NAME_LIST_END = re.compile(r"\band\b|&")
_CJK_NAME_SPLIT = re.compile(r"[\s、,，]+")
_NAME_PARTICLES = frozenset(
    {"de", "van", "von", "der", "den", "da", "di", "la", "le", "del", "bin"}
)
_ROLE_WORDS = re.compile(r"(?i)\b(?:writer|reporter|correspondent|editor|contributor|staff)\b")
_SOURCE_LABEL = re.compile(r"(?:来源|稿源|出处|(?i:source|via))\s*[:：]\s*(?P<name>.+)")
_TRAILING_OUTLET = re.compile(
    r"(?:(?<=["
    + re.escape(_TERMINAL + _CLOSERS)
    + r"])\s*|^)[（(](?:(?:来源|(?i:source))\s*[:：]\s*)?"
    r"(?P<name>[^()（）]{2,40})[)）]$"
)
_TRAILING_OUTLET_SPAN = 80
"""A trailing outlet is found within this many characters of the end of the last line."""
_END_MARK = re.compile(r"\s*[（(]完[)）]$")  # Chinese wire copy closes with "(end)"
_SMALL_WORDS = frozenset({"of", "the", "and", "for", "on", "in", "at", "de", "a", "&", "-"})
_TITLE_STOP_WORDS = frozenset(
    {"a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "with", "by", "at", "from"}
    | {"as", "that", "which", "but"}
)

# --- publisher sections ------------------------------------------------------------------------

_WHY_HEADING = re.compile(
    r"\W*(?i:why (?:it|this) matters|why it is important|为什么重要|为何重要|为什么值得关注)"
    r"\s*(?:[:：]\s*(?P<inline>.*))?"
)
_TAKEAWAYS_HEADING = re.compile(
    r"\W*(?i:key takeaways?|takeaways|key points|要点|核心要点|关键要点|划重点)\s*[:：]?"
)
_SENTENCE_END = re.compile(
    r"[.!?]+[" + re.escape(_CLOSERS) + r"]*(?=\s+[\"“‘(\[]?[A-Z0-9" + _CJK_RANGES + r"])"
    r"|[。！？]+[" + re.escape(_CLOSERS) + r"]*"
)

MAX_META_CHARS = 160
MAX_OUTLET_CHARS = 60
MAX_TITLE_WORDS = 25
MAX_TITLE_CHARS = 200
MAX_CJK_TITLE_CHARS = 60
DERIVED_TITLE_CHARS = 80
DERIVED_CJK_TITLE_CHARS = 30
MAX_ITEM_WORDS = 40
MAX_TAKEAWAYS = 10


# --- public API --------------------------------------------------------------------------------


def discover(paths: Iterable[Path]) -> list[Path]:
    """Expand files and folders into a sorted (deterministic) list of article files.

    Folders are searched recursively; hidden files and folders, files whose suffix is not
    supported and the seed list files `urls.txt` and `feeds.txt` are skipped, whether named
    directly or found in a folder. A path that does not exist raises IngestError.
    """
    found: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found.update(
                file
                for file in path.rglob("*")
                if file.is_file() and _is_article_file(file.relative_to(path))
            )
        elif path.is_file():
            if _is_article_file(Path(path.name)):
                found.add(path)
        else:
            raise IngestError(str(path), "no such file or folder", "check the path")
    return sorted(found, key=lambda file: file.as_posix())


def decode(data: bytes, path: str) -> str:
    """Text from UTF-8 (with or without BOM), else GB18030 (a superset of GBK), else Big5.

    Raises IngestError naming `path` when no encoding fits, and for binary (NUL bytes, mostly
    control characters), UTF-16 and empty files.
    """
    if not data.strip():
        raise _empty(path)
    if data.startswith(_UTF16_BOMS):
        raise IngestError(path, "cannot decode: UTF-16 text is not supported", _DECODE_FIX)
    if _looks_binary(data):
        raise IngestError(path, "binary file, not text", "save the article as a text or HTML file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = _decode_legacy(data, path)
    if not text.strip():
        raise _empty(path)
    return text


def parse_text(text: str, file: str | None = None) -> Article:
    """Clean pasted text and find its parts: title, date, outlet, byline, publisher sections.

    `file` goes into `Source.file` and into error messages. Raises IngestError when nothing
    but page furniture is left.
    """
    lines = _drop_junk(_normalise_lines(text))
    header = _header_indices(lines)
    meta = _read_metadata(lines, header)
    kicker, headline = _find_title(lines, header, meta.outlets)
    title = lines[headline] if headline is not None else None
    meta.outlets.extend(_take_outlet_lines(lines, header, meta, title))
    if kicker is not None:
        lines[kicker] = ""
    if title is not None:
        _drop_repeats(lines, title)
    why, takeaways = _take_sections(lines)
    _take_trailing_outlet(lines, meta)
    paragraphs = _paragraphs(lines)
    if paragraphs:
        # "(CNN) -- ", "BEIJING, March 3 (Reuters) - ": the dateline is not article text.
        paragraphs[0], outlet = strip_dateline(paragraphs[0])
        if outlet is not None and not meta.outlets:
            meta.outlets.append(outlet)
    if title is None:
        title = _derive_title([*paragraphs, why or "", *takeaways])
    if not title or not (paragraphs or why or takeaways):
        raise IngestError(
            file or "<text>", "no article text found", "check that the file holds the article"
        )
    return Article(
        id=_source_id(text),
        title=title,
        paragraphs=tuple(paragraphs),
        source=Source(name=meta.outlets[0] if meta.outlets else None, file=file),
        published=meta.date,
        byline=meta.byline,
        language=_language(" ".join([title, *paragraphs])),
        publisher_why=why,
        publisher_takeaways=tuple(takeaways),
    )


def read_article(path: Path, display_path: str | None = None) -> Article:
    """Read, decode and parse one article file (HTML: its visible text, page chrome left out).

    `display_path` is what goes in `Source.file` and error messages (e.g.
    'seeds/000_x.txt'); it defaults to `str(path)`. Files over 20 MB are refused unread.
    """
    shown = display_path if display_path is not None else str(path)
    try:
        too_large = path.stat().st_size > MAX_FILE_BYTES
        data = b"" if too_large else path.read_bytes()
    except OSError as error:
        raise IngestError(shown, f"cannot read: {error.strerror}", "check the path") from None
    if too_large:
        raise IngestError(shown, "file is larger than 20 MB", "keep only the article's text")
    text = decode(data, shown)
    if path.suffix.lower() in _HTML_SUFFIXES or _looks_like_html(text):
        text = _html_to_text(text)
    elif path.suffix.lower() == ".md":
        text = _markdown_to_text(text)
    return parse_text(text, shown)


# --- files and bytes ---------------------------------------------------------------------------


def _is_article_file(relative: Path) -> bool:
    """Whether a file (path relative to the folder it was found in) holds an article."""
    if any(part.startswith(".") for part in relative.parts):
        return False
    return relative.suffix.lower() in SUPPORTED_SUFFIXES and relative.name not in SEED_LISTS


def _empty(path: str) -> IngestError:
    return IngestError(path, "empty file", "paste the article text into it or delete it")


def _looks_binary(data: bytes) -> bool:
    if b"\x00" in data:
        return True
    sample = data[:8192]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > len(sample) // 10


_UTF8_PASSAGE = re.compile(rb"(?:[\xe0-\xef][\x80-\xbf]{2}){3,}")
"""Three or more 3-byte UTF-8 characters in a row: GBK or Big5 bytes form one by chance at
times, three almost never (none in the test corpus); UTF-8 Chinese is nothing but them."""
_KANA = re.compile("[\u3040-\u30ff]")
MIN_COMMON_SHARE = 0.5
"""Share of a legacy reading's ideographs that must be everyday Chinese characters: real
GB18030 or Big5 text is well above it (0.6 at the least in the tests); other encodings read
as Chinese give rare characters (Shift_JIS read as GB18030: 0.14)."""


def _decode_legacy(data: bytes, path: str) -> str:
    """Text that is not UTF-8: GB18030 or Big5 when it reads as Chinese, else an error, never
    mojibake."""
    for match in _UTF8_PASSAGE.finditer(data):
        if _try_decode(match.group(), "utf-8") is not None:
            raise IngestError(
                path, "cannot decode: UTF-8 text mixed with another encoding", _DECODE_FIX
            )
    text = _decode_chinese_legacy(data)
    if text is not None and _common_share(text, _is_common_chinese) >= MIN_COMMON_SHARE:
        return text
    japanese = _try_decode(data, "shift_jis")
    if japanese is not None and _KANA.search(japanese):
        raise IngestError(
            path, "cannot decode: Japanese Shift_JIS text is not supported", _DECODE_FIX
        )
    raise IngestError(path, "cannot decode: not UTF-8, GB18030 or Big5 text", _DECODE_FIX)


def _is_common_chinese(char: str) -> bool:
    return _is_gb2312(char) or _is_common_big5(char)


def _decode_chinese_legacy(data: bytes) -> str | None:
    """GB18030 unless the bytes read far more naturally as Big5.

    Almost every Big5 byte pair is also valid GB18030, so trying the codecs in turn would never
    reach Big5: each reading is scored by how much of it falls in its codec's common characters.
    """
    gb = _try_decode(data, "gb18030")
    big5 = _try_decode(data, "big5")
    if gb is None or big5 is None:
        return gb if gb is not None else big5
    return big5 if _common_share(big5, _is_common_big5) > _common_share(gb, _is_gb2312) else gb


def _try_decode(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def _common_share(text: str, is_common: Callable[[str], bool]) -> float:
    ideographs = _CJK.findall(text)
    if not ideographs:
        return 1.0
    return sum(1 for char in ideographs if is_common(char)) / len(ideographs)


@functools.lru_cache(maxsize=65536)
def _is_gb2312(char: str) -> bool:
    """In GB2312: the simplified characters in everyday use."""
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


@functools.lru_cache(maxsize=65536)
def _is_common_big5(char: str) -> bool:
    """In Big5's frequently used block (lead bytes A4-C6): traditional characters in daily use."""
    try:
        return char.encode("big5")[0] <= 0xC6
    except UnicodeEncodeError:
        return False


def _html_to_text(html: str) -> str:
    """The visible text of an HTML page, one block element per line, page chrome left out."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return parser.text()


def _markdown_to_text(text: str) -> str:
    """Markdown as plain text: no front matter, images, link targets or emphasis markers."""
    text = _MD_FRONT_MATTER.sub("", text, count=1)
    text = _MD_LINK.sub(r"\1", _MD_IMAGE.sub("", text))
    return _MD_QUOTE.sub("", _MD_EMPHASIS.sub(r"\2", text))


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:200].lower()
    return head.startswith(("<!doctype html", "<html"))


class _VisibleText(HTMLParser):
    """Collects the text a reader sees, with line breaks where block elements start and end."""

    SKIP = frozenset(
        {"head", "script", "style", "noscript", "template", "svg", "nav", "footer", "aside"}
        | {"form", "button", "select", "iframe", "header"}
    )
    SKIP_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search"})
    VOID = frozenset(
        {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
        | {"track", "wbr"}
    )
    BLOCK = frozenset(
        {"p", "div", "section", "article", "main", "blockquote", "pre", "ul", "ol", "dl", "dt"}
        | {"dd", "table", "tr", "figure", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6"}
        | {"address", "hr"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._parts: list[str] = []
        self._skipping: list[str] = []
        self._articles = 0
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "article":
            self._articles += 1
        if tag not in self.VOID and (self._skipping or self._hidden(tag, dict(attrs))):
            self._skipping.append(tag)
        elif tag == "pre":
            self._pre += 1
        self._break(tag, opening=True)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._skipping:
            while self._skipping.pop() != tag:
                pass
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)
        if tag == "article":
            self._articles = max(0, self._articles - 1)
        self._break(tag, opening=False)

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._parts.append(data if self._pre else _WHITESPACE.sub(" ", data))

    def text(self) -> str:
        return "".join(self._parts)

    def _hidden(self, tag: str, attrs: dict[str, str | None]) -> bool:
        # An article's own <header> holds its headline and byline; the page's one is chrome.
        if tag == "header" and self._articles:
            return False
        return (
            tag in self.SKIP
            or "hidden" in attrs
            or attrs.get("aria-hidden") == "true"
            or attrs.get("role") in self.SKIP_ROLES
        )

    def _break(self, tag: str, *, opening: bool) -> None:
        if self._skipping:
            return
        if tag == "br":
            if opening:
                self._parts.append("\n")
        elif tag == "li":
            self._parts.append("\n- " if opening else "\n")
        elif tag in self.BLOCK:
            self._parts.append("\n\n")


# --- normalising -------------------------------------------------------------------------------


def _normalise_lines(text: str) -> list[str]:
    """NFC, odd spaces made plain, each line stripped; blank lines kept as ""."""
    text = _ODD_SPACES.sub(" ", _INVISIBLE.sub("", unicodedata.normalize("NFC", text)))
    # "# Heading" markers go too: pasted text carries them as often as Markdown files do.
    return [_MD_HEADING.sub("", _SPACE_RUN.sub(" ", line).strip()) for line in text.splitlines()]


def _drop_junk(lines: list[str]) -> list[str]:
    """Blank page-furniture lines, and the link list under a "Related"-style heading."""
    cleaned: list[str] = []
    links = 0  # link lines still allowed under the last link-list heading
    for line in lines:
        if not line:
            cleaned.append(line)
        elif _LINK_LIST.fullmatch(line):
            links = MAX_LINKS
            cleaned.append("")
        elif links and _is_link_line(line):
            links -= 1
            cleaned.append("")
        else:
            links = 0
            junk = _SYMBOLS_ONLY.fullmatch(line) or _JUNK.fullmatch(line)
            cleaned.append("" if junk else line)
    return cleaned


def _is_link_line(line: str) -> bool:
    """A headline-like line: no closing punctuation, short, not a sentence's continuation."""
    return (
        not _ends_sentence(line)
        and not line[0].islower()
        and len(line.split()) <= MAX_LINK_WORDS
        and len(line) <= MAX_TITLE_CHARS
    )


def _source_id(text: str) -> str:
    normalised = " ".join(unicodedata.normalize("NFC", text).lstrip("\ufeff").split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:8]


def _key(line: str) -> str:
    """A line as compared for repeats: case and spacing ignored."""
    return " ".join(line.casefold().split())


def _header_indices(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if line][:HEADER_LINES]


def _is_cjk_text(text: str) -> bool:
    """Whether CJK ideographs make up over 30% of the letters (counted in runs, for speed)."""
    letters = sum(map(len, _WORD_LETTERS.findall(text)))
    return letters > 0 and sum(map(len, _CJK_RUN.findall(text))) / letters > 0.3


def _language(text: str) -> str:
    return "zh" if _CJK.search(text) and _is_cjk_text(text) else "en"


def _ends_sentence(line: str) -> bool:
    bare = line.rstrip(_CLOSERS)
    return bool(bare) and bare[-1] in _TERMINAL


# --- dates, bylines, outlets -------------------------------------------------------------------


@dataclass
class _Meta:
    """What the page said about the article besides its text."""

    date: dt.date | None = None
    date_rank: int = _NO_DATE
    byline: str | None = None
    outlets: list[str] = field(default_factory=list)
    lines: set[int] = field(default_factory=set)
    """Indices of the lines that held metadata."""


@dataclass
class _LineMeta:
    """What one metadata line holds; a line is metadata only if every part of it is."""

    date: dt.date | None = None
    date_rank: int = _NO_DATE
    byline: str | None = None
    outlets: tuple[str, ...] = ()


def _read_metadata(lines: list[str], header: list[int]) -> _Meta:
    """Collect date, byline and outlet lines and blank them.

    Header lines may hold a bare date; further down only a labelled one ("Published ...",
    "来源：...") counts, so dates inside the story are never taken for the publication date.
    """
    meta = _Meta()
    in_header = set(header)
    for i, line in enumerate(lines):
        found = _parse_meta_line(line, in_header=i in in_header) if line else None
        if found is None:
            continue
        lines[i] = ""
        meta.lines.add(i)
        if found.date and found.date_rank < meta.date_rank:
            meta.date, meta.date_rank = found.date, found.date_rank
        meta.byline = meta.byline or found.byline
        meta.outlets.extend(found.outlets)
    return meta


def _parse_meta_line(line: str, *, in_header: bool) -> _LineMeta | None:
    if len(line) > MAX_META_CHARS:
        return None  # prose, not a dateline: skip the costly patterns
    found = _LineMeta()
    rest = line
    labelled = _PUBLISHED_LABEL.search(line) or _UPDATED_LABEL.search(line)
    if not (in_header or labelled or _SOURCE_LABEL.fullmatch(line)):
        return None
    match = _find_date(line)
    if match is not None:
        found.date, found.date_rank = match[0], _date_rank(line)
        if found.date_rank == _BARE_DATE and not in_header:
            return None
        rest = _DATE_DECORATION.sub(" ", f"{line[: match[1]]} | {line[match[2] :]}")
    for part in filter(None, (part.strip() for part in _FIELD_SEPARATOR.split(rest))):
        if not _read_meta_part(part, found, dated=match is not None):
            return None
    return found if (found.date or found.byline or found.outlets) else None


def _read_meta_part(part: str, found: _LineMeta, *, dated: bool) -> bool:
    """Record what a part of a metadata line says; False when it is not metadata at all.

    A bare outlet-like name counts only next to a date ("Gasgoo Auto NewsApr 13, 2026").
    """
    if _SYMBOLS_ONLY.fullmatch(part) or (dated and _JUNK.fullmatch(part)):
        return True
    byline = _match_byline(part)
    if byline is not None:
        found.byline = found.byline or byline[0]
        found.outlets += byline[1:]
        return True
    label = _SOURCE_LABEL.fullmatch(part)
    name = label["name"].strip() if label else part
    if (label or dated) and _is_outlet_like(name):
        found.outlets += (name,)
        return True
    return False


def _find_date(line: str) -> tuple[dt.date, int, int] | None:
    if not _YEAR.search(line):
        return None  # every accepted date has a year: a cheap test saves the slow patterns
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(line):
            date = _to_date(match["year"], match["month"], match["day"])
            if date is not None:
                return date, match.start(), match.end()
    return None


def _to_date(year: str, month: str, day: str) -> dt.date | None:
    month_number = int(month) if month.isdigit() else _MONTHS.get(month.lower(), 0)
    try:
        date = dt.date(int(year), month_number, int(day))
    except ValueError:
        return None
    return date if 1900 <= date.year <= 2100 else None


def _date_rank(line: str) -> int:
    if _PUBLISHED_LABEL.search(line):
        return _PUBLISHED_DATE
    return _UPDATED_DATE if _UPDATED_LABEL.search(line) else _BARE_DATE


def _match_byline(text: str) -> tuple[str, ...] | None:
    """(names, outlet...) when the text is a byline such as "By Jane Doe, Reuters"."""
    english = _BYLINE_EN.fullmatch(text)
    if english:
        return _english_names(_BYLINE_PLACE.sub("", english["rest"]).strip())
    chinese = _BYLINE_ZH.fullmatch(text)
    if chinese:
        rest = chinese["rest"] or chinese["rest2"]
        names = [name for name in _CJK_NAME_SPLIT.split(rest) if name]
        if names and all(_is_cjk_name(name) or _is_person_name(name) for name in names):
            return ("、".join(names),)
    return None


def _english_names(rest: str) -> tuple[str, ...] | None:
    parts = [part for part in _NAME_SPLIT.split(rest) if part]
    outlet: tuple[str, ...] = ()
    if len(parts) > 1 and "," in rest:
        before, last = (part.strip() for part in rest.rsplit(",", 1))
        # "By A and B, Reuters": after a closed list of names, the last part names the outlet.
        if _ROLE_WORDS.search(last):
            parts.pop()
        elif len(last.split()) == 1 or _NAME_LIST_END.search(before):
            parts.pop()
            outlet = (last,) if _is_outlet_like(last) else ()
    if not parts or len(parts) > 4 or not all(_is_person_name(part) for part in parts):
        return None
    names = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return (names, *outlet)


def _is_person_name(text: str) -> bool:
    words = text.split()
    return 1 <= len(words) <= 5 and all(
        word.lower() in _NAME_PARTICLES
        or (word[0].isupper() and not any(char.isdigit() for char in word))
        for word in words
    )


def _is_cjk_name(text: str) -> bool:
    return 2 <= len(text) <= 4 and all(_CJK.match(char) for char in text)


def _is_outlet_like(text: str) -> bool:
    """A publisher's name: short, title-cased, no sentence punctuation."""
    if not text or len(text) > MAX_OUTLET_CHARS or text[-1] == ".":
        return False
    if any(char in ",;:!?，；：。！？" for char in text) or not any(c.isalpha() for c in text):
        return False
    if _CJK.search(text):
        return len(text) <= 20 and " " not in text
    words = text.split()
    return (
        len(words) <= 6
        and words[0][0].isupper()
        and all(word[0].isupper() or word[0].isdigit() or word in _SMALL_WORDS for word in words)
    )


# --- title and repeats -------------------------------------------------------------------------


def _find_title(
    lines: list[str], header: list[int], outlets: list[str]
) -> tuple[int | None, int | None]:
    """Indices of a one-word kicker or masthead ("Exclusive", "Reuters") and of the headline.

    The headline is the first substantive header line when it reads like one; a one-word line
    above a longer headline is never the headline, and an outlet only with evidence.
    """
    known = {_key(outlet) for outlet in outlets}
    candidates = [i for i in header if lines[i] and _key(lines[i]) not in known]
    kicker = None
    if len(candidates) > 1 and _is_kicker(lines, candidates[0], candidates[1]):
        kicker = candidates.pop(0)
    if not candidates:
        return kicker, None
    line = lines[candidates[0]]
    if _is_section_heading(line) or not _is_title_like(line):
        return kicker, None
    return kicker, candidates[0]


def _is_kicker(lines: list[str], index: int, headline: int) -> bool:
    after = lines[headline + 1] if headline + 1 < len(lines) else ""
    return (
        len(lines[index].split()) == 1
        and _is_outlet_like(lines[index])
        and not _is_section_heading(lines[headline])
        and _is_title_like(lines[headline])
        and len(lines[headline].split()) >= 3
        and not _continues(lines[headline], after)
    )


def _is_title_like(line: str) -> bool:
    if line[-1] in ".。:：;；,，" or _BULLET.fullmatch(line):
        return False
    if _is_cjk_text(line):
        return len(line) <= MAX_CJK_TITLE_CHARS
    return len(line.split()) <= MAX_TITLE_WORDS and len(line) <= MAX_TITLE_CHARS


def _take_outlet_lines(
    lines: list[str], header: list[int], meta: _Meta, title: str | None
) -> list[str]:
    """Outlet-like header lines the page vouches for: named on a date line, repeated, or
    next to a date or byline line. Blanks them wherever they appear."""
    known = {_key(outlet) for outlet in meta.outlets}
    present = [i for i in header if lines[i] and not _is_section_heading(lines[i])]
    # Only short lines can be outlets: long ones are not counted (keys of prose cost time).
    counts = Counter(_key(lines[i]) for i in present if len(lines[i]) <= MAX_OUTLET_CHARS)
    skip = _key(title) if title else None
    outlets: list[str] = []
    for i in present:
        line, key = lines[i], _key(lines[i])
        if key == skip or not _is_outlet_like(line):
            continue
        if key in known or counts[key] > 1 or _next_to_metadata(i, header, meta.lines):
            outlets.append(line)
            known.add(key)
    for i, line in enumerate(lines):
        if line and len(line) <= MAX_OUTLET_CHARS and _key(line) in known:
            lines[i] = ""
    return outlets


def _next_to_metadata(index: int, header: list[int], metadata: set[int]) -> bool:
    position = header.index(index)
    neighbours = header[max(0, position - 1) : position] + header[position + 1 : position + 2]
    return any(i in metadata for i in neighbours)


def _drop_repeats(lines: list[str], title: str) -> None:
    """A headline repeated in the body or at the end is page furniture."""
    key = _key(title)
    for i, line in enumerate(lines):
        if line and len(line) <= 2 * len(title) and _key(line) == key:
            lines[i] = ""


def _derive_title(texts: list[str]) -> str | None:
    """A title from the first sentence of the body, when the article has no headline."""
    first = next((text for text in texts if text), None)
    if first is None:
        return None
    sentence = first
    for match in _SENTENCE_END.finditer(first):
        candidate = first[: match.end()]
        if len(candidate.split()) >= 4 or len(_CJK.findall(candidate)) >= 8:
            sentence = candidate
            break
    return _shorten(sentence.strip())


def _shorten(sentence: str) -> str:
    """Trim to a headline's length at a word boundary, without trailing punctuation."""
    if _is_cjk_text(sentence):
        if len(sentence) > DERIVED_CJK_TITLE_CHARS:
            cut = sentence[:DERIVED_CJK_TITLE_CHARS]
            comma = max(cut.rfind("，"), cut.rfind("、"))
            sentence = cut[:comma] if comma > DERIVED_CJK_TITLE_CHARS // 2 else cut
        return _trim_title_end(sentence)
    if len(sentence) > DERIVED_TITLE_CHARS:
        sentence = sentence[: DERIVED_TITLE_CHARS + 1].rsplit(" ", 1)[0]
        words = sentence.split()
        while len(words) > 1 and words[-1].lower().strip(",;:") in _TITLE_STOP_WORDS:
            words.pop()
        sentence = " ".join(words)
    return _trim_title_end(sentence)


def _trim_title_end(title: str) -> str:
    title = title.rstrip(' .,;:!?。，；：！？、…-–—"“‘(（[【')
    # 'He said "we will."' keeps its closing quote: drop only the punctuation before it.
    match = re.search(r"[.,;:!?。，；：！？…]+([\"”’」』]+)$", title)
    return title[: match.start()] + match[1] if match else title


# --- publisher sections ------------------------------------------------------------------------


def _take_sections(lines: list[str]) -> tuple[str | None, list[str]]:
    """The publisher's own "Why it matters" and "Key takeaways" sections (then blanked)."""
    why: list[str] = []
    takeaways: list[str] = []
    for i, line in enumerate(lines):
        if not line:
            continue
        why_heading = _WHY_HEADING.fullmatch(line)
        if why_heading:
            lines[i] = ""
            inline = (why_heading["inline"] or "").strip()
            why.append(inline or _take_why(lines, i + 1))
        elif _TAKEAWAYS_HEADING.fullmatch(line):
            lines[i] = ""
            takeaways.extend(_take_list(lines, i + 1))
    return (" ".join(filter(None, why)) or None), takeaways


def _take_why(lines: list[str], start: int) -> str:
    """The paragraph under the heading: one paragraph, since taking more would risk swallowing
    the story when the page has no further headings."""
    i = _skip_blank(lines, start)
    if i >= len(lines) or _ends_section(lines[i]):
        return ""
    parts = [lines[i]]
    lines[i] = ""
    i += 1
    while i < len(lines) and _continues(parts[-1], lines[i]):
        parts.append(lines[i])
        lines[i] = ""
        i += 1
    return _join(parts)


def _take_list(lines: list[str], start: int) -> list[str]:
    """Bulleted items (blank lines between them allowed), or plain short lines."""
    i = _skip_blank(lines, start)
    bulleted = i < len(lines) and _BULLET.fullmatch(lines[i]) is not None
    items: list[str] = []
    after_blank = False
    while i < len(lines) and len(items) < MAX_TAKEAWAYS:
        line = lines[i]
        if not line:
            if not bulleted and items:
                break  # plain items end at the first blank line
            after_blank = True
            i += 1
            continue
        bullet = _BULLET.fullmatch(line)
        if bullet is not None:
            items.append(bullet["text"])
        elif bulleted and not after_blank and _continues(items[-1], line):
            items[-1] = _join([items[-1], line])
        elif not bulleted and _is_plain_item(line):
            items.append(line)
        else:
            break
        lines[i] = ""
        after_blank = False
        i += 1
    return items


def _is_plain_item(line: str) -> bool:
    return not _ends_section(line) and len(line.split()) <= MAX_ITEM_WORDS


def _is_section_heading(line: str) -> bool:
    return bool(_WHY_HEADING.fullmatch(line) or _TAKEAWAYS_HEADING.fullmatch(line))


def _ends_section(line: str) -> bool:
    return _is_heading(line) or _is_section_heading(line)


def _skip_blank(lines: list[str], i: int) -> int:
    while i < len(lines) and not lines[i]:
        i += 1
    return i


def _is_heading(line: str) -> bool:
    """A short, title-cased line without closing punctuation, like "Pulse Analysis"."""
    if not line or line[-1] in _TERMINAL + ",;:，；：、" or _BULLET.fullmatch(line):
        return False
    if _CJK.search(line):
        return len(line) <= 12 and not any(char in _CJK_PUNCT for char in line)
    words = line.split()
    if len(words) > 8 or not line[0].isupper():
        return False
    long_words = [word for word in _WORD_LETTERS.findall(line) if len(word) >= 4]
    return len(words) <= 2 or all(word[0].isupper() for word in long_words)


# --- trailing outlet ---------------------------------------------------------------------------


def _take_trailing_outlet(lines: list[str], meta: _Meta) -> None:
    """'... a lot of money." (Securities Daily)': the outlet (or byline) in closing brackets."""
    last = next((i for i in range(len(lines) - 1, -1, -1) if lines[i]), None)
    if last is None:
        return
    if lines[last].endswith(("完)", "完）")):
        lines[last] = _END_MARK.sub("", lines[last])
    # The bracketed name closes the line: search only its tail (long lines cost time).
    match = _TRAILING_OUTLET.search(lines[last], max(0, len(lines[last]) - _TRAILING_OUTLET_SPAN))
    if match is None:
        return
    name = match["name"].strip()
    byline = _match_byline(name)
    if byline is not None:
        meta.byline = meta.byline or byline[0]
    elif _is_outlet_like(name):
        meta.outlets.append(name)
    else:
        return
    lines[last] = lines[last][: match.start()].rstrip()


# --- paragraphs --------------------------------------------------------------------------------


def _paragraphs(lines: list[str]) -> list[str]:
    """One paragraph per line, except that hard-wrapped lines of one paragraph are joined."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if current and not (line and _continues(current[-1], line)):
            paragraphs.append(_join(current))
            current = []
        if line:
            bullet = _SYMBOL_BULLET.fullmatch(line)
            current.append(bullet["text"] if bullet else line)
    if current:
        paragraphs.append(_join(current))
    return paragraphs


def _continues(previous: str, line: str) -> bool:
    """Whether `line` continues the sentence that `previous` broke off (hard-wrapped text)."""
    if not previous or not line or _ends_sentence(previous) or _BULLET.fullmatch(line):
        return False
    if line[0].islower():
        return True
    if _CJK.match(previous[-1]) and _CJK.match(line[0]):
        return len(previous) >= 20 and not _is_heading(previous)
    # A long line stopping mid-sentence: the wrap fell before a capitalised word.
    long_line = len(previous) >= 50 and (previous[-1].isalnum() or previous[-1] == ",")
    return long_line and not _is_heading(line)


def _join(parts: list[str]) -> str:
    joined = parts[0]
    for part in parts[1:]:
        glue = "" if _CJK.match(joined[-1]) and _CJK.match(part[0]) else " "
        joined += glue + part
    return joined
