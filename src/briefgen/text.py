"""Text utilities shared by the summarise and tag stages: sentences, word tokens, CJK detection."""

from __future__ import annotations

import re


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of a string, as a set (for readable word lists)."""
    return frozenset(text.split())


# Han ideographs (incl. extension A and compatibility forms) and Japanese kana.
CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK = re.compile(f"[{CJK_CHARS}]")
_CJK_RUN = re.compile(f"[{CJK_CHARS}]+")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
# Possessive 's is dropped so "Haier's" and "Haier" are the same token.
_TOKEN = re.compile(rf"[a-z0-9\u00e0-\u024f]+(?:['’](?!s\b)[a-z]+)?|[{CJK_CHARS}]+")
_LATIN_WORD = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+(?:[-'’.,][A-Za-z0-9\u00c0-\u024f]+)*")

# An English sentence ends at . ! ? (plus closing quotes/brackets), then space, then something
# that can open a sentence. Whether it really ends is decided in code (abbreviations).
_EN_END = re.compile(rf"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]*[A-Z0-9{CJK_CHARS}])")
# A Chinese sentence ends after 。！？； or …… (plus closing quotes); nothing need follow.
_ZH_END = re.compile(r"(?:[。！？；]+|……)[”’」』）)]*")
_BLANK_LINE = re.compile(r"\n\s*\n")

# --- datelines --------------------------------------------------------------------------------

# News agencies that open a dateline after a place name: "Tokyo (CNN)", "BEIJING (Reuters) -".
_AGENCIES = (
    r"CNN|CNN Money|CNNMoney|CNN Student News|Reuters|AP|AFP|Bloomberg|Xinhua|UPI|EFE|dpa|ANSA"
    r"|Kyodo|Yonhap|TASS|PTI|IANS|Axios|Caixin|Nikkei|Gasgoo|BBC|NPR|NYT|WSJ"
)
_OUTLET_NAME = r"[A-Z][\w.&'’\-]*(?: (?:of |the |and |& )?[A-Z][\w.&'’\-]*){0,4}"
_PLACE = r"[A-Z][\w.'’\-]*(?:,? [A-Za-z0-9][\w.'’\-]*){0,5}?\s*"
_DASH = r"(?:--|[-—–])"
_DATELINE_PATTERNS = (
    # "(CNN)", "(CNN) -- ", "(The Hollywood Reporter) -- ": an outlet in brackets opens the text.
    re.compile(rf"\((?P<outlet>{_OUTLET_NAME})\)\s*(?:{_DASH}\s*)?(?=\S)"),
    # "Tokyo (CNN)", "BEIJING, March 3 (Reuters) - ": a place, then a known agency.
    re.compile(rf"{_PLACE}\((?P<outlet>{_AGENCIES})\)\s*(?:{_DASH}\s*)?(?=\S)"),
    # "Paris (Mashable) -- ": a place and any outlet, when a dash follows.
    re.compile(rf"{_PLACE}\((?P<outlet>{_OUTLET_NAME})\)\s*{_DASH}\s*(?=\S)"),
    # "WASHINGTON -- ", "LONDON, England — "
    re.compile(r"[A-Z]{2,}(?:[ .'\-][A-Z]{2,})*(?:,\s*[A-Z][A-Za-z.\- ]{1,30})?\s+(?:--|—|–)\s+"),
    # 新华社北京3月3日电（记者 张三）, 本报讯（记者 李四）
    re.compile(
        rf"(?:(?P<outlet>[{CJK_CHARS}]{{2,8}}(?:社|网|报))[{CJK_CHARS}]{{0,4}}"
        r"(?:\d{1,2}月\d{1,2}日)?电|本报讯)\s*(?:[（(][^）)]{0,30}[）)])?\s*[，,：:]?\s*"
    ),
)
# Words in brackets at the start of a text that are not an outlet: "(It) felt good".
_NOT_OUTLETS = word_set(
    "It He She They We I You This That These Those There Here A An The Left Right Above Below "
    "Top Bottom Inset File Update Updated Editor Note Video Watch Photo Photos Pictured"
)
_NEXT_WORD = re.compile(r"\s+[\"'“‘(\[]*([A-Za-z]+)")
_NEXT_DIGIT = re.compile(r"[ \t\n\"'“‘(\[]*\d")


# Never the end of a sentence: titles before a name.
_TITLES = word_set(
    "mr mrs ms dr prof st gen gov sen rep lt col capt sgt rev hon pres supt mt ft messrs"
)
# Abbreviations that end a sentence only when a number does not follow (No. 5, Jan. 3).
_BEFORE_NUMBER = word_set("no nos fig vol pp art jan feb mar apr jun jul aug sep sept oct nov dec")
# Abbreviations that often end a sentence too ("... by Apple Inc. The company"): they end one
# only when the next word is a typical sentence opener.
_MAYBE_FINAL = word_set("co ltd inc corp bros jr sr plc etc")
_OPENERS = word_set(
    """the a an it its he she they we i you this these those that there in on at but and
    however meanwhile his her their our as after while when if for according"""
)
_DOTTED = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]$")  # U.S, e.g, a.m

STOPWORDS = word_set(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    yourself yourselves said says say told according mr ms mrs one two new year years last
    first may might must shall us its it's he's she's that's there's however well like
    """
)
# Frequent Chinese bigrams that say nothing about the topic.
CJK_STOP_BIGRAMS = word_set(
    "我们 他们 她们 一个 表示 进行 目前 已经 以及 可以 没有 这个 这些 这一 通过 其中 同时 对于 "
    "的是 了一 是一 在一 不是 也是 就是 还是 但是 因为 所以 如果 虽然 记者 报道"
)


def has_cjk(text: str) -> bool:
    """True when the text contains any CJK character."""
    return _CJK.search(text) is not None


def is_cjk(text: str) -> bool:
    """True when the text is mainly CJK: its CJK characters outnumber its Latin letters."""
    if _CJK.search(text) is None:
        return False
    cjk = len(_CJK.findall(text))
    return cjk >= len(_LATIN_LETTER.findall(text))


def count_words(text: str) -> int:
    """Words in the text, counting two CJK characters as one word (30 words ~ 60 characters)."""
    latin = len(_LATIN_WORD.findall(text))
    if not has_cjk(text):
        return latin
    cjk = len(_CJK.findall(text))
    return latin + (cjk + 1) // 2


def words(text: str) -> list[str]:
    """Lower-case word tokens for scoring; a run of CJK characters becomes its bigrams."""
    if _CJK.search(text) is None:
        return _TOKEN.findall(text.lower())
    tokens: list[str] = []
    for token in _TOKEN.findall(text.lower()):
        if token[0] >= "\u3040":  # a CJK run (Latin tokens are below U+0250)
            if len(token) == 1:
                tokens.append(token)
            else:
                tokens.extend(token[i : i + 2] for i in range(len(token) - 1))
        else:
            tokens.append(token)
    return tokens


def content_words(text: str) -> set[str]:
    """The distinct tokens of `words` that carry meaning (no stop words, no 1-letter tokens)."""
    return content_only(words(text))


def content_only(tokens: list[str]) -> set[str]:
    """The distinct tokens of a `words` list that carry meaning."""
    return {
        w
        for w in set(tokens).difference(STOPWORDS, CJK_STOP_BIGRAMS)
        if len(w) > 1 or w >= "\u3040"
    }


def _ends_sentence(text: str, end: re.Match[str]) -> bool:
    """Whether an English candidate boundary is a real one (not an abbreviation)."""
    punct = end.group()
    if not punct.startswith(".") or punct.startswith(".."):
        return True  # ! ? and ellipses always end a sentence here
    stop = end.start()
    start = max(text.rfind(" ", 0, stop), text.rfind("\n", 0, stop), text.rfind("\t", 0, stop))
    token = text[start + 1 : stop].lstrip("\"'“‘([")
    if not token:
        return True
    key = token.lower()
    if key in _TITLES:
        return False
    if key in _BEFORE_NUMBER:
        return _NEXT_DIGIT.match(text, end.end()) is None
    if len(token) == 1 and token.isalpha() and token.isupper():
        return False  # an initial: J. K. Rowling
    if key in _MAYBE_FINAL or _DOTTED.match(token):
        following = _NEXT_WORD.match(text, end.end())
        return following is not None and following.group(1).lower() in _OPENERS
    return True


def _split_english(text: str) -> list[str]:
    sentences: list[str] = []
    start = 0
    for end in _EN_END.finditer(text):
        if _ends_sentence(text, end):
            sentences.append(text[start : end.end()])
            start = end.end()
    sentences.append(text[start:])
    return sentences


def split_sentences(paragraph: str) -> list[str]:
    """Split a paragraph (English, Chinese or mixed) into sentences, stripped, none empty.

    Every sentence is a substring of the paragraph, so callers can trace it back to the text.
    """
    sentences: list[str] = []
    for block in _BLANK_LINE.split(paragraph):
        start = 0
        pieces: list[str] = []
        if has_cjk(block):
            for end in _ZH_END.finditer(block):
                pieces.append(block[start : end.end()])
                start = end.end()
        pieces.append(block[start:])
        for piece in pieces:
            sentences.extend(s.strip() for s in _split_english(piece))
    return [s for s in sentences if s]


def strip_dateline(text: str) -> tuple[str, str | None]:
    """The text without the dateline that opens it, and the outlet the dateline names.

    "(CNN)Share, and ..." → ("Share, and ...", "CNN"); "BEIJING, March 3 (Reuters) - Xiaomi
    said ..." → ("Xiaomi said ...", "Reuters"); "WASHINGTON -- The ..." → ("The ...", None);
    "新华社北京3月3日电（记者 张三）比亚迪..." → ("比亚迪...", "新华社"). The rest is always a
    suffix of the text; a text that is only a dateline, or has none, comes back as it is.
    """
    if not text or not (text[0] == "(" or text[0].isupper() or has_cjk(text[:12])):
        return text, None
    for pattern in _DATELINE_PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        outlet = match.groupdict().get("outlet")
        if outlet is not None and outlet in _NOT_OUTLETS:
            continue
        rest = text[match.end() :]
        if not rest or rest[0].islower():
            continue
        return rest, outlet
    return text, None
