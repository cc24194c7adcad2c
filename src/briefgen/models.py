"""Shared data model: the frozen records that flow between pipeline stages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Source:
    """Where an article came from: the outlet, its URL and the seed file."""

    name: str | None = None
    url: str | None = None
    file: str | None = None


@dataclass(frozen=True)
class Article:
    """An article after ingest: clean plain text plus what the page told us about it.

    `paragraphs` holds the article body only (no title, dateline, byline or page junk);
    `publisher_why` and `publisher_takeaways` are the publisher's own "Why it matters" and
    "Key takeaways" sections when the article carries them (they are then not in `paragraphs`).
    """

    id: str
    """8 hex digits of the sha256 of the normalised source text: stable across runs."""
    title: str
    paragraphs: tuple[str, ...]
    source: Source
    published: dt.date | None = None
    byline: str | None = None
    language: str = "en"
    publisher_why: str | None = None
    publisher_takeaways: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True)
class Summary:
    """What the summariser made of an article. Every string is plain text taken from it."""

    summary: str
    why_it_matters: str
    takeaways: tuple[str, ...]
    method: str = "extractive"


@dataclass(frozen=True)
class Tags:
    """Who and what an article is about: canonical company names and theme ids."""

    companies: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    unknown_companies: tuple[str, ...] = ()
    """Organisations found in the text that the registry does not know (for `briefgen check`)."""


@dataclass(frozen=True)
class Generated:
    """Provenance of a generated brief file; `hash` detects hand edits."""

    by: str
    hash: str


@dataclass(frozen=True)
class Brief:
    """A brief: the unit briefgen publishes. Text fields are plain text, never markup."""

    id: str
    title: str
    summary: str
    why_it_matters: str
    takeaways: tuple[str, ...]
    added: dt.date
    source: Source = field(default_factory=Source)
    published: dt.date | None = None
    byline: str | None = None
    language: str = "en"
    companies: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    also: tuple[Source, ...] = ()
    """Other outlets that reported the same story ("Also reported by")."""
    generated: Generated | None = None
    path: str | None = None
    """Path of the brief file relative to the briefings folder, with forward slashes."""
    edited: bool = False
    """True when the file no longer hashes to `generated.hash`: an editor changed it."""

    @property
    def date(self) -> dt.date:
        """The date a reader cares about: the article's own, else when we added it."""
        return self.published or self.added

    @property
    def url(self) -> str:
        """Site-relative URL of the brief page (directory URLs, as MkDocs builds them)."""
        if self.path is None:
            raise ValueError(f"brief {self.id} has no file path yet")
        stem = self.path[:-3] if self.path.endswith(".md") else self.path
        return stem + "/"


@dataclass(frozen=True)
class Company:
    """A registry entry: canonical name, aliases (any script) and parent organisations."""

    name: str
    slug: str
    aliases: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()
    kind: str = ""


@dataclass(frozen=True)
class Theme:
    """A taxonomy theme: a stable id, a human title and the cues that signal it."""

    id: str
    title: str
    cues: tuple[str, ...] = ()


@dataclass(frozen=True)
class Group:
    """Briefs sharing a key (a company, a theme or a month), newest first."""

    kind: str
    """"company", "theme" or "month"."""
    key: str
    """Canonical company name, theme id or "YYYY-MM"."""
    title: str
    slug: str
    briefs: tuple[Brief, ...]

    @property
    def url(self) -> str:
        return f"{self.kind_folder}/{self.slug}/"

    @property
    def kind_folder(self) -> str:
        return {"company": "companies", "theme": "themes", "month": "archive"}[self.kind]


@dataclass(frozen=True)
class Issue:
    """A digest issue: the briefs added since the previous one, top story first."""

    id: str
    number: int
    date: dt.date
    briefs: tuple[Brief, ...]

    @property
    def url(self) -> str:
        return f"issues/{self.id}/"

    @property
    def top_story(self) -> Brief:
        return self.briefs[0]
