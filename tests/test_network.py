"""The partnership network: the layout (pure geometry) and the partnership page of a real build."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

from briefgen import group, network, render_site
from briefgen.models import Brief
from briefgen.network import EdgeIn, NodeIn
from tests.test_mkdocs_plugin import (
    ALL_BRIEFS,
    PARTNERS,
    Built,
    expected_pairs,
    href,
    listed_titles,
    make_project,
    parse,
    resolve,
    run_build,
    text,
    titles_of,
)

# --- layout -------------------------------------------------------------------------------


def ring(count: int, label: str = "Company {}") -> tuple[list[NodeIn], list[EdgeIn]]:
    nodes = [NodeIn(f"c{i:02d}", label.format(i), 1 + i % 7) for i in range(count)]
    edges = [
        EdgeIn(nodes[i].key, nodes[j].key, 1 + (i * j) % 5)
        for i, j in itertools.combinations(range(count), 2)
        if (i + j) % 3 == 0
    ]
    return nodes, edges


@pytest.mark.parametrize("count", [2, 5, 12, 13, 40])
def test_layout_is_deterministic_and_inside_the_drawing(count: int) -> None:
    nodes, edges = ring(count)
    drawing = network.layout(nodes, edges)
    assert drawing == network.layout(list(reversed(nodes)), edges)  # order of input: no matter
    assert {n.key for n in drawing.nodes} == {n.key for n in nodes}
    assert len(drawing.edges) == len(edges)
    for node in drawing.nodes:
        assert node.x - node.r >= 0 and node.x + node.r <= drawing.width, node
        assert node.y - node.r >= 0 and node.y + node.r <= drawing.height, node
        assert 0 <= node.label_x <= drawing.width and 0 <= node.label_y <= drawing.height
        for value in (node.x, node.y, node.r, node.label_x, node.label_y, node.rotate):
            assert value == round(value, 1)  # rounded: the same text on every machine
    # Each company has its own place: dots never overlap.
    for a, b in itertools.combinations(drawing.nodes, 2):
        assert math.hypot(a.x - b.x, a.y - b.y) > a.r + b.r, (a.key, b.key)
    assert re.fullmatch(r"0 0 \d+ \d+", drawing.view_box)
    for edge in drawing.edges:
        numbers = re.fullmatch(r"M(\S+) (\S+)Q(\S+) (\S+) (\S+) (\S+)", edge.path)
        assert numbers is not None, edge.path
        assert all(re.fullmatch(r"-?\d+(\.\d)?", n) for n in numbers.groups())


def test_layout_draws_strong_edges_on_top_and_thicker() -> None:
    nodes, _ = ring(4)
    edges = [EdgeIn("c00", "c01", 9), EdgeIn("c02", "c03", 1), EdgeIn("c00", "c02", 3)]
    drawing = network.layout(nodes, edges)
    assert [e.weight for e in drawing.edges] == [1, 3, 9]
    widths = [e.width for e in drawing.edges]
    assert widths == sorted(widths) and widths[0] < widths[-1]


def test_labels_turn_outwards_and_never_upside_down() -> None:
    nodes, edges = ring(30)
    drawing = network.layout(nodes, edges)
    for node in drawing.nodes:
        assert -90 <= node.rotate <= 90, node  # text reads left to right
        centre_x = drawing.width / 2
        if node.anchor == "start":
            assert node.label_x >= node.x - 0.1  # right half: reads away from the dot
        else:
            assert node.anchor == "end" and node.label_x <= node.x + 0.1 and node.x < centre_x
    few = network.layout(*ring(4))
    assert all(node.rotate == 0 for node in few.nodes)  # few companies: horizontal labels
    assert {node.anchor for node in few.nodes} == {"start", "middle", "end"}


def test_circle_order_keeps_partners_together() -> None:
    # Two cliques joined by one edge: each clique stays in one run around the circle.
    left = [NodeIn(f"a{i}", f"A{i}", 1) for i in range(4)]
    right = [NodeIn(f"b{i}", f"B{i}", 1) for i in range(4)]
    edges = [EdgeIn(x.key, y.key, 2) for x, y in itertools.combinations(left, 2)]
    edges += [EdgeIn(x.key, y.key, 2) for x, y in itertools.combinations(right, 2)]
    edges.append(EdgeIn("a0", "b0", 1))
    order = "".join(node.key[0] for node in network.circle_order([*right, *left], edges))
    assert order in {"aaaabbbb", "bbbbaaaa"}


def test_pick_nodes_and_edges() -> None:
    degrees = {f"c{i:02d}": 50 - i for i in range(50)}
    weights = {key: 1 for key in degrees}
    drawn = network.pick_nodes(degrees, weights)
    assert drawn == [f"c{i:02d}" for i in range(network.MAX_NODES)]
    edges = [EdgeIn("c00", f"c{i:02d}", 5) for i in range(1, 45)]
    edges.append(EdgeIn("c38", "c39", 1))
    chosen = network.pick_edges(edges, drawn, limit=10)
    assert chosen[:10] == edges[:10]
    linked = {key for edge in chosen for key in (edge.a, edge.b)}
    assert linked == set(drawn)  # every drawn company keeps at least one edge
    assert all(edge.a in drawn and edge.b in drawn for edge in chosen)


def test_shorten_long_labels() -> None:
    assert network.shorten("BYD") == "BYD"
    assert network.shorten("China Southern Power Grid Company") == "China Southern Power…"
    assert len(network.shorten("x" * 40)) == network.LABEL_CHARS
    assert network.shorten("  two   spaces ") == "two spaces"


def test_number_formatting() -> None:
    assert [network.number(v) for v in (500.0, 12.34, -0.04, 7.05)] == ["500", "12.3", "0", "7"]


# --- the partnership page of a real build -------------------------------------------------


@pytest.fixture(scope="module")
def partnered(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = make_project(tmp_path_factory.mktemp("network"), partners=True)
    warnings = run_build(root)
    assert warnings == []
    return Built(root, root / "site", warnings)


PAGE = Path("partners") / "index.html"


def svg_of(soup: BeautifulSoup) -> Tag:
    svg = soup.select_one("main figure svg.network")
    assert svg is not None
    return svg


def test_svg_is_labelled_and_scales(partnered: Built) -> None:
    soup = parse(partnered.site / PAGE)
    svg = svg_of(soup)
    assert svg["role"] == "group"  # links inside stay links for assistive technology
    title = soup.find(id=str(svg["aria-labelledby"]))
    desc = soup.find(id=str(svg["aria-describedby"]))
    assert title is not None and title.name == "title" and title.parent is svg
    assert desc is not None and "table below" in text(desc)
    view_box = svg.get("viewBox") or svg.get("viewbox")
    assert re.fullmatch(r"0 0 \d+ \d+", str(view_box))
    skip = soup.select_one("figure a.skip-diagram")
    assert skip is not None and soup.find(id=href(skip)[1:]) is not None


def test_svg_has_a_node_per_company_with_partners(partnered: Built) -> None:
    page = partnered.site / PAGE
    svg = svg_of(parse(page))
    pairs = expected_pairs()
    partnered_companies = {name for pair in pairs for name in pair}
    nodes = svg.select("a.node")
    names = [text(node.find("title")).split(": ")[0] for node in nodes]
    assert sorted(names) == sorted(partnered_companies)
    for node, name in zip(nodes, names, strict=True):
        target = resolve(partnered.site, page, href(node))
        assert text(parse(target).find("h1")) == name
        assert node.find("circle") is not None
        label = node.find("text")
        assert label is not None and text(label) == network.shorten(name)


def test_each_edge_links_to_exactly_the_briefs_behind_it(partnered: Built) -> None:
    page = partnered.site / PAGE
    svg = svg_of(parse(page))
    pairs = expected_pairs()
    edges = svg.select("a.edge")
    assert len(edges) == len(pairs)  # a small network: every pair is drawn
    seen = set()
    for edge in edges:
        label = text(edge.find("title"))
        names, count = label.rsplit(": ", 1)
        a, b = names.split(" and ", 1) if names.count(" and ") == 1 else _split(names, pairs)
        ids = pairs[frozenset((a, b))]
        assert count == f"{len(ids)} brief{'s' if len(ids) > 1 else ''}"
        assert listed_titles(partnered.site, page, href(edge)) == titles_of(ids), label
        seen.add(frozenset((a, b)))
    assert seen == set(pairs)


def _split(names: str, pairs: dict[frozenset[str], set[str]]) -> tuple[str, str]:
    """The two companies of "A and B" when a name itself holds " and "."""
    for pair in pairs:
        a, b = sorted(pair, key=lambda n: (n.casefold(), n))
        if names == f"{a} and {b}":
            return a, b
    raise AssertionError(names)


def test_table_equals_the_edges(partnered: Built) -> None:
    page = partnered.site / PAGE
    soup = parse(page)
    svg = svg_of(soup)
    drawn = {(href(edge), text(edge.find("title"))) for edge in svg.select("a.edge")}
    rows = soup.select("table.pairs tbody tr")
    listed = set()
    for row in rows:
        a, b, count, latest = row.find_all("td")
        a_link, b_link, count_link = a.find("a"), b.find("a"), count.find("a")
        assert isinstance(a_link, Tag) and isinstance(b_link, Tag) and isinstance(count_link, Tag)
        for cell in (a_link, b_link):
            target = resolve(partnered.site, page, href(cell))
            assert text(parse(target).find("h1")) == text(cell)
        listed.add((href(count_link), f"{text(a_link)} and {text(b_link)}: {text(count_link)}"))
        assert latest.find("time") is not None
    assert listed == drawn
    headers = [text(th) for th in soup.select("table.pairs thead th")]
    assert headers == ["Company", "Partner", "Briefs", "Latest"]
    assert all(th["scope"] == "col" for th in soup.select("table.pairs thead th"))
    counts = [int(text(row.find_all("td")[2]).split()[0]) for row in rows]
    assert counts == sorted(counts, reverse=True)


def test_hostile_names_are_text_in_the_svg_and_the_table(partnered: Built) -> None:
    raw = (partnered.site / PAGE).read_text(encoding="utf-8")
    assert "<script" not in raw and "<img" not in raw
    soup = parse(partnered.site / PAGE)
    svg = svg_of(soup)
    titles = {text(t).split(": ")[0] for t in svg.select("a.node title")}
    labels = {text(t) for t in svg.select("a.node text")}
    cells = {text(a) for a in soup.select("table.pairs td a")}
    for name in PARTNERS["5a1cb3f4"].companies[:3]:
        assert name in titles and network.shorten(name) in labels and name in cells, name
    assert svg.find_all(["script", "foreignObject", "foreignobject", "img", "style"]) == []
    for tag in svg.find_all(True):
        assert not [attr for attr in tag.attrs if attr.lower().startswith("on")], tag.name


def test_partnership_page_is_linked_from_nav_and_company_pages(partnered: Built) -> None:
    target = (partnered.site / PAGE).resolve()
    for url in ("", "companies/saic-motor", "companies"):
        page = partnered.site / url / "index.html"
        soup = parse(page)
        links = [a for a in soup.select("a[href]") if not href(a).startswith(("http", "#"))]
        found = [a for a in links if resolve(partnered.site, page, href(a)) == target]
        assert found, url
        assert [text(a) for a in soup.select("header nav a") if a in found] == ["Partners"]


def test_empty_network() -> None:
    lonely = Brief(
        id="00000001",
        title="Alone",
        summary="s",
        why_it_matters="w",
        takeaways=("t",),
        added=dt.date(2026, 1, 2),
        companies=("BYD",),
        path="2026/01/alone.md",
    )
    pages = {p.src_uri: p for p in render_site.site_pages([lonely], (), [], per_page=10)}
    view = pages["partners/index.md"].context["network"]
    assert (view.nodes, view.edges, view.pairs, view.pair_total) == ((), (), (), 0)


# --- scale --------------------------------------------------------------------------------


def synthetic(count: int, companies: int, seed: int = 1) -> list[Brief]:
    """`count` briefs naming 1-4 of `companies` companies (a few popular, many rare)."""
    import random

    rng = random.Random(seed)
    names = [f"Company {i:03d}" for i in range(companies)]
    weights = [1 / (i + 1) for i in range(companies)]
    briefs = []
    for i in range(count):
        chosen = tuple(dict.fromkeys(rng.choices(names, weights, k=rng.randint(1, 4))))
        briefs.append(
            Brief(
                id=f"{i:08x}",
                title=f"Brief {i}",
                summary="s",
                why_it_matters="w",
                takeaways=("t",),
                added=dt.date(2026, 1, 1) + dt.timedelta(days=i % 700),
                companies=chosen,
                themes=("policy",),
                path=f"2026/01/b{i}.md",
            )
        )
    return briefs


def test_the_partnership_page_stays_small_at_scale() -> None:
    briefs = synthetic(10_000, 300)
    plan = render_site.plan_site(briefs, (), [], per_page=50)
    pages = {p.src_uri: p for p in plan.pages}
    view = pages["partners/index.md"].context["network"]
    assert len(view.nodes) == network.MAX_NODES
    assert len(view.edges) <= network.MAX_EDGES + network.MAX_NODES
    assert render_site.PAIRS_LISTED <= len(view.pairs) <= render_site.PAIRS_LISTED + len(view.edges)
    assert view.pair_total > len(view.pairs)
    drawn = {(e.pair.a.title, e.pair.b.title) for e in view.edges}
    assert drawn <= {(p.a.title, p.b.title) for p in view.pairs}  # the table holds every edge
    assert len(view.others) == view.company_total - network.MAX_NODES
    # Pair pages only for pairs named in more than one brief.
    pair_pages = [p for p in pages if p.startswith("partners/") and p != "partners/index.md"]
    several = [p for p in group.pairs(briefs) if len(p.briefs) > 1]
    assert len({p.split("/page/")[0].removesuffix(".md") for p in pair_pages}) == len(several)


def test_edges_and_pairs_agree_with_the_briefs() -> None:
    briefs = synthetic(500, 40)
    found = {(p.a, p.b): {b.id for b in p.briefs} for p in group.pairs(briefs)}
    expected: dict[tuple[str, str], set[str]] = {}
    for brief in briefs:
        for a, b in itertools.combinations(sorted(brief.companies), 2):
            expected.setdefault((a, b), set()).add(brief.id)
    assert found == expected
    plan = render_site.plan_site(briefs, (), [], per_page=50)
    view = {p.src_uri: p for p in plan.pages}["partners/index.md"].context["network"]
    for edge in view.edges:
        ids = found[(edge.pair.a.title, edge.pair.b.title)]
        assert edge.pair.count == len(ids)
        if len(ids) == 1:
            assert edge.pair.brief is not None and edge.pair.url == edge.pair.brief.url
        else:
            assert edge.pair.url.startswith("partners/") and edge.pair.brief is None


def test_fixture_pairs() -> None:
    """What the tests above expect of the fixture: pairs named in two briefs, one of them
    through Chinese aliases (上汽 + 宁德时代)."""
    pairs = expected_pairs()
    assert pairs[frozenset(("BMW", "SAIC Motor"))] == {"5a1cb3f0", "5a1cb3f1"}
    assert pairs[frozenset(("CATL", "SAIC Motor"))] == {"5a1cb3f2", "5a1cb3f3"}
    assert len(ALL_BRIEFS) == 10
