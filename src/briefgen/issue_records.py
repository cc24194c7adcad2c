"""Issue records: the committed list of digest issues already sent (`issues/<number>.yml`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from briefgen.atomic_files import atomic_write
from briefgen.errors import BriefgenError
from briefgen.group import ClosedIssue
from briefgen.models import Issue


def load_closed(issues_dir: Path) -> list[ClosedIssue]:
    """Every closed issue recorded in `issues_dir`, by number. A missing folder means none."""
    records = []
    for path in sorted(issues_dir.glob("*.yml")) if issues_dir.is_dir() else []:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            record = ClosedIssue(
                number=int(data["number"]),
                date=dt.date.fromisoformat(str(data["date"])),
                brief_ids=tuple(str(i) for i in data["briefs"]),
            )
        except (yaml.YAMLError, KeyError, TypeError, ValueError):
            raise BriefgenError(
                f"{path}: not a valid issue record (needs number, date and briefs); "
                "restore it from git or delete it"
            ) from None
        records.append(record)
    return sorted(records, key=lambda r: r.number)


def close(issue: Issue, issues_dir: Path) -> Path:
    """Record `issue` as closed: later briefs go into the next issue."""
    target = issues_dir / f"{issue.number:04d}.yml"
    data = {"number": issue.number, "date": issue.date, "briefs": [b.id for b in issue.briefs]}
    atomic_write(target, yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return target
