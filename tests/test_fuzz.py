"""Fuzzing the code that reads untrusted text: brief files, the Markdown escaping, text ingest
and HTML extraction (hypothesis). Bounded so the suite stays fast; a failure prints the
shrunk example."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import string
from pathlib import Path

import markdown
import pytest
from bs4 import BeautifulSoup
from bs4.element import Tag
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from mkdocs.utils import meta as mkdocs_meta

from briefgen import brief_files, ingest, web_extract
from briefgen.errors import BriefFileError, IngestError
from briefgen.models import Article, Brief, Generated, Source

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Strings with a meaning to YAML, Markdown, MkDocs or HTML, combined with arbitrary text.
SPECIAL = [
    "null", "~", "yes", "no", "on", "off", "true", "False", "- x", "-", ": ", ":", "#", "# x",
    "'", '"', "---", "...", "--- x", "? x", "|", ">", "&a", "*a", "!!python/object:os.system",
    "%YAML 1.1", "@", "`", "{a: b}", "[a, b]", "0x1F", "1e3", "0o17", ".inf", "2026-01-02",
    "12:30", "0" * 64, "generated: {by: x, hash: " + "0" * 64 + "}", "Update: ", "Title:",
    "\t", "\n", "\r\n", "\r", "\x00", "\x1f", "\x7f", "\x85", "\u2028", "\u2029", "\ufeff",
    "\u200b", "é", "汽车", "😀", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))", "{: onclick=alert(1) }", '--8<-- "/etc/hostname"', "&amp;",
    "&#60;", "\\", "*x*", "__x__", "[^1]", "*[HTML]: x", "1.", "1)", "+ x", "> x", "=== x",
    "~~~", "```", "    code", "<!-- x -->", "<https://example.com>", "![i](x.png)", "|a|b|",
    "## Why it matters", "## Key takeaways",
]  # fmt: skip
special = st.sampled_from(SPECIAL)
text = st.lists(st.one_of(special, st.text(max_size=20)), max_size=6).map("".join)
line = st.lists(
    st.one_of(special.filter(lambda s: "\n" not in s and "\r" not in s), st.text(max_size=20)),
    max_size=6,
).map(lambda parts: " ".join(" ".join("".join(parts).split()).split()))
"""One line of text with no line breaks."""
nonempty = text.filter(lambda value: value != "")
optional = st.none() | text
dates = st.dates(min_value=dt.date(1000, 1, 1))


def flat(value: str) -> str:
    return " ".join(value.split())


briefs = st.builds(
    Brief,
    id=nonempty,
    title=nonempty,
    summary=text,
    why_it_matters=text,
    takeaways=st.lists(text, max_size=4).map(tuple),
    added=dates,
    source=st.builds(Source, name=optional, url=optional, file=optional),
    published=st.none() | dates,
    byline=optional,
    language=nonempty,
    companies=st.lists(text, max_size=3).map(tuple),
    themes=st.lists(text, max_size=3).map(tuple),
    also=st.lists(st.builds(Source, name=optional, url=optional), max_size=2).map(tuple),
    # Always "briefgen <version> <method> <fingerprint>": one line.
    generated=st.builds(
        Generated, by=st.text(string.printable.strip(), max_size=30), hash=st.just("")
    ),
    path=st.just("2026/01/fuzz.md"),
)


# --- brief files ---------------------------------------------------------------------------


@FUZZ
@given(briefs)
def test_brief_files_round_trip_any_brief(brief: Brief) -> None:
    text = brief_files.render(brief)
    parsed = brief_files.parse(text, "2026/01/fuzz.md")
    assert not parsed.edited
    for name in ("id", "title", "added", "published", "source", "byline", "language"):
        assert getattr(parsed, name) == getattr(brief, name), name
    assert (parsed.companies, parsed.themes, parsed.also) == (
        brief.companies,
        brief.themes,
        brief.also,
    )
    assert parsed.generated is not None and brief.generated is not None
    assert parsed.generated.by == brief.generated.by
    assert parsed.summary == flat(brief.summary)
    assert parsed.why_it_matters == flat(brief.why_it_matters)
    assert parsed.takeaways == tuple(flat(t) for t in brief.takeaways if flat(t))
    # Rendering the parsed brief gives the same file: regeneration never churns the bytes.
    assert brief_files.render(parsed) == text


@FUZZ
@given(briefs, st.integers(min_value=0), st.text(min_size=1, max_size=3))
def test_any_edit_of_a_brief_file_is_seen_or_refused(brief: Brief, at: int, insert: str) -> None:
    """Changing a brief file anywhere marks it edited, or makes it unreadable with a one-line
    error: never a silent regeneration over an editor's work."""
    text = brief_files.render(brief)
    at %= len(text) + 1
    changed = text[:at] + insert + text[at:]
    try:
        parsed = brief_files.parse(changed, "2026/01/fuzz.md")
    except BriefFileError as error:
        assert "\n" not in error.message and "2026/01/fuzz.md" in error.message
        return
    assert parsed.edited


@FUZZ
@given(st.binary(max_size=300) | text.map(lambda value: value.encode("utf-8", "surrogatepass")))
def test_reading_any_bytes_as_a_brief_file_fails_with_one_line(data: bytes) -> None:
    for content in (data, b"---\nid: a\ntitle: t\n" + data, b"---\n" + data + b"\n---\n"):
        try:
            brief_files.parse(content.decode("utf-8"), "2026/01/fuzz.md")
        except UnicodeDecodeError:
            continue  # `load` reports those as "is not UTF-8 text"
        except BriefFileError as error:
            assert "\n" not in error.message


# --- the escaping, rendered as MkDocs renders it ---------------------------------------------

EXTENSIONS = [
    # MkDocs' defaults, then the ones most likely to act on article text if a project adds them.
    "toc", "tables", "fenced_code", "attr_list", "md_in_html", "footnotes", "abbr",
    "def_list", "admonition", "sane_lists", "legacy_attrs", "wikilinks", "nl2br",
]  # fmt: skip


def visible(tag: Tag) -> str:
    # Python-Markdown drops its own placeholder characters (STX, ETX) from the source.
    return tag.get_text().replace("\x02", "").replace("\x03", "")


@FUZZ
@given(summary=text, why=text, takeaways=st.lists(text, max_size=4))
@example(summary="Update: the deal closed", why="", takeaways=[])
def test_escaped_text_renders_as_the_same_plain_text(
    summary: str, why: str, takeaways: list[str]
) -> None:
    brief = Brief(
        id="0a1b2c3d",
        title="t",
        summary=summary,
        why_it_matters=why,
        takeaways=tuple(takeaways),
        added=dt.date(2026, 1, 2),
    )
    text = brief_files.render(brief)
    match = brief_files._FRONT_MATTER.match(text)
    assert match is not None
    body = text[match.end() :].lstrip("\n")
    # MkDocs reads "Key: value" lines at the top of a page as meta-data and drops them.
    assert mkdocs_meta.get_data(body) == (body, {})
    html = markdown.markdown(body, extensions=EXTENSIONS)
    soup = BeautifulSoup(html, "html.parser")
    tags = soup.find_all(True)
    assert {tag.name for tag in tags} <= {"p", "h2", "ul", "li"}, html
    assert all(set(tag.attrs) <= ({"id"} if tag.name == "h2" else set()) for tag in tags), html
    paragraphs = [flat(visible(p)) for p in soup.find_all("p")]
    expected = [flat(value.replace("\x02", "").replace("\x03", "")) for value in (summary, why)]
    assert paragraphs == [value for value in expected if value]
    items = [flat(visible(li)) for li in soup.find_all("li")]
    clean = [flat(t.replace("\x02", "").replace("\x03", "")) for t in takeaways]
    assert items == [t for t, raw in zip(clean, takeaways, strict=True) if flat(raw)]


@FUZZ
@given(line)
def test_escape_and_unescape_are_inverse(value: str) -> None:
    assert brief_files.unescape_markdown(brief_files.escape_markdown(value)) == value


# --- text ingest -------------------------------------------------------------------------------


@FUZZ
@given(st.binary(max_size=400))
def test_decode_returns_text_or_a_one_line_error(data: bytes) -> None:
    try:
        decoded = ingest.decode(data, "seeds/fuzz.txt")
    except IngestError as error:
        assert error.message.startswith("seeds/fuzz.txt: ") and "\n" not in error.message
        return
    assert decoded.strip()
    assert "\x00" not in decoded


def check_article(article: Article) -> None:
    """What every stage downstream relies on: non-empty one-line title, non-empty paragraphs
    without line breaks or surrounding spaces."""
    assert article.title.strip() and "\n" not in article.title, article.title
    assert re.fullmatch(r"[0-9a-f]{8}", article.id)
    for paragraph in article.paragraphs:
        assert paragraph and paragraph == paragraph.strip() and "\n" not in paragraph
    for item in article.publisher_takeaways:
        assert item.strip() and "\n" not in item


pasted = st.lists(
    st.one_of(
        special,
        st.text(max_size=40),
        st.sampled_from(
            ["\n", "\n\n", "Why it matters\n", "Key takeaways\n", "- ", "By Jane Doe\n"]
        ),
        st.sampled_from(
            ["March 3, 2026\n", "2026年3月3日\n", "来源：新华网\n", "Source: Reuters\n"]
        ),
    ),
    max_size=25,
).map("".join)


@FUZZ
@given(pasted)
def test_parse_text_returns_an_article_or_a_one_line_error(value: str) -> None:
    try:
        article = ingest.parse_text(value, "seeds/fuzz.txt")
    except IngestError as error:
        assert "\n" not in error.message and "seeds/fuzz.txt" in error.message
        return
    check_article(article)


LONG = (
    "Geely and Baidu agreed on Tuesday to build a fleet of 500 robotaxis in Wuhan, the two "
    "companies said. The first cars will carry passengers next spring, and analysts expect the "
    "deal to lift the mobility revenue of Baidu by 30% within two years, a brokerage said."
)


TAGS = ["p", "div", "span", "b", "a", "script", "style", "h1", "h2", "li", "ul", "table", "td"]
TAGS += ["tr", "img", "br", "iframe", "svg", "template", "noscript", "article", "header", "nav"]
words = st.lists(
    st.text(alphabet=string.ascii_letters + "汽车", min_size=1, max_size=8), min_size=1, max_size=12
).map(" ".join)


HTML_SPECIAL = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<style>p{x:y}</style>",
    "<iframe src=javascript:x()></iframe>", "<svg onload=alert(1)><text>x</text></svg>",
    "<b onclick=alert(1)>b</b>", "<br>", "<!-- x -->", "<noscript>n</noscript>",
]  # fmt: skip
ATTRIBUTES = ["", ' onclick="alert(1)"', " onerror=alert(1)", ' href="javascript:x()"']
ATTRIBUTES += [' style="x"', " hidden", ' class="a"', ' lang="zh"', " src=x", ' x="\'"']
BROKEN = ["<", ">", "&", "&#60;", "&lt;b&gt;", "<!--", "-->", "<![CDATA[", "</", "<b", "<a href="]


@st.composite
def html_documents(draw: st.DrawFn, depth: int = 3, *, broken: bool = True) -> str:
    """Pages of nested elements from TAGS with hostile attributes and text; with `broken`,
    stray markup characters and entities too."""
    parts = []
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        kind = draw(st.integers(min_value=0, max_value=5))
        if kind == 0 and depth:
            tag = draw(st.sampled_from(TAGS))
            attrs = draw(st.sampled_from(ATTRIBUTES))
            inner = draw(html_documents(depth - 1, broken=broken))
            closing = draw(st.sampled_from([f"</{tag}>", ""]))
            parts.append(f"<{tag}{attrs}>{inner}{closing}")
        elif kind == 1:
            parts.append(draw(st.sampled_from(HTML_SPECIAL)))
        elif kind == 2 and broken:
            parts.append(draw(st.sampled_from(BROKEN) | special))
        else:
            parts.append(draw(words))
    return "".join(parts)


def markup_of(html: str) -> set[str]:
    """The start tags in `html` (as `<name`), lower-cased."""
    return {f"<{name.lower()}" for name in re.findall(r"<([A-Za-z][A-Za-z0-9]*)", html)}


@FUZZ
@given(html_documents(broken=False).map(lambda html: html + f"<p>{LONG}</p>"))
def test_html_files_become_text_without_their_markup(tmp_path: Path, html: str) -> None:
    page = f"<!doctype html><html><body>{html}</body></html>"
    path = tmp_path / "fuzz.html"
    path.write_text(page, encoding="utf-8")
    try:
        article = ingest.read_article(path, "seeds/fuzz.html")
    except IngestError as error:
        assert "\n" not in error.message
        return
    check_article(article)
    generated = markup_of(page) - {"<html", "<body"}
    for field in (article.title, *article.paragraphs):
        assert not markup_of(field) & generated, field


# --- HTML extraction ---------------------------------------------------------------------------


@FUZZ
@given(
    html_documents(),
    st.sampled_from(["", "<title>T &lt;b&gt;</title>", "<title><b>x</b>", "<title>!?</title>"]),
    st.sampled_from(["", f"<p>{LONG}</p>", f"<h1>Robotaxis</h1><p>{LONG}</p>"]),
)
def test_extract_gives_an_article_or_an_ingest_error(html: str, head: str, text: str) -> None:
    """Most pages the fuzzer makes are too short to be articles: `text` adds a real one."""
    page = f"<html><head>{head}</head><body><article>{text}{html}</article></body></html>"
    try:
        article = web_extract.extract(page, "https://example.com/a", None)
    except IngestError as error:
        assert "\n" not in error.message
        return
    check_article(article)
    # Its text may hold `<` (an article may print markup as text): the brief built from it
    # escapes it, so nothing of it renders as markup.
    brief = Brief(
        id=article.id,
        title=article.title,
        summary=article.paragraphs[0] if article.paragraphs else "",
        why_it_matters=" ".join(article.paragraphs[1:2]),
        takeaways=article.paragraphs[2:5],
        added=dt.date(2026, 1, 2),
        source=article.source,
        byline=article.byline,
    )
    text = brief_files.render(brief)
    parsed = brief_files.parse(text, "2026/01/fuzz.md")
    assert (parsed.title, parsed.source, parsed.byline) == (
        article.title,
        article.source,
        article.byline,
    )
    body = text[text.index("\n---\n") + 5 :]
    rendered = BeautifulSoup(markdown.markdown(body, extensions=EXTENSIONS), "html.parser")
    assert {tag.name for tag in rendered.find_all(True)} <= {"p", "h2", "ul", "li"}


@pytest.mark.parametrize("size", [0, 1, 100, 10_000])
def test_extract_survives_deep_nesting(size: int) -> None:
    page = "<div>" * size + "Geely and Baidu " * 30 + "</div>" * size
    with contextlib.suppress(IngestError):
        web_extract.extract(f"<html><body>{page}</body></html>", None, "seeds/deep.html")
