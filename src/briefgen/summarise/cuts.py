"""Shorter forms of a sentence that stay grounded: one contiguous piece of it.

A takeaway is a sentence of the article, or one piece of it: the sentence with a leading
phrase ("On Friday,", "According to police,", "But") or a trailing clause (", police said",
", who ...", " -- ...", "，双方将...") trimmed. Every piece is a contiguous substring of the
sentence, so it can be traced back to the article word for word; only its first letter may be
capitalised. Pieces are cut only where the rest still reads as a statement: the head of a
trailing cut must hold a verb, quotes and brackets must stay closed.

Takeaways are bullet items: the final full stop of the sentence is dropped (the piece is then
still a substring of the article, which is what `briefgen check` verifies).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection
from dataclasses import dataclass

from briefgen.summarise.sentences import (
    Sentence,
    balanced,
    is_dangling,
    is_vague,
    opens_with_reporting,
)
from briefgen.text import count_words, word_set

MIN_SPAN_WORDS = 5
MAX_SPAN_WORDS = 30
MIN_SPAN_CJK_CHARS = 8

# --- English cuts -----------------------------------------------------------------------------

# A leading phrase ending in a comma: time, place, manner, or a subordinate clause.
_LEAD_WORDS = (
    "On|In|At|By|For|During|After|Before|Since|Until|Last|This|Earlier|Later|Meanwhile|However|"
    "Now|Today|Yesterday|Tonight|Instead|Overall|Separately|Additionally|Moreover|Furthermore|"
    "Finally|Ultimately|Initially|Previously|Currently|Recently|Eventually|Following|Despite|"
    "Amid|Under|Like|Unlike|Over|Within|Throughout|As|When|While|Although|Though|If|Once|"
    "Because|With|Without|Back|Nearly|Almost|About|Some|Two|Three|Four|Five|Several|Just|Even|"
    "Still|Already|Also|Indeed|In fact|Of course|Speaking|Asked|Besides|Likewise|Similarly|"
    "Nevertheless|Nonetheless|Therefore|Thus|Hence"
)
_LEAD_PHRASE = re.compile(rf"(?:{_LEAD_WORDS})\b[^,;:\"“”()]{{0,80}}?, (?=\S)")
# Connectives that tie a sentence to the one before; a takeaway stands alone without them.
_DISCOURSE_OPENER = re.compile(
    r"(?:In fact|Indeed|However|Moreover|Furthermore|Additionally|Meanwhile|Also|Still|"
    r"Of course|Instead|Separately|Besides|Likewise|Similarly|Nevertheless|Nonetheless|"
    r"Therefore|Thus|Hence|Overall|In addition|As a result),"
)
_LEAD_CONJ = re.compile(r"(?:But|And|So|Yet|Or|Plus|Still|However|Meanwhile|Now|Then),? (?=\S)")
# "Police said Thursday that the man ..." → "the man ...".
_SAID_THAT = re.compile(
    r"[A-Z][^,;:\"“”()]{0,60}? (?:said|says|say|told [A-Z][\w.]*(?: [A-Z][\w.]*)?|reported|"
    r"reports|announced|confirmed|added|noted|stated|believes?|thinks?)(?: (?:on )?\w+day)? "
    r"that (?=\S)"
)
# Where a second main clause may start: after ", and", ", but", "; ", " -- ", ", while".
_CLAUSE_START = re.compile(r"(?:, and|, but|, while|, whereas|;) (?=\S)")
# What can open the rest after a leading cut: a name, a number, a determiner or a subject.
_SUBJECT_START = re.compile(
    r"(?:[A-Z0-9\"“]|(?:the|a|an|his|her|its|their|our|some|many|most|all|both|police|"
    r"officials|authorities|more|several|no|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"hundreds|thousands|dozens|millions)\b)"
)
_MONTHS = re.compile(
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.? \d"
)
# Trailing clause boundaries marked by punctuation (bare subordinators and prepositions are
# found among the words).
_PUNCT_BOUNDARY = re.compile(r", | -- | — | – |; |: ")
_CUT_PREPOSITIONS = word_set(
    "in at on for with from during near inside outside over against into by across through "
    "under between among around within without toward towards via including"
)
_LEAD_SUBORDINATORS = word_set("if once though unless whether")
_SUBORDINATORS = word_set(
    "after because as when while before since despite amid following until unless although "
    "though whereas"
)
# ", police said", ", according to officials", ", said Gabriel Toure, director of ...".
_REPORTING_VERBS = word_set(
    "said says say told tells reported reports added adds wrote writes explained noted announced "
    "confirmed stated tweeted posted according"
)
_TAIL_KINDS = (
    ("rel", re.compile(r"(?:who|which|where|whose|whom|when)\b")),
    (
        "sub",
        re.compile(
            r"(?:while|as|after|before|because|since|although|though|despite|amid|"
            r"following|until|unless|if|even|once|whereas|with|without)\b"
        ),
    ),
    ("coord", re.compile(r"(?:but|and|or|yet|so|then)\b")),
    ("ing", re.compile(r"[a-z]+ing\b")),
    ("appos", re.compile(r"(?:a|an|the|his|her|its|their|now|both|also|including)\b")),
)
# The head of a trailing cut must state something: a finite verb (auxiliary, irregular past,
# a regular past in -ed, or a present in -s after a subject).
_VERBS = word_set(
    """is are was were be been being has have had will would can could may might must should
    shall do does did said says say told tells got get gets made make makes took take takes
    gave give gives went go goes came come comes left leave leaves found find finds won win wins
    lost lose loses fell fall falls rose rise rises hit hits put puts set sets ran run runs
    began begin begins became become becomes brought bring brings bought buy buys built build
    builds caught catch chose choose drew draw drove drive fled flee flew fly forgot fought
    grew grow held hold holds kept keep keeps knew know knows led lead leads meant mean means
    met meet meets paid pay pays sent send sends shot shoot sold sell sells spent spend stood
    stand stands struck strike swore taught thought think thinks threw throw throws understood
    wore wrote write writes saw see sees heard hear hears felt feel feels sat sit sits slept
    spoke speak speaks stole stuck sought seek seeks sank shut shuts split spread quit let lets
    lay laid lie lies bid beat beats bore broke break breaks bit dug fed hung hid hurt rode
    rang rung sang sprang stung swam swept swung tore woke wound withdrew overtook undertook
    faces face plans plan wants want needs need calls call shows show says remains remain
    seems seem appears appear looks look continues continue ordered"""
)
_BAD_HEAD_END = word_set(
    """a an the of and or to in on at for with by from that which who whose as than but his
    her its their our my your this these those is are was were be been has have had will
    would can could may might must should not no very more most such own said says"""
)
_HEAD_TOKENS = re.compile(r"[a-z0-9']+")
# A name or a number: what makes a phrase specific.
_SPECIFIC = re.compile(r"\b[A-Z][a-z]|\d")
_MODALS = word_set("will would can could may might must should shall to")
_BE = word_set("is are was were be been being got gets get reportedly allegedly also")
_PARTICIPLES = word_set(
    """made taken given left found won lost held kept known led met paid sent shot sold spent
    built bought brought caught chosen driven flown forgotten fought grown hit hurt put set
    seen shown struck taught thought told worn written beaten broken hidden ridden stolen
    sworn thrown"""
)
_WANTS_COMPLEMENT = word_set(
    """right just only even soon long far well back away out up down off together ahead later
    earlier shortly more less than weeks days months years hours minutes seconds miles meters step
    kilometers feet times percent way part one ones number lot kind sort"""
)
_RELATIVE_WORDS = word_set("that who which whose whom where")
_CLAUSE_MARKERS = word_set(
    "said says say told tells announced added adds noted stated revealed believes believed "
    "argued explained that"
)
# Relative pronouns: the clause the last one opens in a head must be closed by a comma.
_RELATIVES = (", who ", ", which ", ", whose ", ", whom ", " where ", " whose ")
_PREPOSITIONS = word_set(
    "of in on at for with from by to into over under after before during since until about "
    "among between through across against without within despite amid like unlike"
)
_ABBREVIATION_END = re.compile(r"(?:\b[A-Za-z]\.){2,}$|\b(?:Inc|Co|Ltd|Corp|Jr|Sr|St|No)\.$")

# --- Chinese cuts -----------------------------------------------------------------------------

_ZH_LEAD = re.compile(
    r"(?:(?:\d{1,4}年)?\d{1,2}月\d{1,2}日|\d{1,2}日|近日|日前|此前|目前|当前|同时|与此同时|此外|另外|"
    r"据悉|今年|去年|昨天|今天|近期|未来|随后)[，,](?=\S)"
)
_ZH_BOUNDARY = re.compile(r"[，,：:]")
_ZH_BAD_HEAD_END = frozenset("的和与及或在对将把被从向为了是")


@dataclass(slots=True, eq=False)
class Span:
    """A piece of a sentence that may stand as a takeaway."""

    sentence: Sentence
    start: int
    end: int
    start_kind: str
    end_kind: str
    text: str
    n_words: int
    score: float = 0.0
    tokens: frozenset[str] | None = None


def pieces(sentence: Sentence, *, parties_named: bool = False) -> list[Span]:
    """The sentence itself and its grounded shorter forms, each at most 30 words."""
    starts, ends = _starts(sentence), _ends(sentence)
    found: list[Span] = []
    for start, start_kind in starts:
        for end, end_kind in ends:
            if end - start < 12:
                continue  # too short, or an end before this start
            span = _make(sentence, start, end, start_kind, end_kind, parties_named=parties_named)
            if span is not None:
                found.append(span)
    return found


def best_piece(
    sentence: Sentence,
    room: float,
    min_words: float,
    exclude: Collection[str] = (),
    *,
    parties_named: bool = False,
) -> Span | None:
    """The piece of `min_words` to `room` words to show (none of `exclude`): the sentence to its
    end, trimmed of its opening phrase or reporting clause when it has one; when that is too
    long, the longest piece (by characters) cut before a trailing clause. The same pieces as
    `pieces` gives, made lazily. `parties_named`: the summary names two parties, so a sentence
    opening with "The two parties" may stand."""
    text = sentence.text
    starts = _starts(sentence)
    best: Span | None = None
    for start, start_kind in starts:  # whole sentence ends first: no cut points needed
        span = _make(sentence, start, len(text), start_kind, "full", parties_named=parties_named)
        if (
            span is not None
            and min_words <= span.n_words <= room
            and span.text not in exclude
            and (best is None or span.n_words < best.n_words)
        ):
            best = span
    if best is not None:
        return best
    pairs = [
        (end - start, -start, start, start_kind, end, end_kind)
        for start, start_kind in starts
        for end, end_kind in _ends(sentence)
        if end_kind != "full" and end - start >= 12
    ]
    for _, _, start, start_kind, end, end_kind in sorted(pairs, reverse=True):
        span = _make(sentence, start, end, start_kind, end_kind, parties_named=parties_named)
        if span is not None and min_words <= span.n_words <= room and span.text not in exclude:
            return span
    return None


def _starts(sentence: Sentence) -> list[tuple[int, str]]:
    return _zh_starts(sentence.text) if sentence.cjk else _en_starts(sentence.text)


def _ends(sentence: Sentence) -> list[tuple[int, str]]:
    return _zh_ends(sentence.text) if sentence.cjk else _en_ends(sentence.text)


def _make(
    sentence: Sentence,
    start: int,
    end: int,
    start_kind: str,
    end_kind: str,
    *,
    parties_named: bool = False,
) -> Span | None:
    text = sentence.text
    piece = text[start:end]
    if end_kind == "full":
        if piece[-1:] in ".。" and not _ABBREVIATION_END.search(piece):
            piece = piece[:-1]
    else:
        piece = piece.rstrip(" ,;:，；：、—–-")
    if start and piece[:1].islower():
        piece = piece[0].upper() + piece[1:]
    n_words = count_words(piece)
    if sentence.cjk:
        if len(piece) > 2 * MAX_SPAN_WORDS or len(piece) < MIN_SPAN_CJK_CHARS:
            return None
    elif not MIN_SPAN_WORDS <= n_words <= MAX_SPAN_WORDS:
        return None
    if start == 0:
        if not (sentence.standalone or (parties_named and sentence.parties)):
            return None
        if _DISCOURSE_OPENER.match(piece):
            return None  # "In fact, Haier ...": the piece without the connective reads better
        if opens_with_reporting(piece):
            return None  # "According to sources at Haier, the company ...": not a takeaway
    elif is_dangling(piece, cjk=sentence.cjk) or is_vague(piece):
        return None  # the cut took away what the rest refers to
    if (start or end_kind != "full") and not balanced(piece):
        return None
    return Span(sentence, start, end, start_kind, end_kind, piece, n_words)


def _en_starts(text: str) -> list[tuple[int, str]]:
    """Where a piece may start: the sentence start, or after a leading phrase or clause."""
    starts = [(0, "none")]
    offset = 0
    conj = _LEAD_CONJ.match(text)
    if conj is not None and _SUBJECT_START.match(text, conj.end()):
        offset = conj.end()
        starts.append((offset, "conj"))
    phrase = _LEAD_PHRASE.match(text, offset)
    if phrase is not None:
        rest = phrase.end()
        # "On Friday, March 13, the ...": the phrase goes on after its first comma.
        if not _MONTHS.match(text, rest) and _SUBJECT_START.match(text, rest):
            starts.append((rest, "phrase"))
    said = _SAID_THAT.match(text, offset)
    if said is not None and _SUBJECT_START.match(text, said.end()):
        starts.append((said.end(), "said_that"))
    # A second main clause: "X was cast in a lead role and Jeff Goldblum will reprise his role".
    for clause in _CLAUSE_START.finditer(text, 20):
        rest = clause.end()
        # Both sides must be clauses ("SAIC-BMW, and Baidu is" is a list, not two clauses).
        if (
            _SUBJECT_START.match(text, rest)
            and _has_verb(text[rest:])
            and _has_verb(text[: clause.start()])
        ):
            starts.append((rest, "clause"))
    return starts


def _en_ends(text: str) -> list[tuple[int, str]]:
    """Where a piece may end: the sentence end, or before a trailing clause or phrase whose
    removal leaves a statement: a verb, closed quotes and clauses, a proper last word."""
    ends = [(len(text), "full")]
    # A leading phrase or clause ("Before continuing his round, ...") is no statement alone.
    phrase = _LEAD_PHRASE.match(text)
    first = phrase.end() if phrase is not None else 20
    lower = text.lower()
    if phrase is None and lower.split(" ", 1)[0] in _SUBORDINATORS | _LEAD_SUBORDINATORS:
        return ends  # "As the dust settles after ..., many questions linger": no cut is safe
    tokens = [(m.start(), m.group()) for m in _HEAD_TOKENS.finditer(lower)]
    starts = [start for start, _ in tokens]
    verbs = [
        i
        for i, (_, t) in enumerate(tokens)
        if i and (t in _VERBS or _past(t)) and tokens[i - 1][1] not in _RELATIVE_WORDS
    ]
    verb = verbs[0] if verbs else len(tokens)
    # "said" or "that" opens a clause whose verb must stay: "X said that the cooperation |".
    markers = [i for i, (_, t) in enumerate(tokens) if t in _CLAUSE_MARKERS]
    boundaries: list[tuple[int, int, str]] = [
        (m.start(), m.end(), m.group()) for m in _PUNCT_BOUNDARY.finditer(text, first)
    ]
    boundaries += [
        (start - 1, start, " ")
        for start, t in tokens
        if start > first
        and (t in _SUBORDINATORS or t in _CUT_PREPOSITIONS)
        and text[start - 1] == " "
    ]
    for cut, tail_start, mark in sorted(boundaries):
        kind = _tail_kind(mark, lower, tail_start)
        if kind is None:
            continue
        k = bisect.bisect_left(starts, cut)  # tokens of the head
        if k < 2 or verb >= k:
            continue
        marker = max((i for i in markers if i < k - 1), default=-1)
        if marker >= 0 and not any(marker < i < k for i in verbs):
            continue
        last, before = tokens[k - 1][1], tokens[k - 2][1]
        if last in _BAD_HEAD_END:
            continue
        if kind in ("prep", "bare_sub") and _needs_more(last, before):
            continue
        head = text[:cut]
        if not balanced(head) or _open_relative(head):
            continue
        if tokens[0][1] in _PREPOSITIONS and ", " not in head:
            continue  # a bare prepositional phrase: "Of the 10.5 million refugees registered"
        if kind == "prep" and _SPECIFIC.search(text, tail_start) and not _SPECIFIC.search(head, 1):
            continue  # "attended by senior executives | from Baidu and BMW": the facts are cut
        ends.append((cut, kind))
    return ends


def _past(token: str) -> bool:
    return len(token) > 4 and token.endswith("ed")


def _needs_more(last: str, before: str) -> bool:
    """The phrase cut off was the complement the head's last word asks for: "a villa named |
    after him", "hit a six right | at the death", "less than two weeks | after ...",
    "incensed | by"."""
    if last in _WANTS_COMPLEMENT or last.endswith(("ing", "ly")) or before in _MODALS:
        return True  # "... than it will feature |": a verb after a modal wants its object
    if last in _VERBS or _past(last):
        # "were killed | in the attack" is whole; "will feature | ..." and a bare "named |
        # after him" want what follows.
        return not (before in _BE and (_past(last) or last in _PARTICIPLES))
    return False


def _open_relative(head: str) -> bool:
    """The head ends inside a relative clause: "the search, which lasted"."""
    relative = max(head.rfind(pronoun) for pronoun in _RELATIVES)
    return relative >= 0 and ", " not in head[relative + 2 :]


def _tail_kind(mark: str, lower: str, tail_start: int) -> str | None:
    """What the cut removes: an attribution, a relative clause, a subordinate clause ..."""
    if mark == ", ":
        tail = lower[tail_start:]
        if len(tail) < 140 and _is_attribution(tail):
            return "attrib"
        for kind, pattern in _TAIL_KINDS:
            if pattern.match(tail):
                return kind
        return None
    if mark == "; ":
        return "semi"
    if mark == ": ":
        return "colon"
    if mark != " ":
        return "dash"
    # " after ...", " because ..." without a comma, or a trailing prepositional phrase
    word = lower[tail_start : lower.find(" ", tail_start)]
    return "bare_sub" if word in _SUBORDINATORS else "prep"


def _is_attribution(tail: str) -> bool:
    """A trailing ", <who> said ..." (no quote in it): the fact stands without it."""
    if '"' in tail or "“" in tail:
        return False
    for word in tail.split(" ", 9)[:9]:
        if word.rstrip(".,;") in _REPORTING_VERBS:
            return True
        if word.endswith(","):
            return False
    return False


def _has_verb(text: str) -> bool:
    """A finite verb after the first word: an auxiliary, an irregular form or a past in -ed."""
    tokens = _HEAD_TOKENS.findall(text.lower())
    return any(t in _VERBS or _past(t) for t in tokens[1:])


def _zh_starts(text: str) -> list[tuple[int, str]]:
    starts = [(0, "none")]
    lead = _ZH_LEAD.match(text)
    if lead is not None:
        starts.append((lead.end(), "phrase"))
    return starts


def _zh_ends(text: str) -> list[tuple[int, str]]:
    ends = [(len(text), "full")]
    for boundary in _ZH_BOUNDARY.finditer(text):
        cut = boundary.start()
        head = text[:cut]
        if len(head) < MIN_SPAN_CJK_CHARS or head[-1] in _ZH_BAD_HEAD_END or not balanced(head):
            continue
        ends.append((cut, "zh_comma"))
    return ends
