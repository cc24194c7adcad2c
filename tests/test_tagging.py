"""Tests for the tag stage: registry, matching, subjects, unknown organisations, themes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from briefgen.errors import ConfigError
from briefgen.models import Article, Company, Source, Theme
from briefgen.tagging import Registry, load_registry, load_taxonomy, tag

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
DATA = Path(__file__).resolve().parents[1] / "src" / "briefgen" / "data"
JUNK = re.compile(
    r"^(?:top of page|bottom of page|Recent Posts|See All|No ratings yet|Add a rating|Comments|"
    r"Want to join the conversation\?|Loading comments\.\.\.|Our reporter .*|Gasgoo Auto News.*|"
    r"Rated \d.*|\d+ view.*|Pulse Analysis)$"
)
DESIGN_THEMES = {
    "smart-cockpit": "Smart cockpit & in-car AI",
    "autonomous-driving": "Autonomous driving & ADAS",
    "smart-home-iot": "Smart home & IoT integration",
    "industrial-internet": "Industrial internet & manufacturing",
    "batteries-energy": "Batteries & energy",
    "chips": "Chips & semiconductors",
    "ev-charging": "EV charging & infrastructure",
    "ai-cloud": "AI models & cloud",
    "capital-jv": "Capital & joint ventures",
    "overseas": "Overseas expansion",
    "policy": "Policy & regulation",
}


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


@pytest.fixture(scope="module")
def themes() -> tuple[Theme, ...]:
    return load_taxonomy()


def seed_article(number: int) -> Article:
    """The seed as ingest should hand it over, built by hand (no dependency on ingest.py)."""
    path = next(SEEDS.glob(f"{number:03d}_*.txt"))
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line and not JUNK.match(line)]
    if number == 0:
        why_at, takeaways_at = lines.index("Why It Matters"), lines.index("Key Takeaways")
        takeaways = tuple(line.lstrip("• ") for line in lines if line.startswith("•"))
        body = [line for line in lines[takeaways_at + 1 :] if not line.startswith("•")]
        return Article(
            id="seed0",
            title=lines[0],
            paragraphs=tuple(line for line in body if line != lines[0]),
            source=Source(),
            publisher_why=" ".join(lines[why_at + 1 : takeaways_at]),
            publisher_takeaways=takeaways,
        )
    return Article(id=f"seed{number}", title=lines[0], paragraphs=tuple(lines[1:]), source=Source())


def article(*paragraphs: str, title: str = "") -> Article:
    return Article(id="t", title=title, paragraphs=paragraphs, source=Source())


# --- seeds ------------------------------------------------------------------------------------


def test_seed_000(registry: Registry, themes: tuple[Theme, ...]) -> None:
    tags = tag(seed_article(0), registry, themes)
    assert tags.companies == ("GAC Group", "Haier Group")
    assert {"smart-home-iot", "ai-cloud"} <= set(tags.themes)
    assert tags.unknown_companies == ()


def test_seed_001_folds_haier_kaos_into_haier_group(
    registry: Registry, themes: tuple[Theme, ...]
) -> None:
    tags = tag(seed_article(1), registry, themes)
    assert set(tags.companies) == {"Haier Group", "Chery", "SAIC Motor", "Geely"}
    assert tags.companies[0] == "Haier Group"
    assert {"industrial-internet", "smart-home-iot"} <= set(tags.themes)
    assert tags.unknown_companies == (
        "Qingdao Kataichi Automobile Technology Development Co., Ltd.",
        "Anhui Haixingyun IoT Technology Co., Ltd.",
    )


def test_seed_002_joint_venture_brings_its_parents(
    registry: Registry, themes: tuple[Theme, ...]
) -> None:
    tags = tag(seed_article(2), registry, themes)
    assert set(tags.companies) == {"SAIC Motor", "SAIC-BMW", "BMW", "Baidu"}
    assert set(tags.companies[:2]) == {"SAIC-BMW", "Baidu"}  # named in the title
    assert "ai-cloud" in tags.themes
    assert "batteries-energy" not in tags.themes and "policy" not in tags.themes


def test_tagging_is_deterministic(registry: Registry, themes: tuple[Theme, ...]) -> None:
    source = seed_article(1)
    assert tag(source, registry, themes) == tag(source, load_registry(), load_taxonomy())


# --- matching ---------------------------------------------------------------------------------


def names(registry: Registry, text: str) -> list[str]:
    return [company.name for company, _ in registry.find(text)]


def test_chinese_aliases_simplified_and_traditional(registry: Registry) -> None:
    simplified = "比亚迪与华为签署合作协议，广汽集团、海尔和上汽集团也出席。"
    traditional = "比亞迪與華為簽署合作協議，廣汽集團、海爾和上汽集團也出席。"
    expected = ["BYD", "Huawei", "GAC Group", "Haier Group", "SAIC Motor"]
    assert names(registry, simplified) == expected
    assert names(registry, traditional) == expected
    assert names(registry, "上汽大众与一汽大眾") == ["SAIC Volkswagen", "FAW-Volkswagen"]


def test_whole_words_no_false_positives(registry: Registry) -> None:
    assert names(registry, "The agreement was signed after a congress in Georgia.") == []
    assert names(registry, "Gree Electric and GREE fans") == ["Gree Electric"]
    assert names(registry, "Haier's plan and GAC‑Haier ties (GAC's unit)") == [
        "Haier Group",
        "GAC Group",
    ]
    assert names(registry, "gac and haier in lower case") == []
    assert names(registry, "HAIER AND BAIDU SIGN DEAL") == ["Haier Group", "Baidu"]


def test_longest_match_wins(registry: Registry) -> None:
    found = registry.find("SAIC-BMW and Baidu; SAIC Motor Corporation Limited; Haier Kaos")
    assert [(c.name, spans) for c, spans in found] == [
        ("SAIC-BMW", ((0, 8),)),
        ("Baidu", ((13, 18),)),
        ("SAIC Motor", ((20, 50),)),
        ("Haier Kaos", ((52, 62),)),
    ]


def test_registry_lookup(registry: Registry) -> None:
    assert len(registry.companies) >= 80
    for alias, name in [
        ("GAC", "GAC Group"),
        ("Haier", "Haier Group"),
        ("Chery Holdings", "Chery"),
        ("SAIC", "SAIC Motor"),
        ("海爾", "Haier Group"),
        ("saic-bmw", "SAIC-BMW"),
    ]:
        company = registry.get(alias)
        assert company is not None and company.name == name
    assert registry.get("Nobody Motors") is None
    kaos = registry.get("Haier Kaos")
    assert kaos is not None and kaos.parents == ("Haier Group",) and kaos.slug == "haier-kaos"
    jv = registry.get("SAIC-BMW")
    assert jv is not None and jv.kind == "jv" and set(jv.parents) == {"SAIC Motor", "BMW"}


# --- which companies are the subjects ---------------------------------------------------------


def test_passing_mention_far_down_is_dropped(registry: Registry, themes: tuple[Theme, ...]) -> None:
    source = article(
        "Leapmotor sold 30,000 cars in March, a record for the company.",
        "The carmaker expects sales to keep growing this year.",
        "Its new model goes on sale in June.",
        "Prices start at 150,000 yuan, below a comparable Tesla.",
        title="Leapmotor sales hit a record",
    )
    assert tag(source, registry, themes).companies == ("Leapmotor",)
    partner = article(
        *source.paragraphs[:3], "Leapmotor also signed a cooperation agreement with CATL."
    )
    assert tag(partner, registry, themes).companies == ("Leapmotor", "CATL")


def test_subsidiary_alone_stays_itself(registry: Registry, themes: tuple[Theme, ...]) -> None:
    source = article(
        "Haier Kaos connected 900,000 enterprises to its platform.", title="Kaos grows"
    )
    assert tag(source, registry, themes).companies == ("Haier Kaos",)


def test_joint_venture_parents_only_when_it_is_a_main_subject(
    registry: Registry, themes: tuple[Theme, ...]
) -> None:
    lead = article("FAW-Volkswagen recalled 10,000 cars.", title="FAW-Volkswagen recall")
    assert set(tag(lead, registry, themes).companies) == {"FAW-Volkswagen", "FAW", "Volkswagen"}
    passing = article(
        "NIO opened 20 new swap stations.",
        "Analysts compared it with rivals.",
        "Its network is now the largest.",
        "It once competed with FAW-Volkswagen and FAW-Volkswagen dealers.",
        title="NIO expands",
    )
    # Two mentions far down, outside the lead: a passing mention, not a subject.
    assert tag(passing, registry, themes).companies == ("NIO",)


def test_unknown_organisations(registry: Registry, themes: tuple[Theme, ...]) -> None:
    source = article(
        "The Shenzhen Foobar Robotics Co., Ltd. was founded in 2020.",
        "Its rival Acme Technologies Inc. and BYD Co., Ltd. also make robots.",
        "It hired a professor of the Massachusetts Institute of Technology.",
        "近日，青岛卡泰驰汽车科技发展有限公司成立，海尔卡奥斯股份有限公司是其股东。",
        "海尔与奇瑞合资成立的安徽海行云物联科技有限公司已经启动。",
        title="Robot makers grow",
    )
    assert tag(source, registry, themes).unknown_companies == (
        "Shenzhen Foobar Robotics Co., Ltd.",
        "Acme Technologies Inc.",
        "青岛卡泰驰汽车科技发展有限公司",
        "安徽海行云物联科技有限公司",
    )


def test_unknown_organisation_in_the_title_is_a_subject(
    registry: Registry, themes: tuple[Theme, ...]
) -> None:
    source = article(
        "Zhejiang Foo Motors Co., Ltd. raised 2 billion yuan from Geely and CATL.",
        title="Zhejiang Foo Motors Co., Ltd. raises 2 billion yuan",
    )
    tags = tag(source, registry, themes)
    assert tags.companies[-1] == "Zhejiang Foo Motors Co., Ltd."
    assert set(tags.companies[:-1]) == {"Geely", "CATL"}


# --- registry configuration -------------------------------------------------------------------


def test_registry_overrides_and_additions(tmp_path: Path) -> None:
    extra_file = tmp_path / "companies.yml"
    extra_file.write_text(
        yaml.safe_dump([{"name": "Foo Robotics", "aliases": ["FooBot"], "kind": "supplier"}]),
        encoding="utf-8",
    )
    registry = load_registry(
        extra=[{"name": "Haier Group", "aliases": ["Haier", "Haier Corp"]}],
        extra_file=extra_file,
    )
    haier = registry.get("Haier Corp")
    assert haier is not None and haier.name == "Haier Group" and haier.kind == "appliance"
    foo = registry.get("FooBot")
    assert foo == Company(
        name="Foo Robotics", slug="foo-robotics", aliases=("FooBot",), kind="supplier"
    )
    assert registry.get("海尔") is None  # the override replaced the aliases


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"name": "Foo", "aliases": 5},
            "companies[1] (name 'Foo'): 'aliases' must be a list of strings, got 5",
        ),
        (
            {"name": "Foo", "parents": "Bar"},
            "companies[1] (name 'Foo'): 'parents' must be a list of names, got 'Bar'",
        ),
        ({"name": "", "aliases": []}, "companies[1]: 'name' must be a non-empty string, got ''"),
        ({"name": "Foo", "alias": ["F"]}, "companies[1] (name 'Foo'): unknown key 'alias'"),
        (
            {"name": "Foo", "parents": ["Nobody"]},
            "companies[1] (name 'Foo'): parent 'Nobody' is not a company",
        ),
        (
            {"name": "Foo", "aliases": ["GAC"]},
            "companies[1] (name 'Foo'): alias 'GAC' of 'Foo' is already used by 'GAC Group'",
        ),
        (
            {"name": "Foo", "weak_aliases": ["海尔"]},
            "alias '海尔' of 'Foo' is already used by 'Haier Group'",
        ),
        ("Foo", "companies[1]: must be a mapping"),
        ({"name": "Foo", "kind": 3}, "companies[1] (name 'Foo'): 'kind' must be a string"),
        ({"name": "Foo", "slug": "Foo Co"}, "companies[1] (name 'Foo'): 'slug' must be"),
        (
            {"name": "小马科技"},
            "companies[1] (name '小马科技'): a name without Latin letters needs",
        ),
        ({"name": "Foo", "context": "x"}, "'context' must be a list of strings, got 'x'"),
    ],
)
def test_registry_validation_names_the_entry(entry: object, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_registry(extra=[{"name": "Bar"}, entry])  # type: ignore[list-item]
    assert message in error.value.message


def test_registry_rejects_parent_cycles() -> None:
    with pytest.raises(
        ConfigError, match=r"companies\[0\] \(name 'Foo'\): 'Foo' cannot be its own parent"
    ):
        load_registry(extra=[{"name": "Foo", "parents": ["Foo"]}])
    with pytest.raises(ConfigError, match="'Foo' is its own ancestor"):
        load_registry(
            extra=[{"name": "Foo", "parents": ["Bar"]}, {"name": "Bar", "parents": ["Foo"]}]
        )


def test_registry_file_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "extra.yml"
    bad.write_text("- name: Foo\n  aliases: 5\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match=re.escape(f"{bad}[0] (name 'Foo'): 'aliases' must be a list")
    ):
        load_registry(extra_file=bad)
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_registry(extra_file=bad)


def test_default_registry_data_is_sound() -> None:
    entries = yaml.safe_load((DATA / "companies.yml").read_text(encoding="utf-8"))
    registry = load_registry()
    assert len(registry.companies) == len(entries) >= 80
    assert len({c.slug for c in registry.companies}) == len(registry.companies)
    for name in [
        "GAC Group",
        "Haier Group",
        "Chery",
        "SAIC Motor",
        "Geely",
        "SAIC-BMW",
        "BMW",
        "Baidu",
    ]:
        assert registry.get(name) is not None
    assert all(c.kind for c in registry.companies)
    with_chinese = [
        c for c in registry.companies if any(re.search("[\u4e00-\u9fff]", a) for a in c.aliases)
    ]
    assert len(with_chinese) >= 0.8 * len(registry.companies)


# --- taxonomy ---------------------------------------------------------------------------------


def test_default_taxonomy_matches_design() -> None:
    taxonomy = load_taxonomy()
    assert {t.id: t.title for t in taxonomy} == DESIGN_THEMES
    for theme in taxonomy:
        chinese = [c for c in theme.cues if re.search("[\u4e00-\u9fff]", c)]
        english = [c for c in theme.cues if c not in chinese]
        assert 10 <= len(english) <= 40, theme.id
        assert 10 <= len(chinese) <= 40, theme.id


def test_taxonomy_override_add_and_replace() -> None:
    extended = load_taxonomy(
        [
            {"id": "chips", "title": "Semiconductors"},
            {"id": "robotics", "title": "Robotics", "cues": ["humanoid robot", "机器人"]},
        ]
    )
    by_id = {t.id: t for t in extended}
    assert len(extended) == 12
    assert by_id["chips"].title == "Semiconductors" and "semiconductor" in by_id["chips"].cues
    assert by_id["robotics"].cues == ("humanoid robot", "机器人")
    replaced = load_taxonomy(
        [{"id": "robotics", "title": "Robotics", "cues": ["robot"]}], replace=True
    )
    assert [t.id for t in replaced] == ["robotics"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"id": "robotics", "title": "Robotics", "cues": 5},
            "themes[0]: 'cues' must be a list of strings, got 5",
        ),
        ({"id": "Robotics!", "title": "R", "cues": ["robot"]}, "themes[0]: 'id' must be"),
        ({"id": "robotics", "cues": ["robot"]}, "themes[0]: 'title' must be"),
        ({"id": "chips", "cue": ["x"]}, "themes[0]: unknown key 'cue'"),
    ],
)
def test_taxonomy_validation_names_the_entry(entry: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_taxonomy([entry])
    assert message in error.value.message


def test_themes_from_custom_taxonomy_and_chinese(registry: Registry) -> None:
    taxonomy = load_taxonomy(
        [{"id": "robotics", "title": "Robotics", "cues": ["humanoid robot", "机器人"]}]
    )
    source = article(
        "UBTech showed two humanoid robots at a Geely factory.",
        "The humanoid robot sorts parts on the production line.",
        title="Humanoid robots join the line",
    )
    assert tag(source, registry, taxonomy).themes[0] == "robotics"
    chinese = article(
        "比亚迪发布新一代刀片电池，并建设超充站。",
        "新电池支持兆瓦级闪充，充电5分钟续航400公里。",
        "比亚迪计划年内建成4000座超充站，并向其他品牌开放充电桩。",
        title="比亚迪发布新电池",
    )
    assert {"batteries-energy", "ev-charging"} <= set(
        tag(chinese, registry, load_taxonomy()).themes
    )


def test_article_with_no_theme(registry: Registry, themes: tuple[Theme, ...]) -> None:
    source = article(
        "Swansea lost 3-2 at Tottenham in the Premier League on Wednesday.",
        "The striker collapsed in the first half but later said he was feeling well.",
        title="Striker collapses during match",
    )
    tags = tag(source, registry, themes)
    assert tags.themes == ()
    assert tags.companies == ()


def test_one_passing_cue_is_not_a_theme(registry: Registry, themes: tuple[Theme, ...]) -> None:
    source = article(
        "Geely launched a new sedan on Monday in Hangzhou.",
        "The car has a larger trunk than its predecessor and a new battery.",
        title="Geely launches sedan",
    )
    assert "batteries-energy" not in tag(source, registry, themes).themes


# --- registry data: size, names, relations ------------------------------------------------------

CJK = re.compile("[\u4e00-\u9fff]")


def test_registry_has_200_organisations_with_ascii_slugs(registry: Registry) -> None:
    assert len(registry) >= 200
    kinds = {c.kind for c in registry.companies}
    assert {"automaker", "jv", "supplier", "battery", "chip", "ai", "cloud", "telecom"} <= kinds
    assert {"internet", "appliance", "regulator"} <= kinds
    assert sum(c.kind == "jv" for c in registry.companies) >= 20
    slugs = [c.slug for c in registry.companies]
    assert len(set(slugs)) == len(slugs)
    for company in registry.companies:
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", company.slug), company.name
        assert not company.slug.startswith("x-"), company.name  # no hash slugs
        assert company.name.isascii(), company.name


def test_no_alias_belongs_to_two_companies(registry: Registry) -> None:
    owner: dict[str, str] = {}
    for company in registry.companies:
        for key in (company.name, *company.aliases):
            folded = key.casefold()
            assert owner.setdefault(folded, company.name) == company.name, (key, owner[folded])


def test_every_parent_exists_and_chinese_names(registry: Registry) -> None:
    names = {c.name for c in registry.companies}
    for company in registry.companies:
        assert set(company.parents) <= names, company.name
    chinese = [c for c in registry.companies if any(CJK.search(a) for a in c.aliases)]
    assert len(chinese) >= 0.85 * len(registry)
    for name, simplified, traditional in [
        ("BYD", "比亚迪", "比亞迪"),
        ("SAIC Motor", "上汽集团", "上汽集團"),
        ("Haier Group", "海尔", "海爾"),
        ("GAC Group", "广汽集团", "廣汽集團"),
        ("CATL", "宁德时代", "寧德時代"),
        ("Huawei", "华为", "華為"),
    ]:
        assert {simplified, traditional} <= set(registry.chinese_names(name))
    assert registry.get("上汽") == registry.get("SAIC")
    assert registry.get("比亚迪股份有限公司") == registry.get("BYD")


def test_parents_and_children(registry: Registry) -> None:
    def parents(name: str) -> set[str]:
        company = registry.get(name)
        assert company is not None
        return set(company.parents)

    assert parents("SAIC-BMW") == {"SAIC Motor", "BMW"}
    assert parents("Haier Kaos") == {"Haier Group"}
    assert parents("Zeekr") == {"Geely"}
    assert parents("BMW Brilliance") == {"BMW", "Brilliance Auto"}
    children = {c.name for c in registry.children("Geely")}
    assert {"Zeekr", "Lynk & Co", "Volvo Cars", "Horse Powertrain"} <= children
    assert registry.ancestors("Harman") == ("Samsung Electronics",)
    assert registry.children("Nobody") == ()


# --- weak aliases, qualifiers, roundups, traditional Chinese ------------------------------------


def test_weak_aliases_need_the_company_or_its_context(registry: Registry) -> None:
    assert names(registry, "Tourists walked on the Great Wall near Beijing.") == []
    assert names(registry, "Great Wall sold 100,000 Haval SUVs.") == ["Great Wall Motor", "Haval"]
    assert names(registry, "他站在地平线上。") == []
    assert names(registry, "地平线发布征程6芯片。") == ["Horizon Robotics"]
    assert names(registry, "上汽大众与大众消费者") == ["SAIC Volkswagen"]
    assert names(registry, "大众汽车集团表示，大众将扩大投资。") == ["Volkswagen"]


def test_parent_named_only_as_the_brand_owner(
    registry: Registry, themes: tuple[Theme, ...]
) -> None:
    source = article(
        "长安汽车旗下深蓝SL03获得L3级自动驾驶准入许可，将在重庆开展试点。",
        "深蓝汽车表示，L3功能将通过OTA推送。",
        title="长安深蓝获L3准入许可",
    )
    assert tag(source, registry, themes).companies == ("Deepal",)


def test_market_roundup_keeps_its_subjects_only(
    registry: Registry, themes: tuple[Theme, ...]
) -> None:
    source = article(
        "China's passenger car sales rose 8% in October, the China Passenger Car Association "
        "(CPCA) said on Monday, as buyers rushed to use trade-in subsidies.",
        "Retail sales reached 2.24 million vehicles, the CPCA said.",
        "BYD remained the best-selling carmaker, followed by Geely, Changan, Chery and "
        "FAW-Volkswagen. Tesla's sales fell 9%. Leapmotor, Xiaomi, XPeng and Li Auto all "
        "reported higher deliveries, while NIO's sales were flat.",
        title="China's car sales rise 8% in October",
    )
    assert tag(source, registry, themes).companies == ("CPCA",)
    # The headline company becomes a subject too; the CPCA still publishes the data.
    headline = article(*source.paragraphs, title="BYD leads as China's car sales rise 8%")
    assert set(tag(headline, registry, themes).companies) == {"BYD", "CPCA"}


def test_traditional_chinese_article(registry: Registry, themes: tuple[Theme, ...]) -> None:
    source = article(
        "比亞迪位於匈牙利塞格德的乘用車工廠周二正式投產，首批本地生產車型下線，主要供應歐洲市場。",
        "比亞迪表示，海外銷量目標是2030年前佔一半，並在土耳其興建第二座海外工廠。",
        title="比亞迪匈牙利廠正式投產",
    )
    tags = tag(source, registry, themes)
    assert tags.companies == ("BYD",)
    assert tags.themes == ("overseas",)


# --- organisations the registry lacks -----------------------------------------------------------


def test_unknown_organisation_false_positives(
    registry: Registry, themes: tuple[Theme, ...]
) -> None:
    source = article(
        "The Blue Man Group played in Shanghai. The Group said it would return.",
        "Backers include 360 Security Technology Inc. and Hefei Industrial Investment Group.",
        "In August, Nanjing Foo Auto Parts Co., Ltd. opened a plant.",
        title="A busy week",
    )
    assert tag(source, registry, themes).unknown_companies == (
        "360 Security Technology Inc.",
        "Hefei Industrial Investment Group",
        "Nanjing Foo Auto Parts Co., Ltd.",
    )


def test_unknown_organisation_named_by_its_short_name(
    registry: Registry, themes: tuple[Theme, ...]
) -> None:
    english = article(
        "The company has raised 600 million yuan in a Series B round.",
        "The round was led by existing shareholders.",
        "Shanghai Lumisense Photonics Technology Co., Ltd. makes lidar sensors.",
        title="Lumisense raises 600 million yuan",
    )
    assert tag(english, registry, themes).companies == (
        "Shanghai Lumisense Photonics Technology Co., Ltd.",
    )
    chinese = article(
        "本轮由深创投领投，资金将用于储能电芯基地建设。",
        "公司创始人表示，储能正成为锂电池行业最大的增长点。",
        "深圳市速能新能源科技有限公司成立于2020年，专注于储能电池。",
        title="速能新能源完成10亿元B轮融资",
    )
    assert tag(chinese, registry, themes).companies == ("深圳市速能新能源科技有限公司",)
    passing = article(*chinese.paragraphs, title="储能行业融资升温")
    tags = tag(passing, registry, themes)
    assert tags.companies == () and tags.unknown_companies == ("深圳市速能新能源科技有限公司",)


# --- themes -----------------------------------------------------------------------------------


def test_acronym_cues_are_case_sensitive(registry: Registry, themes: tuple[Theme, ...]) -> None:
    source = article(
        "Leapmotor tops the sales chart again; it tops rivals in price.",
        "The carmaker tops the list.",
        title="Leapmotor tops the chart",
    )
    assert "chips" not in tag(source, registry, themes).themes
    chip = article(
        "The new SoC delivers 560 TOPS for driver assistance.",
        "The chip is made on a 7-nanometer process.",
        title="Horizon ships a 560 TOPS chip",
    )
    assert tag(chip, registry, themes).themes[0] == "chips"


def test_weak_cues_count_half(registry: Registry) -> None:
    strong = load_taxonomy([{"id": "places", "title": "Places", "cues": ["Hungary"]}], True)
    weak = load_taxonomy([{"id": "places", "title": "Places", "cues": ["~Hungary"]}], True)
    source = article("A plant in Hungary.", "Hungary is a market.", title="Hungary")
    assert tag(source, registry, strong).themes == ("places",)
    assert tag(source, registry, weak).themes == ()


# --- the labelled evaluation set (a regression test on the held-out half) ----------------------


def test_evaluation_set_meets_targets() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks.tagging_quality import TARGETS, evaluate, load_set

    items = load_set()
    assert len(items) >= 40
    assert {t for item in items for t in item.themes} == set(DESIGN_THEMES)
    scores, _ = evaluate(items, load_registry(), load_taxonomy())
    for split in ("heldout", "all"):
        assert scores[split].companies.f1 >= TARGETS["companies"], split
        assert scores[split].themes.f1 >= TARGETS["themes"], split
