"""Dedupe stage (web ingest): articles reporting the same story, grouped with one primary each."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from briefgen.models import Article, Source

# --- settings ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DedupeSettings:
    """Thresholds, chosen on `tests/data/web/dedupe/stories.yml` (see tests/test_dedupe.py)."""

    permutations: int = 256
    bands: int = 128
    """LSH bands of the content-word signature, of permutations/bands rows each: with 2 rows a
    pair of 0.2 word Jaccard (a rewrite) is a candidate with 99.5% probability, 0.1 with 72%.
    Every candidate is then compared exactly."""
    max_days: int = 7
    """Reports of one story are dated within this many days of each other (when both are)."""
    copy: float = 0.5
    """Shingle Jaccard at which a text is a copy (syndication, light edits)."""
    contained: float = 0.8
    """Share of the shorter text's shingles in the longer one that makes it a cut-down copy."""
    words: float = 0.2
    """Content-word Jaccard that alone makes a rewrite."""
    words_with_support: float = 0.12
    """Content-word Jaccard that makes a rewrite when titles or numbers agree too."""
    title: float = 0.25
    """Title word Jaccard that supports a rewrite."""
    facts: float = 0.5
    """Share of the shorter article's numbers found in the other one."""
    min_facts: int = 3
    """Numbers two articles must share for the facts to agree."""
    entities: float = 0.5
    """Company-name Jaccard with which two shared facts make a translation."""


SEED = 20260507
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_LATIN_TOKEN = re.compile(r"[a-z0-9]+(?:['.][a-z0-9]+)*")
_STOPWORD_TEXT = """a about after again against all also an and any are as at be been before
being between both but by can could did do does during each few for from further had has have
having he her here his how i if in into is it its itself just more most no nor not now of off on
once only or other our out over own same she should so some such than that the their them then
there these they this those through to too under until up very was we were what when where which
while who whom why will with would you your said says say told according year years new first
last one two three four five six seven eight nine ten week month day monday tuesday wednesday
thursday friday saturday sunday company companies"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# Numbers with their scale: "1.1 billion", "$190 million", "45%", "11亿", "25万", "30吉瓦时".
_NUMBER = re.compile(
    r"(?<![a-z0-9.])(?P<value>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![0-9])\s*"
    r"(?P<scale>%|per ?cent|percent|trillion|billion|bn|million|mn|thousand"
    r"|万亿|萬億|亿|億|万|萬|千)?"
    r"(?![年月日号號])",
    re.IGNORECASE,
)
_CJK_DIGITS = dict(zip("一二两兩三四五六七八九", (1, 2, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_CJK_NUMBER = re.compile(r"(?P<digit>[一两兩二三四五六七八九])(?P<scale>万亿|萬億|亿|億|万|萬|千)")
_MONTH_BEFORE = re.compile(
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*$", re.IGNORECASE
)
_SCALES = {
    "trillion": 1e12,
    "万亿": 1e12,
    "萬億": 1e12,
    "億": 1e8,
    "萬": 1e4,
    "billion": 1e9,
    "bn": 1e9,
    "亿": 1e8,
    "million": 1e6,
    "mn": 1e6,
    "万": 1e4,
    "thousand": 1e3,
    "千": 1e3,
}
_PERCENT = ("%", "percent", "per cent")


# --- fingerprints ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fingerprint:
    """What near-duplicate detection compares: shingles (word pairs; CJK character pairs),
    content words and their MinHash signature, title words, the numbers the article states,
    its companies and the Latin-script names in it."""

    shingles: frozenset[int]
    signature: tuple[int, ...]
    words: frozenset[str]
    """Content words (CJK: character pairs): rewrites share many, even reworded."""
    title: frozenset[str]
    facts: frozenset[str]
    entities: frozenset[str]
    """Canonical company names (any script maps to one name), when an `Entities` is given."""
    latin: frozenset[str]
    """Latin-script words: names and model codes in a Chinese text ("Horse", "SU7")."""
    published: dt.date | None
    cjk: bool


Entities = Callable[[Article], Iterable[str]]
"""Canonical names of the organisations an article is about (e.g. from the tag stage's
registry, which maps 比亚迪 and BYD to one name): lets translations be recognised."""


def fingerprint(
    article: Article, settings: DedupeSettings | None = None, entities: Entities | None = None
) -> Fingerprint:
    settings = settings or DedupeSettings()
    text = _normalise(" ".join([article.title, *article.paragraphs]))
    shingles = frozenset(_hash(s) for s in _shingles(text))
    words = frozenset(_terms(text))
    cjk_chars = sum(len(run) for run in _CJK_RUN.findall(text))
    latin = [t for t in _LATIN_TOKEN.findall(text) if len(t) > 1 and not t[0].isdigit()]
    return Fingerprint(
        shingles=shingles,
        signature=minhash((_hash(w) for w in words), settings.permutations),
        words=words,
        title=frozenset(_title_terms(_normalise(article.title))),
        facts=frozenset(_facts(text)),
        entities=frozenset(entities(article)) if entities else frozenset(),
        latin=frozenset(_singular(t) for t in latin if t not in _STOPWORDS),
        published=article.published,
        cjk=cjk_chars > len(_LATIN_TOKEN.findall(text)),
    )


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _terms(text: str) -> list[str]:
    """Content words (crudely singular) and CJK character pairs, in text order."""
    terms: list[str] = []
    for match in re.finditer(f"[{_CJK}]+|[a-z0-9]+(?:['.][a-z0-9]+)*", text):
        token = match.group()
        if token[0] >= "\u3400":
            terms.extend(token[i : i + 2] for i in range(max(1, len(token) - 1)))
        elif token not in _STOPWORDS:
            terms.append(_singular(token.removesuffix("'s")))
    return terms


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _shingles(text: str) -> set[str]:
    """English word pairs and CJK character pairs: robust to reordered sentences, specific
    enough that stories about the same companies share few of them."""
    shingles: set[str] = set()
    for match in re.finditer(f"[{_CJK}]+", text):
        run = match.group()
        shingles.update(run[i : i + 2] for i in range(len(run) - 1))
    latin = [t for t in _terms(_CJK_RUN.sub(" | ", text)) if t[0] < "\u3400"]
    shingles.update(f"{a} {b}" for a, b in itertools.pairwise(latin))
    return shingles


def _title_terms(title: str) -> set[str]:
    return set(_terms(title))


def _facts(text: str) -> set[str]:
    """The numbers an article states, scaled ("11亿" = "1.1 billion"); years and single digits
    are left out (every story has them)."""
    facts: set[str] = set()
    for match in _NUMBER.finditer(text):
        if _MONTH_BEFORE.search(text, max(0, match.start() - 12), match.start()):
            continue  # "June 11": a date, not a fact
        fact = _fact(match["value"].replace(",", ""), (match["scale"] or "").lower())
        if fact is not None:
            facts.add(fact)
    for match in _CJK_NUMBER.finditer(text):
        facts.add(_format(_CJK_DIGITS[match["digit"]] * _SCALES[match["scale"]]))
    return facts


def _fact(raw: str, scale: str) -> str | None:
    value = float(raw)
    if scale in _PERCENT:
        return f"{value:g}%"
    if scale:
        return _format(value * _SCALES[scale])
    if (value.is_integer() and value < 10) or (1900 <= value <= 2100 and value.is_integer()):
        return None
    return _format(value)


def _format(value: float) -> str:
    return f"{value:.3g}"


def _hash(shingle: str) -> int:
    """A stable 64-bit hash (Python's hash() changes between runs)."""
    return int.from_bytes(hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest(), "big")


def _permutations(count: int) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    rng = np.random.default_rng(SEED)
    odd = rng.integers(1, 1 << 63, size=count, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    shift = rng.integers(0, 1 << 63, size=count, dtype=np.uint64)
    return odd, shift


def minhash(shingles: Iterable[int], permutations: int = 256) -> tuple[int, ...]:
    """MinHash signature: per permutation (a*x + b mod 2^64, seeded), the smallest value's high
    32 bits. Two signatures agree at a position with probability the sets' Jaccard index."""
    values = np.fromiter(shingles, dtype=np.uint64)
    if values.size == 0:
        return (1 << 32,) * permutations
    odd, shift = _permutations(permutations)
    with np.errstate(over="ignore"):  # wrapping multiplication is the point
        mixed = values[:, None] * odd[None, :] + shift[None, :]
    return tuple(int(v) for v in (mixed >> np.uint64(32)).min(axis=0))


# --- comparing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """How two articles compare, and whether they report the same story (and why)."""

    jaccard: float
    """Of the shingle sets."""
    containment: float
    """Shared shingles over the smaller set: a cut-down copy is contained in the full one."""
    words: float
    title: float
    shared_facts: int
    facts: float
    entities: float
    days: int | None
    cross_script: bool
    same: bool
    reason: str


def compare(a: Fingerprint, b: Fingerprint, settings: DedupeSettings | None = None) -> Match:
    settings = settings or DedupeSettings()
    common = len(a.shingles & b.shingles)
    cross = a.cjk != b.cjk
    shared = len(a.facts & b.facts)
    if cross:  # names and model codes written in Latin letters in both languages
        chinese, other = (a, b) if a.cjk else (b, a)
        shared += len(chinese.latin & other.words)
    fewer = min(len(a.facts), len(b.facts)) or 1
    days = abs((a.published - b.published).days) if a.published and b.published else None
    match = Match(
        jaccard=common / (len(a.shingles | b.shingles) or 1),
        containment=common / (min(len(a.shingles), len(b.shingles)) or 1),
        words=_jaccard(a.words, b.words),
        title=_jaccard(a.title, b.title),
        shared_facts=shared,
        facts=min(1.0, shared / fewer),
        entities=_jaccard(a.entities, b.entities),
        days=days,
        cross_script=cross,
        same=False,
        reason="",
    )
    same, reason = _decide(match, settings)
    return replace(match, same=same, reason=reason)


def _decide(match: Match, settings: DedupeSettings) -> tuple[bool, str]:
    if match.jaccard >= settings.copy or match.containment >= settings.contained:
        return True, "copy"
    if match.days is not None and match.days > settings.max_days:
        return False, f"{match.days} days apart"
    facts_agree = match.shared_facts >= settings.min_facts and match.facts >= settings.facts
    if match.cross_script:
        named = match.entities >= settings.entities and match.shared_facts >= 2
        if named or facts_agree:
            return True, "translation"
        return False, "different facts"
    if match.words >= settings.words:
        return True, "rewrite"
    if match.words >= settings.words_with_support and (
        match.title >= settings.title or facts_agree
    ):
        return True, "rewrite"
    return False, "different text"


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def same_story(a: Article, b: Article, settings: DedupeSettings | None = None) -> bool:
    """Whether two articles report the same story."""
    return compare(fingerprint(a, settings), fingerprint(b, settings), settings).same


# --- clustering --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cluster:
    """One story: the article its brief is made from, and the other outlets' reports of it."""

    primary: Article
    others: tuple[Article, ...] = ()

    @property
    def also(self) -> tuple[Source, ...]:
        """ "Also reported by": the other reports' sources, one per URL (or outlet)."""
        return also_sources((article.source for article in self.others), self.primary.source)


def cluster(
    articles: Sequence[Article],
    settings: DedupeSettings | None = None,
    entities: Entities | None = None,
    prints: Sequence[Fingerprint] | None = None,
) -> list[Cluster]:
    """Group articles reporting the same story. The primary is the earliest published (undated
    last), then the fullest text, then the smallest id; clusters come in the order of their
    primaries' first appearance in `articles`. Deterministic for the same input. `prints`,
    when given, are the articles' fingerprints (made once by a caller that keeps them)."""
    settings = settings or DedupeSettings()
    if prints is None:
        prints = [fingerprint(article, settings, entities) for article in articles]
    parent = list(range(len(articles)))
    for i, j in sorted(candidates(prints, settings)):
        if _root(parent, i) != _root(parent, j) and compare(prints[i], prints[j], settings).same:
            parent[max(_root(parent, i), _root(parent, j))] = min(
                _root(parent, i), _root(parent, j)
            )
    groups: dict[int, list[int]] = defaultdict(list)
    for index in range(len(articles)):
        groups[_root(parent, index)].append(index)
    clusters = [_make_cluster([articles[i] for i in members]) for members in groups.values()]
    first = {id(article): n for n, article in enumerate(articles)}
    return sorted(clusters, key=lambda c: first[id(c.primary)])


def candidates(prints: Sequence[Fingerprint], settings: DedupeSettings) -> set[tuple[int, int]]:
    """Pairs worth comparing: the same LSH band of their word signatures (same-language
    reports), or, across scripts, a shared number, company or Latin-script name (translations
    share no words)."""
    buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index, fp in enumerate(prints):
        for band, key in enumerate(band_keys(fp.signature, settings)):
            buckets[(band, key)].append(index)
    pairs: set[tuple[int, int]] = set()
    for members in buckets.values():
        pairs.update(itertools.combinations(sorted(set(members)), 2))
    by_anchor: dict[str, list[int]] = defaultdict(list)
    for index, fp in enumerate(prints):
        for anchor in anchors(fp):
            by_anchor[anchor].append(index)
    for members in by_anchor.values():
        pairs.update(
            (i, j) for i, j in itertools.combinations(members, 2) if prints[i].cjk != prints[j].cjk
        )
    return pairs


def band_keys(signature: Sequence[int], settings: DedupeSettings) -> list[int]:
    """One 64-bit key per LSH band of a signature: two signatures share a band's key when
    they agree on all of its rows (the same story is likely to share at least one band)."""
    rows = max(1, settings.permutations // settings.bands)
    keys = []
    for band in range(settings.bands):
        values = signature[band * rows : (band + 1) * rows]
        packed = b"".join(value.to_bytes(8, "big") for value in values)
        keys.append(int.from_bytes(hashlib.blake2b(packed, digest_size=8).digest(), "big"))
    return keys


def anchors(fp: Fingerprint) -> frozenset[str]:
    """What a translation shares with its original: numbers, companies, Latin-script names."""
    return fp.facts | fp.entities | fp.latin


def _root(parent: list[int], index: int) -> int:
    while parent[index] != index:
        parent[index] = parent[parent[index]]
        index = parent[index]
    return index


def _make_cluster(members: list[Article]) -> Cluster:
    ordered = sorted(members, key=primary_order)
    return Cluster(ordered[0], tuple(ordered[1:]))


def primary_order(article: Article) -> tuple[dt.date, int, str]:
    """Sort key of a story's reports: the first is its primary (earliest, then fullest)."""
    return report_order(article.published, len(article.text), article.id)


def report_order(
    published: dt.date | None, length: int, article_id: str
) -> tuple[dt.date, int, str]:
    undated = dt.date.max
    return (published or undated, -length, article_id)


def also_sources(others: Iterable[Source], primary: Source) -> tuple[Source, ...]:
    """ "Also reported by": the other reports' sources in order, one per URL (or outlet)."""
    seen = {source_key(primary)}
    sources: list[Source] = []
    for source in others:
        key = source_key(source)
        if key not in seen:
            seen.add(key)
            sources.append(source)
    return tuple(sources)


def source_key(source: Source) -> str:
    return source.url or source.name or source.file or ""
