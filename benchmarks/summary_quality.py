"""Summary quality and speed of briefgen's key takeaways on 500 CNN articles.

Measures, on ../shared/eval/news_summaries.jsonl (CNN/DailyMail 3.0.0 validation: CNN stories
with the highlights their journalists wrote; Hermann et al. 2015, See et al. 2017):

- ROUGE-1, ROUGE-2 and ROUGE-Lsum F1 x100 (rouge-score, Porter stemming) of briefgen's key
  takeaways, one per line, against the highlights, one per line;
- the same for Lead-3, LexRank and TextRank (sumy, 3 sentences), all given the same sentences:
  briefgen's own ingest (`parse_text`) and sentence splitter, computed in the same run;
- a seeded 95% paired bootstrap interval of the per-article difference to Lead-3;
- lengths: words of the takeaways against the highlights, the longest takeaway, takeaways per
  article (words as `briefgen.text.count_words` counts them);
- speed of the whole summarise stage (ingest text -> summary, tagging included when
  `briefgen.tagging` provides it), one process, best of two passes, in articles per second of
  CPU time (per core: the process's own CPU seconds, so a busy shared machine does not skew it).

Tuning scripts import `load_rows` and `evaluate`: choose parameters on one half of the file and
report the other half (see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, TypedDict

import numpy as np
from rouge_score import rouge_scorer, tokenizers
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.nlp.stemmers import Stemmer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer
from sumy.utils import get_stop_words

from briefgen import ingest, summarise
from briefgen import text as btext
from briefgen.models import Article, Summary
from briefgen.summarise import model as scorer

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = (REPO.parent / "shared" / "eval" / "news_summaries.jsonl").resolve()
Metric = Literal["rouge1", "rouge2", "rougeLsum"]
METRICS: tuple[Metric, ...] = ("rouge1", "rouge2", "rougeLsum")
LABELS = {"rouge1": "R-1", "rouge2": "R-2", "rougeLsum": "R-Lsum"}
SENTENCES = 3
"""Sentences the baselines (and the oracle, at most) pick."""
SPEED_PASSES = 3
"""Timed passes per method; the fastest (warm) one is reported."""

# The reach targets of the issue, checked on the half not used for tuning.
MIN_GAIN = {"rouge1": 1.0, "rouge2": 0.0, "rougeLsum": 0.0}
MAX_TAKEAWAY_WORDS = 30
MIN_ARTICLES_PER_SECOND = 200.0

Half = Literal["all", "first", "second"]
Predict = Callable[[str], str]
"""Article text in, summary out: one sentence or takeaway per line."""


@dataclass(frozen=True)
class Row:
    """One article and its reference summary (the highlights, newline-separated)."""

    index: int
    id: str
    article: str
    reference: str


class Result(TypedDict):
    """What `evaluate` measures for one method: mean F1 x100, lengths and speed."""

    n: int
    rouge1: float
    rouge2: float
    rougeLsum: float
    words: float
    """Mean words of the whole prediction."""
    lines: float
    """Mean lines (takeaways or sentences) per prediction."""
    max_line_words: int
    failures: int
    """Articles whose prediction raised; they score 0."""
    seconds: float
    articles_per_second: float | None
    """None for rows derived from another method's kept output (not timed)."""
    per_article: dict[str, list[float]]


@dataclass(frozen=True)
class Interval:
    """Mean of a paired difference and its bootstrap percentile interval."""

    mean: float
    low: float
    high: float
    share_at_most_zero: float
    """Share of resamples whose mean difference is <= 0."""


# --- data --------------------------------------------------------------------------------------


def load_rows(path: Path = DEFAULT_DATA, half: Half = "all", limit: int | None = None) -> list[Row]:
    """Rows of the eval file: all, the first half (rows 0-249) or the second (250-499)."""
    with path.open(encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    rows = [Row(i, r["id"], r["article"], r["summary"]) for i, r in enumerate(records)]
    middle = len(rows) // 2
    chosen = {"all": rows, "first": rows[:middle], "second": rows[middle:]}[half]
    return chosen if limit is None else chosen[:limit]


def paragraph_sentences(article_text: str) -> list[list[str]]:
    """The article's sentences per paragraph, as briefgen's ingest and splitter see them."""
    article = ingest.parse_text(article_text)
    return [btext.split_sentences(p) for p in article.paragraphs]


def sentences(article_text: str) -> list[str]:
    """The article's sentences in order (the input every method gets)."""
    return [s for paragraph in paragraph_sentences(article_text) for s in paragraph]


# --- methods -----------------------------------------------------------------------------------


def lead3(article_text: str) -> str:
    """Lead-3: the first three sentences."""
    return "\n".join(sentences(article_text)[:SENTENCES])


class _Tokenizer:
    """sumy's tokenizer interface without nltk data: regex words, briefgen's sentences."""

    language = "english"

    @staticmethod
    def to_words(text: str) -> tuple[str, ...]:
        # Like sumy's own filter: words of letters, with inner apostrophes and hyphens.
        return tuple(_WORD.findall(text))

    @staticmethod
    def to_sentences(paragraph: str) -> tuple[str, ...]:
        return tuple(btext.split_sentences(paragraph))


_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def sumy_method(summarizer_class: type[LexRankSummarizer | TextRankSummarizer]) -> Predict:
    """A sumy summariser (English stemmer and stop words) picking 3 of our sentences."""
    summarizer = summarizer_class(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    tokenizer = _Tokenizer()

    def predict(article_text: str) -> str:
        paragraphs = [
            Paragraph([Sentence(s, tokenizer) for s in paragraph])
            for paragraph in paragraph_sentences(article_text)
        ]
        picked = summarizer(ObjectDocumentModel(paragraphs), SENTENCES)
        return "\n".join(str(s) for s in picked)

    return predict


class Briefgen:
    """briefgen's summarise stage as the pipeline runs it: parse_text, summarise, tag."""

    def __init__(self) -> None:
        self.outputs: dict[str, Summary] = {}
        self.tagger = _load_tagger()

    def stage(self, article_text: str) -> Summary:
        article = ingest.parse_text(article_text)
        result = summarise.summarise(article)
        if self.tagger is not None:
            self.tagger(article)
        return result

    def takeaways(self, article_text: str) -> str:
        """Runs the whole stage (so it is what gets timed) and keeps the result."""
        result = self.stage(article_text)
        self.outputs[article_text] = result
        return "\n".join(result.takeaways)

    def summary(self, article_text: str) -> str:
        """The summary field of the result `takeaways` kept (not timed)."""
        return self.outputs[article_text].summary

    def summary_and_takeaways(self, article_text: str) -> str:
        result = self.outputs[article_text]
        return "\n".join([result.summary, *result.takeaways])


def _load_tagger() -> Callable[[Article], object] | None:
    """`tagging.tag` with the default registry and taxonomy, loaded once, if tagging exists."""
    try:
        tagging = importlib.import_module("briefgen.tagging")
    except ImportError:
        return None
    if not all(hasattr(tagging, n) for n in ("tag", "load_registry", "load_taxonomy")):
        return None
    registry, themes = tagging.load_registry(), tagging.load_taxonomy()
    return lambda article: tagging.tag(article, registry, themes)


# --- greedy oracle -----------------------------------------------------------------------------

_ROUGE_TOKENS = tokenizers.DefaultTokenizer(use_stemmer=True)


def _f1(overlap: int, predicted: int, reference: int) -> float:
    if not overlap:
        return 0.0
    precision, recall = overlap / predicted, overlap / reference
    return 2 * precision * recall / (precision + recall)


def _r1_plus_r2(tokens: list[str], ref1: Counter[str], ref2: Counter[tuple[str, str]]) -> float:
    grams1, grams2 = Counter(tokens), Counter(itertools.pairwise(tokens))
    r1 = _f1(sum((grams1 & ref1).values()), len(tokens), ref1.total())
    r2 = _f1(sum((grams2 & ref2).values()), max(len(tokens) - 1, 1), max(ref2.total(), 1))
    return r1 + r2


def greedy_oracle(article_sentences: Sequence[str], reference: str) -> list[str]:
    """Add the sentence that most raises R-1 + R-2 F1, up to 3, while the sum still rises."""
    ref = _ROUGE_TOKENS.tokenize(reference)
    ref1, ref2 = Counter(ref), Counter(itertools.pairwise(ref))
    tokens = [_ROUGE_TOKENS.tokenize(s) for s in article_sentences]
    chosen: list[int] = []
    best = 0.0
    while len(chosen) < SENTENCES:
        scores = {
            i: _r1_plus_r2([t for j in sorted([*chosen, i]) for t in tokens[j]], ref1, ref2)
            for i in range(len(tokens))
            if i not in chosen
        }
        if not scores or max(scores.values()) <= best:
            break
        pick = max(scores, key=lambda i: scores[i])
        best = scores[pick]
        chosen.append(pick)
    return [article_sentences[i] for i in sorted(chosen)]


def oracle_method(rows: Sequence[Row]) -> Predict:
    """The greedy oracle: it reads the reference, so it is an upper bound, not a method."""
    references = {row.article: row.reference for row in rows}

    def predict(article_text: str) -> str:
        return "\n".join(greedy_oracle(sentences(article_text), references[article_text]))

    return predict


# --- scoring -----------------------------------------------------------------------------------


def predict_all(rows: Sequence[Row], predict: Predict) -> tuple[list[str], float, int]:
    """Predictions for every row, the CPU seconds they took and how many raised (those get "").

    CPU time of this process, not wall time: the rate is per core, and other programs on a
    shared machine do not slow it down."""
    predictions: list[str] = []
    failures = 0
    start = time.process_time()
    for row in rows:
        try:
            predictions.append(predict(row.article))
        except Exception as error:  # a failing article scores 0 and is counted, not fatal
            if not failures:
                print(f"  row {row.index} failed: {error!r}", file=sys.stderr)
            failures += 1
            predictions.append("")
    return predictions, time.process_time() - start, failures


def evaluate(rows: Sequence[Row], predict: Predict) -> Result:
    """Score `predict` on `rows`: ROUGE F1 x100 against the highlights, lengths and speed."""
    predictions, seconds, failures = predict_all(rows, predict)
    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    per_article: dict[str, list[float]] = {m: [] for m in METRICS}
    for row, prediction in zip(rows, predictions, strict=True):
        scores = scorer.score(row.reference, prediction)
        for metric in METRICS:
            per_article[metric].append(100 * scores[metric].fmeasure)
    lines = [[line for line in p.splitlines() if line.strip()] for p in predictions]
    return Result(
        n=len(rows),
        rouge1=statistics.fmean(per_article["rouge1"]),
        rouge2=statistics.fmean(per_article["rouge2"]),
        rougeLsum=statistics.fmean(per_article["rougeLsum"]),
        words=statistics.fmean(btext.count_words(p) for p in predictions),
        lines=statistics.fmean(len(ls) for ls in lines),
        max_line_words=max((btext.count_words(line) for ls in lines for line in ls), default=0),
        failures=failures,
        seconds=seconds,
        articles_per_second=len(rows) / seconds if seconds else float("inf"),
        per_article=per_article,
    )


def paired_bootstrap(
    a: Sequence[float], b: Sequence[float], samples: int = 1000, seed: int = 0
) -> Interval:
    """95% percentile interval of mean(a - b), resampling articles with replacement."""
    diff = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), size=(samples, len(diff)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return Interval(float(diff.mean()), float(low), float(high), float((means <= 0).mean()))


def best_speed(rows: Sequence[Row], predict: Predict, first_pass_seconds: float) -> float:
    """Articles per second of the fastest of `SPEED_PASSES` passes (the first already run)."""
    seconds = [first_pass_seconds]
    seconds += [predict_all(rows, predict)[1] for _ in range(SPEED_PASSES - 1)]
    return len(rows) / min(seconds)


# --- report ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Method:
    name: str
    predict: Predict
    timed: bool = True
    """False for rows derived from another method's kept output: their time means nothing."""


def run_methods(rows: Sequence[Row], methods: Sequence[Method]) -> dict[str, Result]:
    results: dict[str, Result] = {}
    for method in methods:
        print(f"scoring {method.name} ...", file=sys.stderr)
        result = evaluate(rows, method.predict)
        if method.timed:
            result["articles_per_second"] = best_speed(rows, method.predict, result["seconds"])
        else:
            result["articles_per_second"] = None
        results[method.name] = result
    return results


def reference_lengths(rows: Sequence[Row]) -> tuple[float, float]:
    """Mean words and mean lines of the highlights."""
    words = statistics.fmean(btext.count_words(r.reference) for r in rows)
    lines = statistics.fmean(len(r.reference.splitlines()) for r in rows)
    return words, lines


def intervals(
    results: dict[str, Result], against: str, samples: int, seed: int
) -> dict[str, dict[str, Interval]]:
    """Paired bootstrap of every method against `against`, per metric."""
    base = results[against]["per_article"]
    return {
        name: {
            m: paired_bootstrap(result["per_article"][m], base[m], samples, seed) for m in METRICS
        }
        for name, result in results.items()
        if name != against
    }


def rate(result: Result) -> float:
    """Articles per second of a timed method (its single evaluate pass if never re-timed)."""
    value = result["articles_per_second"]
    return value if value is not None else result["n"] / result["seconds"]


def reach(
    briefgen: Result, lead: Result, reference_words: float, gains: dict[str, Interval]
) -> dict[str, Any]:
    """The issue's targets: each check with its value, and whether all of them hold."""
    checks: dict[str, tuple[float, float, bool]] = {
        f"{LABELS[m]} gain": (gains[m].mean, MIN_GAIN[m], gains[m].mean >= MIN_GAIN[m])
        for m in METRICS
    }
    checks["mean words"] = (
        briefgen["words"],
        reference_words,
        briefgen["words"] <= reference_words,
    )
    checks["longest takeaway"] = (
        briefgen["max_line_words"],
        MAX_TAKEAWAY_WORDS,
        briefgen["max_line_words"] <= MAX_TAKEAWAY_WORDS,
    )
    speed = rate(briefgen)
    checks["articles/s"] = (speed, MIN_ARTICLES_PER_SECOND, speed >= MIN_ARTICLES_PER_SECOND)
    checks["failures"] = (briefgen["failures"], 0, briefgen["failures"] == 0)
    return {
        "checks": {k: {"value": v, "target": t, "ok": ok} for k, (v, t, ok) in checks.items()},
        "reached": all(ok for _, _, ok in checks.values()),
        "lead3": {m: lead[m] for m in METRICS},
    }


def _speed(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def results_table(results: dict[str, Result], reference_words: float) -> list[str]:
    out = [
        "| method | R-1 | R-2 | R-Lsum | words | articles/s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        scores = " | ".join(f"{r[m]:.1f}" for m in METRICS)
        out.append(f"| {name} | {scores} | {r['words']:.1f} | {_speed(r['articles_per_second'])} |")
    out.append(f"| highlights (reference) | – | – | – | {reference_words:.1f} | – |")
    return out


def interval_table(gaps: dict[str, dict[str, Interval]], against: str) -> list[str]:
    head = " | ".join(f"Δ {LABELS[m]} [95% CI]" for m in METRICS)
    out = [f"| method − {against} | {head} |", "|---|---:|---:|---:|"]
    for name, by_metric in gaps.items():
        cells = " | ".join(
            f"{i.mean:+.2f} [{i.low:+.2f}, {i.high:+.2f}]" for i in by_metric.values()
        )
        out.append(f"| {name} | {cells} |")
    return out


def _number(value: float, target: float | None = None) -> str:
    """Compact, but never so rounded that a miss prints equal to its target (199.97 vs 200)."""
    if float(value).is_integer():
        return f"{value:.0f}"
    short = f"{value:.1f}"
    return f"{value:.3f}" if target is not None and float(short) == target else short


def verdict_line(verdict: dict[str, Any], scope: str) -> str:
    parts = []
    for name, check in verdict["checks"].items():
        sign = ">=" if name.endswith("gain") or name == "articles/s" else "<="
        mark = "ok" if check["ok"] else "MISSED"
        value = _number(check["value"], check["target"])
        parts.append(f"{name} {value} {sign} {_number(check['target'])} {mark}")
    status = "REACHED" if verdict["reached"] else "NOT REACHED"
    return f"**Reach ({scope}): {status}** — " + "; ".join(parts) + "."


# --- main --------------------------------------------------------------------------------------

TAKEAWAYS = "briefgen takeaways"
LEAD3 = "Lead-3"


def build_methods(rows: Sequence[Row], oracle: bool) -> tuple[list[Method], Briefgen]:
    briefgen = Briefgen()
    methods = [
        Method(TAKEAWAYS, briefgen.takeaways),
        Method("briefgen summary", briefgen.summary, timed=False),
        Method("briefgen summary + takeaways", briefgen.summary_and_takeaways, timed=False),
        Method(LEAD3, lead3),
        Method("LexRank (sumy)", sumy_method(LexRankSummarizer)),
        Method("TextRank (sumy)", sumy_method(TextRankSummarizer)),
    ]
    if oracle:
        methods.append(
            Method("greedy oracle (R-1+R-2, ≤3 sent.)", oracle_method(rows), timed=False)
        )
    return methods, briefgen


def speed_line(take: Result, lead: Result, *, tagged: bool) -> str:
    stage = "parse_text + summarise + tag" if tagged else "parse_text + summarise (no tagging)"
    return (
        f"Speed (one process, CPU time, best of {SPEED_PASSES} passes): briefgen {stage} "
        f"{rate(take):.0f} articles/s ({1000 / rate(take):.2f} ms each); Lead-3 (parse_text + "
        f"split_sentences) {rate(lead):.0f}/s; briefgen takes {rate(lead) / rate(take):.1f}x "
        "Lead-3's time."
    )


def input_stats(rows: Sequence[Row]) -> str:
    """How much of the raw text ingest kept, and how many sentences the methods choose from."""
    kept = raw = n_sentences = 0
    for row in rows:
        paragraphs = paragraph_sentences(row.article)
        kept += sum(btext.count_words(s) for p in paragraphs for s in p)
        raw += btext.count_words(row.article)
        n_sentences += sum(len(p) for p in paragraphs)
    return (
        f"Input: ingest kept {100 * kept / raw:.2f}% of article words; "
        f"{n_sentences / len(rows):.1f} sentences per article."
    )


def report(args: argparse.Namespace, rows: list[Row]) -> dict[str, Any]:
    methods, briefgen = build_methods(rows, args.oracle)
    results = run_methods(rows, methods)
    ref_words, ref_lines = reference_lengths(rows)
    gaps = intervals(results, LEAD3, args.bootstrap, args.seed)
    verdict = reach(results[TAKEAWAYS], results[LEAD3], ref_words, gaps[TAKEAWAYS])
    part = "all rows" if args.half == "all" else f"{args.half} half"
    scope = f"{part}: rows {rows[0].index}-{rows[-1].index}, n={len(rows)}"
    take, lead = results[TAKEAWAYS], results[LEAD3]
    about = scorer.load().about
    lines = [
        f"## briefgen summary quality — {args.data.name} ({scope})",
        "",
        f"Takeaway scorer: {about.get('trained_on', about.get('note', 'unknown'))}.",
        "",
        *results_table(results, ref_words),
        "",
        f"Lengths: {take['lines']:.2f} takeaways per article, longest {take['max_line_words']} "
        f"words; highlights {ref_words:.1f} words in {ref_lines:.2f} lines.",
        input_stats(rows),
        speed_line(take, lead, tagged=briefgen.tagger is not None),
        f"Failures (scored 0): {take['failures']} briefgen, {lead['failures']} Lead-3.",
        "",
        f"Paired bootstrap ({args.bootstrap} resamples of articles, seed {args.seed}):",
        "",
        *interval_table(gaps, LEAD3),
        "",
        verdict_line(verdict, scope),
        "Only the half not used for tuning counts for reach (benchmarks/README.md).",
    ]
    print("\n".join(lines))
    return {
        "data": str(args.data),
        "half": args.half,
        "rows": [rows[0].index, rows[-1].index],
        "n": len(rows),
        "bootstrap": {"samples": args.bootstrap, "seed": args.seed},
        "reference": {"words": ref_words, "lines": ref_lines},
        "methods": {
            name: {k: v for k, v in r.items() if k != "per_article"} for name, r in results.items()
        },
        "vs_lead3": {
            name: {m: asdict(i) for m, i in by_metric.items()} for name, by_metric in gaps.items()
        },
        "reach": verdict,
    }


def use_model(path: Path) -> None:
    """Make `summarise` use the scorer in `path` (e.g. one fitted on the other half)."""
    model = scorer.from_json(json.loads(path.read_text(encoding="utf-8")))
    scorer.load.cache_clear()
    setattr(scorer, "load", lambda: model)  # noqa: B010 - replace the cached loader


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="JSONL eval file")
    parser.add_argument("--limit", type=int, default=None, help="score only the first N rows")
    parser.add_argument(
        "--half",
        choices=["all", "first", "second"],
        default="all",
        help="rows to score: first = 0-249, second = 250-499",
    )
    parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples")
    parser.add_argument("--seed", type=int, default=0, help="seed of the bootstrap RNG")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("--oracle", action="store_true", help="also run the greedy oracle")
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        help="takeaway scorer JSON to use instead of the shipped one (tune_summary.py output)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.model is not None:
        use_model(args.model)
    rows = load_rows(args.data, args.half, args.limit)
    if not rows:
        print("no rows to score", file=sys.stderr)
        return 2
    results = report(args, rows)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
