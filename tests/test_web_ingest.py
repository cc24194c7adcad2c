"""Web ingest through the pipeline: URLs, feeds and the same story once, against a local server."""

from __future__ import annotations

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
