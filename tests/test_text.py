"""Tests for the shared text utilities: sentence splitting, tokens, CJK detection."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefgen.text import (
    content_words,
    count_words,
    has_cjk,
    is_cjk,
    split_sentences,
    strip_dateline,
    words,
)


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        (
            "Mr. Smith met Dr. Jones in Washington. They talked.",
            ["Mr. Smith met Dr. Jones in Washington.", "They talked."],
        ),
        (
            "The U.S. Army said no. U.S. officials agreed.",
            ["The U.S. Army said no.", "U.S. officials agreed."],
        ),
        (
            "Qingdao Kataichi Co., Ltd. was set up. Its capital is 150 million yuan.",
            ["Qingdao Kataichi Co., Ltd. was set up.", "Its capital is 150 million yuan."],
        ),
        (
            "Haier Group holds 51.2% of the equity. That is a majority.",
            ["Haier Group holds 51.2% of the equity.", "That is a majority."],
        ),
        ("See No. 5 on the list. It is short.", ["See No. 5 on the list.", "It is short."]),
        (
            "The deal closed on Jan. 5. Shares rose 3.5 percent.",
            ["The deal closed on Jan. 5.", "Shares rose 3.5 percent."],
        ),
        ("J. K. Rowling wrote it. Fans cheered.", ["J. K. Rowling wrote it.", "Fans cheered."]),
        (
            "Many firms, e.g. Haier, build platforms. Some fail.",
            ["Many firms, e.g. Haier, build platforms.", "Some fail."],
        ),
        (
            "It was bought by Apple Inc. The company grew.",
            ["It was bought by Apple Inc.", "The company grew."],
        ),
        ("Shares of Foo Inc. Rose sharply.", ["Shares of Foo Inc. Rose sharply."]),
        ("He moved to the U.S. He liked it.", ["He moved to the U.S.", "He liked it."]),
    ],
)
def test_english_abbreviations_initials_and_decimals(paragraph: str, expected: list[str]) -> None:
    assert split_sentences(paragraph) == expected


def test_closing_quotes_stay_with_their_sentence() -> None:
    text = 'He said, "We are ready." Then he left. "Is it?" she asked. She nodded! (Reuters)'
    assert split_sentences(text) == [
        'He said, "We are ready."',
        "Then he left.",
        '"Is it?" she asked.',
        "She nodded!",
        "(Reuters)",
    ]
    curly = "“Haier will not make cars.” The company said so."
    assert split_sentences(curly) == ["“Haier will not make cars.”", "The company said so."]


def test_chinese_sentences_split_after_full_stops_and_closing_quotes() -> None:
    text = (
        "海尔集团表示，不会造整车。但将布局汽车产业互联网；同时推动家车互联！"
        "他说：“我们很高兴。”随后离开。"
    )
    assert split_sentences(text) == [
        "海尔集团表示，不会造整车。",
        "但将布局汽车产业互联网；",
        "同时推动家车互联！",
        "他说：“我们很高兴。”",
        "随后离开。",
    ]


def test_mixed_chinese_and_english() -> None:
    text = "BYD sold 3.02 million cars in 2023. 比亚迪销量增长。Tesla followed. 特斯拉随后跟进？"
    assert split_sentences(text) == [
        "BYD sold 3.02 million cars in 2023.",
        "比亚迪销量增长。",
        "Tesla followed.",
        "特斯拉随后跟进？",
    ]


def test_no_sentence_punctuation_is_one_sentence_and_empty_is_none() -> None:
    assert split_sentences("Pulse Analysis") == ["Pulse Analysis"]
    assert split_sentences("   ") == []
    assert split_sentences("One.\n\nTwo words here.") == ["One.", "Two words here."]


@given(
    st.lists(
        st.sampled_from(
            [
                "Mr.",
                "Haier",
                "U.S.",
                "51.2%",
                "said",
                '"Yes."',
                "It",
                "海尔",
                "。",
                "！",
                "?",
                "Co.,",
                "Ltd.",
            ]
        ),
        max_size=40,
    )
)
def test_sentences_are_substrings_that_cover_the_text(tokens: list[str]) -> None:
    paragraph = " ".join(tokens)
    sentences = split_sentences(paragraph)
    assert all(s and s == s.strip() and s in paragraph for s in sentences)
    assert "".join(sentences).replace(" ", "") == paragraph.replace(" ", "")


def test_words_are_lower_case_with_cjk_bigrams() -> None:
    assert words("Haier's Kaos platform, 51.2%") == ["haier", "s", "kaos", "platform", "51", "2"]
    assert words("海尔卡奥斯") == ["海尔", "尔卡", "卡奥", "奥斯"]
    assert words("海") == ["海"]
    assert content_words("The Haier Group said it will grow") == {"haier", "group", "grow"}


def test_cjk_detection_and_word_counts() -> None:
    assert is_cjk("海尔集团表示，不会造整车。")
    assert not is_cjk("Haier said 它 will grow")
    assert has_cjk("Haier said 它 will grow")
    assert not has_cjk("Haier")
    assert count_words("Haier Group holds 51.2% of it.") == 6
    assert count_words("海尔集团表示不会造整车") == 6  # two characters count as one word


DATELINES = [
    ("(CNN)Share, and your gift will be multiplied.", "CNN"),
    ("(CNN) -- Toyota recalled 1 million cars.", "CNN"),
    ("Tokyo (CNN)Police in Japan say they arrested a man.", "CNN"),
    ("BEIJING, March 3 (Reuters) - Xiaomi said it sold cars.", "Reuters"),
    ("Washington, D.C. (CNN) -- The Senate voted.", "CNN"),
    ("(The Hollywood Reporter)Jessie Usher has been cast.", "The Hollywood Reporter"),
    ("Paris (Mashable) -- A man rode a bike.", "Mashable"),
    ("WASHINGTON -- The Senate voted on Monday.", None),
    ("新华社北京3月3日电（记者 张三）比亚迪与华为签署协议。", "新华社"),
]
DATELINE_RESTS = [
    "Share, and your gift will be multiplied.",
    "Toyota recalled 1 million cars.",
    "Police in Japan say they arrested a man.",
    "Xiaomi said it sold cars.",
    "The Senate voted.",
    "Jessie Usher has been cast.",
    "A man rode a bike.",
    "The Senate voted on Monday.",
    "比亚迪与华为签署协议。",
]


@pytest.mark.parametrize(
    ("text", "outlet", "rest"),
    [(text, outlet, rest) for (text, outlet), rest in zip(DATELINES, DATELINE_RESTS, strict=True)],
)
def test_datelines_are_stripped_with_their_outlet(text: str, outlet: str | None, rest: str) -> None:
    assert strip_dateline(text) == (rest, outlet)
    assert text.endswith(rest)  # the rest is a suffix: still grounded in the text


@pytest.mark.parametrize(
    "text",
    [
        '(It) felt good at the time," he said.',
        "Sen. John McCain (R-Arizona) said the vote would pass.",
        "March 10, 2015 . We're truly international.",
        "(CNN)",
        "The company (NYSE: ABC) rose 5 percent.",
    ],
)
def test_text_without_a_dateline_is_left_alone(text: str) -> None:
    assert strip_dateline(text) == (text, None)
