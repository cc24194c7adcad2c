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
from briefgen.text import CJK_CHARS, split_sentences, word_set

Span = tuple[int, int]

LEAD_PARAGRAPHS = 2
"""Paragraphs that count as the lead (with the publisher's own summary sections)."""
THEME_MIN_SCORE = 3.0
"""Weighted cue matches a theme needs: a title match counts 3, the lead 1.5, the rest 1."""
THEME_MIN_MATCHES = 2

_LATIN = "A-Za-z0-9\u00c0-\u024f"
_COMPANY_KEYS = ("name", "aliases", "parents", "kind")
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
    """The known companies, with one compiled matcher for all their names and aliases."""

    companies: tuple[Company, ...]
    _by_name: dict[str, Company] = field(init=False, repr=False, compare=False)
    _by_key: dict[str, Company] = field(init=False, repr=False, compare=False)
    _by_folded: dict[str, Company] = field(init=False, repr=False, compare=False)
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name = {company.name: company for company in self.companies}
        by_key: dict[str, Company] = {}
        for company in self.companies:
            for key in (company.name, *company.aliases):
                by_key.setdefault(key, company)
        # ALL-CAPS headlines ("HAIER, GAC SIGN ...") still match Latin names.
        for key, company in list(by_key.items()):
            if not re.search(f"[{CJK_CHARS}]", key):
                by_key.setdefault(key.upper(), company)
        folded: dict[str, Company] = {}
        for key, company in by_key.items():
            folded.setdefault(key.casefold(), company)
        object.__setattr__(self, "_by_name", by_name)
        object.__setattr__(self, "_by_key", by_key)
        object.__setattr__(self, "_by_folded", folded)
        object.__setattr__(self, "_pattern", re.compile(_phrase_regex(by_key)))

    def __len__(self) -> int:
        return len(self.companies)

    def get(self, name: str) -> Company | None:
        """The company with this canonical name or alias (exact, then ignoring case)."""
        return (
            self._by_name.get(name)
            or self._by_key.get(name)
            or self._by_folded.get(name.strip().casefold())
        )

    def find(self, text: str) -> list[tuple[Company, tuple[Span, ...]]]:
        """Companies mentioned in the text with the spans of their mentions, in text order."""
        found: dict[str, list[Span]] = {}
        for company, span in self.mentions(text):
            found.setdefault(company.name, []).append(span)
        return [(self._by_name[name], tuple(spans)) for name, spans in found.items()]

    def mentions(self, text: str) -> Iterable[tuple[Company, Span]]:
        """Every mention, left to right; at each position the longest alias wins."""
        for match in self._pattern.finditer(text):
            yield self._by_key[match.group()], match.span()

    def mask(self, text: str) -> str:
        """The text with every known name blanked out (same length), to look for others."""
        return self._pattern.sub(lambda m: _MASK * len(m.group()), text)

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
    e.g. "companies[3]: 'aliases' must be a list of strings, got 5".
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
            where = f"{source}[{index}]" if source != "companies" else f"companies[{index}]"
            fields = _company_fields(entry, where)
            name = fields["name"]
            if name in merged:
                merged[name].update(fields)
            else:
                merged[name] = {"aliases": [], "parents": [], "kind": "", **fields}
            where_of[name] = where
    return Registry(_build_companies(merged, where_of))


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


def _string_list(entry: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = entry.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError.invalid(key, "a list of strings", value, where)
    return [v.strip() for v in value]


def _company_fields(entry: Any, where: str) -> dict[str, Any]:
    """The validated fields an entry gives (only those it gives)."""
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{where}: must be a mapping with a 'name', got {entry!r}")
    unknown = sorted(str(key) for key in entry if key not in _COMPANY_KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {unknown[0]!r} (expected {', '.join(_COMPANY_KEYS)})"
        )
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError.invalid("name", "a non-empty string", name, where)
    fields: dict[str, Any] = {"name": name.strip()}
    for key in ("aliases", "parents"):
        if key in entry:
            fields[key] = _string_list(entry, key, where)
    if "kind" in entry:
        kind = entry["kind"]
        if not isinstance(kind, str):
            raise ConfigError.invalid("kind", "a string such as 'automaker'", kind, where)
        fields["kind"] = kind.strip()
    return fields


def _build_companies(
    merged: Mapping[str, Mapping[str, Any]], where_of: Mapping[str, str]
) -> tuple[Company, ...]:
    """Companies from merged entries, checking parents, alias clashes and slugs."""
    owner: dict[str, str] = {}
    slugs: dict[str, str] = {}
    companies = []
    for name, fields in merged.items():
        where = where_of[name]
        for parent in fields["parents"]:
            if parent not in merged:
                raise ConfigError(f"{where}: parent {parent!r} is not a company in the registry")
            if parent == name:
                raise ConfigError(f"{where}: {name!r} cannot be its own parent")
        aliases = tuple(dict.fromkeys(a for a in fields["aliases"] if a != name))
        for key in (name, *aliases):
            other = owner.setdefault(key, name)
            if other != name:
                raise ConfigError(
                    f"{where}: alias {key!r} of {name!r} is already used by {other!r}"
                )
        slug = slugify(name)
        if slugs.setdefault(slug, name) != name:
            raise ConfigError(f"{where}: {name!r} has the same slug as {slugs[slug]!r}")
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
    return tuple(companies)


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

_PARTNER = re.compile(
    r"\b(?:cooperat\w*|co-operat\w*|partner\w*|joint ventures?|agreements?|alliances?|"
    r"collaborat\w*|memorand\w*|MoU|sign(?:s|ed|ing)?|tie-ups?|team(?:s|ed)? up|jointly)\b"
    r"|合作|签约|簽約|签署|簽署|携手|攜手|联手|聯手|合资|合資|牵手|牽手|战略协议|戰略協議",
    re.IGNORECASE,
)


@dataclass
class _Mentions:
    title: int = 0
    lead: int = 0
    count: int = 0
    partner: bool = False
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
    it is named in the title or the lead (the first two paragraphs and the publisher's own
    summary), or at least twice, or in a sentence about a partnership ("cooperation",
    "agreement", "合作" ...). Then two rules about groups:

    - a joint venture that is a main subject (title or lead) brings its parents in: they are
      parties to its news (SAIC-BMW signs a deal: SAIC Motor and BMW are tagged too);
    - a subsidiary or brand whose parent is tagged is folded into the parent, which takes its
      mentions (Haier Kaos news beside Haier Group is filed under Haier Group). Joint ventures
      are never folded: they are companies of their own.

    Order: importance (title, then lead, then mentions), then name.
    """
    stats = _company_mentions(article, registry)
    kept = {name: m for name, m in stats.items() if m.title or m.lead or m.count >= 2 or m.partner}
    for name in sorted(kept, key=lambda n: (-kept[n].importance, n)):
        company = registry.get(name)
        if company and company.kind == "jv" and (kept[name].title or kept[name].lead):
            for parent in company.parents:
                kept.setdefault(parent, stats.get(parent, _Mentions()))
    for name in sorted(kept, key=lambda n: (-kept[n].importance, n)):
        company = registry.get(name)
        if company is None or company.kind == "jv":
            continue
        target = next((a for a in registry.ancestors(name) if a in kept), None)
        if target is not None:
            kept[target].add(kept.pop(name))
    companies = sorted(kept, key=lambda n: (-kept[n].importance, n))

    unknown = _unknown_organisations(_body_texts(article), registry)
    # An organisation the registry lacks that is named in the title is the news subject.
    for name in _unknown_organisations([article.title], registry):
        if name not in companies:
            companies.append(name)
    return Tags(
        companies=tuple(companies),
        themes=_themes(article, taxonomy),
        unknown_companies=tuple(unknown),
    )


def _body_texts(article: Article) -> list[str]:
    sections = [article.publisher_why or "", *article.publisher_takeaways]
    return [text for text in (*sections, *article.paragraphs) if text]


def _company_mentions(article: Article, registry: Registry) -> dict[str, _Mentions]:
    """Title, lead and total mentions of every company, and whether it is a partner."""
    stats: dict[str, _Mentions] = {}
    order = 0

    def record(company: Company, *, title: bool, lead: bool, partner: bool) -> None:
        nonlocal order
        m = stats.setdefault(company.name, _Mentions())
        m.title += title
        m.lead += lead
        m.count += 1
        m.partner = m.partner or partner
        m.first = min(m.first, order)
        order += 1

    for company, _ in registry.mentions(article.title):
        record(company, title=True, lead=False, partner=False)
    sections = [article.publisher_why or "", *article.publisher_takeaways]
    texts = [(text, True) for text in sections if text]
    texts += [(p, i < LEAD_PARAGRAPHS) for i, p in enumerate(article.paragraphs)]
    for text, lead in texts:
        mentions = list(registry.mentions(text))
        if not mentions:
            continue
        partner_spans = _partner_sentences(text) if _PARTNER.search(text) else []
        for company, (start, _end) in mentions:
            partner = any(low <= start < high for low, high in partner_spans)
            record(company, title=False, lead=lead, partner=partner)
    return stats


def _partner_sentences(text: str) -> list[Span]:
    """Spans of the sentences of the text that speak of a partnership."""
    spans = []
    cursor = 0
    for sentence in split_sentences(text):
        start = text.find(sentence, cursor)
        if start < 0:
            continue
        cursor = start + len(sentence)
        if _PARTNER.search(sentence):
            spans.append((start, cursor))
    return spans


# --- organisations the registry lacks ---------------------------------------------------------

_SUFFIX_EN = (
    r"Co\.,?\s*Ltd\.?|Co\.,?\s*Limited|Company\s+Limited|Ltd\.?|Limited|Inc\.?|Corp\.?|"
    r"Corporation|Group|Holdings?|Motors?|Technolog(?:y|ies)|Company|AG|GmbH|PLC|LLC"
)
_ORG_EN = re.compile(
    rf"(?<![\w{_MASK}])(?P<name>[A-Z][\w&'’.\-]*(?:\s+(?:[A-Z0-9][\w&'’.\-]*|&|of))*)"
    rf",?\s+(?P<suffix>{_SUFFIX_EN})(?![\w\-])"
)
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
_WEAK_AFTER_OF = frozenset(("Technology", "Technologies", "Group", "Holdings", "Company"))
_ZH_CUT = re.compile(
    r".*(?:的|与|和|及|、|是|为|在|由|被|将|对|向|从|把|据|称|显示|宣布|表示|旗下|成立|近日|日前|"
    r"目前|投资|控股的|入股)"
)
_ZH_VAGUE_START = re.compile(r"^(?:该|这|此|其|两|各|多|本|一家|某)")


def _unknown_organisations(texts: Iterable[str], registry: Registry) -> list[str]:
    """Names with a legal suffix (Co., Ltd., Group, 有限公司 ...) that the registry lacks."""
    found: list[str] = []
    for text in texts:
        masked = registry.mask(text)
        for match in _ORG_EN.finditer(masked):
            name = _english_org(text, match)
            if name:
                found.append(name)
        for match in _ORG_ZH.finditer(masked) if _HAS_CJK.search(masked) else ():
            name = _ZH_CUT.sub("", match.group("name"))
            start = match.end("name") - len(name)
            if start > 0 and masked[start - 1] == _MASK:
                continue  # a unit of a known company (青岛海尔冰箱有限公司)
            if len(name) >= 2 and not _ZH_VAGUE_START.match(name):
                found.append(name + match.group("suffix"))
    # Drop a shortened repeat of a fuller name ("Kataichi ... Co., Ltd." after "Qingdao ...").
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
    return text[match.start("name") + tokens[0].start() : match.end()]


# --- themes -----------------------------------------------------------------------------------

# Latin cues are matched on word tokens: hyphens and spaces separate words alike ("smart-home"
# is "smart home"), any other mark is a token of its own, so a cue never spans punctuation.
_CUE_TOKEN = re.compile(r"[a-z0-9\u00e0-\u024f]+\+*|[^\sa-z0-9\u00e0-\u024f\-\u2010-\u2015\u2212]")
_CJK_GAP = re.compile(r"[\-\u2010-\u2015\u2212\s]+")
_HAS_CJK = re.compile(f"[{CJK_CHARS}]")


@dataclass(frozen=True)
class _CueMatcher:
    """Every cue of a taxonomy, and the themes each one signals."""

    phrases: dict[tuple[str, ...], frozenset[str]]
    firsts: frozenset[str]
    lengths: tuple[int, ...]
    """Phrase lengths in tokens, longest first (the longest cue at a position wins)."""
    cjk: re.Pattern[str]
    cjk_themes: dict[str, frozenset[str]]

    def themes(self, text: str) -> Iterable[frozenset[str]]:
        """The theme sets of the cues found in the text, one per match."""
        lower = text.lower()
        tokens = _CUE_TOKEN.findall(lower)
        i = 0
        while i < len(tokens):
            if tokens[i] in self.firsts:
                for length in self.lengths:
                    found = self.phrases.get(tuple(tokens[i : i + length]))
                    if found is not None:
                        yield found
                        i += length - 1
                        break
            i += 1
        if _HAS_CJK.search(lower):
            for match in self.cjk.finditer(_CJK_GAP.sub("", lower)):
                yield self.cjk_themes[match.group()]


@functools.lru_cache(maxsize=16)
def _cue_matcher(taxonomy: tuple[Theme, ...]) -> _CueMatcher:
    latin: dict[tuple[str, ...], set[str]] = {}
    cjk: dict[str, set[str]] = {}
    for theme in taxonomy:
        for cue in theme.cues:
            lower = cue.lower().strip()
            if _HAS_CJK.search(lower):
                cjk.setdefault(_CJK_GAP.sub("", lower), set()).add(theme.id)
                continue
            tokens = tuple(_CUE_TOKEN.findall(lower))
            if not tokens:
                continue
            variants = {tokens}
            last = tokens[-1]
            if last[-1].isalpha() and not last.endswith("s"):  # plural: chip → chips
                plural = last[:-1] + "ies" if last.endswith("y") else last + "s"
                variants.add((*tokens[:-1], plural))
            for variant in variants:
                latin.setdefault(variant, set()).add(theme.id)
    return _CueMatcher(
        phrases={k: frozenset(v) for k, v in latin.items()},
        firsts=frozenset(k[0] for k in latin),
        lengths=tuple(sorted({len(k) for k in latin}, reverse=True)),
        cjk=re.compile(_phrase_regex(cjk)),
        cjk_themes={k: frozenset(v) for k, v in cjk.items()},
    )


def _themes(article: Article, taxonomy: Sequence[Theme]) -> tuple[str, ...]:
    """Theme ids whose cues score enough (title x3, lead x1.5, body x1), best first."""
    matcher = _cue_matcher(tuple(taxonomy))
    lead = [article.publisher_why or "", *article.publisher_takeaways]
    lead += article.paragraphs[:LEAD_PARAGRAPHS]
    weighted = [(article.title, 3.0), *((text, 1.5) for text in lead)]
    weighted += [(text, 1.0) for text in article.paragraphs[LEAD_PARAGRAPHS:]]
    score: dict[str, float] = {}
    matches: dict[str, int] = {}
    for text, weight in weighted:
        for theme_ids in matcher.themes(text):
            for theme_id in theme_ids:
                score[theme_id] = score.get(theme_id, 0.0) + weight
                matches[theme_id] = matches.get(theme_id, 0) + 1
    chosen = [
        theme_id
        for theme_id in score
        if score[theme_id] >= THEME_MIN_SCORE and matches[theme_id] >= THEME_MIN_MATCHES
    ]
    return tuple(sorted(chosen, key=lambda theme_id: (-score[theme_id], theme_id)))
