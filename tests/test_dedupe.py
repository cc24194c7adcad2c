"""Dedupe (web ingest): the same story from several outlets, in any language, becomes one cluster;
different stories about the same companies stay apart. Labelled set: tests/data/web/dedupe/."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from briefgen.dedupe import (
    Cluster,
    DedupeSettings,
    Fingerprint,
    cluster,
    compare,
    fingerprint,
    minhash,
    same_story,
)
from briefgen.models import Article, Source

DATA = Path(__file__).resolve().parent / "data" / "web" / "dedupe" / "stories.yml"
REGISTRY = Path(__file__).resolve().parent.parent / "src" / "briefgen" / "data" / "companies.yml"


def load() -> tuple[list[Article], dict[str, str]]:
    rows: list[dict[str, Any]] = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    articles = [
        Article(
            id=row["id"],
            title=row["title"],
            paragraphs=tuple(row["text"].strip().splitlines()),
            source=Source(name=row["outlet"], url=f"https://{row['id']}.example/story"),
            published=row["published"],
            language=row["language"],
        )
        for row in rows
    ]
    return articles, {row["id"]: row["event"] for row in rows}


ARTICLES, EVENTS = load()
BY_ID = {article.id: article for article in ARTICLES}


@functools.cache
def _aliases() -> list[tuple[re.Pattern[str], str]]:
    """Company names (English and Chinese) from the registry the tag stage uses."""
    entries = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))
    patterns = []
    for entry in entries:
        for alias in [entry["name"], *entry.get("aliases", [])]:
            if re.search(r"[\u4e00-\u9fff]", alias):
                patterns.append((re.compile(re.escape(alias)), entry["name"]))
            else:
                patterns.append((re.compile(rf"\b{re.escape(alias)}\b"), entry["name"]))
    return patterns


def companies(article: Article) -> set[str]:
    """A stand-in for the tag stage: canonical names of the registry's companies it mentions."""
    text = " ".join([article.title, *article.paragraphs])
    return {name for pattern, name in _aliases() if pattern.search(text)}


@functools.cache
def printed(article_id: str) -> Fingerprint:
    return fingerprint(BY_ID[article_id], entities=companies)


def pairs(same: bool) -> list[tuple[str, str]]:
    return [
        (a, b) for a, b in itertools.combinations(EVENTS, 2) if (EVENTS[a] == EVENTS[b]) == same
    ]


def clusters_by_event(found: list[Cluster]) -> list[set[str]]:
    return [{c.primary.id, *(o.id for o in c.others)} for c in found]


# --- the labelled set --------------------------------------------------------------------------


def test_every_report_of_a_story_lands_in_one_cluster_and_no_other_story_joins_it() -> None:
    found = clusters_by_event(cluster(ARTICLES, entities=companies))
    expected = [
        {i for i, e in EVENTS.items() if e == event} for event in dict.fromkeys(EVENTS.values())
    ]
    assert sorted(map(sorted, found)) == sorted(map(sorted, expected))


@pytest.mark.parametrize(("a", "b"), pairs(same=True))
def test_same_story_pairs_match(a: str, b: str) -> None:
    match = compare(printed(a), printed(b))
    assert match.same, match


@pytest.mark.parametrize(("a", "b"), pairs(same=False))
def test_different_stories_stay_apart(a: str, b: str) -> None:
    match = compare(printed(a), printed(b))
    assert not match.same, match


@pytest.mark.parametrize(
    ("a", "b", "reason"),
    [
        ("horse-autowire", "horse-syndicated", "copy"),
        ("horse-autowire", "horse-rewrite", "rewrite"),
        ("toyota-pony-feed", "toyota-pony-rewrite", "rewrite"),
        ("xiaomi-faw-reuters", "xiaomi-faw-rewrite", "rewrite"),
        ("catl-changan-zh", "catl-changan-zh-rewrite", "rewrite"),
        ("horse-autowire", "horse-zh", "translation"),
        ("byd-hungary-zh", "byd-hungary-en", "translation"),
        ("foxconn-mitsubishi-tw", "foxconn-mitsubishi-en", "translation"),
        ("catl-changan-zh", "catl-changan-en", "translation"),
    ],
)
def test_each_kind_of_duplicate_is_named(a: str, b: str, reason: str) -> None:
    match = compare(printed(a), printed(b))
    assert (match.same, match.reason) == (True, reason)


def test_translations_with_many_shared_numbers_need_no_registry() -> None:
    assert same_story(BY_ID["horse-autowire"], BY_ID["horse-zh"])
    assert same_story(BY_ID["byd-hungary-en"], BY_ID["byd-hungary-zh"])
    assert not same_story(BY_ID["byd-hungary-en"], BY_ID["byd-turkey-zh"])


def test_rewritten_headlines_are_not_needed() -> None:
    """The titles of this pair share almost no words; the text decides."""
    a, b = BY_ID["xiaomi-faw-reuters"], BY_ID["xiaomi-faw-rewrite"]
    assert compare(fingerprint(a), fingerprint(b)).title < 0.1
    assert same_story(a, b)


# --- the primary and "also reported by" --------------------------------------------------------


def test_the_earliest_report_is_the_primary_then_the_fullest() -> None:
    found = {c.primary.id: c for c in cluster(ARTICLES, entities=companies)}
    # Same day: the full original beats its cut-down syndicated copy.
    assert "horse-autowire" in found
    assert [o.id for o in found["horse-autowire"].others] == [
        "horse-syndicated",
        "horse-rewrite",
        "horse-zh",
    ]
    assert "catl-changan-zh-rewrite" in found  # published a day before the original
    assert "byd-hungary-en" in found  # the English report came out a day earlier


def test_undated_reports_never_win_over_dated_ones() -> None:
    a = BY_ID["horse-syndicated"]
    undated = dataclasses.replace(BY_ID["horse-autowire"], published=None)
    (only,) = cluster([undated, a])
    assert only.primary is a and only.others == (undated,)


def test_also_reported_by_lists_each_other_source_once() -> None:
    primary = BY_ID["horse-autowire"]
    mirror = dataclasses.replace(BY_ID["horse-syndicated"], id="mirror")
    (only,) = cluster([primary, BY_ID["horse-syndicated"], mirror])
    assert only.also == (BY_ID["horse-syndicated"].source,)


def test_clusters_keep_input_order_and_are_deterministic() -> None:
    first = cluster(ARTICLES, entities=companies)
    again = cluster(list(reversed(ARTICLES)), entities=companies)
    assert [c.primary.id for c in first][:3] == [
        "horse-autowire",
        "renault-korea-geely",
        "horse-aramco",
    ]
    assert sorted(clusters_by_event(first), key=sorted) == sorted(
        clusters_by_event(again), key=sorted
    )


def test_an_article_alone_is_its_own_cluster() -> None:
    assert cluster([]) == []
    (only,) = cluster([BY_ID["horse-aramco"]])
    assert only == Cluster(BY_ID["horse-aramco"])
    assert only.also == ()


# --- MinHash -----------------------------------------------------------------------------------


def test_minhash_is_stable_and_estimates_jaccard() -> None:
    a = set(range(0, 1000))
    b = set(range(500, 1500))  # Jaccard 1/3
    sig_a, sig_b = minhash(a, 256), minhash(b, 256)
    assert sig_a == minhash(sorted(a, reverse=True), 256)
    agree = sum(x == y for x, y in zip(sig_a, sig_b, strict=True)) / 256
    assert abs(agree - 1 / 3) < 0.08


def test_fingerprints_do_not_depend_on_the_process() -> None:
    """blake2b and a seeded generator, not hash(): the same signature in every run."""
    assert minhash([1, 2, 3], 4) == (183636881, 173036679, 757306907, 1538566483)


def test_settings_change_the_decision() -> None:
    a, b = BY_ID["horse-autowire"], BY_ID["horse-rewrite"]
    assert same_story(a, b)
    strict = DedupeSettings(words=0.9, words_with_support=0.9)
    assert not same_story(a, b, strict)


def test_numbers_are_compared_across_scales_and_scripts() -> None:
    en = _article(
        "Deal", "They will invest 1.1 billion reais ($190 million) and build 250,000 engines."
    )
    zh = _article("交易", "双方将投资11亿雷亚尔（约1.9亿美元），年产25万台发动机。")
    assert fingerprint(en).facts == fingerprint(zh).facts == {"1.1e+09", "1.9e+08", "2.5e+05"}


def test_years_dates_and_small_numbers_are_not_facts() -> None:
    text = "On June 11, 2026, 3 firms met; 4月12日 they signed. 2027年投产, 30 GWh."
    assert fingerprint(_article("t", text)).facts == {"30"}


def _article(title: str, text: str, published: dt.date | None = None) -> Article:
    return Article(id=title, title=title, paragraphs=(text,), source=Source(), published=published)
