"""Summarise stage: an extractive summary, why it matters and key takeaways for one article."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from briefgen.models import Article, Summary
from briefgen.text import (
    CJK_CHARS,
    content_only,
    content_words,
    count_words,
    has_cjk,
    is_cjk,
    split_sentences,
    word_set,
    words,
)

MAX_TAKEAWAYS = 5
MIN_TAKEAWAYS = 3
MAX_TAKEAWAY_WORDS = 30
MIN_SENTENCE_WORDS = 6
MAX_SUMMARY_WORDS = 90
"""Two summary sentences together; one sentence alone may have up to `_MAX_LEAD_WORDS`."""
MAX_WHY_WORDS = 50
WALL_CUT_WORDS = 30
"""Text without sentence punctuation is cut to this many words for the summary."""

_MAX_LEAD_WORDS = 70
_LEAD_WINDOW = 6
_REDUNDANCY = 0.5

# --- cleaning ---------------------------------------------------------------------------------

_AGENCY = r"CNN|Reuters|AP|AFP|Bloomberg|Xinhua|UPI|EFE|dpa|ANSA|Kyodo|Yonhap|TASS|PTI"
_DATELINES = (
    # "(CNN) -- ", "(CNN)", "New Delhi (CNN)", "BEIJING, March 3 (Reuters) - "
    re.compile(
        rf"^(?:[A-Z][\w.'’\- ]{{0,40}}?(?:,\s*[A-Z][\w.'’\- ]{{0,30}}?)*\s*)?"
        rf"\((?:{_AGENCY})\)\s*(?:--|[-—–])?\s*"
    ),
    # "WASHINGTON -- ", "LONDON, England — "
    re.compile(r"^[A-Z]{2,}(?:[ .'\-][A-Z]{2,})*(?:,\s*[A-Z][A-Za-z.\- ]{1,30})?\s+(?:--|—|–)\s+"),
    # 新华社北京3月3日电（记者 张三）, 本报讯（记者 李四）
    re.compile(
        rf"^(?:[{CJK_CHARS}]{{2,8}}(?:社|网|报)[{CJK_CHARS}]{{0,4}}(?:\d{{1,2}}月\d{{1,2}}日)?电"
        r"|本报讯)\s*(?:[（(][^）)]{0,30}[）)])?\s*[，,：:]?\s*"
    ),
)
# Reporting clauses whose removal leaves the fact: "According to the Tianyancha APP, X".
_REPORTING = (
    re.compile(r"^According to (?:[^,;\"“”]{1,80}?), (?=\S)"),
    re.compile(
        r"^It (?:can|could) be (?:seen|learned|learnt|found) (?:from [^,;\"“”]{1,60}? )?that "
    ),
    re.compile(r"^It (?:is|was|has been) (?:reported|understood|learned|learnt|known) that "),
    re.compile(
        r"^据[^，。！？\"“”]{0,25}?(?:报道|消息|显示|透露|介绍|了解|悉|称|统计|数据)[，,：:]"
    ),
    re.compile(r"^(?:记者|本报记者)?(?:从[^，。]{1,20})?(?:了解到|获悉)[，,]"),
    re.compile(r"^从[^，。]{1,20}(?:可以看出|可见|来看)[，,]"),
)
_WHITESPACE = re.compile(r"\s+")

# --- quality rules ----------------------------------------------------------------------------

_CLOSERS = "\"'”’」』)）]"
_TERMINALS = frozenset(".!?。！？；…")
_OPENS_LOWER = re.compile(r"^[\"'“‘(\[]*[a-z,;:)\]}\-–—]")
# Openings that point back to something the reader of a lone sentence has not seen.
_DANGLING_EN = re.compile(
    r"^[\"'“‘(]*(?:He|She|It|They|Them|His|Her|Its|Their|This|These|Those|That|Such|Both|"
    r"Another|Also|And|But|So|Yet|Or|Nor|Thus|Hence|Therefore|However|Still|Otherwise|"
    r"Here|There,|"
    r"The (?:two|three|four|both|former|latter|same|above|aforementioned|said|pair|duo)|"
    r"(?:Both|The two|All three) (?:parties|companies|sides|firms|groups|men|women))\b"
)
# "It is expected that ..." is not a reference back: the "it" is a placeholder.
_EXPLETIVE_IT = re.compile(
    r"^It (?:is|was|has been|had been|will be|would be|can be|could be|may be|might be|"
    r"should be|must be|seems|seemed|appears|appeared|remains|remained)(?: not)?"
    r"(?: (?:widely|generally|also|now|still|increasingly))? (?:expected|reported|said|believed|"
    r"understood|estimated|likely|unlikely|clear|unclear|possible|impossible|important|"
    r"necessary|worth|noteworthy|known|learned|learnt|seen|noted|hoped|thought|predicted|"
    r"projected|anticipated|rumou?red|true|obvious|evident|certain|uncertain|essential|hard|"
    r"difficult|easy|time|announced|confirmed|planned|forecast)\b"
)
_DANGLING_ZH = re.compile(
    r"^[“‘「『(（]*(?!此外|其次|这次|该项)(?:他|她|它|其|该|此|这|那|双方|两家|二者|两者|后者|前者|"
    r"上述|对此|因此|所以|但|而|不过|然而|并且|而且|同样)"
)
# Bylines, credits and page furniture: at the start of a sentence, or anywhere in it.
_JUNK_START = re.compile(
    r"(?:By|Reporting by|Written by|Edited by|Editing by|Additional reporting|Photo|Photos|"
    r"Image|Picture|Pictured|Credit|Source|Editor|Our reporter|Click|Read more|Sign up|"
    r"Subscribe|Follow us|Share this|Copyright|See the original|©"
    r"|(?:Watch|Listen to)\b.*\b(?:weekdays|weeknights|live|ET|PT)\b)\b"
    r"|(?:记者|本报记者|编辑|责任编辑|来源|图片来源|图源|摄影|校对)[：:\s]",
    re.IGNORECASE,
)
_JUNK_ANYWHERE = re.compile(
    r"contributed to this report|Getty Images|/AFP\b|\(Photo|[Pp]hoto credit|All rights reserved"
    r"|Rated \d+(?:\.\d+)? out of \d+|\b\d+ (?:views?|comments?)\b|©"
    r"|图片来源|供图|[（(]图"
)
_NUMBER = re.compile(r"\d|[万亿]|[％%]")
_DATE = re.compile(
    r"\b(?:1[89]|20)\d\d\b"
    r"|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.? \d{1,2}\b"
    r"|\b\d{1,2}(?:st|nd|rd|th)?\b(?= (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec))"
    r"|\d{2,4}年|\d{1,2}月(?:\d{1,2}日)?|\d{1,2}日"
)
_NAME = re.compile(r"(?<=\s)[A-Z][A-Za-z0-9&\-]+")
_QUOTE_START = re.compile(r"^[\"“‘「『]")
# Patterns on lower-cased text. A vague subject near the start ("At present, the company is
# ...") reads badly on its own.
_VAGUE = re.compile(
    r"^(?:\S+ ){0,4}?(?:the|this|that) (?:company|firm|group|automaker|carmaker|latter|former)\b"
)
# "The two parties" inside a sentence: who they are is said elsewhere.
_REFERS_BACK = re.compile(
    r"\b(?:the two|both|the three) (?:parties|companies|sides|firms)\b|\bthe latter\b|双方|两家公司"
)
# Two names joined by "and": after such a summary, "the two parties" is understood.
_TWO_NAMES = re.compile(
    rf"[A-Z][\w\-]*(?: [A-Z][\w\-]*)* (?:and|&) [A-Z][\w\-]*"
    rf"|[{CJK_CHARS}]{{2,}}(?:与|和|携手)[{CJK_CHARS}]{{2,}}"
)
# Reported opinion rather than fact: fine in a brief, but facts make better takeaways.
_OPINION = re.compile(r"\b(?:said|says|believes?|stated|noted|added|argued?) that\b|表示|认为|指出")

# --- why it matters ---------------------------------------------------------------------------

# Matched on word tokens (faster than a regex over the text): whole words, then stems.
_CUE_WORDS = word_set(
    """will would could expect expects expected expectation expectations aim aims aimed goal
    goals help helps helped helping market markets future means drive drives driving pave paves
    paving important importance growth trend trends potential potentially likely plan plans
    planned next risk risks poised ecosystem shift shifts shifting"""
)
_CUE_STEMS = tuple(
    sorted(
        word_set(
            """accelerat strateg significan signal impact boost enabl competiti opportunit
            challeng transform consequen affect promot strengthen empower reshap redefin"""
        )
    )
)
_CUES_ZH = re.compile(
    r"将|有望|意味着|预计|助力|推动|加速|加快|战略|未来|市场|影响|标志|进一步|目标|旨在|有助于|"
    r"带动|重要|趋势|转型|机遇|挑战|竞争|赋能|提升|生态"
)
# Clause boundaries where a too-long sentence may be cut and still read as a sentence.
_CLAUSE_CUT = re.compile(r"; |, (?:which|while|whereas) | — | -- | – |；|，而|，并")


@dataclass
class _Sentence:
    position: int
    paragraph: int
    text: str
    n_words: int
    tokens: frozenset[str]
    standalone: bool
    """Passes every quality rule: may open a field on its own."""
    can_follow: bool
    """Passes every rule but the dangling opening: may follow the sentence it refers to."""
    cues: int = 0
    number: float = 0.0
    """1 for a quantity (150 million, 51.2%), 0.4 for dates and years only, else 0."""
    quote_start: bool = False
    vague: bool = False
    refers_back: bool = False
    opinion: bool = False
    score: float = 0.0
    lead_score: float = 0.0


def summarise(article: Article) -> Summary:
    """Summary, why it matters and takeaways for one article (pure, deterministic, stdlib only).

    Extractive: every string is a sentence of the article, at most trimmed of a dateline or of a
    reporting clause ("According to X,") when the rest stands alone, so a brief can always be
    traced to its source. Sentences are scored on position (news puts the key facts first),
    centrality, title overlap, quantities, names and length; quality rules keep out sentences
    that cannot stand alone (a dangling "He said ..."), fragments, headings, questions, cut
    quotes, bylines and credits. The summary is the best lead sentence, with the next one when
    it adds to it; why it matters prefers a sentence about consequence ("will", "expected",
    "strategic", 将, 有望 ...); takeaways are 3-5 distinct facts of at most 30 words (60 CJK
    characters), in article order. A short article gets what it has, never padding or repeats.

    When the article carries the publisher's own "Key takeaways" they are used word for word
    (with the publisher's "Why it matters" when present) and `method` is "publisher"; the
    summary is still taken from the body.
    """
    sentences = _sentences(article)
    publisher = tuple(t.strip() for t in article.publisher_takeaways if t.strip())
    publisher_why = (article.publisher_why or "").strip()
    reserved = [frozenset(content_words(t)) for t in (*publisher, publisher_why) if t]

    lead = _pick_summary(sentences, reserved)
    summary = " ".join(s.text for s in lead) if lead else _fallback_summary(article)
    used = {s.position for s in lead}
    taken = [*reserved, *(s.tokens for s in lead)]

    if publisher:
        why = publisher_why or _join(_pick_why(sentences, used, taken, allow_fallback=True))
        return Summary(summary, why, publisher[:MAX_TAKEAWAYS], method="publisher")

    pool = [s for s in sentences if s.standalone and s.position not in used]
    why_sentences: list[_Sentence] = []
    if publisher_why:
        why = publisher_why
    else:
        # A short article keeps what it has for takeaways; only a clear "why" is taken from it.
        if len(pool) >= MIN_TAKEAWAYS or (len(pool) >= 2 and any(s.cues for s in pool)):
            why_sentences = _pick_why(sentences, used, taken, allow_fallback=False)
        why = _join(why_sentences)
    used |= {s.position for s in why_sentences}
    taken += [s.tokens for s in why_sentences]

    # Without a clear "why" sentence, leave one for the fallback when there is enough.
    limit = (
        MAX_TAKEAWAYS if why or len(pool) <= MIN_TAKEAWAYS else min(MAX_TAKEAWAYS, len(pool) - 1)
    )
    takeaways = _pick_takeaways(
        sentences, used, taken, parties_named=_TWO_NAMES.search(summary) is not None, limit=limit
    )
    if not why and len(pool) > MIN_TAKEAWAYS:
        used |= {s.position for s in takeaways}
        taken += [s.tokens for s in takeaways]
        why = _join(_pick_why(sentences, used, taken, allow_fallback=True))
    return Summary(summary, why, tuple(s.text for s in takeaways), method="extractive")


# --- sentences --------------------------------------------------------------------------------


def _sentences(article: Article) -> list[_Sentence]:
    """Every sentence of the body, cleaned, with its features and scores."""
    raw: list[tuple[int, str]] = [
        (p, sentence)
        for p, paragraph in enumerate(article.paragraphs)
        for sentence in split_sentences(paragraph)
    ]
    title_tokens = frozenset(content_words(article.title))
    sentences: list[_Sentence] = []
    for position, (paragraph, text) in enumerate(raw):
        opens_paragraph = position == 0 or raw[position - 1][0] != paragraph
        cleaned = _clean(text, dateline=opens_paragraph)
        if not cleaned:
            continue
        all_tokens = words(cleaned)
        tokens = frozenset(content_only(all_tokens))
        # Repeats the headline: says (almost) nothing the title does not already say.
        restates_title = bool(title_tokens) and _overlap(tokens, title_tokens) >= 0.8
        usable = not _is_fragment(cleaned) and not restates_title
        sentence = _Sentence(
            position=position,
            paragraph=paragraph,
            text=cleaned,
            n_words=count_words(cleaned),
            tokens=tokens,
            standalone=usable and not _is_dangling(cleaned),
            can_follow=usable,
        )
        if usable:  # the finer features only matter for sentences that may be chosen
            lower = cleaned.lower()
            sentence.cues = _count_cues(all_tokens, cleaned)
            sentence.number = _number(cleaned)
            sentence.quote_start = _QUOTE_START.match(cleaned) is not None
            sentence.vague = _VAGUE.match(lower) is not None
            sentence.refers_back = _REFERS_BACK.search(lower) is not None
            sentence.opinion = _OPINION.search(lower) is not None
        sentences.append(sentence)
    _score(sentences, title_tokens)
    return sentences


def _clean(sentence: str, *, dateline: bool = False) -> str:
    """The sentence without dateline, reporting clause or runs of whitespace."""
    text = _WHITESPACE.sub(" ", sentence).strip()
    if dateline:  # datelines open a paragraph (usually the first)
        for pattern in _DATELINES:
            text = pattern.sub("", text, count=1)
    for clause in _REPORTING:
        match = clause.match(text)
        if match is None:
            continue
        rest = text[match.end() :]
        if rest[:1].islower():
            rest = rest[0].upper() + rest[1:]
        # Only when what remains is a full sentence that does not lean on the removed clause
        # ("According to sources at Haier, the company ..." keeps the name it needs).
        names_referent = _VAGUE.match(rest.lower()) and _NAME.search(match.group())
        if not _is_fragment(rest) and not _is_dangling(rest) and not names_referent:
            text = rest
        break
    return text


def _is_fragment(text: str) -> bool:
    """Not a sentence a reader can take on its own: heading, credit, cut quote, question..."""
    end = text.rstrip(_CLOSERS)[-1:]
    if end not in _TERMINALS or end in "?？":
        return True  # a heading, a cut line or a question
    if _JUNK_START.match(text) or _JUNK_ANYWHERE.search(text):
        return True
    if _OPENS_LOWER.match(text) or count_words(text) < MIN_SENTENCE_WORDS:
        return True
    return not _balanced(text)


def _balanced(text: str) -> bool:
    return (
        text.count('"') % 2 == 0
        and text.count("“") == text.count("”")
        and text.count("「") == text.count("」")
        and text.count("『") == text.count("』")
        and text.count("(") == text.count(")")
        and text.count("（") == text.count("）")
    )


def _is_dangling(text: str) -> bool:
    """Opens with a reference back ("He said", "The two parties", "这") or a connective."""
    if is_cjk(text):
        return _DANGLING_ZH.match(text) is not None
    if _EXPLETIVE_IT.match(text):
        return False
    return _DANGLING_EN.match(text) is not None


def _number(text: str) -> float:
    """Quantities make facts; a date or a year alone is context."""
    if not _NUMBER.search(text):
        return 0.0
    return 1.0 if _NUMBER.search(_DATE.sub(" ", text)) else 0.4


def _count_cues(tokens: list[str], text: str) -> int:
    """Distinct consequence/impact cue words in the sentence (`tokens` are its `words`)."""
    found = {w for w in tokens if w in _CUE_WORDS or w.startswith(_CUE_STEMS)}
    if has_cjk(text):
        found.update(m.group() for m in _CUES_ZH.finditer(text))
    return len(found)


def _score(sentences: list[_Sentence], title: frozenset[str]) -> None:
    """Fill in `score` (takeaway worth) and `lead_score` (summary worth) of each sentence."""
    if not sentences:
        return
    # Centrality: how many other sentences share a sentence's words (a word seen in many
    # sentences is what the article is about).
    frequency: Counter[str] = Counter()
    for s in sentences:
        frequency.update(s.tokens)
    frequency.update(title)
    raw_centrality = [
        sum(math.log(frequency[w]) for w in s.tokens) / math.sqrt(len(s.tokens) + 4)
        for s in sentences
    ]
    top = max(raw_centrality) or 1.0
    for s, centrality in zip(sentences, raw_centrality, strict=True):
        position = 1.0 / (1.0 + s.position / 3.0)
        title_overlap = len(s.tokens & title) / len(title) if title else 0.0
        names = min(len(_NAME.findall(s.text)), 4) / 4.0
        number = s.number
        quote = 0.5 if s.quote_start else 0.0
        # Specificity balances centrality: a takeaway should also say something only it says.
        specific = sum(1 for w in s.tokens if frequency[w] == 1) / (len(s.tokens) + 4)
        s.score = (
            0.6 * position
            + 1.0 * centrality / top
            + 0.5 * title_overlap
            + 1.0 * number
            + 0.5 * names
            + 0.5 * specific
            + 0.4 * _length_fit(s.n_words, 10, MAX_TAKEAWAY_WORDS)
            - quote
            - (0.4 if s.vague else 0.0)
            - (0.2 if s.opinion else 0.0)
        )
        s.lead_score = (
            2.0 * position
            + 1.0 * centrality / top
            + 1.0 * title_overlap
            + 0.3 * number
            + 0.3 * names
            + 0.6 * _length_fit(s.n_words, 12, 45)
            - quote
        )


def _length_fit(n_words: int, low: int, high: int) -> float:
    """1 inside [low, high], falling off outside it."""
    if n_words < low:
        return n_words / low
    if n_words > high:
        return max(0.0, 1.0 - (n_words - high) / high)
    return 1.0


def _similar(a: frozenset[str], b: frozenset[str], threshold: float = 0.6) -> bool:
    """High word overlap: the shorter set mostly inside the other, or a high Jaccard index."""
    if not a or not b:
        return False
    shared = len(a & b)
    return shared / min(len(a), len(b)) >= max(threshold, 0.7) or shared / len(a | b) >= threshold


def _is_new(s: _Sentence, taken: Iterable[frozenset[str]]) -> bool:
    return not any(_similar(s.tokens, other, 0.5) for other in taken)


# --- picking ----------------------------------------------------------------------------------


def _pick_summary(
    sentences: Sequence[_Sentence], reserved: Sequence[frozenset[str]]
) -> list[_Sentence]:
    """The best lead-ish sentence, plus the next one when it adds to it (1-2 sentences)."""
    candidates = [
        s
        for s in sentences
        if s.standalone and s.n_words <= _MAX_LEAD_WORDS and _is_new(s, reserved)
    ][:_LEAD_WINDOW]
    if not candidates:
        # No sentence stands alone: a dangling one is still better than nothing.
        candidates = [s for s in sentences if s.can_follow and s.n_words <= _MAX_LEAD_WORDS][:1]
    if not candidates:
        return []
    first = max(candidates, key=lambda s: (s.lead_score, -s.position))
    chosen = [first]
    following = next((s for s in sentences if s.position == first.position + 1), None)
    if following is not None and following.paragraph <= first.paragraph + 1:
        standalone_scores = sorted(s.score for s in sentences if s.standalone)
        median = standalone_scores[len(standalone_scores) // 2] if standalone_scores else 0.0
        adds = first.n_words < 20 or following.score >= median
        # A short article keeps its other sentences for the takeaways and the why.
        others = sum(
            1
            for s in sentences
            if s.standalone and s.position not in (first.position, following.position)
        )
        if (
            others > MIN_TAKEAWAYS
            and following.can_follow
            and not following.quote_start
            and following.n_words <= 45
            and first.n_words + following.n_words <= MAX_SUMMARY_WORDS
            and adds
            and _is_new(following, [first.tokens, *reserved])
        ):
            chosen.append(following)
    return chosen


def _pick_why(
    sentences: Sequence[_Sentence],
    used: set[int],
    taken: Sequence[frozenset[str]],
    *,
    allow_fallback: bool,
) -> list[_Sentence]:
    """A sentence (or two adjacent ones) about consequence, strategy or what comes next."""
    pool = [
        s
        for s in sentences
        if s.standalone
        and s.position not in used
        and s.n_words <= MAX_WHY_WORDS
        and _is_new(s, taken)
    ]
    if not pool:
        return []
    cued = [s for s in pool if s.cues]
    if cued:

        def why_score(s: _Sentence) -> float:
            restating = max((_overlap(s.tokens, t) for t in taken), default=0.0)
            return (
                min(s.cues, 3)
                + 0.3 * s.score
                - 1.0 * restating
                - (0.3 if s.number else 0.0)
                - (0.5 if s.quote_start else 0.0)
                - (0.5 if s.vague else 0.0)
            )

        best = max(cued, key=lambda s: (why_score(s), -s.position))
    elif allow_fallback:
        best = max(pool, key=lambda s: (s.score, -s.position))
        return [best]
    else:
        return []
    # A neighbouring sentence that also speaks to consequence makes a two-sentence paragraph.
    for neighbour in sentences:
        if neighbour.position in used or not neighbour.cues:
            continue
        before = neighbour.position == best.position - 1 and neighbour.standalone
        after = neighbour.position == best.position + 1 and neighbour.can_follow
        if (
            (before or after)
            and neighbour.paragraph == best.paragraph
            and best.n_words + neighbour.n_words <= MAX_WHY_WORDS
            and not neighbour.quote_start
            and _is_new(neighbour, [*taken, best.tokens])
        ):
            return sorted([best, neighbour], key=lambda s: s.position)
    return [best]


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a) if a else 0.0


def _pick_takeaways(
    sentences: Sequence[_Sentence],
    used: set[int],
    taken: Sequence[frozenset[str]],
    *,
    parties_named: bool = False,
    limit: int = MAX_TAKEAWAYS,
) -> list[_Sentence]:
    """3-5 distinct standalone facts of at most 30 words, in article order.

    "The two parties" in a takeaway is understood only when the summary named two parties.
    """
    pool = [s for s in sentences if s.standalone and s.position not in used]
    penalty = 0.0 if parties_named else 0.3

    def worth(s: _Sentence) -> float:
        return s.score - (penalty if s.refers_back else 0.0)

    short = [s for s in pool if s.n_words <= MAX_TAKEAWAY_WORDS and _is_new(s, taken)]
    picked: list[_Sentence] = []
    seen = list(taken)
    best_score = max((worth(s) for s in short), default=0.0)
    while short and len(picked) < limit:
        # Maximal marginal relevance: a sentence that repeats what is already said loses
        # ground to one that adds a new fact.
        def marginal(s: _Sentence) -> float:
            redundancy = max((_overlap(s.tokens, t) for t in seen), default=0.0)
            return worth(s) - _REDUNDANCY * redundancy

        best = max(short, key=lambda s: (marginal(s), -s.position))
        if len(picked) >= MIN_TAKEAWAYS and worth(best) < 0.6 * best_score:
            break  # beyond three, only sentences nearly as good as the best
        short.remove(best)
        if _is_new(best, seen):
            picked.append(best)
            seen.append(best.tokens)
    target = min(MIN_TAKEAWAYS, limit)
    if len(picked) < target:
        # Every remaining sentence is long: cut one at a clause boundary if it still reads
        # as a sentence (skipping is preferred, so this only tops up to three).
        for s in sorted(pool, key=lambda s: (-worth(s), s.position)):
            if len(picked) >= target:
                break
            if s.n_words <= MAX_TAKEAWAY_WORDS:
                continue
            cut = _cut_at_clause(s)
            if cut is not None and _is_new(cut, seen):
                picked.append(cut)
                seen.append(cut.tokens)
    return sorted(picked, key=lambda s: s.position)


def _cut_at_clause(s: _Sentence) -> _Sentence | None:
    """The sentence up to its last clause boundary that leaves 8-30 words, as a sentence."""
    cut: _Sentence | None = None
    for boundary in _CLAUSE_CUT.finditer(s.text):
        head = s.text[: boundary.start()].rstrip(" ,;，；")
        n_words = count_words(head)
        if n_words > MAX_TAKEAWAY_WORDS:
            break
        if n_words < 8 or not _balanced(head):
            continue
        text = head + ("。" if is_cjk(head) else ".")
        if _is_fragment(text):
            continue
        cut = _Sentence(
            position=s.position,
            paragraph=s.paragraph,
            text=text,
            n_words=n_words,
            tokens=frozenset(content_words(text)),
            standalone=True,
            can_follow=True,
            cues=s.cues,
            number=_number(text),
            quote_start=s.quote_start,
            score=s.score,
        )
    return cut


def _join(sentences: Sequence[_Sentence]) -> str:
    return " ".join(s.text for s in sentences)


def _fallback_summary(article: Article) -> str:
    """No usable sentence: the start of the text, cut at a word boundary (never padded)."""
    text = _WHITESPACE.sub(" ", article.text).strip() or _WHITESPACE.sub(" ", article.title)
    text = text.strip()
    if is_cjk(text):
        limit = WALL_CUT_WORDS * 2
        return text if len(text) <= limit else text[:limit]
    words = text.split(" ")
    return " ".join(words[:WALL_CUT_WORDS])
