"""Hostile inputs, end to end: every unreadable file is named in exactly one warning line, the
rest of the build completes, nothing written before is lost or half-written, and no output (site,
feeds, search index, email) carries markup from an article. Then: two builds from the same
inputs are byte-identical, in different working folders and time zones too."""

from __future__ import annotations

import email
import functools
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from bs4.element import Tag
from click.testing import CliRunner, Result

from briefgen import brief_files, ingest
from briefgen.cli import cli
from briefgen.errors import IngestError
from briefgen.models import Brief

REPO = Path(__file__).resolve().parent.parent
HOSTILE = Path(__file__).parent / "data" / "hostile"
TODAY = "2026-11-21"
SECRET = "SECRET-OF-THE-SERVER-7f3a9c"
"""The content of `secret.txt` in the project: `--8<-- "secret.txt"` must never include it."""
MARKERS = [f"X{n}" for n in range(1, 21)]
MARKUP_NAME = 'name-<b onmouseover=alert("X18")>.txt'

# (file under seeds/ or briefings/, words of its one-line reason)
UNREADABLE = {
    "seeds/empty.txt": "empty file",
    "seeds/blank.md": "empty file",
    "seeds/empty-page.html": "empty file",
    "seeds/binary.txt": "binary file",
    "seeds/binary-page.html": "binary file",
    "seeds/huge.txt": "larger than 20 MB",
    "seeds/huge-page.html": "larger than 20 MB",
    "seeds/utf16.txt": "UTF-16",
    "seeds/latin1.txt": "cannot decode",
    "seeds/mixed-encodings.txt": "cannot decode",
    "seeds/scripts-only.html": "no article text",
    "2026/01/broken-front-matter.md": "not valid YAML",
    "2026/01/not-utf8.md": "not UTF-8",
    "2026/01/no-front-matter.md": "no front matter",
    "2026/01/list-front-matter.md": "must be a mapping",
}
BROKEN_BRIEFS = {
    "2026/01/broken-front-matter.md": b'---\nid: 0badf00d\ntitle: [unclosed <script>alert("X1")\n'
    b"added: 2026-01-02\n---\nBody <script>alert('X1')</script>\n",
    "2026/01/not-utf8.md": b"---\nid: 0badf00e\ntitle: Caf\xe9\nadded: 2026-01-02\n---\nBody\n",
    "2026/01/no-front-matter.md": b"Just <script>alert('X1')</script> text, no front matter.\n",
    "2026/01/list-front-matter.md": b"---\n- a\n- b\n---\n<img src=x onerror=alert('X2')>\n",
}


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def make_project(root: Path) -> Path:
    """The sample project (config, templates, seeds), as `conftest.project_dir` makes it."""
    root.mkdir(parents=True)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copytree(REPO / "seeds", root / "seeds")
    (root / "briefings").mkdir()
    return root


def story(title: str, *paragraphs: str) -> str:
    return "\n\n".join([title, *paragraphs]) + "\n"


def write_hostile_seeds(root: Path) -> None:
    """The hostile seeds: files from tests/data/hostile/ plus the ones made here (large,
    binary, badly encoded or trivially described), and broken brief files."""
    seeds = root / "seeds"
    for path in HOSTILE.iterdir():
        if path.name != "README.md":
            shutil.copy(path, seeds / path.name)
    (root / "secret.txt").write_text(SECRET + "\n", encoding="utf-8")
    (seeds / "empty.txt").write_bytes(b"")
    (seeds / "blank.md").write_bytes(b"  \n\t\n\r\n")
    (seeds / "empty-page.html").write_bytes(b"\n")
    (seeds / "binary.txt").write_bytes(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
    )
    (seeds / "binary-page.html").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8)
    for name in ("huge.txt", "huge-page.html"):
        with (seeds / name).open("wb") as handle:  # 50 MB, sparse: refused by its size
            handle.truncate(50 * 1024 * 1024)
    english = story(
        "Toyota and Pony.ai expand robotaxi tests",
        "Toyota and Pony.ai will add 1,000 robotaxis in Guangzhou and Shenzhen next year.",
    )
    (seeds / "utf16.txt").write_bytes(english.encode("utf-16"))
    (seeds / "latin1.txt").write_bytes(("Café déjà vu. " + english).encode("latin-1"))
    # UTF-8 with Windows-1252 quotes pasted in from another page.
    (seeds / "mixed-encodings.txt").write_bytes(
        "汽车合作: ".encode() + english.encode("utf-8") + "“Quoted”".encode("cp1252")
    )
    (seeds / "scripts-only.html").write_text(
        "<html><head><script>alert('X6')</script></head><body><nav>Home</nav>"
        "<script>document.write('<p>' + 'x'.repeat(500) + '</p>')</script></body></html>",
        encoding="utf-8",
    )
    long_sentence = (
        "Li Auto will buy driver assistance chips from Horizon Robotics for its L-series "
        "sport utility vehicles under a {n}-year contract signed in Beijing. "
    )
    line = "".join(long_sentence.format(n=n) for n in range(2, 80))
    assert len(line) > 10_000
    (seeds / "long-lines.txt").write_text(
        story(
            "Li Auto and Horizon Robotics agree a chip supply deal",
            line,
            "https://example.com/" + "a" * 10_000,
            "The deal is worth about 1.2 billion yuan, according to people familiar with it.",
        ),
        encoding="utf-8",
    )
    duplicate = story(
        "Changan and Tencent extend their cloud deal",
        "Changan Automobile and Tencent agreed on Wednesday to extend their cloud and mapping "
        "partnership for five years, covering 2 million connected cars built in Chongqing.",
        "Tencent will host Changan's voice assistant and over-the-air update servers, the two "
        "companies said, and open a joint lab with 150 engineers.",
    )
    (seeds / "dup-a.txt").write_text(duplicate, encoding="utf-8")
    (seeds / "dup-b.txt").write_text(duplicate, encoding="utf-8")
    paragraphs = "".join(f"<p>{p}</p>" for p in duplicate.split("\n\n")[1:])
    (seeds / "dup-syndicated.html").write_text(  # the same story, syndicated by another outlet
        "<html><head><title>Changan, Tencent extend cloud deal | Car Wire</title>"
        '<meta property="og:site_name" content="Car Wire"></head><body><article>'
        f"<h1>Changan, Tencent extend cloud deal</h1>{paragraphs}</article></body></html>",
        encoding="utf-8",
    )
    (seeds / MARKUP_NAME).write_text(
        story(
            "Zeekr and Mobileye shelve a driving chip plan",
            "Zeekr and Mobileye have shelved plans for a jointly developed driving chip, the "
            "Geely-owned brand said, after the cost of the project rose to 900 million dollars.",
            "Zeekr will keep buying Mobileye's existing chips for 120,000 cars a year.",
        ),
        encoding="utf-8",
    )
    for relative, content in BROKEN_BRIEFS.items():
        target = root / "briefings" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def snapshot(
    root: Path, folders: tuple[str, ...] = ("briefings", "site", "outbox")
) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for folder in folders
        for path in sorted((root / folder).rglob("*"))
        if path.is_file()
    }


def by_source(root: Path) -> dict[str, Brief]:
    found = {}
    for path, relative in brief_files.iter_paths(root / "briefings"):
        if relative not in BROKEN_BRIEFS:
            brief = brief_files.load(path, relative)
            found[brief.source.file or ""] = brief
    return found


class Built:
    """The hostile build: its project, output and what it read."""

    def __init__(self, root: Path, before: dict[str, bytes], result: Result, opened: list[str]):
        self.root = root
        self.before = before
        """briefings/ after a clean build of the sample project, before the hostile seeds."""
        self.result = result
        self.opened = opened
        """Names of the files opened with `Path.read_bytes` or `Path.open` during the build."""
        self.after = snapshot(root)
        self.briefs = by_source(root)
        self.rebuild = run("build")
        """The same build again, with nothing changed."""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """The sample project built once, then again with the hostile seeds, then a third time."""
    root = make_project(tmp_path_factory.mktemp("hostile") / "project")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setenv("BRIEFGEN_TODAY", TODAY)
        patch.delenv("SOURCE_DATE_EPOCH", raising=False)
        clean = run("build")
        assert clean.exit_code == 0, clean.output
        before = snapshot(root, ("briefings",))
        write_hostile_seeds(root)
        opened: list[str] = []
        read_bytes, open_path = Path.read_bytes, Path.open

        def spy_read(path: Path) -> bytes:
            opened.append(path.name)
            return read_bytes(path)

        def spy_open(path: Path, *args: Any, **kwargs: Any) -> Any:
            opened.append(path.name)
            return open_path(path, *args, **kwargs)

        with pytest.MonkeyPatch.context() as reads:
            reads.setattr(Path, "read_bytes", spy_read)
            reads.setattr(Path, "open", spy_open)
            result = run("build")
        yield Built(root, before, result, opened)


def warning_lines(result: Result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("Warning:")]


# --- the build completes and says what it skipped ----------------------------------------------


def test_build_completes_with_exit_code_0_and_no_traceback(built: Built) -> None:
    for result in (built.result, built.rebuild):
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output
    assert "Site built in site" in built.result.output
    assert "Digest preview written to outbox/1/preview.eml" in built.result.output
    # Nothing changed: the rebuild keeps the site and the preview it has.
    assert "Site and digest preview are up to date" in built.rebuild.output


def test_each_unreadable_file_is_named_in_exactly_one_warning_line(built: Built) -> None:
    for result in (built.result, built.rebuild):
        warnings = warning_lines(result)
        for name, reason in UNREADABLE.items():
            naming = [line for line in result.output.splitlines() if f"{name}:" in line]
            assert len(naming) == 1, (name, naming)
            assert naming[0] in warnings and reason in naming[0], naming[0]
        assert len(warnings) == len(UNREADABLE), "\n".join(warnings)


def test_a_50_mb_file_is_refused_by_its_size_unread(built: Built) -> None:
    assert "huge.txt" not in built.opened and "huge-page.html" not in built.opened
    assert "hostile.txt" in built.opened  # the spy saw the files that were read
    huge = built.root / "seeds/huge.txt"
    started = time.perf_counter()
    with pytest.raises(IngestError, match="larger than 20 MB"):
        ingest.read_article(huge, "seeds/huge.txt")
    assert time.perf_counter() - started < 0.5


def test_every_readable_article_becomes_a_brief(built: Built) -> None:
    expected = {
        "seeds/000_1a8499f21cbb5d07.txt",
        "seeds/001_6d8b8213bbaaa68d.txt",
        "seeds/002_d11e70a5f0626e7b.txt",
        "seeds/hostile.html",
        "seeds/hostile.txt",
        "seeds/hostile.md",
        "seeds/punctuation.html",
        "seeds/long-lines.txt",
        "seeds/same-slug-1.txt",
        "seeds/same-slug-2.txt",
        "seeds/dup-a.txt",
        f"seeds/{MARKUP_NAME}",
    }
    assert set(built.briefs) == expected
    site = built.root / "site"
    for brief in built.briefs.values():
        assert (site / brief.url / "index.html").is_file(), brief.url
        assert brief.summary and brief.title


def test_briefs_written_before_are_kept_byte_for_byte(built: Built) -> None:
    for relative, content in built.before.items():
        assert built.after[relative] == content, relative


def test_broken_brief_files_are_left_byte_identical_and_out_of_the_site(built: Built) -> None:
    for relative, content in BROKEN_BRIEFS.items():
        assert (built.root / "briefings" / relative).read_bytes() == content
        page = built.root / "site" / relative.removesuffix(".md")
        assert not page.exists(), relative
    # Nothing was written beside them either: the only files in 2026/01 are the broken ones.
    assert sorted(p.name for p in (built.root / "briefings/2026/01").iterdir()) == sorted(
        Path(r).name for r in BROKEN_BRIEFS
    )


def test_nothing_is_half_written(built: Built) -> None:
    root = built.root
    leftovers = [
        path
        for folder in ("briefings", "site", "outbox", "issues", ".briefgen")
        for path in (root / folder).rglob("*")
        if path.name.endswith(".tmp")
    ]
    assert leftovers == []
    assert not (root / ".site.new").exists() and not (root / ".site.old").exists()
    for path, relative in brief_files.iter_paths(root / "briefings"):
        if relative not in BROKEN_BRIEFS:
            assert brief_files.load(path, relative).generated is not None


def test_duplicates_give_one_brief_and_a_merge_line(built: Built) -> None:
    assert "seeds/dup-b.txt" not in built.briefs and "seeds/dup-a.txt" in built.briefs
    assert "seeds/dup-syndicated.html" not in built.briefs
    also = built.briefs["seeds/dup-a.txt"].also
    assert [source.name for source in also] == ["Car Wire"]
    for result in (built.result, built.rebuild):
        for copy in ("seeds/dup-b.txt", "seeds/dup-syndicated.html"):
            lines = [line for line in result.output.splitlines() if copy in line]
            assert lines == [f"Merged {copy} into seeds/dup-a.txt: the same story"]


def test_titles_with_the_same_slug_get_distinct_files(built: Built) -> None:
    first, second = built.briefs["seeds/same-slug-1.txt"], built.briefs["seeds/same-slug-2.txt"]
    assert {first.title, second.title} == {"Q3 Results!", "Q3 results?"}
    paths = {first.path, second.path}
    assert paths == {"2026/11/q3-results.md", f"2026/11/q3-results-{second.id}.md"} or paths == {
        "2026/11/q3-results.md",
        f"2026/11/q3-results-{first.id}.md",
    }
    pages = [built.root / "site" / brief.url / "index.html" for brief in (first, second)]
    titles = [soup(page).find("h1").get_text(strip=True) for page in pages]
    assert titles == [first.title, second.title]


def test_a_punctuation_only_title_gets_a_usable_slug_and_page(built: Built) -> None:
    brief = built.briefs["seeds/punctuation.html"]
    assert brief.title == "!!! ???"
    assert re.fullmatch(r"\d{4}/\d{2}/x-[0-9a-f]{8}\.md", brief.path or ""), brief.path
    page = soup(built.root / "site" / brief.url / "index.html")
    assert page.find("h1").get_text(strip=True) == "!!! ???"


def test_ten_thousand_character_lines_become_a_normal_brief(built: Built) -> None:
    brief = built.briefs["seeds/long-lines.txt"]
    assert brief.title == "Li Auto and Horizon Robotics agree a chip supply deal"
    text = (built.root / "briefings" / (brief.path or "")).read_text(encoding="utf-8")
    assert "a" * 10_000 not in text  # a 10,000-character word is no sentence


def test_a_file_name_with_markup_is_plain_text(built: Built) -> None:
    brief = built.briefs[f"seeds/{MARKUP_NAME}"]
    page = soup(built.root / "site" / brief.url / "index.html")
    assert not page.find("b", attrs={"onmouseover": True})


def test_a_rebuild_from_the_same_inputs_changes_nothing(built: Built) -> None:
    assert snapshot(built.root) == built.after
    assert "Briefs: 0 new, 0 updated" in built.rebuild.output


# --- no output carries markup from an article --------------------------------------------------

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "data", "srcset"}
UNSAFE_SCHEMES = re.compile(r"^(?:javascript|vbscript|data):", re.IGNORECASE)
NEVER = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "svg", "math"}
OWN_SCRIPT = re.compile(r"^(?:\.\./)*(?:js|pagefind)/[\w.-]+\.js$")


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html5lib")


def html_problems(html: str, where: str, *, scripts: bool) -> list[str]:
    """What in `html` could run or load something: script elements other than the site's own
    (`scripts`: a site page, which may also draw SVG), event-handler attributes,
    javascript:/data: URLs, frames and objects, meta refreshes, and raw markup of the hostile
    inputs. Parsed as a browser parses (html5lib)."""
    problems = []
    document = BeautifulSoup(html, "html5lib")
    for tag in document.find_all(True):
        assert isinstance(tag, Tag)
        for name, value in tag.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            if name.lower().startswith("on"):
                problems.append(f"{where}: <{tag.name} {name}={text!r}>")
            clean = re.sub(r"[\x00-\x20]", "", text)
            if name.lower() in URL_ATTRIBUTES and UNSAFE_SCHEMES.match(clean):
                problems.append(f"{where}: <{tag.name} {name}={text!r}>")
            if name.lower() == "style" and re.search(r"url\(|expression\(", text, re.I):
                problems.append(f"{where}: <{tag.name} style={text!r}>")
        if tag.name in NEVER and not (scripts and tag.name == "svg"):  # the partners drawing
            problems.append(f"{where}: <{tag.name}>")
        if tag.name.lower() == "foreignobject":
            problems.append(f"{where}: <foreignObject>")
        if tag.name == "meta" and str(tag.get("http-equiv", "")).lower() == "refresh":
            problems.append(f"{where}: <meta http-equiv=refresh>")
        if tag.name == "img" and tag.get("src") == "x":
            problems.append(f"{where}: <img src=x> from an article")
        if tag.name == "script":
            src = str(tag.get("src", ""))
            own = scripts and (OWN_SCRIPT.match(src) or (not src and not tag.string))
            if not own or any(marker in tag.get_text() for marker in MARKERS):
                problems.append(f"{where}: <script src={src!r}>{tag.get_text()[:60]}")
        if tag.name == "style" and any(marker in tag.get_text() for marker in MARKERS):
            problems.append(f"{where}: <style> with article text")
    # In the source too: an unescaped `<` of the inputs' markup is a bug even where a parser
    # would not run it (inside <title>, an attribute value, a comment).
    raw = html.lower()
    for needle in ("<script>alert", "<img src=x", "<svg onload", "<iframe", "<b onclick"):
        if needle in raw:
            problems.append(f"{where}: raw {needle!r}")
    return problems


def output_files(root: Path) -> Iterator[Path]:
    for folder in ("site", "outbox"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                yield path


def test_no_html_page_carries_markup_from_an_article(built: Built) -> None:
    problems: list[str] = []
    pages = [p for p in output_files(built.root) if p.suffix in (".html", ".htm")]
    assert len(pages) > 40
    for path in pages:
        where = path.relative_to(built.root).as_posix()
        problems += html_problems(path.read_text(encoding="utf-8"), where, scripts=True)
    assert problems == []


def test_hostile_text_shows_as_text(built: Built) -> None:
    """Inert is not enough: the reader sees the article's words, markup characters included."""
    brief = built.briefs["seeds/hostile.txt"]
    page = soup(built.root / "site" / brief.url / "index.html")
    assert page.find("h1").get_text(strip=True) == brief.title
    assert '<script>alert("X1")</script>' in brief.title
    text = page.get_text(" ")
    assert '<svg onload=alert("X7")>' in text
    assert "[X6](javascript:alert('X6'))" in text


def test_feeds_carry_text_and_inert_html(built: Built) -> None:
    problems: list[str] = []
    atom = "{http://www.w3.org/2005/Atom}"
    feeds = [p for p in output_files(built.root) if p.name in ("feed.xml", "feed.json")]
    assert len(feeds) > 10
    for path in feeds:
        where = path.relative_to(built.root).as_posix()
        if path.suffix == ".xml":
            tree = ET.parse(path)
            for element in tree.iter():
                assert element.tag.startswith(atom), (where, element.tag)  # no element from text
                if element.get("type") == "html":
                    problems += html_problems(element.text or "", where, scripts=False)
                elif element.get("type") not in (None, "text") and element.tag != f"{atom}link":
                    problems.append(f"{where}: {element.tag} type={element.get('type')}")
        else:
            feed = json.loads(path.read_text(encoding="utf-8"))
            for item in feed["items"]:
                problems += html_problems(item.get("content_html", ""), where, scripts=False)
                assert "content_text" not in item or "<" not in item.get("content_html", "<")
    assert problems == []


def test_sitemaps_and_other_text_files_hold_no_article_markup(built: Built) -> None:
    for path in output_files(built.root):
        if path.suffix in (".xml", ".txt", ".gz") and path.name != "feed.xml":
            data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
            text = data.decode("utf-8")
            assert not any(marker in text for marker in ('alert("X', "alert('X")), path
            if path.suffix != ".txt":
                ET.fromstring(data)


def pagefind_records(site: Path) -> list[dict[str, Any]]:
    records = []
    for path in sorted((site / "pagefind" / "fragment").glob("*.pf_fragment")):
        data = gzip.decompress(path.read_bytes())
        records.append(json.loads(data[data.index(b"{") :]))
    return records


def test_search_index_holds_the_pages_text_and_the_page_shows_it_as_text(built: Built) -> None:
    site = built.root / "site"
    records = pagefind_records(site)
    assert len(records) == len(built.briefs)
    hostile = next(r for r in records if "nio-and-catl" in r["url"])
    # The index holds text (what the page shows), never the page's markup ...
    assert '<script>alert("X1")</script>' in hostile["meta"]["title"]
    for record in records:
        assert "onmouseover" not in record["url"] and '"' not in record["url"]
        assert SECRET not in json.dumps(record)
    # ... and the search page inserts everything from the index as text: no HTML sinks.
    script = (site / "js" / "search.js").read_text(encoding="utf-8")
    sinks = r"\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function"
    assert re.findall(sinks, script) == []


def message_parts(path: Path) -> Iterator[tuple[str, str]]:
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    yield "headers", "\n".join(f"{k}: {v}" for k, v in message.items())
    for part in message.walk():
        if not part.is_multipart():
            assert isinstance(part, EmailMessage)
            yield part.get_content_type(), str(part.get_content())


def test_the_email_carries_text_and_inert_html(built: Built) -> None:
    messages = sorted((built.root / "outbox").rglob("*.eml"))
    assert messages
    problems: list[str] = []
    for path in messages:
        where = path.relative_to(built.root).as_posix()
        kinds = []
        for kind, content in message_parts(path):
            kinds.append(kind)
            if kind == "text/html":
                problems += html_problems(content, where, scripts=False)
            assert SECRET not in content
        assert kinds == ["headers", "text/plain", "text/html"]
    assert problems == []
    plain = dict(message_parts(messages[0]))["text/plain"]
    assert "Nio and CATL sign a battery swap pact <script>" in plain  # text stays text


def test_nothing_is_included_from_the_server(built: Built) -> None:
    for path in [*output_files(built.root), *(built.root / "briefings").rglob("*.md")]:
        data = path.read_bytes()
        if path.suffix == ".pf_fragment" or path.suffix == ".gz":
            data = gzip.decompress(data)
        assert SECRET.encode() not in data, path


def test_brief_files_render_to_plain_paragraphs_and_lists(built: Built) -> None:
    import markdown

    for brief in built.briefs.values():
        text = (built.root / "briefings" / (brief.path or "")).read_text(encoding="utf-8")
        body = text.split("\n---\n", 1)[1]
        html = markdown.markdown(body, extensions=["attr_list", "md_in_html", "tables"])
        names = {tag.name for tag in BeautifulSoup(html, "html.parser").find_all(True)}
        assert names <= {"p", "h2", "ul", "li"}, (brief.path, names)


@pytest.mark.browser
def test_nothing_runs_in_a_browser(built: Built, browser: Any) -> None:
    """Chromium opens the pages built from hostile articles, the home page, the issue and a
    search for them: no dialog opens (every payload calls alert) and no request leaves."""
    handler = functools.partial(_Quiet, directory=str(built.root / "site"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    dialogs: list[str] = []
    requests: list[str] = []
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        tab.on("request", lambda request: requests.append(request.url))
        pages = ["", "issues/1/", "feed.xml"]
        pages += [brief.url for brief in built.briefs.values()]
        for path in pages:
            response = tab.goto(base + path)
            assert response is not None and response.ok, path
        tab.goto(base + "search/")
        for query in ("alert", "Nio", "script"):
            tab.fill("#search-input", query)
            tab.wait_for_function(
                "q => document.getElementById('search-status').textContent.includes(q)",
                arg=query,
            )
        assert len(tab.query_selector_all(".search-result")) >= 1
        tab.wait_for_timeout(300)
    finally:
        context.close()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert dialogs == []
    assert [url for url in requests if not url.startswith(base)] == []


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


# --- an editor's broken brief --------------------------------------------------------------------


def test_a_generated_brief_broken_by_hand_is_never_written_over(project_dir: Path) -> None:
    assert run("build").exit_code == 0
    brief = by_source(project_dir)["seeds/000_1a8499f21cbb5d07.txt"]
    path = project_dir / "briefings" / (brief.path or "")
    broken = path.read_bytes().replace(b"title: ", b"title: [half an edit ", 1)
    path.write_bytes(broken)
    for _ in range(2):
        result = run("build")
        assert result.exit_code == 0, result.output
        assert path.read_bytes() == broken
        naming = [line for line in result.output.splitlines() if f"{brief.path}:" in line]
        assert len(naming) == 1 and naming[0].startswith("Warning: Skipped"), result.output
        # Its seed is not briefed again beside it: the editor fixes the file or deletes it.
        assert len(list(path.parent.iterdir())) == 1
        assert not (project_dir / "site" / brief.url).exists()
    path.unlink()
    assert run("build").exit_code == 0
    assert path.is_file() and not by_source(project_dir)[brief.source.file or ""].edited


# --- files in other encodings (issue 3's files): refused, never garbled -------------------------


def test_a_shift_jis_file_is_refused_not_garbled() -> None:
    data = "トヨタとソニーは電気自動車の新会社を設立すると発表した。日本語の記事です。".encode(
        "shift_jis"
    )
    with pytest.raises(IngestError, match="cannot decode"):
        ingest.decode(data, "seeds/japanese.txt")


def test_utf8_mixed_with_gbk_is_refused_not_garbled() -> None:
    english = "Toyota and Pony.ai will add 1,000 robotaxis in Guangzhou and Shenzhen next year.\n"
    data = english.encode() + "汽车合作".encode("gbk") + "汽车合作".encode()
    try:
        text = ingest.decode(data, "seeds/mixed.txt")
    except IngestError:
        return
    assert text.endswith("汽车合作汽车合作")


def test_a_file_in_another_encoding_is_skipped_with_one_line_naming_it(project_dir: Path) -> None:
    seed = project_dir / "seeds" / "japanese.txt"
    seed.write_bytes("トヨタとソニーは電気自動車の新会社を設立すると発表した。".encode("shift_jis"))
    result = run("ingest", "seeds")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "japanese.txt" in line]
    assert lines == [
        "Warning: Skipped seeds/japanese.txt: cannot decode: Japanese Shift_JIS text is not "
        "supported; save the file as UTF-8"
    ]


# --- the same inputs give the same bytes ---------------------------------------------------------


def build_in_subprocess(root: Path, timezone: str, today: str = TODAY) -> None:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SOURCE_DATE_EPOCH", "PYTHONHASHSEED") and not key.startswith("BRIEFGEN_")
    }
    environment.update(TZ=timezone, BRIEFGEN_TODAY=today, LC_ALL="C.UTF-8")
    done = subprocess.run(
        [sys.executable, "-m", "briefgen", "build", "--quiet"],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr


def test_builds_in_one_process_equal_builds_in_fresh_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing of a build stays behind in the process (the pinned build date, caches) to
    change the next one: `briefgen serve` and the tests build many times in one process."""
    later = story(
        "Seres and Huawei open a car plant in Chongqing",
        "Seres and Huawei opened a plant in Chongqing on Monday that can build 300,000 cars a "
        "year, the companies said, the third they run together.",
    )
    roots = [make_project(tmp_path / "in-process"), make_project(tmp_path / "fresh")]
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.chdir(roots[0])
    for day in (TODAY, "2026-12-05"):
        monkeypatch.setenv("BRIEFGEN_TODAY", day)
        assert run("build").exit_code == 0
        assert "SOURCE_DATE_EPOCH" not in os.environ
        (roots[0] / "seeds/later.txt").write_text(later, encoding="utf-8")
    for day in (TODAY, "2026-12-05"):
        build_in_subprocess(roots[1], "UTC", day)
        (roots[1] / "seeds/later.txt").write_text(later, encoding="utf-8")
    first, second = snapshot(roots[0]), snapshot(roots[1])
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []


def test_builds_in_different_folders_and_time_zones_are_byte_identical(tmp_path: Path) -> None:
    roots = [make_project(tmp_path / "a" / "project"), make_project(tmp_path / "b" / "elsewhere")]
    for root in roots:
        shutil.copy(HOSTILE / "same-slug-1.txt", root / "seeds")
        shutil.copy(HOSTILE / "hostile.txt", root / "seeds")
        (root / "seeds/dup.txt").write_bytes((HOSTILE / "same-slug-1.txt").read_bytes())
    build_in_subprocess(roots[0], "UTC")
    build_in_subprocess(roots[1], "Asia/Shanghai")
    first, second = snapshot(roots[0]), snapshot(roots[1])
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []
    assert len([name for name in first if name.startswith("briefings/")]) == 5
    for content in first.values():  # no absolute path of either build
        assert str(tmp_path).encode() not in content
    build_in_subprocess(roots[1], "America/St_Johns")
    assert snapshot(roots[1]) == first
