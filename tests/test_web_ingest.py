"""Web ingest through the pipeline: URLs, feeds and the same story once, against a local server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from click.testing import CliRunner, Result

from briefgen import brief_files
from briefgen.cli import cli
from briefgen.models import Brief
from tests.local_web import WEB_DATA, LocalWeb, guard_network, serve


@pytest.fixture
def web(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalWeb]:
    guard_network(monkeypatch)
    with serve() as local:
        yield local


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def briefs(root: Path) -> list[Brief]:
    return brief_files.load_all(root / "briefings")


def test_a_url_becomes_a_brief_linking_to_its_canonical_url_and_is_fetched_once(
    project_dir: Path, web: LocalWeb
) -> None:
    url = web.url("/pages/news_site.html?utm_source=newsletter")
    result = run("ingest", url)
    assert result.exit_code == 0, result.output
    [brief] = briefs(project_dir)
    assert brief.title == "Geely and Renault take hybrid engine venture to Brazil"
    assert brief.source.url and brief.source.url.startswith("https://")  # the page's canonical
    assert brief.source.file is None and {"Geely", "Renault"} <= set(brief.companies)
    assert web.hits["/pages/news_site.html"] == 1
    again = run("ingest", url)
    assert again.exit_code == 0 and "1 unchanged" in again.output
    assert web.hits["/pages/news_site.html"] == 1, "an ingested URL is not requested again"
    run("ingest", "--refresh", url)
    assert web.hits["/pages/news_site.html"] == 2
    assert all(agent.startswith("briefgen/") for agent in web.user_agents)


def test_build_reads_feeds_and_urls_lists_and_reports_failures(
    project_dir: Path, web: LocalWeb
) -> None:
    seeds = project_dir / "seeds"
    (seeds / "feeds.txt").write_text(f"# industry feed\n{web.url('/feeds/rss.xml')}\n", "utf-8")
    (seeds / "urls.txt").write_text(f"{web.url('/status/404')}\n\n", "utf-8")
    result = run("build")
    assert result.exit_code == 0, result.output
    assert "/status/404" in result.output  # reported by URL, the build went on
    titles = {brief.title for brief in briefs(project_dir)}
    assert "Toyota and Pony.ai start building robotaxis in Guangzhou" in titles
    assert len(titles) > 3  # the three seeds and the feed's items


def test_the_same_story_from_two_outlets_becomes_one_brief_with_also(project_dir: Path) -> None:
    stories = {s["id"]: s for s in yaml.safe_load((WEB_DATA / "dedupe/stories.yml").read_text())}
    for name in ("horse-autowire", "horse-rewrite"):
        story = stories[name]
        text = f"{story['title']}\n\n{story['outlet']}\n{story['published']}\n\n{story['text']}"
        (project_dir / "seeds" / f"{name}.txt").write_text(text, encoding="utf-8")
    result = run("ingest", "seeds")
    assert result.exit_code == 0, result.output
    horse = [b for b in briefs(project_dir) if "Horse" in b.summary or "Horse" in b.title]
    assert len(horse) == 1, [b.title for b in horse]
    assert [source.name for source in horse[0].also] == [stories["horse-rewrite"]["outlet"]]
    assert "Merged seeds/horse-rewrite.txt into seeds/horse-autowire.txt" in result.output
    assert run("build").exit_code == 0
    page = BeautifulSoup(
        (project_dir / "site" / horse[0].url / "index.html").read_text("utf-8"), "html.parser"
    )
    also = page.find("p", class_="also")
    assert also is not None
    outlet = stories["horse-rewrite"]["outlet"]
    assert also.get_text(" ", strip=True) == f"Also reported by: {outlet}"


# --- the same story across runs ----------------------------------------------------------------

STORIES = {s["id"]: s for s in yaml.safe_load((WEB_DATA / "dedupe/stories.yml").read_text())}


def add_seed(root: Path, name: str) -> str:
    """A labelled story as a pasted-text seed; returns its path as the build output shows it."""
    story = STORIES[name]
    text = f"{story['title']}\n\n{story['outlet']}\n{story['published']}\n\n{story['text']}"
    (root / "seeds" / f"{name}.txt").write_text(text, encoding="utf-8")
    return f"seeds/{name}.txt"


def snapshot(root: Path) -> dict[str, bytes]:
    folder = root / "briefings"
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.md")}


def about(root: Path, word: str) -> list[Brief]:
    return [b for b in briefs(root) if word in b.title or word in b.summary]


def test_a_later_rewrite_joins_the_story_briefed_in_an_earlier_run(project_dir: Path) -> None:
    first = add_seed(project_dir, "horse-autowire")
    assert run("ingest", "seeds").exit_code == 0
    [horse] = about(project_dir, "Horse")
    later = add_seed(project_dir, "horse-rewrite")
    result = run("ingest", "seeds")
    assert result.exit_code == 0, result.output
    [merged] = about(project_dir, "Horse")
    assert (merged.id, merged.path) == (horse.id, horse.path) and not merged.edited
    assert [s.name for s in merged.also] == [STORIES["horse-rewrite"]["outlet"]]
    lines = [line for line in result.output.splitlines() if later in line]
    assert lines == [f"Merged {later} into {first}: the same story, briefed before ({horse.path})"]
    before = snapshot(project_dir)
    again = run("ingest", "seeds")
    assert again.exit_code == 0 and snapshot(project_dir) == before
    assert f"Merged {later} into {first}: the same story" in again.output


def test_a_translation_in_a_later_run_joins_the_story_too(project_dir: Path) -> None:
    add_seed(project_dir, "horse-autowire")
    assert run("ingest", "seeds").exit_code == 0
    add_seed(project_dir, "horse-zh")
    assert run("ingest", "seeds").exit_code == 0
    [horse] = about(project_dir, "Horse")
    assert [s.name for s in horse.also] == [STORIES["horse-zh"]["outlet"]]
    assert len(briefs(project_dir)) == 4  # the three sample seeds and the Horse story


def test_an_earlier_report_arriving_later_becomes_the_primary_as_in_one_run(
    project_dir: Path, tmp_path: Path
) -> None:
    """Run by run or all at once, the same briefs, byte for byte."""
    add_seed(project_dir, "horse-rewrite")  # published a day after horse-autowire
    assert run("ingest", "seeds").exit_code == 0
    add_seed(project_dir, "horse-autowire")
    result = run("ingest", "seeds")
    assert result.exit_code == 0, result.output
    assert "Merged seeds/horse-rewrite.txt into seeds/horse-autowire.txt" in result.output
    [horse] = about(project_dir, "Horse")
    assert horse.source.file == "seeds/horse-autowire.txt"
    assert [s.name for s in horse.also] == [STORIES["horse-rewrite"]["outlet"]]
    in_steps = snapshot(project_dir)
    assert run("ingest", "seeds").exit_code == 0 and snapshot(project_dir) == in_steps

    shutil.rmtree(project_dir / "briefings")
    shutil.rmtree(project_dir / ".briefgen")
    (project_dir / "briefings").mkdir()
    assert run("ingest", "seeds").exit_code == 0
    assert snapshot(project_dir) == in_steps


def test_a_distinct_story_about_the_same_companies_in_a_later_run_stays_apart(
    project_dir: Path,
) -> None:
    add_seed(project_dir, "toyota-pony-feed")
    assert run("ingest", "seeds").exit_code == 0
    add_seed(project_dir, "toyota-pony-listing")
    result = run("ingest", "seeds")
    assert result.exit_code == 0 and "Merged" not in result.output, result.output
    stories = {b.source.file: b for b in briefs(project_dir)}
    for name in ("toyota-pony-feed", "toyota-pony-listing"):
        assert stories[f"seeds/{name}.txt"].also == ()


def test_a_repeat_of_a_story_whose_brief_was_edited_leaves_the_brief_alone(
    project_dir: Path,
) -> None:
    add_seed(project_dir, "horse-autowire")
    assert run("ingest", "seeds").exit_code == 0
    [horse] = about(project_dir, "Horse")
    path = project_dir / "briefings" / (horse.path or "")
    edited = path.read_text("utf-8").replace(
        "## Why it matters", "Editor's note.\n\n## Why it matters"
    )
    path.write_text(edited, "utf-8")
    add_seed(project_dir, "horse-rewrite")
    for _ in range(2):
        result = run("ingest", "seeds")
        assert result.exit_code == 0, result.output
        assert path.read_text("utf-8") == edited
        assert len(about(project_dir, "Horse")) == 1
        assert (
            f"Skipped seeds/horse-rewrite.txt: the same story as {horse.path}, which was edited "
            "by hand (not rewritten)" in " ".join(result.output.split())
        )


def test_a_story_whose_brief_and_seed_are_deleted_draws_no_later_report(
    project_dir: Path,
) -> None:
    add_seed(project_dir, "horse-autowire")
    assert run("ingest", "seeds").exit_code == 0
    [horse] = about(project_dir, "Horse")
    (project_dir / "briefings" / (horse.path or "")).unlink()
    (project_dir / "seeds" / "horse-autowire.txt").unlink()
    add_seed(project_dir, "horse-rewrite")
    result = run("ingest", "seeds")
    assert result.exit_code == 0 and "Merged" not in result.output, result.output
    [alone] = about(project_dir, "Horse")
    assert alone.source.file == "seeds/horse-rewrite.txt" and alone.also == ()
