"""Extraction quality: article lines kept and page furniture dropped, on saved pages.

For every `tests/data/web/pages/*.html` with a hand-marked `.txt` beside it (one article line
per line; `? ` marks optional lines such as a standfirst or a caption), it scores line
precision and recall of:

- `web_extract.extract` as shipped (trafilatura, precision mode, plus briefgen's clean-up);
- trafilatura's default and recall modes with the same clean-up (the settings not chosen);
- `ingest.read_article`, the text path that reads saved HTML without trafilatura (baseline).

Matching ignores case, spacing and list bullets. A hand-marked line is recalled when some
extracted line contains it; an extracted line is correct when, with the hand-marked lines it
contains taken out, at most a tenth of it is left (so a merged or split paragraph still counts),
and is ignored when what it holds is an optional line. Metadata (title, date, outlet, author,
canonical URL, language) is checked against `meta.yml`.

Usage: `.venv/bin/python benchmarks/extraction_quality.py [--json OUT]`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import trafilatura
import yaml

from briefgen import ingest, web_extract
from briefgen.fetch import decode_body

REPO = Path(__file__).resolve().parent.parent
PAGES = REPO / "tests" / "data" / "web" / "pages"
_BULLET = re.compile(r"^[-•*·]\s*")
LEFTOVER = 0.1


@dataclass(frozen=True)
class Gold:
    required: tuple[str, ...]
    optional: tuple[str, ...]


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    extracted: int
    correct: int
    wrong: tuple[str, ...]
    missed: tuple[str, ...]


def load_gold(path: Path) -> Gold:
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    required = tuple(line for line in lines if line and not line.startswith("? "))
    optional = tuple(line[2:] for line in lines if line.startswith("? "))
    return Gold(required, optional)


def normalise(line: str) -> str:
    line = _BULLET.sub("", unicodedata.normalize("NFKC", line).strip())
    return "".join(line.casefold().split())


def score(extracted: list[str] | tuple[str, ...], gold: Gold) -> Score:
    """Line precision and recall of `extracted` against the hand-marked lines."""
    required = [normalise(line) for line in gold.required]
    optional = [normalise(line) for line in gold.optional]
    lines = [normalise(line) for line in extracted if normalise(line)]
    pairs = zip(gold.required, required, strict=True)
    missed = tuple(line for line, key in pairs if not _found(key, lines))
    counted = correct = 0
    wrong: list[str] = []
    for original, line in zip([e for e in extracted if normalise(e)], lines, strict=True):
        rest = _leftover(line, required)
        if len(rest) <= LEFTOVER * len(line):
            counted += 1
            correct += 1
        elif len(_leftover(rest, optional)) <= LEFTOVER * len(line):
            continue  # an optional line: neither right nor wrong
        else:
            counted += 1
            wrong.append(original)
    found = len(required) - len(missed)
    return Score(
        precision=correct / counted if counted else 0.0,
        recall=found / len(required) if required else 1.0,
        extracted=counted,
        correct=correct,
        wrong=tuple(wrong),
        missed=missed,
    )


def _found(key: str, lines: list[str]) -> bool:
    return any(key in line for line in lines)


def _leftover(line: str, gold: list[str]) -> str:
    """What is left of an extracted line once the gold lines it holds (or is part of) go."""
    for key in gold:
        if line in key:
            return ""
        line = line.replace(key, "")
    return line


# --- methods -----------------------------------------------------------------------------------


def shipped(path: Path) -> list[str]:
    return list(web_extract.extract_file(path).paragraphs)


def trafilatura_mode(mode: str) -> Callable[[Path], list[str]]:
    def run(path: Path) -> list[str]:
        html = decode_body(path.read_bytes())
        document = trafilatura.bare_extraction(
            html,
            include_comments=False,
            with_metadata=True,
            favor_recall=mode == "recall",
            deduplicate=False,
        )
        text = web_extract.body_text(document) if document is not None else ""
        return web_extract._paragraphs(text, getattr(document, "title", None))

    return run


def ingest_text_path(path: Path) -> list[str]:
    article = ingest.read_article(path)
    return [*article.paragraphs, *article.publisher_takeaways]


METHODS: dict[str, Callable[[Path], list[str]]] = {
    "briefgen (trafilatura precision)": shipped,
    "trafilatura default": trafilatura_mode("default"),
    "trafilatura recall": trafilatura_mode("recall"),
    "ingest.read_article (no trafilatura)": ingest_text_path,
}


def check_metadata(path: Path, expected: dict[str, Any]) -> dict[str, tuple[object, object]]:
    """Fields that differ from `meta.yml`, as (expected, got); null expectations are skipped."""
    article = web_extract.extract_file(path)
    got = {
        "title": article.title,
        "published": article.published,
        "outlet": article.source.name,
        "author": article.byline,
        "url": article.source.url,
        "language": article.language,
    }
    return {
        key: (expected[key], value)
        for key, value in got.items()
        if expected.get(key) is not None and expected[key] != value
    }


def pages() -> list[Path]:
    return sorted(p for p in PAGES.glob("*.html") if p.with_suffix(".txt").is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the scores as JSON")
    args = parser.parse_args(argv)
    meta = yaml.safe_load((PAGES / "meta.yml").read_text(encoding="utf-8"))
    results: dict[str, dict[str, Any]] = {}
    print("| page | method | lines | precision | recall |")
    print("|---|---|---:|---:|---:|")
    for path in pages():
        gold = load_gold(path.with_suffix(".txt"))
        results[path.name] = {}
        for name, method in METHODS.items():
            try:
                result = score(method(path), gold)
            except Exception as error:  # a baseline may fail on a page: report, go on
                print(f"| {path.name} | {name} | error: {error} | | |")
                continue
            results[path.name][name] = asdict(result)
            print(
                f"| {path.name} | {name} | {result.extracted} | {result.precision:.2f} "
                f"| {result.recall:.2f} |"
            )
    _print_means(results)
    _print_metadata(meta)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    return 0


def _print_means(results: dict[str, dict[str, Any]]) -> None:
    print("\n| method | mean precision | mean recall |\n|---|---:|---:|")
    for name in METHODS:
        scores = [page[name] for page in results.values() if name in page]
        if scores:
            precision = sum(s["precision"] for s in scores) / len(scores)
            recall = sum(s["recall"] for s in scores) / len(scores)
            print(f"| {name} | {precision:.3f} | {recall:.3f} |")


def _print_metadata(meta: dict[str, dict[str, Any]]) -> None:
    print("\nMetadata differences from meta.yml (expected, got):")
    for path in pages():
        diff = check_metadata(path, meta[path.name])
        print(f"- {path.name}: {diff or 'all as expected'}")


if __name__ == "__main__":
    sys.exit(main())
