"""Ingest stage: decoding, junk removal and finding title, date, outlet, byline and sections."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefgen.errors import IngestError
from briefgen.ingest import (
    SUPPORTED_SUFFIXES,
    decode,
    discover,
    parse_text,
    read_article,
)
from briefgen.models import Article

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
DATA = Path(__file__).resolve().parent / "data" / "ingest"
SEED_000 = SEEDS / "000_1a8499f21cbb5d07.txt"
SEED_001 = SEEDS / "001_6d8b8213bbaaa68d.txt"
SEED_002 = SEEDS / "002_d11e70a5f0626e7b.txt"

# Page furniture and metadata lines in the seeds: none of it may reach the article body.
SEED_JUNK = {
    SEED_000: [
        "Comments",
        "Want to join the conversation?",
        "Loading comments...",
        "Gasgoo Auto News",
        "Gasgoo Auto NewsApr 13, 2026",
    ],
    SEED_001: ["Our reporter Jia Li", "(Securities Daily)"],
    SEED_002: [
        "top of page",
        "bottom of page",
        "1 view0 comments",
        "Recent Posts",
        "See All",
        "Rated 0 out of 5 stars.",
        "No ratings yet",
        "Add a rating",
    ],
}


def seed(path: Path) -> Article:
    return read_article(path, f"seeds/{path.name}")


def everything(article: Article) -> str:
    """All the text ingest kept, in one string."""
    parts = [article.title, *article.paragraphs, article.publisher_why or ""]
    return "\n".join([*parts, *article.publisher_takeaways])


def sha8(text: str) -> str:
    normalised = " ".join(unicodedata.normalize("NFC", text).split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:8]


def one_line_error(excinfo: pytest.ExceptionInfo[IngestError], name: str) -> str:
    message = excinfo.value.format_message()
    assert "\n" not in message
    assert name in message
    return message


# --- the three seeds ---------------------------------------------------------------------------


def test_seed_000_headline_date_outlet() -> None:
    article = seed(SEED_000)
    assert article.title == "GAC Group, Haier Group Sign Strategic Agreement"
    assert article.published == dt.date(2026, 4, 13)
    assert article.source.name == "Gasgoo Auto News"
    assert article.source.file == "seeds/000_1a8499f21cbb5d07.txt"
    assert article.byline is None
    assert article.language == "en"


def test_seed_000_publisher_sections_verbatim() -> None:
    article = seed(SEED_000)
    assert article.publisher_why == (
        "The deal merges automotive engineering with smart\u2011home technology, creating a "
        "unified user experience that could set a new industry standard in China and boost the "
        "competitiveness of domestic manufacturers. It signals a broader shift toward "
        "ecosystem\u2011centric strategies in the global auto market."
    )
    assert article.publisher_takeaways == (
        "GAC and Haier sign strategic cooperation framework in Qingdao",
        'Partnership targets "people\u2011vehicle\u2011home" smart ecosystem integration',
        "GAC will apply AI large model and Xingling architecture to vehicles",
        "Haier brings smart\u2011home, healthcare, robotics expertise to automotive sector",
        "Joint projects aim to accelerate China's high\u2011quality automotive development",
    )


def test_seed_000_body_is_the_analysis_only() -> None:
    article = seed(SEED_000)
    assert article.paragraphs[0] == "Pulse Analysis"
    assert len(article.paragraphs) == 4
    assert article.paragraphs[1].startswith("China\u2019s manufacturing landscape")
    assert article.paragraphs[3].endswith("Chinese smart\u2011vehicle technologies.")
    assert article.title not in article.paragraphs
    for heading in ("Why It Matters", "Key Takeaways"):
        assert heading not in article.paragraphs


def test_seed_001_byline_trailing_outlet_and_derived_title() -> None:
    article = seed(SEED_001)
    assert article.title == 'The topic of "Haier making cars" has attracted market attention'
    assert article.byline == "Jia Li"
    assert article.source.name == "Securities Daily"
    assert article.published is None  # "On November 29, ..." has no year: not a dateline
    assert article.paragraphs[0] == (
        'The topic of "Haier making cars" has attracted market attention.'
    )
    assert article.paragraphs[-1].endswith(
        'vehicle manufacturing market that requires a lot of money."'
    )
    assert len(article.paragraphs) == 20
    assert article.publisher_why is None
    assert article.publisher_takeaways == ()


def test_seed_002_junk_around_a_plain_article() -> None:
    article = seed(SEED_002)
    assert article.title == (
        "SAIC-BMW and Baidu Reach Strategic Partnership to Jointly Explore AI and Automotive "
        "Business"
    )
    assert article.published is None
    assert article.source.name is None
    assert article.byline is None
    assert len(article.paragraphs) == 6
    assert article.paragraphs[0].startswith("SAIC-BMW and Baidu recently held a signing ceremony")
    assert article.paragraphs[-1].endswith("intelligent mobility in China.")


@pytest.mark.parametrize("path", sorted(SEED_JUNK), ids=lambda path: path.name[:3])
def test_seed_junk_is_gone(path: Path) -> None:
    article = seed(path)
    for junk in SEED_JUNK[path]:
        assert all(junk not in paragraph for paragraph in article.paragraphs), junk
        assert junk != article.title


@pytest.mark.parametrize("path", sorted(SEED_JUNK), ids=lambda path: path.name[:3])
def test_seed_loses_no_sentence(path: Path) -> None:
    """Every sentence-bearing line of the seed that is not page furniture survives verbatim."""
    kept = everything(seed(path))
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    sentences = [line for line in lines if len(line.split()) >= 5 and line not in SEED_JUNK[path]]
    assert len(sentences) >= 6
    for line in sentences:
        assert line.removeprefix("\u2022 ").removesuffix(" (Securities Daily)") in kept, line


@pytest.mark.parametrize(
    ("path", "expected"),
    [(SEED_000, "1761fb3a"), (SEED_001, "6f3a46f2"), (SEED_002, "791f172d")],
    ids=lambda value: value.name[:3] if isinstance(value, Path) else value,
)
def test_seed_ids_are_stable(path: Path, expected: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert seed(path).id == expected == sha8(text)
    assert parse_text(text.replace("\n", "\r\n") + "  \n").id == expected


def test_same_text_same_id_whatever_the_file() -> None:
    text = SEED_002.read_text(encoding="utf-8")
    assert parse_text(text, "a.txt").id == parse_text(text, "b/c.txt").id


# --- encodings and unreadable files ------------------------------------------------------------

SIMPLIFIED = "海尔集团与汽车企业签署战略合作协议。双方将在智慧家居、车联网等领域展开深入合作。"
TRADITIONAL = "海爾集團與汽車企業簽署戰略合作協議。雙方將在智慧家居、車聯網等領域展開深入合作。"


def test_decode_utf8_with_and_without_bom() -> None:
    assert decode(SIMPLIFIED.encode("utf-8"), "a.txt") == SIMPLIFIED
    assert decode(b"\xef\xbb\xbf" + SIMPLIFIED.encode("utf-8"), "a.txt") == SIMPLIFIED


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        (SIMPLIFIED, "gb18030"),
        (SIMPLIFIED, "gbk"),
        (TRADITIONAL, "big5"),
        (TRADITIONAL, "gbk"),  # GBK holds the traditional characters too
        (SIMPLIFIED + "\n" + TRADITIONAL, "gb18030"),
    ],
)
def test_decode_chinese_legacy_encodings(text: str, codec: str) -> None:
    assert decode(text.encode(codec), "legacy.txt") == text


def test_read_article_in_gb18030(tmp_path: Path) -> None:
    path = tmp_path / "gb.txt"
    path.write_bytes(("海尔进军汽车领域\n\n" + SIMPLIFIED).encode("gb18030"))
    article = read_article(path)
    assert article.title == "海尔进军汽车领域"
    assert article.paragraphs == (SIMPLIFIED,)
    assert article.language == "zh"
    assert article.source.file == str(path)


def test_read_article_in_big5(tmp_path: Path) -> None:
    path = tmp_path / "big5.txt"
    path.write_bytes(("海爾進軍汽車領域\n\n" + TRADITIONAL).encode("big5"))
    article = read_article(path, "seeds/big5.txt")
    assert article.title == "海爾進軍汽車領域"
    assert article.paragraphs == (TRADITIONAL,)
    assert article.source.file == "seeds/big5.txt"


def test_undecodable_bytes() -> None:
    with pytest.raises(IngestError) as excinfo:
        decode(b"caf\xe9 \x81\x20 \xff\xfe\xfd text", "seeds/broken.txt")
    message = one_line_error(excinfo, "seeds/broken.txt")
    assert "cannot decode: not UTF-8, GB18030 or Big5 text" in message
    assert "save the file as UTF-8" in message


def test_japanese_and_half_utf8_files_are_refused_saying_why() -> None:
    japanese = "トヨタとソニーは電気自動車の新会社を設立すると発表した。".encode("shift_jis")
    with pytest.raises(IngestError) as excinfo:
        decode(japanese, "seeds/jp.txt")
    message = one_line_error(excinfo, "seeds/jp.txt")
    assert "cannot decode: Japanese Shift_JIS text is not supported" in message
    mixed = "合作协议".encode("gbk") + b" and " + "长安汽车宁德时代".encode()
    with pytest.raises(IngestError) as excinfo:
        decode(mixed, "seeds/mixed.txt")
    message = one_line_error(excinfo, "seeds/mixed.txt")
    assert "cannot decode: UTF-8 text mixed with another encoding" in message


@pytest.mark.parametrize("data", [b"", b"  \n\r\n\t", b"\xef\xbb\xbf", b"\xef\xbb\xbf \n"])
def test_empty_files(data: bytes) -> None:
    with pytest.raises(IngestError) as excinfo:
        decode(data, "empty.txt")
    assert "empty file" in one_line_error(excinfo, "empty.txt")


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"text with a \x00 inside",
        bytes(range(1, 9)) * 50,
    ],
    ids=["png", "nul", "controls"],
)
def test_binary_files(data: bytes) -> None:
    with pytest.raises(IngestError) as excinfo:
        decode(data, "image.txt")
    assert "binary" in one_line_error(excinfo, "image.txt")


def test_utf16_is_refused_with_advice() -> None:
    with pytest.raises(IngestError) as excinfo:
        decode("Headline\n\nBody.".encode("utf-16"), "wide.txt")
    assert "save the file as UTF-8" in one_line_error(excinfo, "wide.txt")


def test_file_over_20_mb_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as file:
        file.truncate(20 * 1024 * 1024 + 1)  # sparse: a NUL-filled file, which is never read
    with pytest.raises(IngestError) as excinfo:
        read_article(path, "seeds/huge.txt")
    assert "larger than 20 MB" in one_line_error(excinfo, "seeds/huge.txt")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as excinfo:
        read_article(tmp_path / "gone.txt", "seeds/gone.txt")
    one_line_error(excinfo, "seeds/gone.txt")


def test_nothing_but_junk() -> None:
    with pytest.raises(IngestError) as excinfo:
        parse_text("top of page\n\nComments\n\nShare\n\nbottom of page\n", "junk.txt")
    assert "no article text" in one_line_error(excinfo, "junk.txt")


# --- a Chinese page ----------------------------------------------------------------------------


def test_chinese_article_fixture() -> None:
    article = read_article(DATA / "zh_article.txt", "zh_article.txt")
    assert article.title == "星河汽车与华川电器签署战略合作协议 共建“人车家”智能生态"
    assert article.published == dt.date(2026, 4, 13)
    assert article.source.name == "新华网"
    assert article.byline == "张三、李四"
    assert article.language == "zh"
    assert len(article.paragraphs) == 5
    assert article.paragraphs[0].startswith("4月13日，星河汽车与华川电器在杭州签署")
    assert article.paragraphs[-1].endswith("仍是双方需要解决的问题。")  # "（完）" dropped
    assert all(" " not in paragraph for paragraph in article.paragraphs)


def test_chinese_article_keeps_every_sentence_and_no_junk() -> None:
    article = read_article(DATA / "zh_article.txt")
    body = "\n".join(article.paragraphs)
    for raw in (DATA / "zh_article.txt").read_text(encoding="utf-8").splitlines():
        line = raw.strip("\u3000 ").removesuffix("（完）")
        if line.endswith("。"):
            assert line in body
    for junk in (
        "返回",
        "分享到",
        "纠错",
        "责任编辑",
        "相关阅读",
        "扫一扫",
        "跨界造车热潮",
        "（完）",
    ):
        assert junk not in body


def test_chinese_publisher_sections() -> None:
    text = (
        "星河汽车发布新款智能座舱\n"
        "为什么重要\n"
        "智能座舱正在成为车企竞争的关键。\n"
        "要点\n"
        "1、新座舱支持语音控制家电\n"
        "2、首批车型将于下半年上市\n"
        "\n"
        "星河汽车周一在杭州发布了新一代智能座舱系统。该系统可以连接家中的空调和冰箱。\n"
    )
    article = parse_text(text)
    assert article.publisher_why == "智能座舱正在成为车企竞争的关键。"
    assert article.publisher_takeaways == ("新座舱支持语音控制家电", "首批车型将于下半年上市")
    assert article.paragraphs == (
        "星河汽车周一在杭州发布了新一代智能座舱系统。该系统可以连接家中的空调和冰箱。",
    )


def test_chinese_title_is_derived_without_spaces() -> None:
    article = parse_text("记者 张三\n\n" + SIMPLIFIED)
    assert article.byline == "张三"
    assert article.title == "海尔集团与汽车企业签署战略合作协议"


# --- dates -------------------------------------------------------------------------------------

BODY = "Northwind and Contoso said on Monday they would build a battery plant in Lyon."


@pytest.mark.parametrize(
    "line",
    [
        "Apr 13, 2026",
        "April 13, 2026",
        "13 April 2026",
        "2026-04-13",
        "2026/04/13",
        "2026年4月13日",
        "Monday, April 13, 2026 10:30 AM EDT",
        "Published: 2026-04-13T08:00:00Z",
        "Example WireApr 13, 2026",
        "Example Wire | April 13, 2026",
    ],
)
def test_publication_date_in_the_header(line: str) -> None:
    article = parse_text(f"Battery Plant Planned\n\n{line}\n\n{BODY}")
    assert article.published == dt.date(2026, 4, 13)
    assert article.paragraphs == (BODY,)


def test_date_glued_to_outlet_gives_both() -> None:
    article = parse_text(f"Battery Plant Planned\n\nExample WireApr 13, 2026\n\n{BODY}")
    assert article.source.name == "Example Wire"


def test_dates_inside_the_story_are_not_publication_dates() -> None:
    text = (
        "Battery Plant Planned\n\n"
        "On November 29, the companies said the plant would open.\n\n"
        "On April 2, 2026, they signed the lease for the site.\n\n" + "Filler sentence here.\n" * 8
    )
    text += "\nApril 13, 2026\n"
    article = parse_text(text)
    assert article.published is None
    assert "On April 2, 2026, they signed the lease for the site." in article.paragraphs


def test_published_line_further_down_counts() -> None:
    text = "Battery Plant Planned\n\n" + f"{BODY}\n" * 10 + "\nPublished: April 13, 2026\n"
    article = parse_text(text)
    assert article.published == dt.date(2026, 4, 13)
    assert all("Published" not in paragraph for paragraph in article.paragraphs)


def test_published_date_wins_over_updated() -> None:
    text = f"Battery Plant Planned\nUpdated: 2026-04-14\nPublished: 2026-04-13\n{BODY}"
    assert parse_text(text).published == dt.date(2026, 4, 13)


def test_impossible_date_is_ignored() -> None:
    assert parse_text(f"Battery Plant Planned\n\n2026-02-30\n\n{BODY}").published is None


# --- bylines and outlets -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "byline", "outlet"),
    [
        ("By Jane Doe", "Jane Doe", None),
        ("By Jane Doe and John Roe, Reuters", "Jane Doe and John Roe", "Reuters"),
        ("By Jane Doe in Lyon", "Jane Doe", None),
        ("Reporter: Max Mustermann", "Max Mustermann", None),
        ("Our reporter Jia Li", "Jia Li", None),
        ("记者 张三", "张三", None),
        ("文/张三", "张三", None),
        ("By Jane Doe | April 13, 2026", "Jane Doe", None),
    ],
)
def test_bylines(line: str, byline: str, outlet: str | None) -> None:
    article = parse_text(f"Battery Plant Planned\n\n{line}\n\n{BODY}")
    assert article.byline == byline
    assert article.source.name == outlet
    assert article.paragraphs == (BODY,)


def test_sentence_starting_with_by_is_not_a_byline() -> None:
    line = "By aligning their plans, the firms aim to cut costs."
    article = parse_text(f"Battery Plant Planned\n\n{line}\n\n{BODY}")
    assert article.byline is None
    assert article.paragraphs == (line, BODY)


def test_outlet_line_repeated_at_the_top() -> None:
    text = f"Battery Plant Planned\n\nExample Wire\n\nExample Wire\n\n{BODY}\n\nExample Wire\n"
    article = parse_text(text)
    assert article.source.name == "Example Wire"
    assert article.paragraphs == (BODY,)


def test_source_label() -> None:
    article = parse_text(f"海尔进军汽车领域\n来源：新华网\n{SIMPLIFIED}")
    assert article.source.name == "新华网"
    assert article.paragraphs == (SIMPLIFIED,)


def test_trailing_outlet_is_cut_from_the_last_paragraph() -> None:
    last = 'He said, "We are ready." (Example Wire)'
    article = parse_text(f"Battery Plant Planned\n\n{BODY}\n\n{last}")
    assert article.source.name == "Example Wire"
    assert article.paragraphs[-1] == 'He said, "We are ready."'


def test_closing_brackets_that_are_not_an_outlet_stay() -> None:
    last = "The plant will cost 2 billion euros. (Figures are estimates, the firm said)"
    article = parse_text(f"Battery Plant Planned\n\n{BODY}\n\n{last}")
    assert article.source.name is None
    assert article.paragraphs[-1] == last


# --- titles ------------------------------------------------------------------------------------


def test_title_after_page_junk() -> None:
    article = parse_text(f"top of page\nSkip to content\n\nBattery Plant Planned\n\n{BODY}")
    assert article.title == "Battery Plant Planned"


def test_long_first_sentence_is_cut_at_a_word_boundary() -> None:
    sentence = (
        "Northwind Energy and Contoso Motors announced on Monday that they would jointly build "
        "a large battery cell plant near Lyon, creating about eight hundred jobs."
    )
    article = parse_text(f"By Jane Doe\n\n{sentence} The plant opens in 2028.")
    assert len(article.title) <= 80
    assert sentence.startswith(article.title)
    assert sentence[len(article.title)] == " "  # never mid-word
    assert article.title[-1].isalnum()
    assert article.title.split()[-1] not in {"a", "the", "and", "of"}


def test_title_is_not_repeated_in_the_body() -> None:
    text = f"Battery Plant Planned\n\n{BODY}\n\nBattery Plant Planned\n\nbattery plant  planned\n"
    assert parse_text(text).paragraphs == (BODY,)


# --- publisher sections ------------------------------------------------------------------------


@pytest.mark.parametrize("marker", ["- ", "* ", "• ", "  \u2022 ", "1. "])
def test_takeaways_with_any_bullet(marker: str) -> None:
    items = ["Plant to open near Lyon in 2028", "About 800 jobs, the firms say"]
    bullets = "\n".join(marker + item for item in items)
    text = f"Battery Plant Planned\n\nKey takeaways:\n\n{bullets}\n\nAnalysis\n\n{BODY}"
    article = parse_text(text)
    assert article.publisher_takeaways == tuple(items)
    assert article.paragraphs == ("Analysis", BODY)


def test_takeaways_as_plain_lines_end_at_a_blank_line() -> None:
    text = (
        "Battery Plant Planned\n\nKey Takeaways\nPlant to open near Lyon in 2028\n"
        f"About 800 jobs are planned\n\n{BODY}"
    )
    article = parse_text(text)
    assert article.publisher_takeaways == (
        "Plant to open near Lyon in 2028",
        "About 800 jobs are planned",
    )
    assert article.paragraphs == (BODY,)


def test_why_it_matters_variants() -> None:
    why = "Europe wants its own battery supply. This plant is a large step toward it."
    for heading in ("Why it matters", "WHY IT MATTERS:", "## Why It Matters"):
        article = parse_text(f"Battery Plant Planned\n\n{heading}\n\n{why}\n\n{BODY}")
        assert article.publisher_why == why, heading
        assert article.paragraphs == (BODY,), heading


def test_why_it_matters_inline_and_one_paragraph_only() -> None:
    text = f"Battery Plant Planned\nWhy it matters: Europe wants its own batteries.\n{BODY}\n{BODY}"
    article = parse_text(text)
    assert article.publisher_why == "Europe wants its own batteries."
    assert article.paragraphs == (BODY, BODY)


def test_why_it_matters_hard_wrapped_paragraph() -> None:
    text = (
        "Battery Plant Planned\n\nWhy it matters\n\nEurope wants a battery supply of its own,\n"
        f"and this plant is a large step toward it.\n\n{BODY}"
    )
    article = parse_text(text)
    assert article.publisher_why == (
        "Europe wants a battery supply of its own, and this plant is a large step toward it."
    )


# --- junk and paragraphs -----------------------------------------------------------------------


def test_sentences_mentioning_junk_words_survive() -> None:
    kept = [
        "Readers left 40 comments on the plan, and the company said it reads all comments.",
        "Share prices rose 3% after the announcement.",
        "Advertisement spending in the sector fell by a fifth.",
        "Subscribe-based services now make up half of revenue.",
    ]
    junk = ["Comments", "12 views", "3 comments", "Share", "Advertisement", "Read more"]
    junk += ["Subscribe", "Tags: batteries, Lyon", "© 2026 Example Wire", "5 min read", "* * *"]
    article = parse_text("Battery Plant Planned\n\n" + "\n\n".join(kept + junk))
    assert article.paragraphs == tuple(kept)


def test_related_links_are_dropped_and_the_story_resumes() -> None:
    text = (
        f"Battery Plant Planned\n\n{BODY}\n\nRelated stories\nLyon Wins Gigafactory Race\n"
        "Contoso Posts Record Quarter\n\nThe plant will open in 2028, the firms said.\n"
    )
    article = parse_text(text)
    assert article.paragraphs == (BODY, "The plant will open in 2028, the firms said.")


def test_one_paragraph_per_line() -> None:
    lines = [BODY, "The plant will open in 2028.", "About 800 people will work there."]
    assert parse_text("Battery Plant Planned\n" + "\n".join(lines)).paragraphs == tuple(lines)


def test_hard_wrapped_prose_is_joined() -> None:
    text = (
        "Battery Plant Planned\n\n"
        "Northwind Energy and Contoso Motors said on Monday they would\n"
        "build a battery plant near Lyon, investing 1.2 billion euros\n"
        "over five years in the project.\n\n"
        "The plant is expected to employ about 800 people when it reaches full capacity in\n"
        "Lyon, the companies said.\n"
    )
    assert parse_text(text).paragraphs == (
        "Northwind Energy and Contoso Motors said on Monday they would build a battery plant "
        "near Lyon, investing 1.2 billion euros over five years in the project.",
        "The plant is expected to employ about 800 people when it reaches full capacity in "
        "Lyon, the companies said.",
    )


def test_whitespace_is_normalised() -> None:
    text = "Battery\u00a0Plant  Planned\r\n\r\n\u3000 Northwind\u2009and Contoso said so.  \r\n"
    article = parse_text(text)
    assert article.title == "Battery Plant Planned"
    assert article.paragraphs == ("Northwind and Contoso said so.",)


def test_text_is_nfc() -> None:
    article = parse_text("Cafe\u0301 Chain Expands\n\nThe cafe\u0301 chain opened ten stores.")
    assert article.title == "Caf\u00e9 Chain Expands"
    assert article.paragraphs == ("The caf\u00e9 chain opened ten stores.",)


# --- HTML and Markdown -------------------------------------------------------------------------


def test_html_article() -> None:
    article = read_article(DATA / "article.html", "seeds/article.html")
    assert article.title == "Northwind and Contoso Form Battery Venture"
    assert article.byline == "Jane Doe and John Roe"
    assert article.source.name == "Example Wire"
    assert article.published == dt.date(2026, 4, 13)
    assert article.publisher_takeaways == (
        "Northwind and Contoso form a battery joint venture",
        "Investment of $1.2 billion over five years",
    )
    assert article.paragraphs == (
        "Northwind Energy and Contoso Motors said on Monday they would form a joint venture to "
        "build battery packs, investing $1.2 billion over five years.",
        "The venture will be based in Lyon & employ about 800 people, the companies said.",
        "Readers left 40 comments on the plan within an hour of its announcement.",
    )
    text = everything(article)
    for chrome in ("dataLayer", "font-family", "Business", "Most read", "Another story", "rights"):
        assert chrome not in text


def test_markdown_article(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text(
        f"# Battery Plant Planned\n\n{BODY}\n\n## Key takeaways\n\n- Plant near Lyon\n- 800 jobs\n",
        encoding="utf-8",
    )
    article = read_article(path)
    assert article.title == "Battery Plant Planned"
    assert article.publisher_takeaways == ("Plant near Lyon", "800 jobs")
    assert article.paragraphs == (BODY,)


def test_html_inside_a_txt_file(tmp_path: Path) -> None:
    path = tmp_path / "saved.txt"
    path.write_text(
        "<!DOCTYPE html><html><body><nav>Home</nav><h1>Battery Plant Planned</h1>"
        f"<p>{BODY}</p><script>track()</script></body></html>",
        encoding="utf-8",
    )
    article = read_article(path)
    assert (article.title, article.paragraphs) == ("Battery Plant Planned", (BODY,))


def test_markdown_front_matter_links_and_emphasis(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text(
        "---\ntitle: draft\n---\n# Battery Plant Planned\n\n*By Jane Doe*\n\n"
        "> Northwind said **on Monday** it would build a [plant](https://example.com) in Lyon. "
        "![map](map.png)\n",
        encoding="utf-8",
    )
    article = read_article(path)
    assert article.title == "Battery Plant Planned"
    assert article.byline == "Jane Doe"
    assert article.paragraphs == ("Northwind said on Monday it would build a plant in Lyon.",)


# --- discover ----------------------------------------------------------------------------------


def test_discover_a_folder(tmp_path: Path) -> None:
    names = ["b.txt", "a.md", "sub/c.html", "sub/d.htm", "e.text", "F.TXT"]
    skipped = ["urls.txt", "feeds.txt", ".hidden.txt", ".git/x.txt", "notes.pdf", "img.png"]
    for name in names + skipped:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    found = discover([tmp_path])
    assert [path.relative_to(tmp_path).as_posix() for path in found] == sorted(
        ["F.TXT", "a.md", "b.txt", "e.text", "sub/c.html", "sub/d.htm"]
    )
    assert discover([tmp_path, tmp_path / "b.txt"]) == found  # no duplicates


def test_discover_files_and_the_real_seeds(tmp_path: Path) -> None:
    article, seeds_list = tmp_path / "one.txt", tmp_path / "urls.txt"
    for path in (article, seeds_list):
        path.write_text("x", encoding="utf-8")
    assert discover([seeds_list, article]) == [article]
    assert discover([SEEDS]) == sorted(SEEDS.glob("*.txt"))
    assert all(path.suffix in SUPPORTED_SUFFIXES for path in discover([SEEDS]))


def test_discover_missing_path(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as excinfo:
        discover([tmp_path / "nowhere"])
    one_line_error(excinfo, "nowhere")


# --- kickers, mastheads and credits ------------------------------------------------------------


def test_one_word_kicker_is_not_the_title() -> None:
    article = parse_text(f"Exclusive\nBattery Plant Planned\n\n{BODY}")
    assert article.title == "Battery Plant Planned"
    assert article.source.name is None
    assert article.paragraphs == (BODY,)


def test_masthead_above_the_headline_is_the_outlet_when_repeated() -> None:
    text = f"Reuters\nBattery Plant Planned\nReuters\nApril 13, 2026\n{BODY}"
    article = parse_text(text)
    assert (article.title, article.source.name) == ("Battery Plant Planned", "Reuters")
    assert article.published == dt.date(2026, 4, 13)
    assert article.paragraphs == (BODY,)


def test_dateline_leaves_the_text_and_names_the_outlet() -> None:
    """ "(CNN)" opening the body is no part of the article: the derived title and the first
    sentence start after it, and the agency becomes the outlet when the page names none."""
    article = parse_text("(CNN)Two American women have been arrested in Rome. They were fined.")
    assert article.title == "Two American women have been arrested in Rome"
    assert article.paragraphs == (
        "Two American women have been arrested in Rome. They were fined.",
    )
    assert article.source.name == "CNN"
    wire = parse_text(f"Battery Plant Planned\n\nBEIJING, March 3 (Reuters) - {BODY}")
    assert wire.title == "Battery Plant Planned"
    assert wire.paragraphs == (BODY,)
    assert wire.source.name == "Reuters"
    named = parse_text(f"Reuters\nBattery Plant Planned\nReuters\n\nTokyo (CNN) -- {BODY}")
    assert named.source.name == "Reuters"  # the page's own outlet wins
    assert named.paragraphs == (BODY,)


def test_one_word_headline_above_hard_wrapped_text_stays_the_title() -> None:
    text = "Breakthrough\nNorthwind and Contoso said on Monday they would\nbuild a plant.\n"
    article = parse_text(text)
    assert article.title == "Breakthrough"
    assert article.paragraphs == ("Northwind and Contoso said on Monday they would build a plant.",)


def test_credit_lines_are_junk() -> None:
    text = (
        f"Battery Plant Planned\n\n{BODY}\n\nPhoto: Northwind Energy\n\n"
        "Reporting by Jane Doe; Editing by John Roe\n"
    )
    assert parse_text(text).paragraphs == (BODY,)


# --- robustness and speed ----------------------------------------------------------------------

FRAGMENTS = [
    "Why it matters", "Key takeaways", "- item", "By Jane Doe", "记者 张三", "Apr 13, 2026",
    "(Reuters)", "Comments", "\n", "\n\n", " ", "Title Line", "A sentence here.", "（完）",
    "来源：新华网", "1. ", "。", "\u3000", "\r", "Related", "\u2011", "#", "---", "Published:",
]  # fmt: skip


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=30))
def test_any_text_gives_an_article_or_an_ingest_error(parts: list[str]) -> None:
    try:
        article = parse_text("".join(parts), "fuzz.txt")
    except IngestError as error:
        assert "fuzz.txt" in error.format_message()
        return
    assert article.title == article.title.strip() != ""
    assert all(paragraph == paragraph.strip() != "" for paragraph in article.paragraphs)
    assert all(item.strip() for item in article.publisher_takeaways)


def test_long_article_is_parsed_in_linear_time() -> None:
    text = "\n\n".join(path.read_text(encoding="utf-8") for path in sorted(SEED_JUNK)) * 30
    started = time.perf_counter()
    article = parse_text(text)
    assert time.perf_counter() - started < 10  # well under 1 s; a quadratic step takes minutes
    assert len(article.paragraphs) > 300
