"""Summarise stage: an extractive summary, why it matters and key takeaways for one article.

- `sentences`: the article's sentences, cleaned (datelines, reporting clauses), checked against
  the quality rules and described by cheap features;
- `cuts`: the grounded shorter forms of a sentence (a leading phrase or a trailing clause cut);
- `model`: the learned sentence scorer (weights in `briefgen/data/summary_model.json`);
- this module: picks the summary, the takeaways and why it matters.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterator, Sequence

from briefgen.models import Article, Summary
from briefgen.summarise import model as scorer
from briefgen.summarise.cuts import MAX_SPAN_WORDS, Span, best_piece, pieces
from briefgen.summarise.sentences import (
    TWO_NAMES,
    Document,
    Sentence,
    analyse,
    is_new,
)
from briefgen.text import content_words, count_words, is_cjk

__all__ = [
    "MAX_SUMMARY_WORDS",
    "MAX_TAKEAWAYS",
    "MAX_TAKEAWAY_WORDS",
    "MAX_WHY_WORDS",
    "MIN_TAKEAWAYS",
    "SHORT_ARTICLE_SENTENCES",
    "WALL_CUT_WORDS",
    "candidates",
    "summarise",
]

MAX_TAKEAWAYS = 5
"""The publisher's own takeaways are kept up to this many."""
MIN_TAKEAWAYS = 2
"""Generated takeaways: two, three when they fit the length of journalists' highlights."""
MAX_TAKEAWAY_WORDS = MAX_SPAN_WORDS
"""A takeaway has at most 30 words (60 CJK characters: two count as one word)."""
SHORT_ARTICLE_SENTENCES = 3
"""An article with fewer usable sentences is too short to summarise (`method` "short")."""
MAX_SUMMARY_WORDS = 90
"""Two summary sentences together; one sentence alone may have up to `_MAX_LEAD_WORDS`."""
MAX_WHY_WORDS = 50
WALL_CUT_WORDS = 30
"""Text without sentence punctuation is cut into pieces of at most this many words."""

_MAX_LEAD_WORDS = 70
_LEAD_WINDOW = 6
_LONG_STORY_SENTENCES = 8
_OVER_BUDGET_WORDS = 15
"""A takeaway added over budget (to have two) has at most this many words."""
_RESTATES = 0.6
"""Under a headline, a takeaway with this share of its words in the summary restates it."""
_SHORT_LEAD_WORDS = 15
"""A lead sentence this short ("Another one for the file.") takes the next one along."""


def summarise(article: Article, *, model: scorer.Model | None = None) -> Summary:
    """Summary, why it matters and takeaways for one article (pure, deterministic, stdlib only).

    Extractive and grounded: the summary and why it matters are sentences of the article (at
    most trimmed of a dateline or a reporting clause, then capitalised); each takeaway is one
    contiguous piece of a sentence (the sentence, or it without an opening phrase or a
    trailing clause; no final full stop), so every string is a substring of the article but
    for its first letter.

    - Summary: the lead sentence that says who did what, with the next one when it is short.
    - Takeaways: two or three distinct standalone facts, no more words than journalists'
      highlights (about 32): a learned scorer (`model`) ranks the sentences highlights draw
      on, and each gives the piece expected to hold the most highlight words that fits the
      words left. Never the title. In a long story without a headline the first may be the
      lead fact, as highlights are; the summary then takes its next sentence along so that it
      says more than any takeaway. Under a headline, takeaways add what the summary lacks.
    - Why it matters: a sentence about consequence, strategy or what comes next ("will",
      "expected", "strategic", 将, 有望 ...) that no other field uses.

    An article too short to summarise (fewer than `SHORT_ARTICLE_SENTENCES` usable sentences)
    gets what it has, no padding and no why it matters, and `method` "short". Text without
    sentence punctuation is cut at clause or word boundaries (`method` "wall"). When the
    article carries the publisher's own "Key takeaways" they are used word for word (with its
    "Why it matters" when present) and `method` is "publisher"; the summary still comes from
    the body. `model` replaces the shipped scorer (tuning and tests).
    """
    document = analyse(article)
    sentences = document.sentences
    publisher = tuple(t.strip() for t in article.publisher_takeaways if t.strip())
    publisher_why = (article.publisher_why or "").strip()
    reserved = [frozenset(content_words(t)) for t in (*publisher, publisher_why) if t]

    model = model or scorer.load()
    n = len(sentences)
    features = {s.position: scorer.sentence_features(s, n) for s in sentences if s.usable}
    worth = {position: scorer.probability(model, f) for position, f in features.items()}
    lead = _pick_summary(sentences, reserved)
    if not lead:
        return _wall(article)
    summary = _join(lead, article)
    used = {s.position for s in lead}
    taken = [*reserved, *(s.tokens for s in lead)]

    if publisher:
        why = publisher_why or _join(
            _pick_why(sentences, used, taken, allow_fallback=True), article
        )
        return Summary(summary, why, publisher[:MAX_TAKEAWAYS], method="publisher")

    usable = sum(1 for s in sentences if s.usable)
    why_sentences: list[Sentence] = []
    if not publisher_why and SHORT_ARTICLE_SENTENCES <= usable < _LONG_STORY_SENTENCES:
        # Few sentences: a clear sentence about consequence goes to why it matters first.
        why_sentences = _pick_why(sentences, used, taken, allow_fallback=False)
        used |= {s.position for s in why_sentences}
        taken += [s.tokens for s in why_sentences]
    for_why = {s.position for s in why_sentences}

    def pick(whole_lead: bool) -> list[Span]:
        return _pick_takeaways(
            document, model, worth, features, lead, article.title, summary, for_why,
            whole_lead=whole_lead,
        )  # fmt: skip

    takeaways = pick(model.param("whole_lead", 1.0) >= 0.5)
    wider = _widen(lead, sentences, takeaways, reserved)
    if wider is lead and any(_bare(t.text) == _bare(summary) for t in takeaways):
        # The summary cannot take its next sentence along: the lead fact in short form only.
        takeaways = pick(whole_lead=False)
    elif wider is not lead:
        lead = wider
        summary = _join(lead, article)
        used |= {s.position for s in lead}
        taken.append(lead[-1].tokens)
    used |= {span.sentence.position for span in takeaways}
    taken += [_span_tokens(span) for span in takeaways]
    if publisher_why:
        why = publisher_why
    elif usable < SHORT_ARTICLE_SENTENCES:
        why = ""  # a short article keeps what it has; a why would only restate it
    else:
        if not why_sentences:
            # Without a sentence about consequence, a long article still gets its next fact.
            fallback = usable > SHORT_ARTICLE_SENTENCES + 1
            why_sentences = _pick_why(sentences, used, taken, allow_fallback=fallback)
        why = _join(why_sentences, article)
    method = "extractive" if usable >= SHORT_ARTICLE_SENTENCES else "short"
    return Summary(summary, why, tuple(span.text for span in takeaways), method=method)


# --- summary ----------------------------------------------------------------------------------


def _pick_summary(
    sentences: Sequence[Sentence], reserved: Sequence[frozenset[str]]
) -> list[Sentence]:
    """The best lead sentence, plus the next one when the first is short or a quote."""
    candidates = [
        s
        for s in sentences
        if s.standalone and s.n_words <= _MAX_LEAD_WORDS and is_new(s.tokens, reserved)
    ][:_LEAD_WINDOW]
    if not candidates:
        # No sentence stands alone: a dangling one is still better than nothing.
        candidates = [s for s in sentences if s.usable and s.n_words <= _MAX_LEAD_WORDS][:1]
    if not candidates:
        return []
    first = max(candidates, key=lambda s: (s.lead_score, -s.position))
    chosen = [first]
    following = next((s for s in sentences if s.position == first.position + 1), None)
    if following is not None and following.paragraph <= first.paragraph + 1:
        others = sum(
            1
            for s in sentences
            if s.standalone and s.position not in (first.position, following.position)
        )
        # A short first sentence ("Another one for the file.") needs the next one; a short
        # article keeps its other sentences for the takeaways.
        # A lead that is short, or built around a quote, takes the next sentence along: it
        # usually states the fact ("He revealed that Haier will not enter ...").
        if (
            others >= SHORT_ARTICLE_SENTENCES
            and (first.n_words < _SHORT_LEAD_WORDS or first.quoted)
            and following.usable
            and following.text == following.raw
            and not following.quote_start
            and following.n_words <= 45
            and first.n_words + following.n_words <= MAX_SUMMARY_WORDS
            and is_new(following.tokens, [first.tokens, *reserved])
        ):
            chosen.append(following)
    return chosen


def _widen(
    lead: list[Sentence],
    sentences: Sequence[Sentence],
    takeaways: Sequence[Span],
    reserved: Sequence[frozenset[str]],
) -> list[Sentence]:
    """The summary with its next sentence along when a takeaway states the lead sentence word
    for word, so the summary never reads the same as a takeaway (unchanged when it cannot)."""
    if len(lead) != 1 or not _states(takeaways, lead):
        return lead
    first = lead[0]
    following = next((s for s in sentences if s.position == first.position + 1), None)
    if (
        following is None
        or any(t.sentence is following for t in takeaways)
        or following.paragraph > first.paragraph + 1
        or not following.usable
        or following.text != following.raw
        or following.n_words > 45
        or first.n_words + following.n_words > MAX_SUMMARY_WORDS
        or not is_new(following.tokens, [first.tokens, *reserved])
    ):
        return lead
    return [first, following]


def _states(takeaways: Sequence[Span], lead: Sequence[Sentence]) -> bool:
    """A takeaway is a whole sentence of the summary."""
    whole = {_bare(s.text) for s in lead}
    return any(_bare(t.text) in whole for t in takeaways)


# --- takeaways --------------------------------------------------------------------------------


def _pick_takeaways(
    document: Document,
    model: scorer.Model,
    worth: dict[int, float],
    features: dict[int, scorer.Features],
    lead: Sequence[Sentence],
    title: str,
    summary: str,
    reserved: Collection[int] = (),
    *,
    whole_lead: bool = True,
) -> list[Span]:
    """Two or three distinct facts within the length of journalists' highlights.

    `worth` holds the scorer's probability that highlights draw on each sentence. In that
    order, each sentence that repeats none already taken gives the piece (`_choose_piece`,
    from the sentence's `features`) that fits the words left of `budget` (keeping `reserve`
    words for each of the `min_takeaways` still to come), between `min_words` and `max_words`
    long. At most `takeaways` pieces; one after the first
    needs probability `min_p`. The model file holds these parameters with the weights.
    `reserved`: positions of sentences kept for why it matters. `whole_lead`: in a long story
    without a headline a takeaway may be a whole sentence of the summary.
    """
    budget = model.param("budget", 33.0)
    reserve = model.param("reserve", 8.0)
    most = int(model.param("takeaways", 3))
    least = int(model.param("min_takeaways", MIN_TAKEAWAYS))
    min_p = model.param("min_p", 0.0)
    min_words = model.param("min_words", 8.0)
    max_words = model.param("max_words", float(MAX_TAKEAWAY_WORDS))
    ranked = sorted(
        (
            (worth[s.position], s)
            for s in document.sentences
            if s.usable and s.position not in reserved
        ),
        key=lambda pair: (-pair[0], pair[1].position),
    )
    # Neither the title nor the summary is repeated as a takeaway. Under a headline, which
    # already states the lead fact, and in a short article, which has few facts to give,
    # takeaways add what the summary lacks. In a long story without one the first takeaway
    # may be the lead fact, as journalists' highlights are (`summarise` then widens the
    # summary, so the two never read the same).
    repeats = {_bare(title)}
    said = None
    adds = len(ranked) < _LONG_STORY_SENTENCES or bool(document.title_tokens)
    if adds or not whole_lead:
        repeats |= {_bare(summary), *(_bare(s.text) for s in lead)}
    if adds:
        said = frozenset(content_words(summary))
    named = TWO_NAMES.search(summary) is not None
    chosen: list[Span] = []
    words = 0
    for p, sentence in ranked:
        if len(chosen) >= most or (chosen and p < min_p):
            break
        if not is_new(sentence.tokens, [span.sentence.tokens for span in chosen]):
            continue
        room = min(max_words, budget - words - reserve * max(0, least - len(chosen) - 1))
        if room < min_words:
            break
        best = _choose_piece(
            sentence, room, min_words, repeats, model, features[sentence.position], named
        )
        if best is None or not is_new(_span_tokens(best), [_span_tokens(c) for c in chosen]):
            continue
        if said is not None and _overlap(_span_tokens(best), said) >= _RESTATES:
            continue
        best.score = p
        chosen.append(best)
        words += best.n_words
    if len(chosen) < least:
        # Nothing (more) fits the budget: the shortest piece of the next sentences that have a
        # short one, a little over budget rather than a brief with one takeaway.
        for _, sentence in ranked:
            if len(chosen) >= least:
                break
            if any(span.sentence is sentence for span in chosen):
                continue
            options = [
                span
                for span in pieces(sentence, parties_named=named)
                if min_words <= span.n_words <= _OVER_BUDGET_WORDS
                and span.text not in repeats
                and is_new(_span_tokens(span), [_span_tokens(c) for c in chosen])
                and (said is None or _overlap(_span_tokens(span), said) < _RESTATES)
            ]
            if options:
                chosen.append(min(options, key=lambda span: (span.n_words, span.start)))
    return sorted(chosen, key=lambda span: (span.sentence.position, span.start))


def _choose_piece(
    sentence: Sentence,
    room: float,
    min_words: float,
    exclude: Collection[str],
    model: scorer.Model,
    features: scorer.Features,
    parties_named: bool,
) -> Span | None:
    """The piece of `min_words` to `room` words expected to hold the most highlight words
    (`scorer.piece_value`); without piece weights, the sentence's longest fitting piece."""
    if not model.piece_weights:
        return best_piece(sentence, room, min_words, exclude=exclude, parties_named=parties_named)
    options = [
        span
        for span in pieces(sentence, parties_named=parties_named)
        if min_words <= span.n_words <= room and span.text not in exclude
    ]
    # A piece without its opening phrase or connective ("Recently,", "But") reads better as a
    # bullet and says the same: the longer form is not a choice when the shorter one fits.
    trimmed = {span.end for span in options if span.start_kind in ("phrase", "conj")}
    options = [span for span in options if span.start or span.end not in trimmed]
    if not options:
        return None
    density = scorer.score_with(model.piece_weights, features)
    return max(
        options, key=lambda span: (scorer.piece_value(model, span, density), -span.start, span.end)
    )


def _bare(text: str) -> str:
    return text.rstrip(".。!！ ")


def candidates(document: Document) -> Iterator[tuple[scorer.Features, list[Span]]]:
    """The features of each usable sentence with its pieces (what the scorer is trained on)."""
    n = len(document.sentences)
    for s in document.sentences:
        if s.usable:
            options = pieces(s)
            if options:
                yield scorer.sentence_features(s, n), options


def _span_tokens(span: Span) -> frozenset[str]:
    if span.tokens is None:
        if span.start == 0 and span.end_kind == "full":
            span.tokens = span.sentence.tokens
        else:
            span.tokens = frozenset(content_words(span.text))
    return span.tokens


# --- why it matters ---------------------------------------------------------------------------


def _pick_why(
    sentences: Sequence[Sentence],
    used: set[int],
    taken: Sequence[frozenset[str]],
    *,
    allow_fallback: bool,
) -> list[Sentence]:
    """A sentence (or two adjacent ones) about consequence, strategy or what comes next."""
    pool = [
        s
        for s in sentences
        if (s.standalone or (s.usable and s.event))
        and s.position not in used
        and s.n_words <= MAX_WHY_WORDS
    ]
    # Repeats are left out; the test is the costly part, so it runs on the few that may win.
    cued = [s for s in pool if s.cues and is_new(s.tokens, taken)]
    if cued:

        def why_score(s: Sentence) -> float:
            restating = max((_overlap(s.tokens, t) for t in taken), default=0.0)
            return (
                min(s.cues, 3)
                + 0.5 * s.centrality
                + 0.5 / (1.0 + s.position / 5.0)
                - 1.0 * restating
                - (0.3 if s.number else 0.0)
                - (0.8 if s.quote_start else 0.0)
                - (0.5 if s.first_person or s.second_person else 0.0)
                - (0.5 if s.vague else 0.0)
            )

        best = max(cued, key=lambda s: (why_score(s), -s.position))
    elif allow_fallback:
        ranked = sorted(
            pool, key=lambda s: (-(s.lead_score - (1.0 if s.quoted else 0.0)), s.position)
        )
        return next(([s] for s in ranked if is_new(s.tokens, taken)), [])
    else:
        return []
    # A neighbouring sentence that also speaks to consequence makes a two-sentence paragraph.
    for neighbour in sentences:
        if neighbour.position in used or not neighbour.cues:
            continue
        before = neighbour.position == best.position - 1 and neighbour.standalone
        after = neighbour.position == best.position + 1 and neighbour.usable
        if (
            (before or after)
            and neighbour.paragraph == best.paragraph
            and best.n_words + neighbour.n_words <= MAX_WHY_WORDS
            and not neighbour.quote_start
            and is_new(neighbour.tokens, [*taken, best.tokens])
        ):
            pair = sorted([best, neighbour], key=lambda s: s.position)
            if pair[1].text == pair[1].raw:
                return pair
    return [best]


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a) if a else 0.0


def _join(sentences: Sequence[Sentence], article: Article) -> str:
    """Adjacent sentences as the article has them (no space between CJK sentences)."""
    if not sentences:
        return ""
    text = sentences[0].text
    for previous, sentence in itertools.pairwise(sentences):
        paragraph = article.paragraphs[sentence.paragraph]
        glue = (
            ""
            if previous.paragraph == sentence.paragraph
            and (previous.raw + sentence.raw in paragraph)
            else " "
        )
        text += glue + sentence.text
    return text


# --- wall of text -----------------------------------------------------------------------------


def _wall(article: Article) -> Summary:
    """No usable sentence: pieces of the text cut at clause or word boundaries, never padded."""
    text = " ".join(article.text.split()) or " ".join(article.title.split())
    if not text:
        return Summary("", "", (), method="wall")
    parts = _wall_pieces(text)
    summary, rest = parts[0], parts[1:]
    takeaways = tuple(piece for piece in rest if _long_enough(piece))[:MIN_TAKEAWAYS]
    return Summary(summary, "", takeaways, method="wall")


def _wall_pieces(text: str) -> list[str]:
    """Consecutive pieces of at most 30 words (60 CJK characters), cut at clause marks when
    there are any, else at word boundaries."""
    if is_cjk(text):
        limit = 2 * WALL_CUT_WORDS
        pieces: list[str] = []
        while text:
            cut = len(text) if len(text) <= limit else _cjk_cut(text, limit)
            pieces.append(text[:cut].rstrip("，,、；;：: "))
            text = text[cut:].lstrip("，,、；;：: ")
        return [p for p in pieces if p]
    tokens = text.split(" ")
    pieces = []
    while tokens:
        chunk = tokens[:WALL_CUT_WORDS]
        if len(tokens) > WALL_CUT_WORDS:
            # Prefer to end at a clause mark in the second half of the window.
            marks = [i for i, t in enumerate(chunk) if t.endswith((",", ";", ":"))]
            late = [i for i in marks if i >= WALL_CUT_WORDS // 2]
            if late:
                chunk = chunk[: late[-1] + 1]
        # A run of CJK characters inside Latin text counts as many words: the window shrinks.
        while len(chunk) > 1 and count_words(" ".join(chunk)) > WALL_CUT_WORDS:
            chunk = chunk[:-1]
        tokens = tokens[len(chunk) :]
        piece = " ".join(chunk).rstrip(",;:")
        if count_words(piece) > WALL_CUT_WORDS:
            pieces.extend(_wall_pieces(piece))  # one long CJK run: cut as Chinese text
        else:
            pieces.append(piece)
    return pieces


def _cjk_cut(text: str, limit: int) -> int:
    window = text[:limit]
    mark = max(window.rfind("，"), window.rfind("、"), window.rfind("；"), window.rfind(","))
    return mark + 1 if mark >= limit // 2 else limit


def _long_enough(piece: str) -> bool:
    return len(piece) >= 16 if is_cjk(piece) else len(piece.split()) >= 8
