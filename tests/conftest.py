"""Shared fixtures: a throwaway briefgen project built from the repository's own files."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

# One Chromium for the whole session: a fixture imported into several modules would start
# one Playwright per module, and Playwright's sync API cannot nest.
from tests.browser import browser  # noqa: F401

REPO = Path(__file__).resolve().parent.parent


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite the digest golden files from the current output.",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--update-golden"):
        os.environ["UPDATE_GOLDEN"] = "1"


@pytest.fixture
def project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the sample project (config, templates, seeds) with no briefs yet, as cwd."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copytree(REPO / "seeds", root / "seeds")
    (root / "briefings").mkdir()
    monkeypatch.chdir(root)
    monkeypatch.setenv("BRIEFGEN_TODAY", "2026-11-21")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    yield root
