"""Scale benchmark: full build, no-change rebuild and add-one rebuild at N briefs, against MkDocs.

Generates N realistic articles (English and ~5% Chinese, 200-700 words, companies from the
registry, themes from the taxonomy, dates spread over two years), then measures in one run,
each step in its own process (wall time and peak memory):

1. `briefgen build` from an empty `briefings/` (ingest + summarise + site + digest);
2. `briefgen build` again with nothing changed;
3. `briefgen build` after adding one article;
4. the baseline: plain `mkdocs build` (default theme, MkDocs' default nav) of a site with the
   same pages (the brief files step 1 wrote), and the same with the briefs left out of the nav.

Timings are reported as ratios against the baseline run in the same session, because the
machine is shared and noisy. Usage: `python benchmarks/scale.py --n 1000 [--n 10000]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "src" / "briefgen" / "data"

EN_OPENINGS = [
    "{a} and {b} signed a strategic cooperation agreement in {city} on {weekday}, "
    "pledging to jointly develop {topic} for the Chinese market.",
    "{a} said it will invest {money} yuan with {b} to build {topic}, the companies announced "
    "at a ceremony in {city}.",
    "{a} has agreed to supply {topic} to {b} under a {years}-year deal worth about {money} "
    "yuan, according to a statement released on {weekday}.",
]
EN_BODY = [
    "The partnership covers {topic}, with the first products expected to reach customers in "
    "{year}.",
    "Under the agreement, {b} will contribute its engineering teams while {a} provides {topic}.",
    "Analysts said the deal could lift {a}'s annual revenue by {pct}% within three years.",
    "The two companies already cooperate on {topic2}, and plan to set up a joint lab in {city}.",
    "{a} shipped {units} vehicles last year, up {pct}% from a year earlier.",
    "{b} said the cooperation is part of a broader push into {topic2} and overseas markets.",
    "The agreement also includes a plan to share data platforms and charging networks across "
    "{count} cities.",
    "Executives from both sides attended the signing, including the chairman of {a}.",
    "Industry observers expect more cross-industry alliances as competition in electric "
    "vehicles intensifies.",
    "Shares of {a} rose {pct}% in {city} trading after the announcement.",
    "Regulators have encouraged such partnerships to speed up the adoption of {topic}.",
    "The companies did not disclose the financial terms of the {topic2} part of the deal.",
    "{b} has been expanding its automotive business since {year0}, when it first supplied "
    "components to local carmakers.",
    "The first jointly developed model is scheduled to go on sale in {city} before the end of "
    "{year}, priced below 200,000 yuan.",
    "Sales of new energy vehicles in China rose {pct}% last month, according to industry data.",
    "{a} expects the venture to employ about {count}0 engineers by {year}.",
    "Price competition has squeezed margins across the industry, pushing carmakers to look for "
    "partners outside the auto sector.",
    "The deal follows a similar agreement between {b} and another domestic automaker last year.",
    "A spokesperson for {b} said more details would be released at the {city} auto show.",
    "The companies will also explore exports of the jointly developed systems to Southeast Asia "
    "and Europe.",
    "Both firms said they would keep their existing supplier relationships unchanged.",
    "The {topic} market in China is forecast to exceed {money} billion yuan by {year}.",
    "{a} has committed {money} million yuan to research and development this year, a record.",
    "Local government officials in {city} welcomed the investment, which they said would create "
    "jobs and attract suppliers.",
]
ZH_OPENINGS = [
    "{a}与{b}于{month}月{day}日在{city_zh}签署战略合作协议，双方将围绕{topic_zh}展开深度合作。",
    "{a}宣布将联合{b}投资{money}亿元，共同建设{topic_zh}项目。",
]
ZH_BODY = [
    "根据协议，双方将在{topic_zh}、智能座舱和数据平台等领域开展合作。",
    "业内人士认为，此次合作有望推动{topic_zh}加速落地。",
    "{a}去年销量达到{units}辆，同比增长{pct}%。",
    "{b}表示，将发挥自身在人工智能和云计算方面的优势，助力汽车产业数字化转型。",
    "双方还计划在{city_zh}设立联合实验室，预计{year}年投入使用。",
    "分析人士指出，跨界合作正在成为中国汽车行业的新趋势。",
    "此前，双方已在{topic2_zh}方面有过多次合作。",
]
TOPICS = [
    ("smart cockpit systems", "智能座舱"),
    ("autonomous driving software", "自动驾驶"),
    ("smart home connectivity", "智能家居互联"),
    ("solid-state batteries", "固态电池"),
    ("automotive chips", "车规级芯片"),
    ("fast-charging networks", "超充网络"),
    ("large AI models", "大模型"),
    ("industrial internet platforms", "工业互联网平台"),
]
CITIES = [("Shanghai", "上海"), ("Shenzhen", "深圳"), ("Hefei", "合肥"), ("Guangzhou", "广州")]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


EVAL = REPO.parent / "shared" / "eval" / "news_summaries.jsonl"


def _sentence_pool() -> list[str]:
    """Real news sentences (the CNN evaluation articles beside the repository), so that bodies
    differ from article to article as real ones do: templated bodies would all look like one
    story to the near-duplicate detector. Empty when the file is not there."""
    if not EVAL.is_file():
        return []
    pool = []
    for line in EVAL.read_text(encoding="utf-8").splitlines():
        text = json.loads(line)["article"].replace("(CNN)", "")
        for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text):
            if 8 <= len(sentence.split()) <= 40 and '"' not in sentence:
                pool.append(sentence.strip())
    return pool


def _chinese_pool() -> list[str]:
    """Chinese news sentences from the tagging evaluation set, for the same reason."""
    pool = []
    for path in sorted((REPO / "tests" / "data" / "tagging").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        if sum("\u4e00" <= ch <= "\u9fff" for ch in text) > len(text) / 3:
            pool += [s + "。" for s in re.split(r"[。！？]", text) if 15 <= len(s.strip()) <= 90]
    return [s.strip() for s in pool if "\n" not in s.strip()]


_CHINESE: list[str] | None = None


def _chinese_pool_cached() -> list[str]:
    global _CHINESE
    if _CHINESE is None:
        _CHINESE = _chinese_pool()
    return _CHINESE


def _companies() -> list[tuple[str, str | None]]:
    """(English name, Chinese alias or None) from the shipped registry."""
    entries = yaml.safe_load((DATA / "companies.yml").read_text(encoding="utf-8"))
    if isinstance(entries, dict):
        entries = entries.get("companies", [])
    result = []
    for entry in entries:
        if entry.get("kind") in ("regulator", "association"):
            continue
        chinese = next((a for a in entry.get("aliases", []) if not a.isascii()), None)
        result.append((entry["name"], chinese))
    return result


def generate_article(
    rng: random.Random,
    index: int,
    companies: list[tuple[str, str | None]],
    pool: Sequence[str] = (),
) -> str:
    """One pasted-from-the-web article: title, outlet and date lines, then the body."""
    (a, a_zh), (b, b_zh) = rng.sample(companies, 2)
    date = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(730))
    topic, topic_zh = rng.choice(TOPICS)
    topic2, topic2_zh = rng.choice(TOPICS)
    city, city_zh = rng.choice(CITIES)
    values = {
        "a": a, "b": b, "city": city, "city_zh": city_zh, "topic": topic, "topic2": topic2,
        "topic_zh": topic_zh, "topic2_zh": topic2_zh, "weekday": rng.choice(WEEKDAYS),
        "money": f"{rng.randint(2, 900)}", "years": rng.randint(2, 10), "year": date.year + 1,
        "year0": date.year - rng.randint(2, 12),
        "pct": rng.randint(2, 60), "units": f"{rng.randint(10, 3000) * 1000:,}",
        "count": rng.randint(5, 300), "month": date.month, "day": date.day,
    }  # fmt: skip
    if index % 20 == 19 and a_zh and b_zh:  # ~5% Chinese
        values.update(a=a_zh, b=b_zh)
        chinese = _chinese_pool_cached()
        body = [rng.choice(ZH_OPENINGS), *rng.sample(ZH_BODY, k=3)]
        if chinese:
            body += rng.sample(chinese, k=min(len(chinese), rng.randint(6, 12)))
        title = f"{a_zh}与{b_zh}签署{topic_zh}战略合作协议"
        header = [title, "", f"来源：汽车日报 {date.year}年{date.month}月{date.day}日", ""]
    else:
        sentences = [rng.choice(EN_OPENINGS), *rng.sample(EN_BODY, k=rng.randint(3, 6))]
        if pool:  # mostly real news sentences, a few about the companies
            sentences += rng.sample(pool, k=rng.randint(8, 18))
            sentences[1:] = rng.sample(sentences[1:], k=len(sentences) - 1)
        else:
            sentences += rng.sample(EN_BODY, k=rng.randint(6, 12))
        body = [" ".join(sentences[i : i + 2]) for i in range(0, len(sentences), 2)]
        title = f"{a} and {b} team up on {topic} (#{index})"
        header = [title, "", "Auto Industry Daily", f"{date:%b} {date.day}, {date.year}", ""]
    paragraphs = [p.format(**values) for p in body]
    return "\n".join(header) + "\n" + "\n\n".join(paragraphs) + "\n"


@dataclass
class Step:
    name: str
    seconds: float
    peak_mb: float


def run_step(name: str, command: list[str], cwd: Path) -> Step:
    """Run a command in its own process; wall time and that process tree's peak RSS."""
    probe = (
        "import resource, subprocess, sys; "
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "sys.stderr.write(r.stderr[-2000:] if r.returncode else ''); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)"
    )
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", probe, *command], cwd=cwd, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr}")
    return Step(name, seconds, int(done.stdout.split()[-1]) / 1024)


def make_project(root: Path, n: int, seed: int) -> None:
    root.mkdir(parents=True)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "templates", root / "templates")
    (root / "briefings").mkdir()
    seeds = root / "seeds"
    seeds.mkdir()
    rng = random.Random(seed)
    companies, pool = _companies(), _sentence_pool()
    for i in range(n):
        article = generate_article(rng, i, companies, pool)
        (seeds / f"{i:05d}.txt").write_text(article, encoding="utf-8")


def make_baseline(project: Path, root: Path, *, briefs_in_nav: bool) -> None:
    """A plain MkDocs project (default theme) with the same pages as the briefgen site."""
    docs = root / "docs"
    shutil.copytree(project / "briefings", docs)
    (docs / "index.md").write_text("# Briefs\n", encoding="utf-8")
    config = {"site_name": "Baseline", "site_url": "https://example.com/", "theme": "mkdocs"}
    if not briefs_in_nav:
        config.update(nav=["index.md"], not_in_nav="/*/")
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")


def bench(n: int, seed: int, work: Path, skip_nav_baseline: bool) -> dict[str, object]:
    project = work / f"project-{n}"
    make_project(project, n, seed)
    briefgen = [str(Path(sys.executable).parent / "briefgen"), "--quiet", "build"]
    mkdocs = [str(Path(sys.executable).parent / "mkdocs"), "build", "--quiet"]
    env_date = {"BRIEFGEN_TODAY": "2026-11-21"}
    import os

    os.environ.update(env_date)
    steps = [run_step("full build", briefgen, project)]
    steps.append(run_step("no-change rebuild", briefgen, project))
    extra = project / "seeds" / "zz-extra.txt"
    extra_article = generate_article(random.Random(seed + 1), n, _companies(), _sentence_pool())
    extra.write_text(extra_article, encoding="utf-8")
    steps.append(run_step("add-one rebuild", briefgen, project))
    lean = work / f"baseline-lean-{n}"
    make_baseline(project, lean, briefs_in_nav=False)
    steps.append(run_step("mkdocs build, briefs out of nav", mkdocs, lean))
    if not skip_nav_baseline:
        plain = work / f"baseline-{n}"
        make_baseline(project, plain, briefs_in_nav=True)
        steps.append(run_step("mkdocs build (default nav)", mkdocs, plain))
    return {"n": n, "steps": [step.__dict__ for step in steps]}


def report(result: dict[str, object]) -> str:
    steps = result["steps"]
    assert isinstance(steps, list)
    baseline = next(s for s in steps if s["name"].startswith("mkdocs build, briefs out"))
    full = steps[0]
    lines = [
        f"\n## N = {result['n']}\n",
        "| step | wall s | vs lean mkdocs | vs full build | peak MB |",
        "|---|---:|---:|---:|---:|",
    ]
    for s in steps:
        lines.append(
            f"| {s['name']} | {s['seconds']:.1f} | {s['seconds'] / baseline['seconds']:.2f}x "
            f"| {full['seconds'] / s['seconds']:.1f}x faster | {s['peak_mb']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, action="append", help="articles (repeatable)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the generated projects")
    parser.add_argument(
        "--skip-nav-baseline", action="store_true", help="skip the quadratic default-nav baseline"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="briefgen-scale-"))
    results = []
    try:
        for n in args.n or [1000]:
            result = bench(n, args.seed, work, args.skip_nav_baseline)
            results.append(result)
            print(report(result), flush=True)
    finally:
        if args.keep:
            print(f"\nprojects kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
