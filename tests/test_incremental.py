"""Incremental builds: a rebuild renders only what changed, and gives the very site (and digest
preview) that a build from scratch of the same inputs gives, byte for byte."""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from briefgen import brief_files, site_cache
from briefgen.cli import cli
from tests.test_crash_safety import article

OUTPUTS = ("site", "outbox")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def build(root: Path) -> Result:
    os.chdir(root)
    result = run("--verbose", "build")
    assert result.exit_code == 0, result.output
    return result


def files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for folder in OUTPUTS
        for path in sorted((root / folder).rglob("*"))
        if path.is_file()
    }


def identities(root: Path) -> dict[str, tuple[int, int]]:
    """Each output file's inode and modification time: what a build that writes it changes."""
    found = {}
    for folder in (*OUTPUTS, ".briefgen"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and path.name != "lock":
                info = path.stat()
                found[path.relative_to(root).as_posix()] = (info.st_ino, info.st_mtime_ns)
    return found


def from_scratch(root: Path, elsewhere: Path) -> dict[str, bytes]:
    """The outputs of a first build, in another folder, of the same briefs and settings."""
    fresh = elsewhere / "fresh"
    fresh.mkdir(parents=True)
    for name in ("mkdocs.yml", "templates", "briefings", "issues"):
        source = root / name
        if source.is_dir():
            shutil.copytree(source, fresh / name)
        elif source.is_file():
            shutil.copy(source, fresh / name)
    (fresh / "seeds").mkdir()
    build(fresh)
    return files(fresh)


def add_seed(root: Path, index: int) -> None:
    text = article(random.Random(index), index)
    (root / "seeds" / f"extra-{index}.txt").write_text(text, encoding="utf-8")


@pytest.fixture
def built(project_dir: Path) -> Path:
    for index in range(4):
        add_seed(project_dir, index)
    build(project_dir)
    return project_dir


def test_a_rebuild_with_nothing_changed_touches_nothing(built: Path) -> None:
    before = identities(built)
    result = build(built)
    assert "up to date" in result.output
    assert identities(built) == before


def test_adding_an_article_renders_only_what_it_changes(built: Path, tmp_path: Path) -> None:
    old_pages = {
        path: path.stat().st_ino
        for path in (built / "site").glob("2*/*/*/index.html")  # brief pages
    }
    add_seed(built, 99)
    build(built)
    assert files(built) == from_scratch(built, tmp_path)
    # The other briefs' pages are the previous build's files (linked, not written again).
    kept = [path for path, inode in old_pages.items() if path.stat().st_ino == inode]
    assert len(kept) == len(old_pages)
    manifest = site_cache.Manifest.load(built / ".briefgen")
    assert manifest is not None and manifest.inputs


def test_editing_a_brief_by_hand_rebuilds_like_a_fresh_build(built: Path, tmp_path: Path) -> None:
    path, _ = next(brief_files.iter_paths(built / "briefings"))
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("## Why it matters", "An editor's *own* words.\n\n## Why it matters")
    )
    result = build(built)
    assert "up to date" not in result.output
    assert files(built) == from_scratch(built, tmp_path)


def test_deleting_a_brief_removes_it_everywhere(built: Path, tmp_path: Path) -> None:
    paths = [path for path, _ in brief_files.iter_paths(built / "briefings")]
    victim = brief_files.load(paths[-1], paths[-1].relative_to(built / "briefings").as_posix())
    # Deleted with its seed, or the build would brief the article again.
    (built / (victim.source.file or "")).unlink()
    paths[-1].unlink()
    build(built)
    outputs = files(built)
    assert outputs == from_scratch(built, tmp_path)
    assert not any(victim.id in name for name in outputs)
    assert not any(victim.title.encode() in data for data in outputs.values())


def test_changing_a_template_or_the_config_renders_every_page(built: Path, tmp_path: Path) -> None:
    template = built / "templates" / "site" / "main.html"
    template.write_text(
        template.read_text(encoding="utf-8").replace("<body>", '<body class="changed">'),
        encoding="utf-8",
    )
    build(built)
    outputs = files(built)
    assert outputs == from_scratch(built, tmp_path / "one")
    pages = [data for data in outputs.values() if b'class="site-header"' in data]
    assert pages and all(b'<body class="changed">' in data for data in pages)
    config = built / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("site_name: ", "site_name: New "),
        encoding="utf-8",
    )
    build(built)
    assert files(built) == from_scratch(built, tmp_path / "two")


def test_a_site_file_changed_by_hand_is_rebuilt(built: Path) -> None:
    expected = files(built)
    page = built / "site" / "index.html"
    page.write_text("tampered", encoding="utf-8")
    preview = next((built / "outbox").rglob("preview.eml"))
    preview.write_bytes(b"tampered")
    result = build(built)
    assert "up to date" not in result.output
    assert files(built) == expected


def test_a_deleted_site_is_built_again(built: Path) -> None:
    expected = files(built)
    shutil.rmtree(built / "site")
    build(built)
    assert files(built) == expected


def test_the_search_index_holds_exactly_the_current_briefs(built: Path) -> None:
    add_seed(built, 98)
    build(built)
    docs = built / "briefings"
    paths = [path for path, _ in brief_files.iter_paths(docs)]
    victim = brief_files.load(paths[0], paths[0].relative_to(docs).as_posix())
    (built / (victim.source.file or "")).unlink()
    paths[0].unlink()
    build(built)
    entry = json.loads((built / "site" / "pagefind" / "pagefind-entry.json").read_text("utf-8"))
    pages = sum(language["page_count"] for language in entry["languages"].values())
    assert pages == len(paths) - 1
