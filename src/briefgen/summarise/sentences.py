"""The sentences of an article as the summariser sees them: cleaned, checked and described.

Every sentence keeps the text it was taken from (`raw`) so that a brief can be traced back to
it: `text` is `raw` without an opening dateline or reporting clause ("According to X,"), with the
first letter capitalised when something was trimmed. Quality rules mark what may open a field
on its own (`standalone`); features feed the learned scorer (`briefgen.summarise.model`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from briefgen.models import Article
from briefgen.text import (
    CJK_CHARS,
    content_only,
    content_words,
    count_words,
    has_cjk,
    is_cjk,
    split_sentences,
    strip_dateline,
    word_set,
    words,
)

MAX_SENTENCES = 60
"""Sentences past this many are not read: news puts what matters first (bounds the time)."""
MIN_SENTENCE_WORDS = 6
"""Shorter sentences are headings, datelines or fragments, never a field on their own."""

# --- cleaning ---------------------------------------------------------------------------------

# Reporting clauses whose removal leaves the fact: "According to the Tianyancha APP, X".
_REPORTING = (
    re.compile(r"According to (?:[^,;\"“”]{1,80}?), (?=\S)"),
    re.compile(
        r"It (?:can|could) be (?:seen|learned|learnt|found) (?:from [^,;\"“”]{1,60}? )?that "
    ),
    re.compile(r"It (?:is|was|has been) (?:reported|understood|learned|learnt|known) that "),
    re.compile(
        r"据[^，。！？\"“”]{0,25}?(?:报道|消息|显示|透露|介绍|了解|悉|称|统计|数据)[，,：:]"
    ),
    re.compile(r"(?:记者|本报记者)?(?:从[^，。]{1,20})?(?:了解到|获悉)[，,]"),
    re.compile(r"从[^，。]{1,20}(?:可以看出|可见|来看)[，,]"),
)
_REPORTING_FIRST = frozenset("AI据记本了获从")
_WHITESPACE = re.compile(r"\s+")

# --- quality rules ----------------------------------------------------------------------------

CLOSERS = "\"'”’」』)）]"
_TERMINALS = frozenset(".!?。！？；…")
_OPENS_LOWER = re.compile(r"[\"'“‘(\[]*[a-z,;:)\]}\-–—]")
# Openings that point back to something the reader of a lone sentence has not seen.
_DANGLING_EN = re.compile(
    r"[\"'“‘(]*(?:He|She|It|It's|They|Them|His|Her|Its|Their|This|These|Those|That|Such|Both|"
    r"Another|Also|And|But|So|Yet|Or|Nor|Thus|Hence|Therefore|However|Still|Otherwise|"
    r"Here|There,|Then|Instead|Meanwhile,|Likewise|Similarly|Neither|Either|"
    r"The (?:two|three|four|both|former|latter|same|above|aforementioned|said|pair|duo|man|woman|"
    r"boy|girl|couple|move|decision|incident|report|statement|letter|video|comments?|"
    r"remarks?)|"
    r"(?:Both|The two|All three) (?:parties|companies|sides|firms|groups|men|women))\b"
)
# "It is expected that ..." is not a reference back: the "it" is a placeholder.
_EXPLETIVE_IT = re.compile(
    r"It (?:is|was|has been|had been|will be|would be|can be|could be|may be|might be|"
    r"should be|must be|seems|seemed|appears|appeared|remains|remained)(?: not)?"
    r"(?: (?:widely|generally|also|now|still|increasingly))? (?:expected|reported|said|believed|"
    r"understood|estimated|likely|unlikely|clear|unclear|possible|impossible|important|"
    r"necessary|worth|noteworthy|known|learned|learnt|seen|noted|hoped|thought|predicted|"
    r"projected|anticipated|rumou?red|true|obvious|evident|certain|uncertain|essential|hard|"
    r"difficult|easy|time|announced|confirmed|planned|forecast)\b"
)
_DANGLING_ZH = re.compile(
    r"[“‘「『(（]*(?!此外|其次|这次|该项|其中，)(?:他|她|它|其|该|此|这|那|双方|两家|二者|两者|后者|"
    r"前者|上述|对此|因此|所以|但|而|不过|然而|并且|而且|同样)"
)
# Bylines, credits, page furniture and programme boilerplate, at the start or anywhere.
_JUNK_START = re.compile(
    r"(?:By|Reporting by|Written by|Edited by|Editing by|Additional reporting|Photo|Photos|"
    r"Image|Picture|Pictured|Credit|Source|Editor|Our reporter|Click|Read more|Sign up|"
    r"Subscribe|Follow us|Share this|Copyright|See the original|Watch|Listen|Transcript|Please|©)\b"
    r"|(?:记者|本报记者|编辑|责任编辑|来源|图片来源|图源|摄影|校对)[：:\s]",
    re.IGNORECASE,
)
_JUNK_ANYWHERE = re.compile(
    r"contributed to this report|Getty Images|/AFP\b|\(Photo|[Pp]hoto credit|All rights reserved"
    r"|Rated \d+(?:\.\d+)? out of \d+|\b\d+ (?:views?|comments?)\b|©|CNN Student News"
    r"|is created by a team of journalists|[Cc]lick here|[Ff]ollow (?:us|@)|@\w+ on Twitter"
    r"|[Ss]ign up for|newsletter|cannot (?:independently )?(?:verify|confirm) the"
    r"|[Tt]he (?:views|opinions) expressed|[Tt]he content is produced|solely (?:the|those of)"
    r"|[Pp]lease note that|图片来源|供图|[（(]图"
)
_CAPITALISED = re.compile(r" [\"“(]?[A-Z][\w&\-]")
_DASHES = frozenset(("--", "—", "–", "-", "&", "/", "|", "…", "...", "•", "·"))
_JUNK_KEYS = (
    "contributed", "getty", "/afp", "photo", "rights reserved", "rated ", "view", "comment", "©",
    "student news", "journalists", "click", "follow", "twitter", "sign up", "newsletter",
    "cannot", "expressed", "produced", "solely", "please note", "图",
)  # fmt: skip
# First words (lower case) of the openings `_JUNK_START` knows; others skip the pattern.
_JUNK_FIRST = word_set(
    """by reporting written edited editing additional photo photos image picture pictured
    credit source editor our click read sign subscribe follow share copyright see watch listen
    transcript please ©"""
)
NUMBER = re.compile(r"\d|[万亿]|[％%]")
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
_MONTH_BEFORE = re.compile(r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.? $")
_MONTH_AFTER = re.compile(
    r"(?:st|nd|rd|th)?(?: of)? (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
)
NAME = re.compile(r"(?<=\s)[A-Z][A-Za-z0-9&\-]+")
_PAIRED = re.compile(r"[\"“”「」『』()（）]")
_QUOTES = frozenset('"“”「」『』')
_QUOTE_OPENERS = frozenset('"“‘「『')
# Patterns on lower-cased text. A vague subject near the start ("At present, the company is
# ...") reads badly on its own.
_VAGUE = re.compile(
    r"(?:\S+ ){0,4}?(?:the|this|that) (?:company|firm|group|automaker|carmaker|latter|former)\b"
)
# "The two parties" inside a sentence: who they are is said elsewhere.
_REFERS_BACK_WORDS = word_set("two both three latter")
_REFERS_BACK = re.compile(
    r"\b(?:the two|both|the three) (?:parties|companies|sides|firms)\b|\bthe latter\b|双方|两家公司"
)
_EVENT = re.compile(
    r"(?:The|This) (?:move|deal|decision|agreement|plan|partnership|cooperation|investment|"
    r"acquisition|merger|step|announcement|incident|attack|ruling|verdict)\b|此次|这次|此举|该协议"
)
_PARTIES = re.compile(
    r"(?:The two|Both) (?:parties|companies|sides|firms)\b|(?:双方|两家公司)(?!表示|认为|指出)"
)
# Two names joined by "and": after such a summary, "the two parties" is understood.
TWO_NAMES = re.compile(
    rf"[A-Z][\w\-]*(?: [A-Z][\w\-]*)* (?:and|&) [A-Z][\w\-]*"
    rf"|[{CJK_CHARS}]{{2,}}(?:与|和|携手)[{CJK_CHARS}]{{2,}}"
)
# Reported opinion rather than fact: fine in a brief, but facts make better takeaways.
_OPINION = re.compile(r"\b(?:said|says|believes?|stated|noted|added|argued?) that\b|表示|认为|指出")
_SAID = word_set("said says say told tells according reported reports added adds stated")
_FIRST_PERSON = word_set("i we my our me us i'm we're i've we've")
_SECOND_PERSON = word_set("you your you're yours")

# --- why it matters ---------------------------------------------------------------------------

# Matched on word tokens (faster than a regex over the text): whole words, then stems.
_CUE_WORDS = word_set(
    """will would could expect expects expected expectation expectations aim aims aimed goal
    goals help helps helped helping market markets future means drive drives driving pave paves
    paving important importance growth trend trends potential potentially likely plan plans
    planned next risk risks poised ecosystem shift shifts shifting"""
)
_CUE_STEMS = re.compile(
    r"\b(?:accelerat|strateg|significan|signal|impact|boost|enabl|competiti|opportunit|challeng"
    r"|transform|consequen|affect|promot|strengthen|empower|reshap|redefin)"
)
_CUES_ZH = re.compile(
    r"将|有望|意味着|预计|助力|推动|加速|加快|战略|未来|市场|影响|标志|进一步|目标|旨在|有助于|"
    r"带动|重要|趋势|转型|机遇|挑战|竞争|赋能|提升|生态"
)


@dataclass(slots=True, eq=False)
class Sentence:
    """One sentence of the article with its quality flags and features."""

    position: int
    paragraph: int
    raw: str
    """The sentence as it stands in the article (whitespace runs made single spaces)."""
    text: str
    """`raw` without an opening dateline or reporting clause: what a brief shows."""
    n_words: int
    all_tokens: list[str]
    tokens: frozenset[str]
    cjk: bool
    usable: bool
    """Not a fragment, heading, credit, cut quote, question or restated headline."""
    standalone: bool
    """Usable, and opens with nothing that points back: may open a field on its own."""
    parties: bool = False
    """Opens with "The two parties" (双方): stands alone once the summary names both."""
    event: bool = False
    """Opens with "The move", "The deal", "This decision": fine right after the summary."""
    opens_paragraph: bool = False
    _cues: int = -1
    number: float = 0.0
    """1 for a quantity (150 million, 51.2%), 0.4 for dates and years only, else 0."""
    names: int = 0
    quote_start: bool = False
    quoted: bool = False
    said: bool = False
    first_person: bool = False
    second_person: bool = False
    vague: bool = False
    refers_back: bool = False
    opinion: bool = False
    centrality: float = 0.0
    specific: float = 0.0
    lead_overlap: float = 0.0
    rank: int = 0
    """Order among the standalone sentences (0 for the first)."""
    lead_score: float = 0.0

    @property
    def cues(self) -> int:
        """Distinct consequence/impact cue words ("will", "expected", "strategic", 将, 有望)."""
        if self._cues < 0:
            self._cues = _count_cues(set(self.all_tokens), self.text.lower(), self.cjk)
        return self._cues


@dataclass(slots=True)
class Document:
    """An article's sentences and what scoring them needs to know about the whole."""

    sentences: list[Sentence]
    title_tokens: frozenset[str]
    cjk: bool


def analyse(article: Article) -> Document:
    """Every sentence of the body, cleaned, checked and described."""
    raw: list[tuple[int, str]] = [
        (p, sentence)
        for p, paragraph in enumerate(article.paragraphs)
        for sentence in split_sentences(paragraph)
    ]
    derived_title = _is_derived_title(article)
    # A title made from the first sentence says nothing that sentence does not.
    title_tokens = frozenset() if derived_title else frozenset(content_words(article.title))
    sentences: list[Sentence] = []
    previous_paragraph = -1
    for position, (paragraph, text) in enumerate(raw[:MAX_SENTENCES]):
        opens_paragraph = paragraph != previous_paragraph
        previous_paragraph = paragraph
        sentence = _sentence(
            position,
            paragraph,
            text,
            opens_paragraph=opens_paragraph,
            title_tokens=title_tokens,
        )
        if sentence is not None:
            sentences.append(sentence)
    document = Document(sentences, title_tokens, cjk=article.language == "zh")
    _describe(document)
    return document


def _is_derived_title(article: Article) -> bool:
    """Whether ingest made the title from the first sentence (the article had no headline)."""
    if not article.paragraphs or not article.title:
        return False
    first = article.paragraphs[0]
    return first.startswith(article.title) or strip_dateline(first)[0].startswith(article.title)


def _sentence(
    position: int,
    paragraph: int,
    text: str,
    *,
    opens_paragraph: bool,
    title_tokens: frozenset[str] | None,
) -> Sentence | None:
    if "  " in text or "\n" in text or "\t" in text:
        text = _WHITESPACE.sub(" ", text).strip()
    raw = text
    cleaned = clean(text, dateline=opens_paragraph)
    if not cleaned:
        return None
    all_tokens = words(cleaned)
    tokens = frozenset(content_only(all_tokens))
    cjk = is_cjk(cleaned)
    parts = cleaned.split()
    # `count_words`, cheaper: whitespace tokens that are not bare punctuation (CJK: counted).
    n_words = count_words(cleaned) if cjk else len(parts) - sum(map(_DASHES.__contains__, parts))
    usable = not is_fragment(cleaned, n_words)
    if usable and title_tokens and len(tokens) <= len(title_tokens) + 3:
        # Repeats the headline: says (almost) nothing the title does not already say.
        usable = _overlap(tokens, title_tokens) < 0.8
    sentence = Sentence(
        position=position,
        paragraph=paragraph,
        raw=raw,
        text=cleaned,
        n_words=n_words,
        all_tokens=all_tokens,
        tokens=tokens,
        cjk=cjk,
        usable=usable,
        standalone=usable and not is_dangling(cleaned, cjk=cjk),
        parties=usable and _PARTIES.match(cleaned) is not None,
        event=usable and _EVENT.match(cleaned) is not None,
        opens_paragraph=opens_paragraph,
    )
    if usable:  # the finer features only matter for sentences that may be chosen
        lower = cleaned.lower()
        token_set = set(all_tokens)
        sentence.number = number_worth(cleaned)
        sentence.names = len(_CAPITALISED.findall(cleaned))
        sentence.quote_start = cleaned[0] in _QUOTE_OPENERS
        sentence.quoted = not _QUOTES.isdisjoint(cleaned)
        sentence.said = not token_set.isdisjoint(_SAID)
        sentence.first_person = not token_set.isdisjoint(_FIRST_PERSON)
        sentence.second_person = not token_set.isdisjoint(_SECOND_PERSON)
        sentence.vague = _VAGUE.match(lower) is not None
        # Cheap substring tests first: the patterns are slow and seldom match.
        sentence.refers_back = (cjk or not token_set.isdisjoint(_REFERS_BACK_WORDS)) and (
            _REFERS_BACK.search(lower) is not None
        )
        sentence.opinion = (cjk or " that " in lower) and _OPINION.search(lower) is not None
    return sentence


def clean(sentence: str, *, dateline: bool = False) -> str:
    """The sentence without dateline or reporting clause (then capitalised)."""
    text = sentence
    if dateline:  # datelines open a paragraph (usually the first)
        text = strip_dateline(text)[0]
    if text[:1] not in _REPORTING_FIRST:
        return text
    for clause in _REPORTING:
        match = clause.match(text)
        if match is None:
            continue
        rest = text[match.end() :]
        if rest[:1].islower():
            rest = rest[0].upper() + rest[1:]
        # Only when what remains is a full sentence that does not lean on the removed clause
        # ("According to sources at Haier, the company ..." keeps the name it needs).
        names_referent = _VAGUE.match(rest.lower()) and NAME.search(match.group())
        if not is_fragment(rest) and not is_dangling(rest) and not names_referent:
            text = rest
        break
    return text


def is_fragment(text: str, n_words: int | None = None) -> bool:
    """Not a sentence a reader can take on its own: heading, credit, cut quote, question..."""
    bare = text.rstrip(CLOSERS)
    end = bare[-1:]
    if end not in _TERMINALS or end in "?？":
        return True  # a heading, a cut line or a question
    if bare[-2:-1] == " ":
        return True  # "Prince crowns dual rock charts ." : a link's headline, not prose
    if _OPENS_LOWER.match(text):
        return True
    if (count_words(text) if n_words is None else n_words) < MIN_SENTENCE_WORDS:
        return True
    first = text[:24].split(" ", 1)[0].strip('"“(:,;.').lower()
    if (first in _JUNK_FIRST or not first.isascii()) and _JUNK_START.match(text):
        return True
    if _may_be_junk(text) and _JUNK_ANYWHERE.search(text):
        return True
    return not balanced(text)


def _may_be_junk(text: str) -> bool:
    """A cheap test that `_JUNK_ANYWHERE` may match (the pattern is slow and seldom matches)."""
    lower = text.lower()
    return any(key in lower for key in _JUNK_KEYS)


def balanced(text: str) -> bool:
    """Quotes and brackets are closed: the text is not a piece cut out of a quote."""
    if _PAIRED.search(text) is None:
        return True
    return (
        text.count('"') % 2 == 0
        and text.count("“") == text.count("”")
        and text.count("「") == text.count("」")
        and text.count("『") == text.count("』")
        and text.count("(") == text.count(")")
        and text.count("（") == text.count("）")
    )


def is_dangling(text: str, *, cjk: bool | None = None) -> bool:
    """Opens with a reference back ("He said", "The two parties", "这") or a connective."""
    if is_cjk(text) if cjk is None else cjk:
        return _DANGLING_ZH.match(text) is not None
    if _EXPLETIVE_IT.match(text):
        return False
    return _DANGLING_EN.match(text) is not None


def opens_with_reporting(text: str) -> bool:
    """Opens with a reporting clause ("According to X,", "据...报道，") that was not trimmed."""
    return text[:1] in _REPORTING_FIRST and any(c.match(text) for c in _REPORTING)


def is_vague(text: str) -> bool:
    """A vague subject near the start ("At present, the company is ...")."""
    return _VAGUE.match(text.lower()) is not None


def number_worth(text: str) -> float:
    """Quantities make facts; a date or a year alone is context."""
    if not NUMBER.search(text):
        return 0.0
    if "%" in text or "％" in text or "万" in text or "亿" in text:
        return 1.0
    for match in _DIGITS.finditer(text):
        if not _is_date(text, match.start(), match.end()):
            return 1.0
    return 0.4


def _is_date(text: str, start: int, end: int) -> bool:
    """Whether the digits at text[start:end] are a year, a day of a month or a CJK date."""
    digits = text[start:end]
    if len(digits) == 4 and digits[:2] in ("18", "19", "20") and digits.isdigit():
        return True
    after = text[end : end + 12]
    if after[:1] in "年月日":
        return True
    before = text[max(0, start - 10) : start]
    return bool(_MONTH_BEFORE.search(before) or _MONTH_AFTER.match(after))


def _count_cues(tokens: set[str], lower: str, cjk: bool) -> int:
    """Distinct consequence/impact cue words in the sentence (`tokens`: its `words`)."""
    found = tokens & _CUE_WORDS
    stems = set(_CUE_STEMS.findall(lower))
    if cjk or has_cjk(lower):
        stems.update(_CUES_ZH.findall(lower))
    return len(found) + len(stems)


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a) if a else 0.0


def _describe(document: Document) -> None:
    """Document-level features: centrality, specificity, overlap with the lead, rank."""
    sentences = [s for s in document.sentences if s.usable]
    if not sentences:
        return
    # Centrality: how many other sentences share a sentence's words (a word seen in many
    # sentences is what the article is about).
    frequency: Counter[str] = Counter()
    for s in document.sentences:
        frequency.update(s.tokens)
    frequency.update(document.title_tokens)
    # log(1) = 0: a word only one sentence has adds to its specificity, not its centrality.
    weight = {w: _log(n) for w, n in frequency.items() if n > 1}
    raw_centrality = []
    for s in sentences:
        shared = s.tokens & weight.keys()
        size = len(s.tokens) + 4
        raw_centrality.append(sum(map(weight.__getitem__, shared)) / math.sqrt(size))
        s.specific = (len(s.tokens) - len(shared)) / size
    top = max(raw_centrality) or 1.0
    lead = next((s for s in sentences if s.standalone), sentences[0])
    lead_tokens = lead.tokens | document.title_tokens
    rank = 0
    for s, centrality in zip(sentences, raw_centrality, strict=True):
        s.centrality = centrality / top
        s.lead_overlap = _overlap(s.tokens, lead_tokens)
        s.rank = rank
        if s.standalone:
            rank += 1
        position = 1.0 / (1.0 + s.position / 3.0)
        title = _overlap(document.title_tokens, s.tokens) if document.title_tokens else 0.0
        s.lead_score = (
            2.0 * position
            + 1.0 * s.centrality
            + 1.0 * title
            + 0.3 * s.number
            + 0.3 * min(s.names, 4) / 4
            + 0.6 * length_fit(s.n_words, 12, 45)
            - (1.0 if s.quote_start else 0.0)
            - (0.5 if s.first_person or s.second_person else 0.0)
        )


_LOGS = [0.0, 0.0, *(math.log(n) for n in range(2, 64))]


def _log(n: int) -> float:
    return _LOGS[n] if n < len(_LOGS) else math.log(n)


def length_fit(n_words: int, low: int, high: int) -> float:
    """1 inside [low, high], falling off outside it."""
    if n_words < low:
        return n_words / low
    if n_words > high:
        return max(0.0, 1.0 - (n_words - high) / high)
    return 1.0


def similar(a: frozenset[str], b: frozenset[str], threshold: float = 0.6) -> bool:
    """High word overlap: the shorter set mostly inside the other, or a high Jaccard index."""
    if not a or not b:
        return False
    shared = len(a & b)
    return shared / min(len(a), len(b)) >= max(threshold, 0.7) or shared / len(a | b) >= threshold


def is_new(tokens: frozenset[str], taken: Sequence[frozenset[str]]) -> bool:
    return not any(similar(tokens, other, 0.5) for other in taken)
