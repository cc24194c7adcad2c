"""Tests for the summarise stage: seeds, Chinese, short and odd articles, quality rules."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from briefgen.models import Article, Source, Summary
from briefgen.summarise import MAX_TAKEAWAY_WORDS, summarise
from briefgen.text import count_words, is_cjk, split_sentences

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
EVAL = Path("/work/shared/eval/news_summaries.jsonl")

# Lines of the seed files that are page furniture, not article text.
JUNK = re.compile(
    r"^(?:top of page|bottom of page|Recent Posts|See All|No ratings yet|Add a rating|Comments|"
    r"Want to join the conversation\?|Loading comments\.\.\.|Our reporter .*|Gasgoo Auto News.*|"
    r"Rated \d.*|\d+ view.*)$"
)
DANGLING = re.compile(
    r"^(?:He|She|It|They|This|These|Those|His|Her|Their|The two parties|Both parties|"
    r"He believes|He said|And|But)\b(?! is expected| can be seen)"
)


def seed_lines(number: int) -> list[str]:
    path = next(SEEDS.glob(f"{number:03d}_*.txt"))
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line and not JUNK.match(line)]


def seed_article(number: int) -> Article:
    """The seed as ingest should hand it over, built by hand (no dependency on ingest.py)."""
    lines = seed_lines(number)
    if number == 0:
        title = lines[0]
        why_at, takeaways_at = lines.index("Why It Matters"), lines.index("Key Takeaways")
        takeaways = [line.lstrip("• ").strip() for line in lines[takeaways_at + 1 :]]
        takeaways = takeaways[: next(i for i, t in enumerate(takeaways) if t == "Pulse Analysis")]
        body_at = lines.index("Pulse Analysis") + 1
        return Article(
            id="seed0",
            title=title,
            paragraphs=tuple(line for line in lines[body_at:] if line != title),
            source=Source(file="seeds/000.txt"),
            publisher_why=" ".join(lines[why_at + 1 : takeaways_at]),
            publisher_takeaways=tuple(takeaways),
        )
    if number == 1:
        return Article(
            id="seed1",
            title=lines[0].rstrip("."),
            paragraphs=tuple(lines[1:]),
            source=Source(file="seeds/001.txt"),
        )
    return Article(
        id="seed2", title=lines[0], paragraphs=tuple(lines[1:]), source=Source(file="seeds/002.txt")
    )


def article(*paragraphs: str, title: str = "", language: str = "en") -> Article:
    return Article(
        id="test", title=title, paragraphs=paragraphs, source=Source(), language=language
    )


def output_sentences(summary: Summary) -> list[str]:
    return [summary.summary, summary.why_it_matters, *summary.takeaways]


def grounded(field: str, text: str) -> bool:
    """Each sentence is in the text as it is, or after a trimmed dateline or reporting clause
    (then with its first letter capitalised)."""
    flat = " ".join(text.split())
    return all(
        sentence in flat or (sentence[:1].lower() + sentence[1:]) in flat
        for sentence in split_sentences(field)
    )


def check_quality(source: Article, result: Summary) -> None:
    """The rules every summary keeps, whatever the article."""
    text = "\n\n".join((source.text, source.publisher_why or "", *source.publisher_takeaways))
    fields = [f for f in output_sentences(result) if f]
    assert result.summary
    assert len(fields) == len(set(fields)), "a sentence appears in two fields"
    for takeaway in result.takeaways:
        limit = MAX_TAKEAWAY_WORDS
        assert count_words(takeaway) <= limit, takeaway
        assert not DANGLING.match(takeaway), takeaway
        assert grounded(takeaway.rstrip("。."), text), takeaway
        assert takeaway not in result.summary and takeaway != result.why_it_matters
    assert not DANGLING.match(result.summary), result.summary
    if result.method == "extractive":
        assert grounded(result.summary, text)
        if result.why_it_matters:
            assert grounded(result.why_it_matters, text)
            assert result.why_it_matters not in result.takeaways
    for field in fields:
        assert not field.startswith(("(CNN)", "By ", "Photo")), field


# --- seeds ------------------------------------------------------------------------------------


def test_seed_001_haier_is_not_making_cars() -> None:
    source = seed_article(1)
    result = summarise(source)
    check_quality(source, result)
    assert result.method == "extractive"
    assert "will not enter the field of complete vehicle manufacturing" in result.summary
    assert (
        "making a layout around the Internet ecology of the automotive industry" in result.summary
    )
    takeaways = " | ".join(result.takeaways)
    assert 3 <= len(result.takeaways) <= 5
    assert "Kataichi" in takeaways and "150 million yuan" in takeaways
    assert "Haier Kaos" in takeaways and "51.2%" in takeaways
    assert "Chery" in takeaways
    assert "900,000 enterprises" in takeaways
    # The reporting clause "According to the Tianyancha APP," is trimmed.
    assert any(t.startswith("Qingdao Kataichi") for t in result.takeaways)
    assert result.why_it_matters
    # Takeaways keep the article's order.
    positions = [source.text.find(t[1:20]) for t in result.takeaways]
    assert positions == sorted(positions)


def test_seed_002_memorandum() -> None:
    source = seed_article(2)
    result = summarise(source)
    check_quality(source, result)
    assert result.summary.startswith(
        "SAIC-BMW and Baidu recently held a signing ceremony for a strategic cooperation"
        " memorandum."
    )
    takeaways = " | ".join(result.takeaways)
    assert "AI platforms and quantum computing" in takeaways
    assert "Yu Qinghai, President of SAIC Motor" in takeaways
    assert not any(
        t.startswith(("He believes", "He ", "The two parties")) for t in result.takeaways
    )
    assert "accelerate the development of intelligent mobility" in result.why_it_matters


def test_seed_000_uses_the_publisher_sections_word_for_word() -> None:
    source = seed_article(0)
    result = summarise(source)
    check_quality(source, result)
    assert result.method == "publisher"
    assert result.takeaways == source.publisher_takeaways
    assert result.why_it_matters == source.publisher_why
    assert "GAC" in result.summary and "Haier" in result.summary
    assert grounded(result.summary, source.text)
    assert result.summary != "Pulse Analysis"


def test_publisher_takeaways_are_capped_at_five_and_why_is_generated_when_missing() -> None:
    source = article(
        "BYD opened a battery plant in Hungary with an annual capacity of 20 GWh.",
        "The plant will supply European carmakers and is expected to boost local jobs.",
        "Construction took 18 months and cost about 4 billion euros in total.",
    )
    tips = tuple(f"Publisher point number {i} stands alone" for i in range(7))
    result = summarise(
        Article(
            id="p",
            title="BYD opens plant",
            paragraphs=source.paragraphs,
            source=Source(),
            publisher_takeaways=tips,
        )
    )
    assert result.takeaways == tips[:5]
    assert result.method == "publisher"
    assert "expected to boost local jobs" in result.why_it_matters


def test_deterministic() -> None:
    source = seed_article(1)
    assert summarise(source) == summarise(source)


# --- Chinese ----------------------------------------------------------------------------------

CHINESE = (
    "新华社北京3月3日电（记者 张三）比亚迪与华为3日在深圳签署战略合作协议，"
    "双方将在智能驾驶和智能座舱领域展开深度合作。",
    "据悉，比亚迪计划在2025年前推出10款搭载华为智能驾驶系统的新车型，总投资约50亿元。",
    "他表示，这次合作是公司发展史上的重要一步。",
    "华为智能汽车解决方案业务去年营收达到47亿元，同比增长超过一倍。",
    "分析人士认为，此次合作将加速国内智能汽车产业的发展，并有望推动行业竞争格局发生变化。",
    "比亚迪去年全年销量超过302万辆，连续多年位居国内新能源汽车销量第一。",
    "双方还将共同建设联合实验室，探索车载操作系统和云服务的融合。",
)


def test_chinese_article_gets_chinese_output_with_the_same_rules() -> None:
    source = article(*CHINESE, title="比亚迪与华为签署战略合作协议", language="zh")
    result = summarise(source)
    check_quality(source, result)
    for field in output_sentences(result):
        if field:
            assert is_cjk(field), field
    assert result.summary.startswith("比亚迪与华为3日在深圳签署战略合作协议")  # dateline gone
    assert not any(t.startswith(("他", "双方", "据悉")) for t in result.takeaways)
    assert any(t.startswith("比亚迪计划在2025年前推出10款") for t in result.takeaways)
    assert 3 <= len(result.takeaways) <= 5
    assert all(len(t) <= 2 * MAX_TAKEAWAY_WORDS for t in result.takeaways)
    assert "将加速" in result.why_it_matters or "有望" in result.why_it_matters


# --- short and odd articles -------------------------------------------------------------------


def test_two_line_article_is_not_padded() -> None:
    source = article(
        "Geely announced a new electric sedan for the Chinese market on Monday.",
        "Deliveries of the sedan are scheduled to begin in the third quarter of this year.",
    )
    result = summarise(source)
    check_quality(source, result)
    assert result.summary == source.paragraphs[0]
    assert result.takeaways == (source.paragraphs[1],)
    assert result.why_it_matters == ""


def test_one_sentence_article() -> None:
    result = summarise(article("NIO delivered 20,000 vehicles in May, up 30 percent from April."))
    assert result.summary == "NIO delivered 20,000 vehicles in May, up 30 percent from April."
    assert result.takeaways == ()
    assert result.why_it_matters == ""


def test_wall_of_text_without_punctuation_is_cut_at_thirty_words() -> None:
    wall = " ".join(f"word{i}" for i in range(120))
    result = summarise(article(wall))
    assert result.summary == " ".join(f"word{i}" for i in range(30))
    assert result.takeaways == ()
    cjk_wall = "海尔集团正在围绕汽车产业互联网生态进行布局" * 10
    cut = summarise(article(cjk_wall)).summary
    assert cjk_wall.startswith(cut) and len(cut) == 60


def test_empty_article_falls_back_to_the_title() -> None:
    assert (
        summarise(article(title="Haier will not make cars")).summary == "Haier will not make cars"
    )
    assert summarise(article()).summary == ""


def test_dangling_openings_never_open_a_field() -> None:
    source = article(
        "He said the company would expand rapidly across Europe next year.",
        "Leapmotor sold 30,000 cars in March, a record for the Chinese carmaker.",
        "The two parties will build a factory in Spain with 10,000 workers.",
        "They expect the plant to start production in 2026 at the earliest.",
        "Stellantis owns 21 percent of Leapmotor after investing 1.5 billion euros.",
        "This is a big step for Chinese brands in the European market.",
        "European sales of Chinese cars grew 40 percent last year, data showed.",
    )
    result = summarise(source)
    check_quality(source, result)
    assert result.summary.startswith("Leapmotor sold 30,000 cars")
    for field in output_sentences(result):
        assert not field.startswith(("He ", "They ", "This ", "The two parties")), field


def test_why_it_matters_prefers_consequence_and_differs_from_takeaways() -> None:
    source = article(
        "CATL opened its first plant in Germany on Tuesday in the state of Thuringia.",
        "The plant has an annual capacity of 14 gigawatt-hours of battery cells.",
        "CATL invested 1.8 billion euros in the site, which employs 1,500 people.",
        "The move is expected to help European carmakers accelerate the shift to electric cars.",
        "BMW is the first customer of the plant, according to the company.",
    )
    result = summarise(source)
    check_quality(source, result)
    assert "expected to help European carmakers" in result.why_it_matters
    assert result.why_it_matters not in result.takeaways
    assert result.why_it_matters != result.summary


def test_why_falls_back_to_a_remaining_sentence_without_cue_words() -> None:
    source = article(
        "Swansea lost 3-2 at Tottenham in the Premier League on Wednesday night.",
        "Bafetimbi Gomis collapsed in the first half at White Hart Lane in London.",
        "Medical staff treated the French striker on the pitch for several minutes.",
        "Gomis left the field conscious and wearing an oxygen mask over his face.",
        "Swansea sits eighth in the league table with 43 points after 30 games.",
    )
    result = summarise(source)
    check_quality(source, result)
    assert result.why_it_matters
    assert len(result.takeaways) == 3
    assert result.why_it_matters in source.paragraphs


def test_datelines_bylines_credits_and_headings_are_dropped() -> None:
    source = article(
        "Pulse Analysis",
        "BEIJING, March 3 (Reuters) - Xiaomi said on Monday it delivered 20,000 SU7 cars in March.",
        "The company plans to double production at its Beijing plant this year.",
        "Photo: Xiaomi's SU7 sedan on display in Beijing, March 2, 2024.",
        "Xiaomi shares rose 5 percent in Hong Kong after the announcement on Monday.",
        "Reporting by Jane Doe; Editing by John Smith.",
        'The chief executive said "the car is',
        "Analysts expect Xiaomi to deliver 100,000 cars this year, up from a forecast of 70,000.",
    )
    result = summarise(source)
    check_quality(source, result)
    assert result.summary.startswith("Xiaomi said on Monday it delivered 20,000 SU7 cars")
    joined = " ".join(output_sentences(result))
    assert "Reuters" not in joined and "Photo" not in joined and "Reporting by" not in joined
    assert '"the car is' not in joined and "Pulse Analysis" not in joined
    cnn = summarise(
        article("(CNN) -- Toyota recalled 1 million cars in the United States on Friday.")
    )
    assert cnn.summary == "Toyota recalled 1 million cars in the United States on Friday."


def test_reporting_clause_kept_when_the_rest_leans_on_it() -> None:
    source = article(
        "Haier Group is expanding its industrial internet business into the car industry.",
        "According to sources at Haier Group, the company is building a platform for carmakers.",
        "According to the Tianyancha APP, Qingdao Kataichi Co., Ltd. was set up with 150 million"
        " yuan.",
        "The platform will connect suppliers, factories and dealers across the auto industry.",
    )
    sentences = output_sentences(summarise(source))
    assert "Qingdao Kataichi Co., Ltd. was set up with 150 million yuan." in sentences
    assert not any(s.startswith("The company is building") for s in sentences)


def test_long_sentences_are_skipped_or_cut_at_a_clause() -> None:
    long_tail = (
        "which analysts say could change the competitive landscape of the industry for years "
        "to come and force rivals to respond with their own plans"
    )
    source = article(
        "Geely agreed to buy a majority stake in a European sports car maker on Friday.",
        "The deal values the company at 2 billion euros and includes its two plants in Italy, "
        f"{long_tail}.",
        f"Geely will also invest in a new electric platform for the brand in Germany; {long_tail}.",
        f"The brand sold 10,000 cars last year in Europe and North America, {long_tail}.",
    )
    result = summarise(source)
    check_quality(source, result)
    assert result.takeaways
    for takeaway in result.takeaways:
        assert count_words(takeaway) <= MAX_TAKEAWAY_WORDS
        assert takeaway.endswith(".")


@pytest.mark.skipif(not EVAL.exists(), reason="shared eval set not available")
def test_quality_rules_hold_on_real_news() -> None:
    rows = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines()[:40]]
    for row in rows:
        text = row["article"]
        source = article(text, title=text.split(". ")[0][:80])
        check_quality(source, summarise(source))
