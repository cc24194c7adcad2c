"""The learned takeaway scorer: how likely journalists' highlights draw on a sentence.

A logistic regression over cheap features of a sentence (position, rank among the sentences
that stand alone, centrality, overlap with the lead, names, quantities, quotes, reporting
verbs, ...) ranks the sentences; a linear model of how dense in highlight words each grounded
piece of a sentence is (which cut, how much of the sentence it keeps) chooses the piece.
`benchmarks/tune_summary.py` fits both on one half of the development set only,
with labels from a ROUGE oracle that reads the highlights, and chooses the selection
parameters of `summarise` on that same half by cross-validation; both ship in
`briefgen/data/summary_model.json` (a few kB), read once per process with the standard
library. Nothing is downloaded at run time. Without the file a position-only fallback keeps
briefgen working.
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from briefgen.summarise.cuts import Span
from briefgen.summarise.sentences import Sentence

MODEL_FILE = "summary_model.json"

Features = list[tuple[str, float]]

_POSITIONS = (0, 1, 2, 3, 4, 5, 6, 7, 8, 8, 10, 10, 10, 13, 13, 13, 13)
"""Bucket of each sentence position (positions past the end share the last bucket)."""
_RANKS = (0, 1, 2, 3, 4)
_FLAGS = (
    "quote_start", "quoted", "said", "first_person", "second_person", "vague", "refers_back",
    "opinion",
)  # fmt: skip
"""Yes/no properties of a `Sentence` that are features under their own name."""
# A sentence that opens with a name ("Haier Group said", "Rory McIlroy threw"): who did what.
_NAMED_SUBJECT = re.compile(r"(?:[A-Z][\w'.-]+ ){1,3}[a-z]")


@dataclass(frozen=True)
class Model:
    """Feature weights and the selection parameters chosen with them."""

    weights: dict[str, float]
    selection: dict[str, float] = field(default_factory=dict)
    piece_weights: dict[str, float] = field(default_factory=dict)
    """Density of highlight words in a piece (`piece_features`); empty: the longest piece."""
    about: dict[str, Any] = field(default_factory=dict)

    def param(self, name: str, default: float) -> float:
        return float(self.selection.get(name, default))


FALLBACK = Model(
    weights={"bias": -1.0, "pos=0": 1.5, "pos=1": 1.0, "pos=2": 0.6, "relpos": -1.0},
    about={"note": "position-only fallback: the model file was not found"},
)


@functools.cache
def load() -> Model:
    """The shipped model (read once), or the fallback when the data file is missing."""
    try:
        text = resources.files("briefgen").joinpath("data", MODEL_FILE).read_text("utf-8")
    except (FileNotFoundError, OSError):
        return FALLBACK
    return from_json(json.loads(text))


def from_json(data: dict[str, Any]) -> Model:
    return Model(
        weights={str(k): float(v) for k, v in data["weights"].items()},
        selection={str(k): float(v) for k, v in data.get("selection", {}).items()},
        piece_weights={str(k): float(v) for k, v in data.get("piece_weights", {}).items()},
        about=dict(data.get("about", {})),
    )


def sentence_features(s: Sentence, n_sentences: int) -> Features:
    """What the sentence is, wherever a piece of it is cut."""
    position = s.position
    bucket = _POSITIONS[position] if position < len(_POSITIONS) else 17
    features: Features = [
        ("bias", 1.0),
        (f"pos={bucket}", 1.0),
        ("relpos", position / max(n_sentences, 1)),
        (f"rank={_RANKS[s.rank] if s.rank < len(_RANKS) else 5}", 1.0),
        ("centrality", s.centrality),
        ("specific", s.specific),
        ("lead_overlap", s.lead_overlap),
        ("sentence_words", min(s.n_words, 60) / 30),
        ("names", min(s.names, 6) / 6),
    ]
    if s.opens_paragraph:
        features.append(("opens_paragraph", 1.0))
    if s.paragraph == 0:
        features.append(("first_paragraph", 1.0))
    if _NAMED_SUBJECT.match(s.text):
        features.append(("named_subject", 1.0))
    if s.number:
        features.append(("quantity" if s.number == 1.0 else "date_only", 1.0))
    features += [(flag, 1.0) for flag in _FLAGS if getattr(s, flag)]
    if s.text[-1:] == "!" or s.text.rstrip("\"'”’")[-1:] == "!":
        features.append(("exclaim", 1.0))
    if "(" in s.text:
        features.append(("brackets", 1.0))
    return features


def score(model: Model, features: Features) -> float:
    return score_with(model.weights, features)


def probability(model: Model, features: Features) -> float:
    """The logistic model's probability: that highlights draw on the sentence."""
    z = score(model, features)
    if z < -30:
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))


def piece_features(span: Span) -> Features:
    """What a cut does to its sentence: where it starts and ends, and how much it keeps."""
    words = span.n_words / 30
    return [
        (f"start={span.start_kind}", 1.0),
        (f"end={span.end_kind}", 1.0),
        ("kept", span.n_words / max(span.sentence.n_words, 1)),
        ("words", words),
        ("words2", words * words),
    ]


def piece_value(model: Model, span: Span, sentence_density: float) -> float:
    """Expected highlight words in the piece: its predicted density times its length.

    `sentence_density` is the part of the density that the sentence's own features give
    (`score_with(model.piece_weights, sentence_features(...))`), shared by its pieces."""
    density = sentence_density + score_with(model.piece_weights, piece_features(span))
    return density * span.n_words


def score_with(weights: dict[str, float], features: Features) -> float:
    return sum(weights.get(name, 0.0) * value for name, value in features)
