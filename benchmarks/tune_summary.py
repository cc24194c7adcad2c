"""Fit briefgen's takeaway scorer and choose its selection parameters on ONE half of the eval file.

    .venv/bin/python benchmarks/tune_summary.py --train first \
        --out src/briefgen/data/summary_model.json
    .venv/bin/python benchmarks/summary_quality.py --half second   # report the other half

What it does, on the training half only (the other half is never read):

1. Every usable sentence of every article is described by the features of
   `briefgen.summarise.model` and cut into its grounded pieces (`spans`), exactly as
   `summarise` does.
2. Labels come from a greedy oracle that reads the highlights: it adds the piece that most
   raises ROUGE-1 + ROUGE-2 F1 (rouge-score tokens, Porter stemming), at most one per sentence,
   at most three and 45 words, while the sum still rises. A sentence is positive when the oracle
   took a piece of it.
3. An L2-regularised logistic regression (Newton's method) predicts those labels; it ranks the
   sentences. A ridge regression predicts each piece's density of highlight words (ROUGE-1 and
   ROUGE-2 matches per token) from the sentence's features and the cut's; `summarise` takes
   the piece of a ranked sentence with the most expected highlight words that fits.
4. The L2 penalty and the selection parameters of `summarise` (word budget, words reserved for a
   second takeaway, probability needed for a third) are chosen by 5-fold cross-validation
   within the training half: weights fitted on four folds score the fifth with the real
   `summarise`, and the setting with the best R-1 + R-2 + R-Lsum whose takeaways stay shorter
   than the highlights on average wins.
5. The weights are refitted on the whole training half and written, with the chosen selection
   parameters and a record of how they were chosen, as a small JSON file.

numpy is used here (training only); briefgen itself reads the JSON with the standard library.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rouge_score import rouge_scorer, tokenizers

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.summary_quality import DEFAULT_DATA, Half, Row, load_rows  # noqa: E402
from briefgen import ingest  # noqa: E402
from briefgen import summarise as summariser  # noqa: E402
from briefgen.models import Article  # noqa: E402
from briefgen.summarise import model as scorer  # noqa: E402
from briefgen.summarise.sentences import analyse  # noqa: E402
from briefgen.text import count_words  # noqa: E402

FOLDS = 5
RIDGE = [1.0, 3.0]
GRID: dict[str, tuple[float, ...]] = {
    "budget": (34.0, 35.0, 36.0, 37.0),
    "reserve": (6.0, 8.0, 10.0),
    "max_words": (25.0, 30.0),
    "min_p": (0.0, 0.2),
    "min_words": (6.0, 8.0),
    "min_takeaways": (2.0,),
    "takeaways": (3.0,),
    "whole_lead": (1.0,),
}
"""Selection parameters of `summarise` tried (see `_pick_takeaways`); all combinations."""
ORACLE_WORDS = 45
PIECE_RIDGE = 3.0
ORACLE_PIECES = 3
LENGTH_MARGIN = 0.99
"""Chosen settings keep the takeaways at most this share of the highlights' mean length."""

_TOKENS = tokenizers.DefaultTokenizer(use_stemmer=True)
_SCORER = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)


@dataclass
class Example:
    """One article: its parsed text, its sentences' features and their oracle labels."""

    row: Row
    article: Article
    features: list[scorer.Features]
    labels: list[float]
    pieces: list[tuple[scorer.Features, float, int]]
    """Every piece of every sentence: its features, its density of highlight words (ROUGE-1
    and ROUGE-2 matches per token, averaged) and its length in tokens."""


def _f1(overlap: int, predicted: int, reference: int) -> float:
    if not overlap or predicted <= 0 or reference <= 0:
        return 0.0
    precision, recall = overlap / predicted, overlap / reference
    return 2 * precision * recall / (precision + recall)


def oracle(pieces: Sequence[Sequence[str]], reference: str) -> set[int]:
    """Indices of the sentences whose piece the greedy oracle takes (pieces[i]: sentence i's)."""
    ref = _TOKENS.tokenize(reference)
    ref1, ref2 = Counter(ref), Counter(itertools.pairwise(ref))
    tokens = [[_TOKENS.tokenize(piece) for piece in options] for options in pieces]
    chosen: dict[int, list[str]] = {}
    best = 0.0
    while len(chosen) < ORACLE_PIECES:
        used = sum(len(t) for t in chosen.values())
        pick: tuple[float, int, list[str]] | None = None
        for i, options in enumerate(tokens):
            if i in chosen:
                continue
            for option in options:
                if used + len(option) > ORACLE_WORDS:
                    continue
                joined = [t for j in sorted([*chosen, i]) for t in (chosen.get(j) or option)]
                grams1, grams2 = Counter(joined), Counter(itertools.pairwise(joined))
                value = _f1(sum((grams1 & ref1).values()), len(joined), len(ref)) + _f1(
                    sum((grams2 & ref2).values()), len(joined) - 1, len(ref) - 1
                )
                if pick is None or value > pick[0]:
                    pick = (value, i, option)
        if pick is None or pick[0] <= best:
            break
        best, i, option = pick
        chosen[i] = option
    return set(chosen)


def examples(rows: Sequence[Row]) -> list[Example]:
    out = []
    for row in rows:
        article = ingest.parse_text(row.article)
        document = analyse(article)
        features: list[scorer.Features] = []
        pieces: list[list[str]] = []
        densities: list[tuple[scorer.Features, float, int]] = []
        ref = _TOKENS.tokenize(row.reference)
        ref1, ref2 = Counter(ref), Counter(itertools.pairwise(ref))
        for sentence_features, options in summariser.candidates(document):
            features.append(sentence_features)
            pieces.append([span.text for span in options])
            for span in options:
                tokens = _TOKENS.tokenize(span.text)
                if tokens:
                    matches = sum((Counter(tokens) & ref1).values()) + sum(
                        (Counter(itertools.pairwise(tokens)) & ref2).values()
                    )
                    densities.append(
                        (
                            sentence_features + scorer.piece_features(span),
                            matches / (2 * len(tokens)),
                            len(tokens),
                        )
                    )
        positive = oracle(pieces, row.reference)
        labels = [1.0 if i in positive else 0.0 for i in range(len(features))]
        out.append(Example(row, article, features, labels, densities))
    return out


def fit_pieces(data: Sequence[Example], ridge: float = PIECE_RIDGE) -> dict[str, float]:
    """Ridge regression of a piece's density of highlight words, weighted by its length."""
    names = sorted({name for ex in data for feats, _, _ in ex.pieces for name, _ in feats})
    index = {name: i for i, name in enumerate(names)}
    rows = [piece for ex in data for piece in ex.pieces]
    x = np.zeros((len(rows), len(names)))
    for r, (feats, _, _) in enumerate(rows):
        for name, value in feats:
            x[r, index[name]] += value
    y = np.array([density for _, density, _ in rows])
    weight = np.array([float(length) for _, _, length in rows])
    penalty = ridge * np.eye(len(names))
    if "bias" in index:
        penalty[index["bias"], index["bias"]] = 1e-6
    w = np.linalg.solve((x * weight[:, None]).T @ x + penalty, (x * weight[:, None]).T @ y)
    return {name: round(float(v), 5) for name, v in zip(names, w, strict=True) if round(v, 5)}


def fit(data: Sequence[Example], ridge: float) -> dict[str, float]:
    """L2-regularised logistic regression by Newton's method (the bias is not penalised)."""
    names = sorted({name for ex in data for feats in ex.features for name, _ in feats})
    index = {name: i for i, name in enumerate(names)}
    n_rows = sum(len(ex.features) for ex in data)
    x = np.zeros((n_rows, len(names)))
    y = np.zeros(n_rows)
    r = 0
    for ex in data:
        for feats, label in zip(ex.features, ex.labels, strict=True):
            for name, value in feats:
                if name in index:
                    x[r, index[name]] += value
            y[r] = label
            r += 1
    penalty = ridge * np.eye(len(names))
    if "bias" in index:
        penalty[index["bias"], index["bias"]] = 1e-6
    w = np.zeros(len(names))
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        gradient = x.T @ (p - y) + penalty @ w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-7:
            break
    return {name: round(float(v), 4) for name, v in zip(names, w, strict=True) if round(v, 4)}


def score_rows(data: Sequence[Example], model: scorer.Model) -> dict[str, float]:
    """ROUGE F1 x100 of the takeaways, and their mean words, with the real summarise."""
    totals = {"rouge1": 0.0, "rouge2": 0.0, "rougeLsum": 0.0, "words": 0.0, "lines": 0.0}
    for ex in data:
        result = summariser.summarise(ex.article, model=model)
        prediction = "\n".join(result.takeaways)
        scores = _SCORER.score(ex.row.reference, prediction)
        for metric in ("rouge1", "rouge2", "rougeLsum"):
            totals[metric] += 100 * scores[metric].fmeasure
        totals["words"] += count_words(prediction)
        totals["lines"] += len(result.takeaways)
    return {k: v / len(data) for k, v in totals.items()}


def grid() -> list[dict[str, float]]:
    keys = list(GRID)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*GRID.values())]


def cross_validate(data: Sequence[Example]) -> list[dict[str, Any]]:
    """Every (ridge, selection) setting scored on held-out folds of the training half."""
    folds = [list(range(i, len(data), FOLDS)) for i in range(FOLDS)]
    settings = grid()
    results: dict[tuple[float, int], list[dict[str, float]]] = {}
    for ridge in RIDGE:
        for fold in folds:
            held = set(fold)
            train = [ex for i, ex in enumerate(data) if i not in held]
            weights, piece_weights = fit(train, ridge), fit_pieces(train)
            test = [data[i] for i in fold]
            for k, selection in enumerate(settings):
                model = scorer.Model(weights, selection, piece_weights)
                results.setdefault((ridge, k), []).append(score_rows(test, model))
        print(f"  ridge {ridge}: {len(settings)} settings x {FOLDS} folds done", file=sys.stderr)
    table = []
    sizes = [len(fold) for fold in folds]
    for (ridge, k), per_fold in results.items():
        mean = {
            m: sum(f[m] * n for f, n in zip(per_fold, sizes, strict=True)) / sum(sizes)
            for m in per_fold[0]
        }
        table.append({"ridge": ridge, "selection": settings[k], **mean})
    return table


def choose(table: list[dict[str, Any]], reference_words: float) -> dict[str, Any]:
    short = [t for t in table if t["words"] <= LENGTH_MARGIN * reference_words] or table
    return max(short, key=lambda t: (t["rouge1"] + t["rouge2"] + t["rougeLsum"], -t["words"]))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--train", choices=["first", "second"], required=True)
    parser.add_argument("--out", type=Path, required=True, help="model JSON to write")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N rows")
    parser.add_argument("--quick", action="store_true", help="a small grid (while developing)")
    args = parser.parse_args(argv)
    half: Half = args.train
    if args.quick:
        GRID.update(budget=(33.0, 35.0), reserve=(8.0,), max_words=(30.0,), min_p=(0.0,))
        RIDGE[:] = [3.0]
    rows = load_rows(args.data, half, args.limit)
    started = time.perf_counter()
    data = examples(rows)
    n_pieces = sum(len(ex.features) for ex in data)
    positives = sum(sum(ex.labels) for ex in data)
    print(
        f"{len(rows)} articles, {n_pieces} sentences, {positives:.0f} oracle picks "
        f"({args.train} half)",
        file=sys.stderr,
    )
    reference_words = statistics.fmean(count_words(r.reference) for r in rows)
    table = cross_validate(data)
    best = choose(table, reference_words)
    weights = fit(data, best["ridge"])
    top = sorted(table, key=lambda t: -(t["rouge1"] + t["rouge2"] + t["rougeLsum"]))[:5]
    model = {
        "about": {
            "what": "briefgen takeaway scorer: logistic regression of whether a greedy "
            f"ROUGE oracle (<= {ORACLE_PIECES} pieces, <= {ORACLE_WORDS} words) takes a piece "
            "of the sentence for the journalists' highlights",
            "trained_on": f"{args.data.name}, {args.train} half "
            f"(rows {rows[0].index}-{rows[-1].index}, {len(rows)} articles, "
            f"{n_pieces} sentences); the other half was not read",
            "chosen_by": f"{FOLDS}-fold cross-validation within the {args.train} half: best "
            f"R-1 + R-2 + R-Lsum with takeaways at most {LENGTH_MARGIN:.0%} of the highlights' "
            f"mean length ({reference_words:.1f} words)",
            "cross_validated": {
                k: round(best[k], 2) for k in ("rouge1", "rouge2", "rougeLsum", "words", "lines")
            },
            "ridge": best["ridge"],
            "runner_up_settings": [
                {
                    "ridge": t["ridge"],
                    **t["selection"],
                    "rouge1": round(t["rouge1"], 2),
                    "words": round(t["words"], 1),
                }
                for t in top
            ],
            "date": dt.date.today().isoformat(),
        },
        "selection": best["selection"],
        "weights": dict(sorted(weights.items())),
        "piece_weights": dict(sorted(fit_pieces(data).items())),
    }
    args.out.write_text(json.dumps(model, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        f"chosen: ridge {best['ridge']}, {best['selection']} -> CV R-1 {best['rouge1']:.2f} "
        f"R-2 {best['rouge2']:.2f} R-Lsum {best['rougeLsum']:.2f}, {best['words']:.1f} words "
        f"(highlights {reference_words:.1f}); {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
