"""Tag stage: the registry companies and taxonomy themes an article is about."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from briefgen.errors import ConfigError
from briefgen.models import Article, Company, Tags, Theme
from briefgen.slugs import slugify
from briefgen.text import CJK_CHARS, count_words, split_sentences, word_set

Span = tuple[int, int]

LEAD_PARAGRAPHS = 2
"""Paragraphs that count as the lead (with the publisher's own summary sections)."""
THEME_MIN_SCORE = 3.5
"""Weighted cue matches a theme needs: a title match counts 3, the lead 1.5, the rest 1."""
THEME_MIN_MATCHES = 2

_LATIN = "A-Za-z0-9\u00c0-\u024f"
_COMPANY_KEYS = ("name", "slug", "aliases", "weak_aliases", "context", "parents", "kind")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_THEME_KEYS = ("id", "title", "cues")
_THEME_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_MASK = "\0"
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: faster


# --- phrase matching --------------------------------------------------------------------------


def _is_latin(char: str) -> bool:
    return re.match(f"[{_LATIN}]", char) is not None


def _phrase_regex(phrases: Iterable[str]) -> str:
    """One regex for many phrases, built as a trie so its cost barely grows with their number.

    At a position the longest phrase wins ("SAIC-BMW" over "SAIC"). Phrases that start or end
    with a Latin letter or digit only match as whole words there ("Gree" not in "agreement",
    but "Haier's" and "GAC‑Haier" do match); CJK phrases match anywhere, as Chinese has no spaces.
    """
    root: dict[str, Any] = {}
    for phrase in phrases:
        node = root
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}
    branches = []
    for char in sorted(key for key in root if key):
        # The left-boundary check sits after the first character so that the pattern starts
        # with a literal, which lets the regex engine skip ahead quickly.
        guard = f"(?<![{_LATIN}].)" if _is_latin(char) else ""
        branches.append(re.escape(char) + guard + _node_regex(root[char], char))
    return "|".join(branches) or "(?!)"


def _node_regex(node: dict[str, Any], last: str) -> str:
    end = f"(?![{_LATIN}])" if _is_latin(last) else ""
    branches = [
        re.escape(char) + _node_regex(child, char) for char, child in sorted(node.items()) if char
    ]
    if not branches:
        return end
    alternatives = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" not in node:
        return alternatives
    # A phrase may end here: try the longer ones first, then accept the end (at a word end).
    return f"(?:{alternatives}|{end})" if end else f"(?:{alternatives})?"


# --- the registry -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Registry:
    """The known companies, with one compiled matcher for all their names and aliases.

    `weak` maps a company name to its weak aliases: names that are also ordinary words
    ("Great Wall", 长城, 理想) and count only when the article names the company by a strong
    alias too, or holds one of its `context` words (Haval, 征程...).
    """

    companies: tuple[Company, ...]
    weak: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    _by_name: dict[str, Company] = field(init=False, repr=False, compare=False)
    _by_key: dict[str, Company] = field(init=False, repr=False, compare=False)
    _weak_keys: frozenset[str] = field(init=False, repr=False, compare=False)
    _by_folded: dict[str, Company] = field(init=False, repr=False, compare=False)
    _children: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _lower_keys: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _lower_pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name = {company.name: company for company in self.companies}
        by_key: dict[str, Company] = {}
        weak_keys: set[str] = set()
        for company in self.companies:
            weak = set(self.weak.get(company.name, ()))
            for key in (company.name, *company.aliases):
                if key in weak:
                    continue
                by_key.setdefault(key, company)
            for key in weak:
                if by_key.setdefault(key, company) is company:
                    weak_keys.add(key)
        # ALL-CAPS headlines ("HAIER, GAC SIGN ...") still match Latin names.
        for key, company in list(by_key.items()):
            if not re.search(f"[{CJK_CHARS}]", key) and key.upper() not in by_key:
                by_key[key.upper()] = company
                if key in weak_keys:
                    weak_keys.add(key.upper())
        folded: dict[str, Company] = {}
        for key, company in by_key.items():
            folded.setdefault(key.casefold(), company)
        children: dict[str, list[str]] = {}
        for company in self.companies:
            for parent in company.parents:
                children.setdefault(parent, []).append(company.name)
        object.__setattr__(self, "_by_name", by_name)
        object.__setattr__(self, "_by_key", by_key)
        object.__setattr__(self, "_weak_keys", frozenset(weak_keys))
        object.__setattr__(self, "_by_folded", folded)
        object.__setattr__(self, "_children", {k: tuple(v) for k, v in children.items()})
        # A name that starts with a lower-case letter ("iCar", "onsemi") would make the regex
        # engine try it at almost every position: those few get a pattern of their own, run
        # only when one of them is in the text.
        lower = tuple(key for key in by_key if key[0].islower())
        object.__setattr__(self, "_pattern", re.compile(_phrase_regex(set(by_key) - set(lower))))
        object.__setattr__(self, "_lower_keys", lower)
        object.__setattr__(self, "_lower_pattern", re.compile(_phrase_regex(lower)))

    def __len__(self) -> int:
        return len(self.companies)

    def get(self, name: str) -> Company | None:
        """The company with this canonical name or alias (exact, then ignoring case)."""
        return (
            self._by_name.get(name)
            or self._by_key.get(name)
            or self._by_folded.get(name.strip().casefold())
        )

    def children(self, name: str) -> tuple[Company, ...]:
        """Subsidiaries, brands and joint ventures that name this company as a parent."""
        return tuple(self._by_name[child] for child in self._children.get(name, ()))

    def chinese_names(self, name: str) -> tuple[str, ...]:
        """The company's Chinese names (simplified and traditional), in registry order."""
        company = self._by_name.get(name)
        if company is None:
            return ()
        return tuple(a for a in company.aliases if _HAS_CJK.search(a))

    def find(self, text: str) -> list[tuple[Company, tuple[Span, ...]]]:
        """Companies mentioned in the text with the spans of their mentions, in text order.

        Weak aliases count only when the text also names the company by a strong alias or
        holds one of its context words.
        """
        found: dict[str, list[Span]] = {}
        weak_only: set[str] = set()
        for company, span, weak in self.scan(text):
            if company.name not in found and weak:
                weak_only.add(company.name)
            elif not weak:
                weak_only.discard(company.name)
            found.setdefault(company.name, []).append(span)
        for name in weak_only:
            if not self.in_context(name, text):
                del found[name]
        return [(self._by_name[name], tuple(spans)) for name, spans in found.items()]

    def mentions(self, text: str) -> Iterable[tuple[Company, Span]]:
        """Every mention, left to right; at each position the longest alias wins.

        Weak aliases are included as they are: `find` and `tag` decide whether they count.
        """
        for company, span, _weak in self.scan(text):
            yield company, span

    def scan(self, text: str) -> Iterable[tuple[Company, Span, bool]]:
        """Every mention with whether it is by a weak alias, left to right."""
        weak_keys = self._weak_keys
        matches: Iterable[re.Match[str]] = self._pattern.finditer(text)
        if any(key in text for key in self._lower_keys):
            extra = list(self._lower_pattern.finditer(text))
            if extra:
                merged: list[re.Match[str]] = []
                for match in sorted([*matches, *extra], key=lambda m: (m.start(), -m.end())):
                    if not merged or match.start() >= merged[-1].end():
                        merged.append(match)
                matches = merged
        for match in matches:
            key = match.group()
            yield self._by_key[key], match.span(), key in weak_keys

    def in_context(self, name: str, text: str) -> bool:
        """Whether the text holds one of the company's context words."""
        return any(word in text for word in self.context.get(name, ()))

    def mask(self, text: str) -> str:
        """The text with every known name blanked out (same length), to look for others."""
        parts = []
        cursor = 0
        for _company, (start, end), _weak in self.scan(text):
            parts += [text[cursor:start], _MASK * (end - start)]
            cursor = end
        return "".join([*parts, text[cursor:]])

    def ancestors(self, name: str) -> tuple[str, ...]:
        """Parents, grandparents... of a company, nearest first."""
        seen: list[str] = []
        queue = list(self._by_name[name].parents) if name in self._by_name else []
        while queue:
            parent = queue.pop(0)
            if parent not in seen:
                seen.append(parent)
                queue.extend(self._by_name[parent].parents if parent in self._by_name else ())
        return tuple(seen)


@functools.cache
def _default_data(filename: str) -> Any:
    text = resources.files("briefgen").joinpath("data", filename).read_text(encoding="utf-8")
    return yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 (a safe loader)


def load_registry(
    extra: Sequence[Mapping[str, Any]] = (), extra_file: Path | None = None
) -> Registry:
    """The default registry (`data/companies.yml`), then `extra_file`, then `extra` entries.

    An entry whose `name` is already known overrides that company's given fields (the others
    are kept); any other entry adds a company. Problems raise `ConfigError` naming the entry,
    e.g. "companies[3] (name 'Foo'): 'aliases' must be a list of strings, got 5".
    """
    sources: list[tuple[str, Any]] = [
        ("briefgen/data/companies.yml", _default_data("companies.yml"))
    ]
    if extra_file is not None:
        sources.append((str(extra_file), _read_yaml_list(Path(extra_file), "companies")))
    sources.append(("companies", list(extra)))

    merged: dict[str, dict[str, Any]] = {}
    where_of: dict[str, str] = {}
    for source, entries in sources:
        if not isinstance(entries, list):
            raise ConfigError.invalid("companies", "a list of entries", entries, source)
        for index, entry in enumerate(entries):
            fields = _company_fields(entry, f"{source}[{index}]")
            name = fields["name"]
            if name in merged:
                merged[name].update(fields)
            else:
                merged[name] = {
                    "aliases": [],
                    "weak_aliases": [],
                    "context": [],
                    "parents": [],
                    "kind": "",
                    "slug": None,
                    **fields,
                }
            where_of[name] = f"{source}[{index}] (name {name!r})"
    companies, weak, context = _build_companies(merged, where_of)
    return Registry(companies, weak, context)


def _read_yaml_list(path: Path, key: str) -> Any:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506
    except OSError as error:
        raise ConfigError(f"{path}: cannot read it ({error.strerror})") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML ({' '.join(str(error).split())})") from None
    if isinstance(data, dict) and key in data:
        data = data[key]
    if data is None:
        return []
    return data


def _string_list(
    entry: Mapping[str, Any], key: str, where: str, what: str = "strings"
) -> list[str]:
    value = entry.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError.invalid(key, f"a list of {what}", value, where)
    return [v.strip() for v in value]


def _company_fields(entry: Any, where: str) -> dict[str, Any]:
    """The validated fields an entry gives (only those it gives)."""
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{where}: must be a mapping with a 'name', got {entry!r}")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError.invalid("name", "a non-empty string", name, where)
    where = f"{where} (name {name.strip()!r})"
    unknown = sorted(str(key) for key in entry if key not in _COMPANY_KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {unknown[0]!r} (expected {', '.join(_COMPANY_KEYS)})"
        )
    fields: dict[str, Any] = {"name": name.strip()}
    for key, what in (
        ("aliases", "strings"),
        ("weak_aliases", "strings"),
        ("context", "strings"),
        ("parents", "names"),
    ):
        if key in entry:
            fields[key] = _string_list(entry, key, where, what)
    if "kind" in entry:
        kind = entry["kind"]
        if not isinstance(kind, str):
            raise ConfigError.invalid("kind", "a string such as 'automaker'", kind, where)
        fields["kind"] = kind.strip()
    if "slug" in entry:
        slug = entry["slug"]
        if not isinstance(slug, str) or not _SLUG.match(slug):
            raise ConfigError.invalid(
                "slug", "lower-case ASCII words joined by hyphens, like 'byd'", slug, where
            )
        fields["slug"] = slug
    return fields


def _build_companies(
    merged: Mapping[str, Mapping[str, Any]], where_of: Mapping[str, str]
) -> tuple[tuple[Company, ...], dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """Companies from merged entries, checking parents, alias clashes and slugs."""
    owner: dict[str, str] = {}
    slugs: dict[str, str] = {}
    companies = []
    weak: dict[str, tuple[str, ...]] = {}
    context: dict[str, tuple[str, ...]] = {}
    for name, fields in merged.items():
        where = where_of[name]
        for parent in fields["parents"]:
            if parent not in merged:
                raise ConfigError(f"{where}: parent {parent!r} is not a company in the registry")
            if parent == name:
                raise ConfigError(f"{where}: {name!r} cannot be its own parent")
        weak_aliases = tuple(dict.fromkeys(a for a in fields["weak_aliases"] if a != name))
        aliases = tuple(dict.fromkeys(a for a in fields["aliases"] if a != name))
        aliases += tuple(a for a in weak_aliases if a not in aliases)
        for key in (name, *aliases):
            other = owner.setdefault(key, name)
            if other != name:
                raise ConfigError(
                    f"{where}: alias {key!r} of {name!r} is already used by {other!r}"
                )
        slug = fields["slug"]
        if slug is None:
            if not re.search("[A-Za-z]", name):
                raise ConfigError(
                    f"{where}: a name without Latin letters needs an ASCII 'slug' "
                    "(the company's URL), e.g. slug: byd"
                )
            slug = slugify(name)
        if slugs.setdefault(slug, name) != name:
            raise ConfigError(f"{where}: {name!r} has the same slug {slug!r} as {slugs[slug]!r}")
        if weak_aliases:
            weak[name] = weak_aliases
        if fields["context"]:
            context[name] = tuple(fields["context"])
        companies.append(
            Company(
                name=name,
                slug=slug,
                aliases=aliases,
                parents=tuple(fields["parents"]),
                kind=fields["kind"],
            )
        )
    _check_cycles(merged, where_of)
    return tuple(companies), weak, context


def _check_cycles(merged: Mapping[str, Mapping[str, Any]], where_of: Mapping[str, str]) -> None:
    for name in merged:
        frontier = list(merged[name]["parents"])
        seen: set[str] = set()
        while frontier:
            parent = frontier.pop()
            if parent == name:
                raise ConfigError(f"{where_of[name]}: {name!r} is its own ancestor")
            if parent not in seen:
                seen.add(parent)
                frontier.extend(merged[parent]["parents"])


# --- the taxonomy -----------------------------------------------------------------------------


def load_taxonomy(
    extra: Sequence[Mapping[str, Any]] = (), replace: bool = False
) -> tuple[Theme, ...]:
    """The default themes (`data/taxonomy.yml`) extended, or with `replace` replaced, by `extra`.

    An extra entry with an existing id overrides the fields it gives; a new id needs a title
    and cues. Problems raise `ConfigError` naming the entry ("themes[2]: 'cues' must be ...").
    """
    merged: dict[str, dict[str, Any]] = {}
    sources: list[tuple[str, Any]] = [("themes", list(extra))]
    if not replace:
        sources.insert(0, ("briefgen/data/taxonomy.yml", _default_data("taxonomy.yml")))
    for source, entries in sources:
        if not isinstance(entries, list):
            raise ConfigError.invalid("themes", "a list of entries", entries, source)
        for index, entry in enumerate(entries):
            where = f"{source}[{index}]" if source != "themes" else f"themes[{index}]"
            fields = _theme_fields(entry, where)
            theme_id = fields["id"]
            if theme_id in merged:
                merged[theme_id].update(fields)
                continue
            for key in ("title", "cues"):
                if key not in fields:
                    expected = "a non-empty string" if key == "title" else "a list of strings"
                    raise ConfigError.invalid(key, expected + " for a new theme", None, where)
            merged[theme_id] = fields
    return tuple(
        Theme(id=theme_id, title=fields["title"], cues=tuple(fields["cues"]))
        for theme_id, fields in merged.items()
    )


def _theme_fields(entry: Any, where: str) -> dict[str, Any]:
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{where}: must be a mapping with an 'id', got {entry!r}")
    unknown = sorted(str(key) for key in entry if key not in _THEME_KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {unknown[0]!r} (expected {', '.join(_THEME_KEYS)})"
        )
    theme_id = entry.get("id")
    if not isinstance(theme_id, str) or not _THEME_ID.match(theme_id):
        raise ConfigError.invalid("id", "lower-case words joined by hyphens", theme_id, where)
    fields: dict[str, Any] = {"id": theme_id}
    if "title" in entry:
        title = entry["title"]
        if not isinstance(title, str) or not title.strip():
            raise ConfigError.invalid("title", "a non-empty string", title, where)
        fields["title"] = title.strip()
    if "cues" in entry:
        cues = _string_list(entry, "cues", where)
        if not cues:
            raise ConfigError.invalid("cues", "a non-empty list of strings", entry["cues"], where)
        fields["cues"] = cues
    return fields


# --- tagging ----------------------------------------------------------------------------------

# Words of agreement between parties. "joint venture" is not one: it names a company as often
# as it tells of a deal ("its CARIZON joint venture with Volkswagen will use the chip").
_PARTNER = re.compile(
    r"\b(?:cooperat\w*|co-operat\w*|partner\w*|agreements?|alliances?|collaborat\w*|"
    r"memorand\w*|MoU|sign(?:s|ed|ing)?|tie-ups?|team(?:s|ed)? up|jointly)\b"
    r"|合作|签约|簽約|签署|簽署|携手|攜手|联手|聯手|牵手|牽手|战略协议|戰略協議",
    re.IGNORECASE,
)
PARTNER_ARTICLE_MIN = 3
"""Words of agreement an article needs to be about partnerships: then every company named in
a sentence about cooperation is a party ("SAIC and Geely are on the cooperation list")."""
SECONDARY_SHARE = 0.5
"""A company named in the lead but not in the title is a subject when it is named at least
twice and at least this share as often as the most named company."""
LIST_MIN = 3
"""Companies named one after the other that make a list (a roundup): "followed by Geely,
Changan, Chery and FAW-Volkswagen". A list in the lead is not enough to make a subject."""
_LIST_GAP = re.compile(r"[,，、;；]|\b(?:and|or)\b|和|与|與|及|或")
_LIST_GAP_MAX = 30
# Between a parent and its brand or unit, "长安汽车旗下深蓝", "SAIC's IM Motors", "上汽智己":
# the parent's name only says whose brand it is.
_QUALIFIER_GAP = re.compile(r"^(?:\s*|['’]s\s+|\s*(?:旗下的?|的|之)\s*|-)$")
_LEAD_END = re.compile(r"[.!?。！？”\"）)]\s*$")


@dataclass
class _Mentions:
    title: int = 0
    lead: int = 0
    lead_free: int = 0
    """Lead mentions outside a list."""
    count: int = 0
    partner: bool = False
    weak_only: bool = True
    first: int = 1 << 30

    @property
    def importance(self) -> int:
        return (
            8 * min(self.title, 2)
            + 4 * min(self.lead, 3)
            + min(self.count, 10)
            + (2 if self.partner else 0)
        )

    def add(self, other: _Mentions) -> None:
        self.title += other.title
        self.lead += other.lead
        self.count += other.count
        self.partner = self.partner or other.partner
        self.first = min(self.first, other.first)


def tag(article: Article, registry: Registry, taxonomy: Sequence[Theme]) -> Tags:
    """Companies (canonical names, most important first), theme ids and unknown organisations.

    Companies are the subjects of the news, not every passing mention. A company is kept when
    it is named in the title; or, in an article about partnerships, in a sentence about
    cooperation; or in the lead (the first two paragraphs and the publisher's own summary),
    outside a list of three or more companies, and often enough: at least twice and half as
    often as the most named company (when the title names no known company, one mention in
    the lead is enough). A parent named only to say whose brand it is ("长安汽车旗下深蓝",
    "SAIC's IM Motors") does not count. Then two rules about groups:

    - a joint venture that is a main subject (title or lead) brings its parents in: they are
      parties to its news (SAIC-BMW signs a deal: SAIC Motor and BMW are tagged too);
    - a subsidiary or brand whose parent is tagged is folded into the parent, which takes its
      mentions (Haier Kaos news beside Haier Group is filed under Haier Group), unless the
      title names it. Joint ventures are never folded: they are companies of their own.

    Organisations the registry lacks are always listed in `unknown_companies`; they are
    subjects too when the title names them or the lead does.

    Order: importance (title, then lead, then mentions), then name.
    """
    lead_texts, body_texts = _lead_and_body(article)
    stats, partner_words, spans = _company_mentions(article.title, lead_texts, body_texts, registry)
    if any(m.weak_only for m in stats.values()):
        full = "\n".join((article.title, *lead_texts, *body_texts))
        for name in [n for n, m in stats.items() if m.weak_only]:
            if not registry.in_context(name, full):
                del stats[name]
    titled = any(m.title for m in stats.values())
    top = max((m.count for m in stats.values()), default=0)
    partner_article = partner_words >= PARTNER_ARTICLE_MIN

    def subject(m: _Mentions) -> bool:
        if m.title or (m.partner and partner_article):
            return True
        if not m.lead:
            return False
        if not titled:
            return m.lead_free > 0
        return m.count >= 2 and m.count >= SECONDARY_SHARE * top

    kept = {name: m for name, m in stats.items() if subject(m)}
    for name in sorted(kept, key=lambda n: (-kept[n].importance, n)):
        company = registry.get(name)
        if company and company.kind == "jv" and (kept[name].title or kept[name].lead):
            for parent in company.parents:
                kept.setdefault(parent, stats.get(parent, _Mentions()))
    for name in sorted(kept, key=lambda n: (-kept[n].importance, n)):
        company = registry.get(name)
        if company is None or company.kind == "jv" or kept[name].title:
            continue
        target = next((a for a in registry.ancestors(name) if a in kept), None)
        if target is not None:
            kept[target].add(kept.pop(name))
    companies = sorted(kept, key=lambda n: (-kept[n].importance, n))

    # Texts come in the order title, lead, body, with the spans of their known names.
    found = [
        _unknown_organisations(text, text_spans)
        for text, text_spans in zip((article.title, *lead_texts, *body_texts), spans, strict=True)
    ]
    unknown = _drop_shortened([name for names in found[1:] for name in names])
    in_title = _drop_shortened(found[0])
    in_lead = {name for names in found[1 : 1 + len(lead_texts)] for name in names}
    for name in [*in_title, *unknown]:
        if name not in companies and (
            name in in_title or name in in_lead or _named_in_title(name, article.title)
        ):
            companies.append(name)
    return Tags(
        companies=tuple(companies),
        themes=_themes(article, taxonomy),
        unknown_companies=tuple(unknown),
    )


def _lead_and_body(article: Article) -> tuple[list[str], list[str]]:
    """The lead (publisher's sections and the first two real paragraphs) and the rest.

    Datelines, bylines and outlet lines that ingest left in the body are not paragraphs: a
    paragraph counts once it ends a sentence or is long.
    """
    lead = [text for text in (article.publisher_why or "", *article.publisher_takeaways) if text]
    body: list[str] = []
    found = 0
    for paragraph in article.paragraphs:
        if found < LEAD_PARAGRAPHS:
            if _LEAD_END.search(paragraph) or count_words(paragraph) >= 30:
                found += 1
                if found == 1:
                    lead.insert(0, paragraph)  # the lead paragraph comes first
                    continue
            lead.append(paragraph)
        else:
            body.append(paragraph)
    return lead, body


def _company_mentions(
    title: str, lead: Sequence[str], body: Sequence[str], registry: Registry
) -> tuple[dict[str, _Mentions], int, list[list[Span]]]:
    """Title, lead and total mentions of every company, and whether it is a partner; with the
    number of words of agreement in the article and the spans of all names in each text."""
    stats: dict[str, _Mentions] = {}
    order = 0
    partner_words = 0
    all_spans: list[list[Span]] = []
    for text, where in [(title, "title"), *((t, "lead") for t in lead), *((t, "") for t in body)]:
        scan = list(registry.scan(text))
        all_spans.append([span for _, span, _ in scan])
        if not scan:
            continue
        has_partner = _PARTNER.search(text) is not None
        if has_partner:
            partner_words += len(_PARTNER.findall(text))
        mentions = [
            (company, span, weak)
            for i, (company, span, weak) in enumerate(scan)
            if not _qualifies(registry, company, span, scan[i + 1 : i + 2], text)
        ]
        if not mentions:
            continue
        listed = _listed(mentions, text) if where != "title" else set()
        if listed and where == "lead" and text is lead[0]:
            # The lead sentence names the parties, even as a list ("MIIT, the finance ministry
            # and the tax administration jointly issued ...").
            end = _sentences(text)[0][1]
            listed = {span for span in listed if span[0] >= end}
        sentences = _sentences(text) if has_partner and where != "title" else [(0, len(text))]
        for low, high in sentences:
            inside = [(c, s, w) for c, s, w in mentions if low <= s[0] < high]
            if not inside:
                continue
            partner = has_partner and _PARTNER.search(text, low, high) is not None
            for company, span, weak in inside:
                m = stats.setdefault(company.name, _Mentions())
                m.title += where == "title"
                m.lead += where == "lead"
                m.lead_free += where == "lead" and span not in listed
                m.count += 1
                m.partner = m.partner or partner
                m.weak_only = m.weak_only and weak
                m.first = min(m.first, order)
                order += 1
    return stats, partner_words, all_spans


def _listed(mentions: Sequence[tuple[Company, Span, bool]], text: str) -> set[Span]:
    """Spans of the mentions that are items of a list of LIST_MIN or more companies."""
    listed: set[Span] = set()
    run: list[tuple[Company, Span, bool]] = []
    for mention in [*mentions, None]:
        if mention is not None and run:
            gap = text[run[-1][1][1] : mention[1][0]]
            if len(gap) <= _LIST_GAP_MAX and _LIST_GAP.search(gap):
                run.append(mention)
                continue
        if len({company.name for company, _, _ in run}) >= LIST_MIN:
            listed.update(span for _, span, _ in run)
        run = [mention] if mention is not None else []
    return listed


def _qualifies(
    registry: Registry,
    company: Company,
    span: Span,
    following: Sequence[tuple[Company, Span, bool]],
    text: str,
) -> bool:
    """Whether this mention only says whose brand or unit the next one is ("上汽智己")."""
    if not following:
        return False
    child, child_span, _ = following[0]
    if child_span[0] - span[1] > 6 or not _QUALIFIER_GAP.match(text[span[1] : child_span[0]]):
        return False
    return company.name in registry.ancestors(child.name)


def _sentences(text: str) -> list[Span]:
    """Spans of the sentences of a paragraph."""
    spans = []
    cursor = 0
    for sentence in split_sentences(text):
        start = text.find(sentence, cursor)
        if start < 0:
            continue
        cursor = start + len(sentence)
        spans.append((start, cursor))
    return spans or [(0, len(text))]


# --- organisations the registry lacks ---------------------------------------------------------

_SUFFIX_EN = (
    r"Co\.,?\s*Ltd\.?|Co\.,?\s*Limited|Company\s+Limited|Ltd\.?|Limited|Inc\.?|Corp\.?|Co\.|"
    r"Corporation|Group|Holdings?|Motors?|Technolog(?:y|ies)|Company|AG|GmbH|PLC|LLC"
)
_ORG_EN = re.compile(
    rf"(?<![\w{_MASK}])(?P<name>(?:\d+\s+)?[A-Z][\w&'’.\-]*(?:\s+(?:[A-Z0-9][\w&'’.\-]*|&|of))*)"
    rf",?\s+(?P<suffix>{_SUFFIX_EN})(?![\w\-])"
)
_EN_SUFFIX_HINT = re.compile(
    r"\b(?:Co|Ltd|Limited|Inc|Corp|Corporation|Group|Holdings?|Motors?|Technolog(?:y|ies)|"
    r"Company|AG|GmbH|PLC|LLC)\b"
)
_ZH_SUFFIX_HINT = re.compile(r"公司|集团|集團")
_ORG_ZH = re.compile(
    rf"(?P<name>[{CJK_CHARS}]{{2,30}}?)"
    r"(?P<suffix>股份有限公司|有限责任公司|有限責任公司|有限公司|集团有限公司|集團有限公司|集团|集團)"
)
_SUFFIX_WORDS = word_set(
    "co co. co., ltd ltd. limited inc inc. corp corp. corporation group holding holdings motor "
    "motors technology technologies company ag gmbh plc llc"
)
_LEADING_WORDS = word_set(
    """the a an in on at by for from with as and but both according to of early late last next
    this that these those recently now meanwhile however shares share since after before
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday ceo cfo cto chairman chairwoman
    president director head founder chief executive manager spokesman spokeswoman
    spokesperson analyst professor minister secretary"""
)
_GENERIC_WORDS = word_set(
    """china chinese international global national new information internet auto automobile
    automotive energy electric industrial industry development digital smart intelligent
    science the of & and"""
)
# Words that make "... Group" a business group ("Hefei Industrial Investment Holding Group");
# Chinese place names in pinyin count too, as most Chinese groups are named after their city.
_CORPORATE_WORDS = word_set(
    """auto automotive automobile motor motors vehicle vehicles investment investments industrial
    industry industries energy power battery batteries electric electronics electronic
    semiconductor semiconductors technology technologies tech capital holding holdings materials
    material parts components systems robotics intelligent digital software photonics mobility
    logistics chemical chemicals steel manufacturing equipment precision bank securities
    insurance financial finance ventures partners fund trading petroleum oil gas mining
    construction telecom communications media pharmaceutical
    beijing shanghai shenzhen guangzhou tianjin chongqing hangzhou suzhou nanjing wuhan hefei
    qingdao ningbo xiamen chengdu changsha zhengzhou xian jinan wuxi changzhou dongguan foshan
    anhui jiangsu zhejiang guangdong shandong hubei hunan sichuan fujian henan hebei jiangxi
    liaoning jilin yunnan guangxi shanxi shaanxi hainan guizhou gansu"""
)
_WEAK_AFTER_OF = frozenset(("Technology", "Technologies", "Group", "Holdings", "Company"))
_ZH_CUT = re.compile(
    r".*(?:的|与|和|及|、|是|为|在|由|被|将|对|向|从|把|据|称|显示|宣布|表示|旗下|成立|近日|日前|"
    r"目前|投资|控股的|入股)"
)
_ZH_VAGUE_START = re.compile(r"^(?:该|这|此|其|两|各|多|本|一家|某)")


def _unknown_organisations(text: str, known: Sequence[Span]) -> list[str]:
    """Names with a legal suffix (Co., Ltd., Group, 有限公司 ...) that the registry lacks;
    `known` holds the spans of the registry's names in the text."""
    has_en = _EN_SUFFIX_HINT.search(text) is not None
    has_zh = _ZH_SUFFIX_HINT.search(text) is not None
    if not (has_en or has_zh):
        return []
    masked = text
    if known:
        parts = []
        cursor = 0
        for start, end in known:
            parts += [text[cursor:start], _MASK * (end - start)]
            cursor = end
        masked = "".join([*parts, text[cursor:]])
    found: list[str] = []
    for match in _ORG_EN.finditer(masked) if has_en else ():
        name = _english_org(text, match)
        if name:
            found.append(name)
    for match in _ORG_ZH.finditer(masked) if has_zh else ():
        name = _ZH_CUT.sub("", match.group("name"))
        start = match.end("name") - len(name)
        if start > 0 and masked[start - 1] == _MASK:
            continue  # a unit of a known company (青岛海尔冰箱有限公司)
        if len(name) >= 2 and not _ZH_VAGUE_START.match(name):
            found.append(name + match.group("suffix"))
    return found


def _drop_shortened(found: Iterable[str]) -> list[str]:
    """Unique names, without a shortened repeat of a fuller one ("Kataichi ... Co., Ltd."
    after "Qingdao Kataichi ... Co., Ltd.")."""
    unique = list(dict.fromkeys(found))
    return [name for name in unique if not any(o != name and o.endswith(name) for o in unique)]


def _english_org(text: str, match: re.Match[str]) -> str | None:
    """The organisation name as written in `text`, without leading "The", "In August"..."""
    name = match.group("name")
    if _MASK in name:
        return None
    tokens = list(re.finditer(r"\S+", name))
    # A run of capitalised words can span a sentence end ("... in Qingdao. Foo Co., Ltd.").
    for i, token in enumerate(tokens):
        word = token.group()
        if word.endswith(".") and word.lower() not in _SUFFIX_WORDS and len(word) > 2:
            tokens = tokens[i + 1 :] if not re.fullmatch(r"(?:[A-Z]\.)+", word) else tokens
    while tokens and tokens[0].group().lower().rstrip(".,") in _LEADING_WORDS:
        tokens.pop(0)
    meaningful = [
        t.group()
        for t in tokens
        if t.group().lower() not in _SUFFIX_WORDS
        and t.group().lower() not in _GENERIC_WORDS
        and len(t.group()) > 1
    ]
    if not meaningful:
        return None
    if name.split()[-1] == "of" or (match.group("suffix") in _WEAK_AFTER_OF and " of " in name):
        return None  # "Institute of Technology" is not a company name
    if match.group("suffix") == "Group" and not any(
        t.lower().rstrip(".,") in _CORPORATE_WORDS for t in meaningful
    ):
        return None  # "Blue Man Group": a group is a company when its name says so
    return text[match.start("name") + tokens[0].start() : match.end()]


_ZH_PLACE = re.compile(
    r"^(?:中国|中國|(?:[\u4e00-\u9fff]{2,3}?(?:省|市|自治区|自治區))+|北京|上海|天津|重庆|重慶|深圳|广州|"
    r"廣州|杭州|苏州|蘇州|南京|武汉|武漢|合肥|青岛|青島|宁波|寧波|厦门|廈門|成都|长沙|長沙|江苏|江蘇|"
    r"浙江|安徽|广东|廣東|山东|山東|湖北|湖南|四川|福建|河南|河北|江西|辽宁|遼寧|吉林|云南|雲南|"
    r"广西|廣西|陕西|陝西|山西|海南|贵州|貴州|甘肃|甘肅)+"
)
_ZH_TRADE = re.compile(
    r"(?:股份|有限|责任|責任|公司|集团|集團|控股|科技|技术|技術|发展|發展|新能源|能源|汽车|汽車|"
    r"电子|電子|智能|材料|信息|資訊|网络|網絡|实业|實業|工业|工業|投资|投資|物联|物聯|零部件|"
    r"制造|製造|贸易|貿易|新材料|光电|光電|动力|動力|电池|電池|半导体|半導體)+$"
)
_EN_NAME_WORDS = re.compile(r"[A-Za-z][\w'’\-]*")


def _named_in_title(name: str, title: str) -> bool:
    """Whether the title names the organisation by the distinctive part of its name
    ("Lumisense" for "Shanghai Lumisense Photonics Technology Co., Ltd.", 速能新能源 for
    深圳市速能新能源科技有限公司)."""
    if _HAS_CJK.search(name):
        core = _ZH_TRADE.sub("", _ZH_PLACE.sub("", name))
        return len(core) >= 2 and core in title
    title_words = set(_EN_NAME_WORDS.findall(title))
    for word in _EN_NAME_WORDS.findall(name):
        lower = word.lower()
        if (
            len(word) >= 4
            and word[0].isupper()
            and lower not in _SUFFIX_WORDS
            and lower not in _GENERIC_WORDS
            and lower not in _CORPORATE_WORDS
        ):
            return word in title_words
    return False


# --- themes -----------------------------------------------------------------------------------

# Latin cues are matched as whole words in text whose runs of spaces and hyphens became one
# space: hyphens and spaces separate words alike ("smart-home" is "smart home"), and a cue never
# spans other punctuation.
_WORD_GAP = re.compile(r"[\s\-\u2010-\u2015\u2212]+")
_CJK_GAP = re.compile(r"[\-\u2010-\u2015\u2212\s]+")
_HAS_CJK = re.compile(f"[{CJK_CHARS}]")
WEAK_CUE = "~"
"""A cue written "~Europe" is weak: it counts WEAK_CUE_WEIGHT of a cue (it hints, not names)."""
WEAK_CUE_WEIGHT = 0.5
THEME_SHARE = 0.25
"""A theme also needs this share of the best theme's score (a long article has stray cues)."""


@dataclass(frozen=True)
class _Cue:
    themes: frozenset[str]
    weight: float
    exact: str | None
    """The cue as written when it is matched case-sensitively (acronyms: "TOPS", "SoC")."""


@dataclass(frozen=True)
class _CueMatcher:
    """Every cue of a taxonomy, and the themes each one signals: two compiled regexes."""

    latin: re.Pattern[str]
    latin_cues: dict[str, tuple[_Cue, ...]]
    """Cues by their lower-case form, words joined by one space; exact ones first."""
    cjk: re.Pattern[str]
    cjk_cues: dict[str, _Cue]

    def themes(self, text: str) -> Iterable[_Cue]:
        """The cues found in the text, one per match (the longest at a position)."""
        spaced = _WORD_GAP.sub(" ", text)
        lower = spaced.lower()
        for match in self.latin.finditer(lower):
            for cue in self.latin_cues[match.group()]:
                if cue.exact is None or (
                    len(lower) == len(spaced) and spaced[match.start() : match.end()] == cue.exact
                ):
                    yield cue
                    break
        if _HAS_CJK.search(lower):
            for match in self.cjk.finditer(_CJK_GAP.sub("", lower)):
                yield self.cjk_cues[match.group()]


def _is_acronym(cue: str) -> bool:
    """ "TOPS", "SoC", "IoT", "L2+": a capital after the first letter makes a cue exact."""
    return any(char.isupper() for char in cue[1:])


@functools.lru_cache(maxsize=16)
def _cue_matcher(taxonomy: tuple[Theme, ...]) -> _CueMatcher:
    latin: dict[tuple[str, float, str | None], set[str]] = {}
    cjk: dict[tuple[str, float], set[str]] = {}
    for theme in taxonomy:
        for raw in theme.cues:
            weak = raw.startswith(WEAK_CUE)
            cue = raw[1:].strip() if weak else raw.strip()
            weight = WEAK_CUE_WEIGHT if weak else 1.0
            if _HAS_CJK.search(cue):
                cjk.setdefault((_CJK_GAP.sub("", cue.lower()), weight), set()).add(theme.id)
                continue
            spaced = _WORD_GAP.sub(" ", cue)
            if not spaced.strip():
                continue
            variants = {spaced}
            if spaced[-1].isalpha() and not spaced.lower().endswith("s"):  # plural: chip → chips
                variants.add(spaced[:-1] + "ies" if spaced.endswith("y") else spaced + "s")
            acronym = _is_acronym(cue)
            for variant in variants:
                key = (variant.lower(), weight, variant if acronym else None)
                latin.setdefault(key, set()).add(theme.id)
    latin_cues: dict[str, list[_Cue]] = {}
    for (phrase, weight, exact), ids in latin.items():
        latin_cues.setdefault(phrase, []).append(_Cue(frozenset(ids), weight, exact))
    cjk_cues: dict[str, _Cue] = {}
    for (phrase, weight), ids in cjk.items():
        known = cjk_cues.get(phrase)
        cjk_cues[phrase] = _Cue(
            frozenset(ids | (known.themes if known else frozenset())),
            max(weight, known.weight if known else 0.0),
            None,
        )
    return _CueMatcher(
        latin=re.compile(_phrase_regex(latin_cues)),
        # Exact (case-sensitive) cues are tried first, then the others.
        latin_cues={
            k: tuple(sorted(v, key=lambda c: c.exact is None)) for k, v in latin_cues.items()
        },
        cjk=re.compile(_phrase_regex(cjk_cues)),
        cjk_cues=cjk_cues,
    )


def _themes(article: Article, taxonomy: Sequence[Theme]) -> tuple[str, ...]:
    """Theme ids whose cues score enough (title x3, lead x1.5, body x1), best first."""
    matcher = _cue_matcher(tuple(taxonomy))
    lead, body = _lead_and_body(article)
    weighted = [(article.title, 3.0), *((text, 1.5) for text in lead)]
    weighted += [(text, 1.0) for text in body]
    score: dict[str, float] = {}
    matches: dict[str, int] = {}
    for text, weight in weighted:
        for cue in matcher.themes(text):
            for theme_id in cue.themes:
                score[theme_id] = score.get(theme_id, 0.0) + weight * cue.weight
                matches[theme_id] = matches.get(theme_id, 0) + 1
    best = max(score.values(), default=0.0)
    chosen = [
        theme_id
        for theme_id in score
        if score[theme_id] >= THEME_MIN_SCORE
        and matches[theme_id] >= THEME_MIN_MATCHES
        and score[theme_id] >= THEME_SHARE * best
    ]
    return tuple(sorted(chosen, key=lambda theme_id: (-score[theme_id], theme_id)))
