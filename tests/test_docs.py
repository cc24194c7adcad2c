"""The README documents every command and every setting (fails when one is added silently)."""

from __future__ import annotations

import re

import pytest

from briefgen.cli import cli
from briefgen.config import BriefgenConfig, DigestConfig
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_is_documented(command: str) -> None:
    assert re.search(rf"`briefgen {command}\b", README), f"README lacks `briefgen {command}`"


@pytest.mark.parametrize(
    "option",
    [name for name, _ in BriefgenConfig._schema if name != "digest"]
    + [f"digest.{name}" for name, _ in DigestConfig._schema],
)
def test_every_setting_is_documented(option: str) -> None:
    assert f"| `{option}` |" in README, f"README's options table lacks `{option}`"


def test_quick_start_is_the_two_commands() -> None:
    quick_start = README.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = re.findall(r"^make \w+", quick_start, flags=re.MULTILINE)
    assert commands == ["make site", "make test"]
