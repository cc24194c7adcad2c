"""Brief files: round trips, hand-edit detection and escaping of untrusted text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import markdown
import pytest
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st

from briefgen import brief_files
from briefgen.errors import BriefFileError
from briefgen.models import Brief, Generated, Source

HOSTILE = [
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "<img src=x onerror=alert(1)>",
    "A paragraph {: onclick=alert(1) }",
    '--8<-- "/etc/hostname"',
    "*emphasis* and __strong__ and `code`",
    "# not a heading",
    "1. not a list",
    "- not a bullet",
    "> not a quote",
    "R&D &amp; &#60;entities&#62;",
    "<https://example.com/autolink>",
    "=== setext",
    "| a | b |",
    "~~~",
    "    indented",
    "back\\slash \\*",
    "![image](https://example.com/x.png)",
    "[^1] footnote and *[HTML]: abbr",
]


def make(**changes: object) -> Brief:
    fields: dict[str, object] = {
        "id": "0a1b2c3d",
        "title": "GAC Group, Haier Group Sign Strategic Agreement",
        "summary": "GAC Group and Haier Group signed a strategic cooperation agreement.",
        "why_it_matters": "It links cars and homes.",
        "takeaways": ("GAC and Haier sign in Qingdao", "Partnership targets 51.2% growth"),
        "added": dt.date(2026, 11, 21),
        "source": Source("Gasgoo Auto News", "https://example.com/a", "seeds/a.txt"),
        "published": dt.date(2026, 4, 13),
        "companies": ("GAC Group", "Haier Group"),
        "themes": ("smart-home-iot",),
        "generated": Generated("briefgen test", ""),
        "path": "2026/04/gac.md",
    }
    fields.update(changes)
    return Brief(**fields)  # type: ignore[arg-type]


def test_round_trip_keeps_every_field() -> None:
    brief = make()
    parsed = brief_files.parse(brief_files.render(brief), brief.path or "")
    assert not parsed.edited
    assert parsed.generated is not None and len(parsed.generated.hash) == 64
    for name in ("id", "title", "summary", "why_it_matters", "takeaways", "added", "source"):
        assert getattr(parsed, name) == getattr(brief, name), name
    assert (parsed.published, parsed.companies, parsed.themes) == (
        brief.published,
        brief.companies,
        brief.themes,
    )


def test_render_is_deterministic_and_readable() -> None:
    text = brief_files.render(make())
    assert text == brief_files.render(make())
    assert "\n## Why it matters\n" in text and "\n## Key takeaways\n" in text
    assert "- GAC and Haier sign in Qingdao" in text
    assert "companies: [GAC Group, Haier Group]" in text


def test_any_edit_marks_the_brief_edited() -> None:
    text = brief_files.render(make())
    edited = text.replace("It links cars and homes.", "It links **cars** and homes.")
    assert brief_files.parse(edited, "x.md").edited
    retitled = text.replace("title: GAC Group", "title: The GAC Group")
    assert brief_files.parse(retitled, "x.md").edited


def test_hand_written_brief_without_generated_is_edited() -> None:
    text = "---\nid: abc\ntitle: Mine\nadded: 2026-01-02\n---\nMy summary.\n"
    brief = brief_files.parse(text, "2026/01/mine.md")
    assert brief.edited and brief.summary == "My summary." and brief.takeaways == ()


@pytest.mark.parametrize(
    "text, problem",
    [
        ("no front matter", "no front matter"),
        ("---\ntitle: [unclosed\n---\nx", "not valid YAML"),
        ("---\n- a list\n---\nx", "mapping"),
        ("---\ntitle: t\n---\nx", "'id' is missing"),
        ("---\nid: a\ntitle: t\nadded: soon\n---\nx", "'added' must be a date"),
        ("---\nid: a\ntitle: t\ncompanies: 5\n---\nx", "'companies' must be a list"),
    ],
)
def test_broken_files_give_one_line_errors(text: str, problem: str) -> None:
    with pytest.raises(BriefFileError) as raised:
        brief_files.parse(text, "2026/01/broken.md")
    message = raised.value.message
    assert problem in message and "2026/01/broken.md" in message and "\n" not in message


@pytest.mark.parametrize("hostile", HOSTILE)
def test_untrusted_text_renders_as_the_same_plain_text(hostile: str) -> None:
    brief = make(summary=hostile, takeaways=(hostile, "plain"), why_it_matters=hostile)
    text = brief_files.render(brief)
    parsed = brief_files.parse(text, "x.md")
    assert (parsed.summary, parsed.takeaways[0]) == (" ".join(hostile.split()),) * 2
    body = text.split("\n---\n", 1)[1]
    extensions = ["attr_list", "md_in_html", "toc", "tables", "footnotes", "abbr", "def_list"]
    html = markdown.markdown(body, extensions=extensions)
    soup = BeautifulSoup(html, "html.parser")
    allowed = {"p", "h2", "ul", "li"}
    assert {tag.name for tag in soup.find_all(True)} <= allowed, html
    assert all(not tag.attrs or set(tag.attrs) == {"id"} for tag in soup.find_all(True))
    paragraphs = [p.get_text() for p in soup.find_all("p")]
    assert paragraphs[0] == " ".join(hostile.split())
    assert soup.find_all("li")[0].get_text() == " ".join(hostile.split())


@given(st.text(min_size=1, max_size=200))
def test_escape_round_trips_any_text(text: str) -> None:
    flat = " ".join(text.split())
    assert brief_files.unescape_markdown(brief_files.escape_markdown(text)) == flat


def test_relative_path_avoids_slug_collisions() -> None:
    first, second = make(), make(id="ffff0000")
    path = brief_files.relative_path(first)
    assert path == "2026/04/gac-group-haier-group-sign-strategic-agreement.md"
    assert brief_files.relative_path(second, {path: first.id}).endswith("-ffff0000.md")
    assert brief_files.relative_path(first, {path: first.id}) == path


def test_write_is_atomic_and_returns_the_hashed_brief(tmp_path: Path) -> None:
    written = brief_files.write(make(), tmp_path)
    target = tmp_path / "2026/04/gac.md"
    assert target.is_file() and not written.edited
    assert [p.name for p in target.parent.iterdir()] == ["gac.md"]  # no temporary left behind
    assert brief_files.load_all(tmp_path)[0].id == "0a1b2c3d"


def test_also_reported_by_round_trips_and_is_omitted_when_empty() -> None:
    assert "also:" not in brief_files.render(make())
    also = (Source("Reuters", "https://example.com/r"), Source("新华网", None))
    text = brief_files.render(make(also=also))
    parsed = brief_files.parse(text, "x.md")
    assert parsed.also == also and not parsed.edited
    assert text.index("also:") < text.index("generated:")
