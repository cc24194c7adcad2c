"""Story index (dedupe across runs): the fingerprint of every report briefed, by story."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from briefgen import dedupe
from briefgen.models import Source

INDEX_FILE = "stories.sqlite"
FORMAT = "2"
"""Changes when what is stored changes: an index of another format is emptied, not misread."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reports (
    source TEXT PRIMARY KEY, id TEXT NOT NULL, story TEXT NOT NULL,
    name TEXT, url TEXT, file TEXT, published TEXT, length INTEGER NOT NULL,
    cjk INTEGER NOT NULL, signature BLOB NOT NULL, shingles BLOB NOT NULL, terms BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS reports_story ON reports(story);
CREATE TABLE IF NOT EXISTS anchors (anchor TEXT NOT NULL, source TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS anchors_anchor ON anchors(anchor);
CREATE INDEX IF NOT EXISTS anchors_source ON anchors(source);
"""


@dataclass(frozen=True)
class Report:
    """One report of a briefed story, as the index keeps it: enough to compare a newcomer
    with it and to order it among the story's reports, without reading the article again."""

    source: str
    """The input it was read from (a seed path or URL), as the build output names it."""
    id: str
    story: str
    """The id of the story's brief (its primary report's article id)."""
    origin: Source
    published: dt.date | None
    length: int
    """Characters of article text: the fuller report is the better primary."""

    @property
    def order(self) -> tuple[dt.date, int, str]:
        return dedupe.report_order(self.published, self.length, self.id)


class StoryIndex:
    """Reports of briefed stories in one SQLite file (`<state_dir>/stories.sqlite`): a
    newcomer is compared only with the reports that share an LSH band of its signature (or,
    across scripts, a number or name), so a run costs the same with 10 or 10,000 briefs.
    Local state, never a source of truth: each run drops the stories that have no brief."""

    def __init__(self, path: Path, settings: dedupe.DedupeSettings | None = None):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.settings = settings or dedupe.DedupeSettings()
        self._db = sqlite3.connect(path)
        version = f"{FORMAT} {dedupe.SEED} {self.settings.permutations} {self.settings.bands}"
        with self._db:
            self._db.executescript(_SCHEMA)
            row = self._db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
            if row is None or row[0] != version:
                self._db.execute("DELETE FROM reports")
                self._db.execute("DELETE FROM anchors")
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (version,))
        self._bands: npt.NDArray[np.uint32] | None = None
        self._rows: list[Report] = []

    @classmethod
    def in_state_dir(cls, state_dir: Path) -> StoryIndex:
        return cls(state_dir / INDEX_FILE)

    # --- reading --------------------------------------------------------------------------

    def stories(self) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT DISTINCT story FROM reports")}

    def sources(self) -> list[str]:
        return [row[0] for row in self._db.execute("SELECT source FROM reports ORDER BY source")]

    def reports_of(self, story: str) -> list[Report]:
        rows = self._db.execute(
            "SELECT source, id, story, name, url, file, published, length FROM reports "
            "WHERE story = ? ORDER BY source",
            (story,),
        )
        return [_report(row) for row in rows]

    def candidates(self, fp: dedupe.Fingerprint) -> list[Report]:
        """Reports worth comparing with `fp` exactly: a shared LSH band of the word signature
        and an estimated word Jaccard of at least `FLOOR`, or, in the other script and within
        the days a story's reports are dated, a shared number or company."""
        self._load_bands()
        assert self._bands is not None
        found: set[str] = set()
        if len(self._rows):
            signature = np.array([min(v, _TOP) for v in fp.signature], dtype=np.uint32)
            equal = self._bands == signature[None, :]
            rows = max(1, self.settings.permutations // self.settings.bands)
            banded = equal.reshape(len(self._rows), -1, rows).all(axis=2).any(axis=1)
            hits = banded & (equal.mean(axis=1) >= FLOOR)
            found.update(self._rows[int(i)].source for i in np.flatnonzero(hits))
        by_source = {report.source: report for report in self._rows}
        for anchor in sorted(_anchors(fp)):
            for (source,) in self._db.execute(
                "SELECT a.source FROM anchors a JOIN reports r ON r.source = a.source "
                "WHERE a.anchor = ? AND r.cjk != ?",
                (anchor, int(fp.cjk)),
            ):
                report = by_source.get(source)
                if report is not None and _near(report.published, fp.published, self.settings):
                    found.add(source)
        return [by_source[source] for source in sorted(found) if source in by_source]

    def fingerprint(self, source: str) -> dedupe.Fingerprint:
        row = self._db.execute(
            "SELECT published, cjk, shingles, terms FROM reports WHERE source = ?", (source,)
        ).fetchone()
        terms = json.loads(zlib.decompress(row[3]))
        return dedupe.Fingerprint(
            shingles=frozenset(int(v) for v in np.frombuffer(row[2], dtype=">u4")),
            signature=(),
            words=frozenset(terms["words"]),
            title=frozenset(terms["title"]),
            facts=frozenset(terms["facts"]),
            entities=frozenset(terms["entities"]),
            latin=frozenset(terms["latin"]),
            published=dt.date.fromisoformat(row[0]) if row[0] else None,
            cjk=bool(row[1]),
        )

    def _load_bands(self) -> None:
        """Every report's band keys in one matrix (8 bytes a band): a newcomer's candidates
        are one vectorised comparison, not a lookup per band and report."""
        if self._bands is not None:
            return
        rows = self._db.execute(
            "SELECT source, id, story, name, url, file, published, length, signature "
            "FROM reports "
            "ORDER BY source"
        )
        reports: list[Report] = []
        bands: list[npt.NDArray[np.uint32]] = []
        for row in rows:
            reports.append(_report(row[:-1]))
            bands.append(np.frombuffer(row[-1], dtype=">u4").astype(np.uint32))
        self._rows = reports
        width = self.settings.permutations
        self._bands = np.vstack(bands) if bands else np.zeros((0, width), dtype=np.uint32)

    # --- writing (one transaction: `commit`) -----------------------------------------------

    def forget_stories(self, stories: Iterable[str]) -> None:
        for story in stories:
            self._delete("story", story)

    def forget_sources(self, sources: Iterable[str]) -> None:
        for source in sources:
            self._delete("source", source)

    def add(self, report: Report, fp: dedupe.Fingerprint) -> None:
        self._delete("source", report.source)
        terms = {
            "words": sorted(fp.words),
            "title": sorted(fp.title),
            "facts": sorted(fp.facts),
            "entities": sorted(fp.entities),
            "latin": sorted(fp.latin),
        }
        signature = np.array([min(v, _TOP) for v in fp.signature], dtype=">u4")
        origin = report.origin
        self._db.execute(
            "INSERT INTO reports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                report.source,
                report.id,
                report.story,
                origin.name,
                origin.url,
                origin.file,
                report.published.isoformat() if report.published else None,
                report.length,
                int(fp.cjk),
                signature.tobytes(),
                np.array(sorted(narrow(fp).shingles), dtype=">u4").tobytes(),
                zlib.compress(json.dumps(terms, ensure_ascii=False).encode("utf-8")),
            ),
        )
        self._db.executemany(
            "INSERT INTO anchors VALUES (?, ?)",
            [(anchor, report.source) for anchor in sorted(_anchors(fp))],
        )
        self._bands = None

    def move(self, sources: Sequence[str], story: str) -> None:
        """File reports under another story (its brief now comes from an earlier report)."""
        self._db.executemany(
            "UPDATE reports SET story = ? WHERE source = ?", [(story, s) for s in sources]
        )
        self._bands = None

    def commit(self) -> None:
        self._db.commit()

    def _delete(self, column: str, value: str) -> None:
        query = {
            "story": "SELECT source FROM reports WHERE story = ?",
            "source": "SELECT source FROM reports WHERE source = ?",
        }[column]
        sources = [row[0] for row in self._db.execute(query, (value,))]
        self._db.executemany("DELETE FROM anchors WHERE source = ?", [(s,) for s in sources])
        self._db.executemany("DELETE FROM reports WHERE source = ?", [(s,) for s in sources])
        if sources:
            self._bands = None

    # --- lifetime -------------------------------------------------------------------------

    def close(self) -> None:
        self._db.close()  # uncommitted changes are dropped: a failed run leaves it as it was


_TOP = (1 << 32) - 1
"""Signature values are 32 bits (an article without words has 2**32 everywhere)."""
FLOOR = 0.06
"""Least estimated word Jaccard worth an exact comparison: half the lowest that makes a
rewrite (0.12), six standard errors of a 256-value estimate above it. What this leaves out is
a copy under 6% of the length of the other (two stories that share a quote)."""


def narrow(fp: dedupe.Fingerprint) -> dedupe.Fingerprint:
    """A fingerprint as the index keeps it: shingle hashes cut to 32 bits (half the room; two
    of a thousand shingles collide once in millions of comparisons)."""
    return replace(fp, shingles=frozenset(value >> 32 for value in fp.shingles))


def _anchors(fp: dedupe.Fingerprint) -> frozenset[str]:
    """What a translation shares with its original. A Chinese report's Latin-script names
    ("SU7", "Horse") meet the other's words, so a report in another script is found by its
    numbers and companies, a Chinese one by those and its Latin names: indexing every word of
    every English report would make the index ten times the size."""
    return dedupe.anchors(fp) if fp.cjk else fp.facts | fp.entities


def _near(a: dt.date | None, b: dt.date | None, settings: dedupe.DedupeSettings) -> bool:
    return a is None or b is None or abs((a - b).days) <= settings.max_days


def _report(row: Sequence[object]) -> Report:
    source, article_id, story, name, url, file, published, length = row
    return Report(
        source=str(source),
        id=str(article_id),
        story=str(story),
        origin=Source(_text(name), _text(url), _text(file)),
        published=dt.date.fromisoformat(str(published)) if published else None,
        length=int(str(length)),
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)
