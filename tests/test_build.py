"""End to end: seeds → briefs → site → digest preview, through the real CLI and a real MkDocs."""

from __future__ import annotations

import email
import json
from email import policy
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner, Result

from briefgen import brief_files
from briefgen.cli import cli
from briefgen.models import Brief

SEED_COMPANIES = {
    "seeds/000_1a8499f21cbb5d07.txt": {"GAC Group", "Haier Group"},
    "seeds/001_6d8b8213bbaaa68d.txt": {"Haier Group", "Chery", "SAIC Motor", "Geely"},
    "seeds/002_d11e70a5f0626e7b.txt": {"SAIC Motor", "SAIC-BMW", "BMW", "Baidu"},
}


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def snapshot(root: Path) -> dict[str, bytes]:
    folders = ("briefings", "site", "outbox")
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for folder in folders
        for p in sorted((root / folder).rglob("*"))
        if p.is_file()
    }


def briefs(root: Path) -> dict[str, Brief]:
    loaded = brief_files.load_all(root / "briefings")
    return {b.source.file or "": b for b in loaded}


@pytest.fixture
def built(project_dir: Path) -> Path:
    result = run("build")
    assert result.exit_code == 0, result.output
    return project_dir


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_build_writes_one_brief_per_seed_in_the_format(built: Path) -> None:
    found = briefs(built)
    assert set(found) == set(SEED_COMPANIES)
    for seed, brief in found.items():
        assert not brief.edited
        assert brief.path and brief.path.startswith(f"{brief.date:%Y/%m}/")
        assert brief.summary and brief.why_it_matters
        # Generated: two or three, as long as journalists' highlights; the publisher's: up to 5.
        assert 2 <= len(brief.takeaways) <= 5, (seed, brief.takeaways)
        assert set(brief.companies) == SEED_COMPANIES[seed], seed
        assert brief.themes, seed
        assert brief.added.isoformat() == "2026-11-21"


def test_publisher_sections_are_used_word_for_word(built: Path) -> None:
    brief = briefs(built)["seeds/000_1a8499f21cbb5d07.txt"]
    assert brief.title == "GAC Group, Haier Group Sign Strategic Agreement"
    assert brief.published is not None and brief.published.isoformat() == "2026-04-13"
    assert brief.source.name == "Gasgoo Auto News"
    assert brief.takeaways == (
        "GAC and Haier sign strategic cooperation framework in Qingdao",
        'Partnership targets "people‑vehicle‑home" smart ecosystem integration',
        "GAC will apply AI large model and Xingling architecture to vehicles",
        "Haier brings smart‑home, healthcare, robotics expertise to automotive sector",
        "Joint projects aim to accelerate China's high‑quality automotive development",
    )
    assert brief.why_it_matters.startswith("The deal merges automotive engineering")
    assert brief.why_it_matters.endswith("ecosystem‑centric strategies in the global auto market.")


def test_site_has_every_page_a_reader_needs(built: Path) -> None:
    site = built / "site"
    home = soup(site / "index.html")
    assert len(home.find_all("h1")) == 1
    found = briefs(built)
    newest_first = sorted(found.values(), key=lambda b: (b.date, b.added), reverse=True)
    links = [a["href"] for a in home.select("a[href]")]
    positions = [
        next(i for i, href in enumerate(links) if href.rstrip("/").endswith(b.url.rstrip("/")))
        for b in newest_first
    ]
    assert positions == sorted(positions), "home page must list briefs newest first"
    for brief in found.values():
        page = soup(site / brief.url / "index.html")
        assert page.find("h1").get_text(strip=True) == brief.title
        text = page.get_text(" ", strip=True)
        assert "Why it matters" in text and "Key takeaways" in text
        for company in brief.companies:
            assert page.find("a", string=company), (brief.url, company)
    for folder in ("companies", "themes", "archive"):
        assert (site / folder / "index.html").is_file()
    assert (site / "companies/haier-group/index.html").is_file()
    assert (site / "themes/smart-home-iot/index.html").is_file()
    assert (site / "archive/2026-04/index.html").is_file()
    issue = soup(site / "issues/1/index.html")
    assert all(issue.find("a", string=b.title) for b in found.values())


def test_digest_preview_is_a_multipart_message(built: Path) -> None:
    raw = (built / "outbox/1/preview.eml").read_bytes()
    assert max(raw) < 0x80
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]  # type: ignore[attr-defined]
    assert parts == ["text/plain", "text/html"]
    assert message["Subject"] and message["Message-ID"] and message["Date"]


def test_rebuild_changes_nothing(built: Path) -> None:
    before = snapshot(built)
    result = run("build")
    assert result.exit_code == 0, result.output
    assert snapshot(built) == before


def test_hand_edited_brief_survives_rebuilds(built: Path) -> None:
    brief = briefs(built)["seeds/001_6d8b8213bbaaa68d.txt"]
    path = built / "briefings" / (brief.path or "")
    edited = path.read_text(encoding="utf-8").replace(
        "## Why it matters", "## Why it matters\n\n**Editor's note.**"
    )
    path.write_text(edited, encoding="utf-8")
    for _ in range(2):
        result = run("build")
        assert result.exit_code == 0
        assert path.read_text(encoding="utf-8") == edited
        assert f"Kept {brief.path}: edited by hand" in result.output
    page = soup(built / "site" / brief.url / "index.html")
    assert page.find("strong", string="Editor's note.")


def test_summarise_json_prints_and_writes_nothing(project_dir: Path) -> None:
    result = run("summarise", "seeds", "--json")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert len(records) == 3
    keys = {"title", "published", "source", "summary", "why_it_matters", "takeaways"}
    for record in records:
        assert keys | {"companies", "themes"} == set(record)
        assert record["source"]["file"].startswith("seeds/")
    assert "Smart home & IoT integration" in records[0]["themes"]
    assert not list((project_dir / "briefings").iterdir())
    assert not (project_dir / "site").exists()
    one = run("summarise", "seeds/002_d11e70a5f0626e7b.txt", "--json")
    assert json.loads(one.output)["companies"]


def test_bad_seed_is_reported_and_the_rest_builds(project_dir: Path) -> None:
    (project_dir / "seeds/broken.txt").write_bytes(b"\xff\xfe\x00\x00garbage\x00\x81")
    result = run("build")
    assert result.exit_code == 0, result.output
    assert "seeds/broken.txt" in result.output
    assert len(briefs(project_dir)) == 3


def test_missing_config_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["build"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "mkdocs.yml" in result.output
    assert "Traceback" not in result.output


def test_check_passes_on_generated_briefs_and_flags_ungrounded_text(built: Path) -> None:
    result = run("check")
    assert result.exit_code == 0, result.output
    # Seed 001 names two organisations the registry lacks: listed for the editor, not errors.
    assert "Not in the company registry: Anhui Haixingyun IoT Technology Co., Ltd." in result.output
    brief = briefs(built)["seeds/002_d11e70a5f0626e7b.txt"]
    forged = brief_files.render(
        Brief(**{**brief.__dict__, "takeaways": ("Baidu will buy BMW for 99 billion yuan.",)})
    )
    (built / "briefings" / (brief.path or "")).write_text(forged, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check"])
    assert result.exit_code == 1
    assert "99" in result.output and brief.path in result.output


def test_invalid_option_names_the_key_on_one_line(project_dir: Path) -> None:
    config = project_dir / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("seeds_dir: seeds", "seeds_dir: [1, 2]"),
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["build"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1, result.output
    assert "mkdocs.yml" in result.output and "seeds_dir" in result.output


def test_ingest_adds_briefs_without_building_the_site(project_dir: Path) -> None:
    result = run("ingest", "seeds/002_d11e70a5f0626e7b.txt")
    assert result.exit_code == 0, result.output
    assert list(briefs(project_dir)) == ["seeds/002_d11e70a5f0626e7b.txt"]
    assert not (project_dir / "site").exists()
    refused = CliRunner().invoke(cli, ["ingest", "ftp://example.com/a"])
    assert refused.exit_code == 1 and "ftp: URLs are not supported" in refused.output


def test_digest_command_writes_web_copy_and_preview(built: Path) -> None:
    (built / "outbox/1/preview.eml").unlink()
    result = run("digest", "--issue", "1")
    assert result.exit_code == 0, result.output
    assert (built / "outbox/1/preview.eml").is_file()
    assert soup(built / "site/issues/1/index.html").find("h2")
    missing = CliRunner().invoke(cli, ["digest", "--issue", "9"])
    assert missing.exit_code == 1 and "no digest issue '9'" in missing.output
