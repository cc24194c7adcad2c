"""Tagging quality and speed: companies and themes against an editor's labels.

Reads the labelled evaluation set in tests/data/tagging/ (articles as pasted text plus
labels.yml), turns each article into an `Article` with `ingest.parse_text`, runs `tagging.tag`
with the default registry and taxonomy, and prints micro-averaged precision, recall and F1 for
companies and for themes on the dev half (used for tuning), the held-out half (only reported)
and all articles, with per-theme counts. Then it times `tag` on the 500 CNN articles of
../shared/eval/news_summaries.jsonl (ingest is not timed).

Exit status 1 when companies F1 < 0.85 or themes F1 < 0.75 on all articles.

    .venv/bin/python benchmarks/tagging_quality.py               # report + speed
    .venv/bin/python benchmarks/tagging_quality.py --errors dev  # also list dev mistakes
    .venv/bin/python benchmarks/tagging_quality.py --no-speed --json out.json
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from briefgen import ingest, tagging
from briefgen.models import Article, Tags, Theme

REPO = Path(__file__).resolve().parents[1]
EVAL_DIR = REPO / "tests" / "data" / "tagging"
SPEED_DATA = (REPO.parent / "shared" / "eval" / "news_summaries.jsonl").resolve()
SPLITS = ("dev", "heldout", "all")
TARGETS = {"companies": 0.85, "themes": 0.75}
_PUNCT = re.compile(r"[\s.,'’\"()（）]+")


@dataclass(frozen=True)
class Labelled:
    """One article of the evaluation set with the editor's labels."""

    file: str
    split: str
    language: str
    article: Article
    companies: tuple[tuple[str, ...], ...]
    """Each company as the forms an editor accepts (canonical name, or names as written)."""
    themes: frozenset[str]


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass
class Scores:
    companies: Counts = field(default_factory=Counts)
    themes: Counts = field(default_factory=Counts)
    per_theme: dict[str, Counts] = field(default_factory=dict)
    articles: int = 0


def load_set(directory: Path = EVAL_DIR) -> list[Labelled]:
    """The labelled articles, in file order."""
    labels = yaml.safe_load((directory / "labels.yml").read_text(encoding="utf-8"))
    items = []
    for entry in labels:
        path = directory / entry["file"]
        article = ingest.parse_text(path.read_text(encoding="utf-8"), entry["file"])
        companies = tuple(
            tuple(form.strip() for form in str(name).split("|") if form.strip())
            for name in entry.get("companies") or ()
        )
        items.append(
            Labelled(
                file=entry["file"],
                split=entry["split"],
                language=entry.get("language", ""),
                article=article,
                companies=companies,
                themes=frozenset(entry.get("themes") or ()),
            )
        )
    return items


def _key(name: str) -> str:
    return _PUNCT.sub("", name).casefold()


def company_counts(gold: Sequence[tuple[str, ...]], predicted: Iterable[str]) -> Counts:
    """Matches of predicted names to gold companies (any accepted form, ignoring case and
    punctuation); each gold company matches at most one prediction."""
    left = [{_key(form) for form in forms} for forms in gold]
    counts = Counts()
    for name in dict.fromkeys(predicted):
        key = _key(name)
        hit = next((i for i, forms in enumerate(left) if key in forms), None)
        if hit is None:
            counts.fp += 1
        else:
            counts.tp += 1
            left.pop(hit)
    counts.fn = len(left)
    return counts


def theme_counts(gold: frozenset[str], predicted: Iterable[str]) -> dict[str, Counts]:
    out: dict[str, Counts] = {}
    predicted_set = set(predicted)
    for theme in gold | predicted_set:
        c = out.setdefault(theme, Counts())
        if theme in gold and theme in predicted_set:
            c.tp += 1
        elif theme in predicted_set:
            c.fp += 1
        else:
            c.fn += 1
    return out


def evaluate(
    items: Sequence[Labelled],
    registry: tagging.Registry,
    taxonomy: Sequence[Theme],
) -> tuple[dict[str, Scores], list[tuple[Labelled, Tags]]]:
    """Scores per split ("dev", "heldout", "all") and every article's tags."""
    scores = {split: Scores() for split in SPLITS}
    results = []
    for item in items:
        tags = tagging.tag(item.article, registry, taxonomy)
        results.append((item, tags))
        companies = company_counts(item.companies, tags.companies)
        themes = theme_counts(item.themes, tags.themes)
        for split in (item.split, "all"):
            s = scores[split]
            s.articles += 1
            s.companies.add(companies)
            for theme, c in themes.items():
                s.themes.add(c)
                s.per_theme.setdefault(theme, Counts()).add(c)
    return scores, results


def speed(
    registry: tagging.Registry, taxonomy: Sequence[Theme], path: Path = SPEED_DATA
) -> dict[str, float] | None:
    """Articles per second of `tag` alone over the CNN file (best of two passes)."""
    if not path.is_file():
        return None
    articles = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            try:
                articles.append(ingest.parse_text(json.loads(line)["article"]))
            except Exception:
                continue
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        for article in articles:
            tagging.tag(article, registry, taxonomy)
        best = min(best, time.perf_counter() - start)
    words = sum(len((a.title + " " + a.text).split()) for a in articles) / max(len(articles), 1)
    return {
        "articles": len(articles),
        "mean_words": round(words, 1),
        "articles_per_second": round(len(articles) / best, 1),
        "ms_per_article": round(1000 * best / max(len(articles), 1), 3),
    }


def _row(label: str, c: Counts) -> str:
    return (
        f"| {label} | {c.precision:.3f} | {c.recall:.3f} | {c.f1:.3f} | {c.tp} | {c.fp} | {c.fn} |"
    )


def report(scores: dict[str, Scores], items: Sequence[Labelled]) -> str:
    languages = Counter(item.language for item in items)
    lines = [
        "# Tagging quality",
        "",
        f"{len(items)} labelled articles ({', '.join(f'{k} {v}' for k, v in languages.items())})"
        f": dev {scores['dev'].articles}, held-out {scores['heldout'].articles}.",
        "",
        "| split / what | precision | recall | F1 | TP | FP | FN |",
        "|---|---|---|---|---|---|---|",
    ]
    for split in SPLITS:
        lines.append(_row(f"{split} companies", scores[split].companies))
        lines.append(_row(f"{split} themes", scores[split].themes))
    lines += [
        "",
        "Per theme (all articles):",
        "",
        "| theme | precision | recall | F1 | TP | FP | FN |",
    ]
    lines.append("|---|---|---|---|---|---|---|")
    for theme, c in sorted(scores["all"].per_theme.items()):
        lines.append(_row(theme, c))
    return "\n".join(lines)


def errors(results: Sequence[tuple[Labelled, Tags]], split: str) -> str:
    lines = []
    for item, tags in results:
        if split not in ("all", item.split):
            continue
        gold = [forms[0] for forms in item.companies]
        c = company_counts(item.companies, tags.companies)
        t = set(tags.themes) ^ item.themes
        if c.fp or c.fn or t:
            lines.append(f"{item.file}")
            lines.append(f"  companies gold {gold}\n            got  {list(tags.companies)}")
            lines.append(
                f"  themes    gold {sorted(item.themes)}\n            got  {list(tags.themes)}"
            )
            if tags.unknown_companies:
                lines.append(f"  unknown   {list(tags.unknown_companies)}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--errors", choices=SPLITS, help="list the mistakes on this split")
    parser.add_argument("--no-speed", action="store_true", help="skip the speed measurement")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    args = parser.parse_args(argv)

    registry = tagging.load_registry()
    taxonomy = tagging.load_taxonomy()
    items = load_set()
    scores, results = evaluate(items, registry, taxonomy)
    print(report(scores, items))
    if args.errors:
        print("\n## Mistakes (" + args.errors + ")\n")
        print(errors(results, args.errors))

    timing = None if args.no_speed else speed(registry, taxonomy)
    if timing:
        print(
            f"\nSpeed: tag() on {timing['articles']} CNN articles ({timing['mean_words']} words "
            f"on average): {timing['articles_per_second']} articles/s, "
            f"{timing['ms_per_article']} ms per article (best of 2 passes, ingest not timed)."
        )
    start = time.perf_counter()
    for item in items:
        tagging.tag(item.article, registry, taxonomy)
    per = 1000 * (time.perf_counter() - start) / max(len(items), 1)
    print(f"Speed on the evaluation set: {per:.3f} ms per article.")

    all_scores = scores["all"]
    ok = (
        all_scores.companies.f1 >= TARGETS["companies"]
        and all_scores.themes.f1 >= TARGETS["themes"]
    )
    print(
        f"\nTargets on all articles: companies F1 {all_scores.companies.f1:.3f} "
        f"(>= {TARGETS['companies']}), themes F1 {all_scores.themes.f1:.3f} "
        f"(>= {TARGETS['themes']}): {'met' if ok else 'NOT met'}."
    )
    if args.json:
        payload: dict[str, Any] = {
            split: {
                "articles": s.articles,
                "companies": s.companies.as_dict(),
                "themes": s.themes.as_dict(),
                "per_theme": {k: v.as_dict() for k, v in sorted(s.per_theme.items())},
            }
            for split, s in scores.items()
        }
        payload["speed"] = timing
        args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
