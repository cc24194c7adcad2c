"""Web page extraction (web ingest): the article's text and metadata, never the page furniture."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from benchmarks.extraction_quality import load_gold, score

from briefgen.errors import IngestError
from briefgen.web_extract import (
    ExtractError,
    Hints,
    article_id,
    detect_language,
    extract,
    extract_file,
)
from tests.local_web import PAGES

META: dict[str, dict[str, Any]] = yaml.safe_load((PAGES / "meta.yml").read_text("utf-8"))
GOLD_PAGES = sorted(META)
MIN_PRECISION = 0.9
MIN_RECALL = 0.9


def page(name: str) -> Path:
    return PAGES / name


# --- text: precision and recall of article lines against hand-marked text ----------------------


@pytest.mark.parametrize("name", GOLD_PAGES)
def test_article_lines_are_kept_and_furniture_dropped(name: str) -> None:
    result = score(extract_file(page(name)).paragraphs, load_gold(page(name).with_suffix(".txt")))
    assert result.precision >= MIN_PRECISION, result.wrong
    assert result.recall >= MIN_RECALL, result.missed


@pytest.mark.parametrize(
    ("name", "furniture"),
    [
        (
            "news_site.html",
            ["cookies", "Subscribe", "Most read", "carfan_88", "nobody there wants"],
        ),
        ("news_site.html", ["Aramco completes purchase", "Daniel Okafor covers", "Share on"]),
        ("blog.html", ["Recent Posts", "Leave a Reply", "Great piece", "Powered by WordPress"]),
        (
            "jsonld_news.html",
            ["Newsletter", "Sign up", "More from Mobility", "min read", "Trending"],
        ),
        ("zh_news.html", ["首页", "您当前的位置", "相关新闻", "网友评论", "版权所有", "责任编辑"]),
        (
            "zh_portal.html",
            ["新浪首页", "责任编辑", "相关阅读", "新浪网友", "海量资讯", "财经头条"],
        ),
        ("zh_tw_news.html", ["首頁", "延伸閱讀", "熱門新聞", "不得轉載", "複製連結"]),
        ("aggregator.html", ["Editor's picks", "Tesla cuts", "turbo_tom", "Licensing is where"]),
    ],
)
def test_no_page_furniture_reaches_the_article(name: str, furniture: list[str]) -> None:
    article = extract_file(page(name))
    text = "\n".join([article.title, *article.paragraphs])
    assert [f for f in furniture if f in text] == []


# --- metadata ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", GOLD_PAGES)
def test_metadata_is_found(name: str) -> None:
    expected = META[name]
    article = extract_file(page(name), f"seeds/{name}")
    assert article.title == expected["title"]
    assert article.published == expected["published"]
    assert article.source.name == expected["outlet"]
    assert article.source.file == f"seeds/{name}"
    assert article.source.url == expected["url"]
    assert article.language == expected["language"]
    if expected["author"] is not None:
        assert article.byline == expected["author"]


def test_the_canonical_url_wins_over_the_fetched_one() -> None:
    html = page("news_site.html").read_text("utf-8")
    article = extract(html, "http://127.0.0.1:8000/pages/news_site.html?utm_source=rss")
    assert article.source.url == META["news_site.html"]["url"]
    assert article.source.file is None


def test_a_relative_canonical_url_is_made_absolute() -> None:
    html = _page("<link rel='canonical' href='/news/42'>", _paragraphs(6))
    assert extract(html, "https://example.com/a/b?x=1").source.url == "https://example.com/news/42"


def test_without_any_canonical_the_fetched_url_is_kept() -> None:
    html = _page("", _paragraphs(6))
    assert extract(html, "https://example.com/a").source.url == "https://example.com/a"
    assert extract(html, None, "saved.html").source.url is None


def test_a_date_printed_near_the_headline_is_found() -> None:
    body = "<h1>海尔与上汽签约</h1><div>发布时间：2026年03月05日 10:00 来源：新华网</div>" + _cjk(4)
    assert extract(_page("", body, title="海尔与上汽签约")).published == dt.date(2026, 3, 5)


def test_feed_hints_fill_what_the_page_lacks() -> None:
    html = _page("", _paragraphs(6), title="")
    hints = Hints("From the feed", dt.date(2026, 1, 2), "Feed Outlet", "Ann Writer")
    article = extract(html, "https://example.com/a", hints=hints)
    assert (article.title, article.published) == ("From the feed", dt.date(2026, 1, 2))
    assert (article.source.name, article.byline) == ("Feed Outlet", "Ann Writer")


# --- Chinese and other scripts -----------------------------------------------------------------


def test_chinese_text_is_kept_intact() -> None:
    """No spaces where inline tags or source line breaks split a CJK run; <br> splits lines."""
    body = "<h1>标题</h1>" + "".join(
        f"<p>第{i}段：海尔<strong>集团</strong>与<a href='/x'>上汽\n  集团</a>签署战略合作协议，"
        "双方将在智能座舱和工业互联网领域开展合作。<br>第二句在新的一行。</p>"
        for i in range(3)
    )
    article = extract(_page("", body, title="标题"))
    assert (
        article.paragraphs[0]
        == "第0段：海尔集团与上汽集团签署战略合作协议，双方将在智能座舱和工业互联网领域开展合作。"
    )
    assert article.paragraphs[1] == "第二句在新的一行。"
    assert article.language == "zh"


def test_english_source_line_breaks_become_spaces() -> None:
    body = "".join(
        f"<p>Sentence {i} wraps\n   across <b>lines</b> of the\nsource file here.</p>"
        for i in range(12)
    )
    article = extract(_page("", body))
    assert article.paragraphs[0] == "Sentence 0 wraps across lines of the source file here."


@pytest.mark.parametrize(
    ("text", "declared", "language"),
    [
        ("宁德时代与长安汽车签署十年战略合作协议，双方将开展全面合作。", None, "zh"),
        ("鴻海與三菱汽車簽署電動車委託設計製造合約，首批車款將銷往澳洲與紐西蘭。", None, "zh-Hant"),
        ("宁德时代与长安汽车签署合作协议。", "zh-TW", "zh-Hant"),
        ("トヨタ自動車は電気自動車の新しい工場を建設すると発表した。", None, "ja"),
        ("현대자동차는 새로운 전기차 공장을 건설한다고 발표했다.", None, "ko"),
        (
            "Le constructeur a annoncé mardi un partenariat avec le groupe chinois.",
            None,
            "fr",
        ),
        (
            "Der Autobauer hat am Dienstag eine Partnerschaft angekündigt.",
            None,
            "de",
        ),
        ("The carmaker announced a partnership with the Chinese group on Tuesday.", None, "en"),
        ("The carmaker announced a partnership with the Chinese group on Tuesday.", "en-GB", "en"),
    ],
)
def test_language_is_detected(text: str, declared: str | None, language: str) -> None:
    assert detect_language(text, declared) == language


# --- failures and untrusted input --------------------------------------------------------------


def test_a_paywall_stub_is_refused_with_its_reason() -> None:
    with pytest.raises(ExtractError) as caught:
        extract_file(page("paywall.html"), "seeds/paywall.html")
    assert caught.value.kind == "paywall"
    assert caught.value.message == "seeds/paywall.html: paywalled: only 11 words are free to read"
    assert isinstance(caught.value, IngestError)  # the pipeline's per-file handling applies


@pytest.mark.parametrize(
    "html",
    [
        "",
        "<html><body><nav><a href='/'>Home</a></nav></body></html>",
        "<html><body><p>Too short to be news.</p></body></html>",
        "<html><body><script>var x = 1;</script></body></html>",
        "\x00\x01 not html at all",
    ],
)
def test_pages_without_article_text_are_refused(html: str) -> None:
    with pytest.raises(ExtractError) as caught:
        extract(html, "https://example.com/a")
    assert caught.value.kind == "no-text"
    assert caught.value.message.startswith("https://example.com/a: no article text found")


def test_markup_never_reaches_the_article() -> None:
    body = (
        "<h1>Title <i>with</i> &lt;b&gt;tags&lt;/b&gt;</h1>"
        + _paragraphs(6)
        + "<p>Evil <script>alert(1)</script><img src=x onerror=alert(2)>"
        "<a href='javascript:alert(3)'>link</a> &amp; &lt;script&gt;text&lt;/script&gt; here.</p>"
    )
    article = extract(_page("", body, title="x"))
    text = "\n".join(article.paragraphs)
    assert "alert(1)" not in text and "alert(2)" not in text and "javascript" not in text
    assert "Evil link & <script>text</script> here." in article.paragraphs
    assert "\x00" not in text


def test_the_id_hashes_the_extracted_text_not_the_markup() -> None:
    original = page("news_site.html").read_text("utf-8")
    reshuffled = original.replace("carfan_88", "someone_else").replace("Advertisement", "Ad")
    a, b = extract(original), extract(reshuffled)
    assert a.id == b.id == article_id(a.title, a.paragraphs)
    assert len(a.id) == 8 and int(a.id, 16) >= 0


def test_saved_file_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"^seeds/missing.html: cannot read"):
        extract_file(tmp_path / "missing.html", "seeds/missing.html")


# --- helpers -----------------------------------------------------------------------------------


def _paragraphs(count: int) -> str:
    return "".join(
        f"<p>Paragraph {i}: Haier Group and SAIC Motor signed a strategic agreement on smart "
        "cockpits and the industrial internet, the companies said in a statement.</p>"
        for i in range(count)
    )


def _cjk(count: int) -> str:
    return "".join(
        f"<p>第{i}段：海尔集团与上汽集团签署战略合作协议，双方将在智能座舱和工业互联网领域开展合作。</p>"
        for i in range(count)
    )


def _page(head: str, body: str, title: str = "A title") -> str:
    return (
        f"<!DOCTYPE html><html><head><title>{title}</title>{head}</head>"
        f"<body><main><article>{body}</article></main></body></html>"
    )
