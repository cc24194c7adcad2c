"""Crash safety: `briefgen build` killed at any moment (SIGKILL, in a subprocess) leaves every
brief file whole and `site/` either the previous complete site or the new complete one; the
next build finishes the job, byte for byte as a build that was never interrupted."""

from __future__ import annotations

import email
import fcntl
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from email import policy
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from briefgen import atomic_files, brief_files
from briefgen.cli import cli

REPO = Path(__file__).resolve().parent.parent
TODAY = "2026-11-21"
SEEDS = 150
KILLS = 8
OUTPUTS = ("briefings", "site", "outbox")

# --- a corpus of distinct stories ----------------------------------------------------------------

SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in "aeiou"] + ["an", "el", "in", "or"]
COMPANIES = ["Geely", "BYD", "Baidu", "Huawei", "CATL", "SAIC Motor", "Nio", "Xpeng", "Chery"]
KINDS = ["Motors", "Technology", "Energy", "Robotics", "Mobility", "Semiconductor"]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def _sentence(rng: random.Random, names: tuple[str, str]) -> str:
    words = [_word(rng) for _ in range(rng.randint(8, 16))]
    words.insert(rng.randrange(len(words)), rng.choice(names))
    words.insert(rng.randrange(len(words)), f"{rng.randint(2, 9999):,}")
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def article(rng: random.Random, index: int) -> str:
    """A pasted news article about two companies, in words of its own: no two of them are the
    same story to the dedupe stage (benchmarks/scale.py's templated articles mostly are)."""
    a = rng.choice(COMPANIES) if index % 3 == 0 else f"{_word(rng).title()} {rng.choice(KINDS)}"
    b = f"{_word(rng).title()} {rng.choice(KINDS)}"
    title = f"{a} and {b} agree a {_word(rng)} {_word(rng)} deal"
    lead = (
        f"{a} and {b} signed an agreement on {_word(rng)} {_word(rng)} in {_word(rng).title()}, "
        f"worth {rng.randint(2, 900)} million yuan, the companies said."
    )
    body = [
        " ".join(_sentence(rng, (a, b)) for _ in range(rng.randint(2, 4)))
        for _ in range(rng.randint(3, 6))
    ]
    return "\n\n".join([title, "Auto Wire", lead, *body]) + "\n"


def make_project(root: Path, seeds: int = SEEDS) -> Path:
    root.mkdir(parents=True)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "templates", root / "templates")
    (root / "briefings").mkdir()
    (root / "seeds").mkdir()
    rng = random.Random(20261121)
    for index in range(seeds):
        text = article(rng, index)
        (root / "seeds" / f"{index:03d}.txt").write_text(text, encoding="utf-8")
    return root


# --- running and killing builds ----------------------------------------------------------------


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env["BRIEFGEN_TODAY"] = TODAY
    return env


def start_build(root: Path, *, stderr: int = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    """`briefgen build` in its own process group: the kill takes its workers and Pagefind too."""
    return subprocess.Popen(
        [sys.executable, "-m", "briefgen", "build", "--quiet"],
        cwd=root,
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        start_new_session=True,
    )


def finish_build(root: Path) -> float:
    started = time.perf_counter()
    process = start_build(root, stderr=subprocess.PIPE)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr.decode()
    return time.perf_counter() - started


def kill_when(root: Path, ready: Callable[[], bool], delay: float) -> bool:
    """Start a build and SIGKILL it (with its process group) `delay` seconds after `ready()`
    holds; True when it was still running then."""
    process = start_build(root)
    try:
        deadline = time.monotonic() + 120
        while not ready() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        process.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return True
    assert process.returncode == 0
    return False


def snapshot(root: Path, folders: tuple[str, ...] = OUTPUTS) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for folder in folders
        for path in sorted((root / folder).rglob("*"))
        if path.is_file()
    }


# --- what a kill may leave ---------------------------------------------------------------------


def check_briefs(root: Path, reference: dict[str, bytes]) -> int:
    """Every brief file is whole: it parses, hashes right (not half-written) and has exactly
    the bytes of the same brief in an uninterrupted build. Temporary files are never briefs."""
    docs = root / "briefings"
    found = dict(brief_files.iter_paths(docs))
    assert all(not relative.endswith(".tmp") for relative in found.values())
    briefs = brief_files.load_all(docs)
    assert all(not brief.edited for brief in briefs)
    assert len({brief.id for brief in briefs}) == len(briefs)
    for path in docs.rglob("*"):
        if path.is_file():
            relative = path.relative_to(root).as_posix()
            if path.name.endswith(".tmp"):
                assert path.name.startswith("."), relative  # an atomic write cut short
            else:
                assert path.read_bytes() == reference[relative], relative
    return len(briefs)


def check_site(root: Path, reference: dict[str, bytes]) -> str:
    """`site/` is absent (no build finished yet) or a complete site: every page its sitemap
    lists, its feeds and its search index; when built from all the briefs, the very site of
    an uninterrupted build."""
    site = root / "site"
    if not site.exists():
        return "absent"
    for name in ("index.html", "404.html", "feed.xml", "feed.json", "sitemap.xml", "robots.txt"):
        assert (site / name).is_file(), name
    assert (site / "pagefind" / "pagefind.js").is_file()
    ET.parse(site / "feed.xml")
    json.loads((site / "feed.json").read_text(encoding="utf-8"))
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locations = [loc.text or "" for loc in ET.parse(site / "sitemap.xml").iter(f"{namespace}loc")]
    for location in locations:
        path = urlsplit(location).path.lstrip("/")
        target = site / path / "index.html" if path.endswith("/") or not path else site / path
        assert target.is_file(), location
    built = {p.relative_to(root).as_posix() for p in site.rglob("*") if p.is_file()}
    briefs = [p for p in built if p.startswith("site/2") and p.endswith("/index.html")]
    assert len(briefs) == len([loc for loc in locations if "/2026/" in loc or "/2025/" in loc])
    expected = {name for name in reference if name.startswith("site/")}
    if len(briefs) == len([n for n in expected if n.startswith("site/2")]):
        assert built == expected
        assert all((root / name).read_bytes() == reference[name] for name in expected)
        return "complete, all briefs"
    return f"complete, {len(briefs)} briefs"


def check_outbox(root: Path) -> None:
    preview = root / "outbox" / "1" / "preview.eml"
    if preview.exists():
        message = email.message_from_bytes(preview.read_bytes(), policy=policy.default)
        assert message.get_content_type() == "multipart/alternative"


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, bytes], float]:
    """The output of an uninterrupted build, and how long it took."""
    root = make_project(tmp_path_factory.mktemp("reference") / "project")
    seconds = finish_build(root)
    return snapshot(root), seconds


def test_a_build_killed_at_random_moments_never_loses_or_half_writes_anything(
    tmp_path: Path, reference: tuple[dict[str, bytes], float]
) -> None:
    output, seconds = reference
    root = make_project(tmp_path / "project")
    rng = random.Random(8)
    docs = root / "briefings"
    # Two kills at moments picked by what the build is doing, whatever the machine's speed:
    # while it writes briefs, and while MkDocs writes the new site; then at random moments.
    moments: list[tuple[Callable[[], bool], float]] = [
        (lambda: next(brief_files.iter_paths(docs), None) is not None, rng.uniform(0, 0.02)),
        (lambda: (root / ".site.new" / "index.html").exists(), rng.uniform(0, 0.2)),
    ]
    moments += [(lambda: True, rng.uniform(0.05, 1.0) * seconds) for _ in range(KILLS - 2)]
    states = []
    for ready, delay in moments:
        interrupted = kill_when(root, ready, delay)
        briefs = check_briefs(root, output)
        site = check_site(root, output)
        check_outbox(root)
        states.append((interrupted, briefs, site))
    # The kills hit builds at work, in both halves of a build (briefs, then the site).
    assert sum(interrupted for interrupted, _, _ in states) >= KILLS // 2, states
    assert states[0][0] and 0 < states[0][1] < SEEDS, states
    assert states[1][0] and states[1][1] == SEEDS, states
    finish_build(root)
    assert snapshot(root) == output
    leftovers = [p for p in root.rglob("*.tmp") if "templates" not in p.parts]
    assert leftovers == []
    assert not (root / ".site.new").exists() and not (root / ".site.old").exists()


def test_an_incremental_build_killed_at_random_moments_leaves_a_complete_site(
    tmp_path: Path, reference: tuple[dict[str, bytes], float]
) -> None:
    """The same for a rebuild that keeps most of the previous site (hard links into the new
    one) after a third of the articles arrive: never a mix, and the same final bytes."""
    output, seconds = reference
    root = make_project(tmp_path / "project")
    held = tmp_path / "held"
    held.mkdir()
    for path in sorted((root / "seeds").glob("*.txt"))[SEEDS * 2 // 3 :]:
        path.rename(held / path.name)
    finish_build(root)
    for path in sorted(held.iterdir()):
        path.rename(root / "seeds" / path.name)
    rng = random.Random(9)
    moments: list[tuple[Callable[[], bool], float]] = [
        (lambda: (root / ".site.new" / "index.html").exists(), rng.uniform(0, 0.3)),
    ]
    moments += [(lambda: True, rng.uniform(0.05, 0.8) * seconds) for _ in range(3)]
    for ready, delay in moments:
        kill_when(root, ready, delay)
        check_briefs(root, output)
        check_site(root, output)
        check_outbox(root)
    finish_build(root)
    assert snapshot(root) == output


# --- the swap of the site, step by step --------------------------------------------------------


def folder(path: Path, content: str) -> Path:
    path.mkdir()
    (path / "index.html").write_text(content, encoding="utf-8")
    return path


def test_replace_folder_swaps_in_one_step(tmp_path: Path) -> None:
    target = folder(tmp_path / "site", "old")
    staging = folder(tmp_path / ".site.new", "new")
    if not atomic_files._exchange(staging, target):
        pytest.skip("no renameat2(RENAME_EXCHANGE) here: the two-rename fallback is tested below")
    assert (target / "index.html").read_text(encoding="utf-8") == "new"
    assert (staging / "index.html").read_text(encoding="utf-8") == "old"  # swapped, not moved
    atomic_files._exchange(staging, target)  # back
    atomic_files.replace_folder(staging, target, tmp_path / ".site.old")
    assert (target / "index.html").read_text(encoding="utf-8") == "new"
    assert not staging.exists() and not (tmp_path / ".site.old").exists()


class Killed(BaseException):
    """Not an Exception: nothing catches it, as nothing runs after a SIGKILL."""


def test_a_kill_between_the_two_renames_is_undone_by_the_next_build(
    built_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the site cannot be swapped in one step, it takes two renames; a kill between
    them leaves no site/ but the previous one aside, which the next build puts back first."""
    site, retired = built_project / "site", built_project / ".site.old"
    before = snapshot(built_project, ("site",))
    monkeypatch.setattr(atomic_files, "_exchange", lambda first, second: False)
    renames = []
    rename = Path.rename

    def killed_after_one_rename(self: Path, target: Path) -> Path:
        renames.append((self.name, Path(target).name))
        if len(renames) == 2:
            raise Killed  # stands for SIGKILL: nothing after this line runs
        return rename(self, target)

    monkeypatch.setattr(Path, "rename", killed_after_one_rename)
    # Without the record of the last build, this one builds the site again (not "up to date").
    (built_project / ".briefgen" / "site-manifest.json").unlink()
    with pytest.raises(Killed):
        CliRunner().invoke(cli, ["build"], catch_exceptions=False)
    monkeypatch.setattr(Path, "rename", rename)
    assert renames == [("site", ".site.old"), (".site.new", "site")]
    assert not site.exists() and retired.is_dir()
    assert atomic_files.recover_folder(site, retired)
    assert snapshot(built_project, ("site",)) == before
    site.rename(retired)  # as the kill left it, for the next build
    result = CliRunner().invoke(cli, ["build"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Put back site: an interrupted build had set it aside" in result.output
    assert snapshot(built_project, ("site",)) == before
    assert not retired.exists() and not (built_project / ".site.new").exists()


@pytest.fixture
def built_project(project_dir: Path) -> Path:
    result = CliRunner().invoke(cli, ["build"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return project_dir


def test_leftovers_of_a_killed_run_are_removed_and_nothing_else(built_project: Path) -> None:
    month = next((built_project / "briefings").glob("*/*"))
    leftovers = [
        month / ".some-brief.md.a1b2c3d4.tmp",
        built_project / "outbox" / "1" / ".preview.eml.zz_9yy8x.tmp",
        built_project / ".briefgen" / ".seeds.json.k3j4h5g6.tmp",
    ]
    kept = [month / ".notes.tmp", built_project / "briefings" / "notes.tmp.md"]
    for path in leftovers + kept:
        path.write_text("half", encoding="utf-8")
    result = CliRunner().invoke(cli, ["build"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert [path for path in leftovers if path.exists()] == []
    assert all(path.exists() for path in kept)


def test_a_second_run_at_the_same_time_is_refused(built_project: Path) -> None:
    with (built_project / ".briefgen" / "lock").open("ab") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        for command in (["build"], ["ingest", "seeds"]):
            result = CliRunner().invoke(cli, command)
            assert result.exit_code == 1
            assert result.output == (
                "Error: another briefgen run is writing to this project; wait for it to "
                "finish, then run this again\n"
            )
    assert CliRunner().invoke(cli, ["build"]).exit_code == 0  # released with its holder
