"""The partnership network drawn at build time: which companies to draw, where, and the curves
between them. Pure geometry: no markup (the site theme draws the SVG from a `Drawing`, with
autoescaping), no randomness, and coordinates rounded so that every build on every machine
writes the same bytes.

The layout is circular: companies sit on a circle in an order that keeps partners next to each
other (`circle_order`), labels point outwards, and each partnership is a curve bowed towards
the centre, thicker for more briefs. Every company has its own slot on the circle, so neither
dots nor labels overlap, however many partnerships there are.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MAX_NODES = 40
"""Companies drawn: the ones with the most partners (the rest are listed in a table)."""
MAX_EDGES = 120
"""Partnerships drawn between them: the strongest, plus each drawn company's strongest one."""
LABEL_CHARS = 22
"""Longer names are shortened in the drawing (with "…"); the link's title has the full name."""

_FONT = 14.0  # label font size in viewBox units (set in the CSS too)
_GAP = 8.0  # between a dot and its label
_MIN_DOT, _MAX_DOT = 4.0, 12.0
_MIN_LINE, _MAX_LINE = 1.5, 8.0
_HORIZONTAL_UP_TO = 12  # with few companies, labels stay horizontal


@dataclass(frozen=True)
class NodeIn:
    """A company to draw: `key` identifies it in edges; `weight` sizes its dot (its briefs)."""

    key: str
    label: str
    weight: int


@dataclass(frozen=True)
class EdgeIn:
    """A partnership between two drawn companies, `weight` briefs strong."""

    a: str
    b: str
    weight: int


@dataclass(frozen=True)
class PlacedNode:
    key: str
    label: str
    """The label as drawn (shortened with "…" when long)."""
    x: float
    y: float
    r: float
    label_x: float
    label_y: float
    anchor: str
    """`start`, `middle` or `end`: the SVG `text-anchor` of the label."""
    rotate: float
    """Degrees the label turns about (`label_x`, `label_y`); 0 for a horizontal label."""


@dataclass(frozen=True)
class PlacedEdge:
    a: str
    b: str
    weight: int
    path: str
    """SVG path data: a quadratic curve from `a` to `b` (numbers only)."""
    width: float


@dataclass(frozen=True)
class Drawing:
    """Companies placed on a circle and the curves between them, in drawing order (thinnest
    curves first, so strong partnerships are on top)."""

    width: float
    height: float
    nodes: tuple[PlacedNode, ...]
    edges: tuple[PlacedEdge, ...]

    @property
    def view_box(self) -> str:
        return f"0 0 {number(self.width)} {number(self.height)}"


def pick_nodes(
    degrees: Mapping[str, int], weights: Mapping[str, int], limit: int = MAX_NODES
) -> list[str]:
    """The `limit` companies with the most partners (then the most briefs, then by key)."""
    ranked = sorted(degrees, key=lambda key: (-degrees[key], -weights.get(key, 0), key))
    return ranked[:limit]


def pick_edges(
    edges: Sequence[EdgeIn], drawn: Sequence[str], limit: int = MAX_EDGES
) -> list[EdgeIn]:
    """Of the edges between drawn companies (given strongest first), the first `limit`, plus
    the strongest edge of every drawn company left without one: no dot is drawn alone."""
    inside = set(drawn)
    between = [edge for edge in edges if edge.a in inside and edge.b in inside]
    chosen = between[:limit]
    linked = {key for edge in chosen for key in (edge.a, edge.b)}
    for edge in between[limit:]:
        if edge.a not in linked or edge.b not in linked:
            chosen.append(edge)
            linked.update((edge.a, edge.b))
    return chosen


def circle_order(nodes: Sequence[NodeIn], edges: Sequence[EdgeIn]) -> list[NodeIn]:
    """An order around the circle that keeps partners together.

    Greedy: start with the company with the strongest ties; then, again and again, take the
    company most tied to the last few placed (recent ones count more), or when none is, the one
    with the strongest ties left. Deterministic: ties are broken by key.
    """
    ties: dict[str, dict[str, int]] = defaultdict(dict)
    for edge in edges:
        ties[edge.a][edge.b] = ties[edge.a].get(edge.b, 0) + edge.weight
        ties[edge.b][edge.a] = ties[edge.b].get(edge.a, 0) + edge.weight
    strength = {node.key: sum(ties[node.key].values()) for node in nodes}
    left = {node.key: node for node in nodes}
    order: list[NodeIn] = []
    recent: list[str] = []
    while left:
        scores: dict[str, float] = defaultdict(float)
        for age, key in enumerate(reversed(recent[-3:])):
            for other, weight in ties[key].items():
                if other in left:
                    scores[other] += weight / (age + 1)
        if scores:
            best = max(scores, key=lambda k: (scores[k], strength[k], _reverse(k)))
        else:
            best = max(left, key=lambda k: (strength[k], left[k].weight, _reverse(k)))
        order.append(left.pop(best))
        recent.append(best)
    return order


def _reverse(key: str) -> tuple[int, ...]:
    """Sorts keys in reverse (a prefix after the longer key), so that `max` picks the smallest
    key among equals."""
    return (*(-ord(ch) for ch in key), 1)


def layout(nodes: Sequence[NodeIn], edges: Sequence[EdgeIn]) -> Drawing:
    """Place `nodes` on a circle (in `circle_order`) with their labels outside it, and draw each
    edge as a curve bowed towards the centre. The drawing is cropped to what it holds."""
    ordered = circle_order(nodes, edges)
    count = len(ordered)
    horizontal = count <= _HORIZONTAL_UP_TO
    # Big enough for a label's height between neighbours on the circle.
    radius = 220.0 if horizontal else max(220.0, 7.5 * count)
    heaviest = max((node.weight for node in ordered), default=1) or 1
    out = radius + _MAX_DOT + _GAP
    raw = []  # (node, label, x, y, r, label_x, label_y, anchor, rotate), centred on (0, 0)
    box = _Box()
    for index, node in enumerate(ordered):
        angle = -math.pi / 2 + 2 * math.pi * index / max(count, 1)
        # Rounded once: every later step is exact arithmetic on these, the same everywhere.
        cos, sin = _round(math.cos(angle), 6), _round(math.sin(angle), 6)
        label = shorten(node.label)
        length = _label_width(label)
        x, y = radius * cos, radius * sin
        r = _MIN_DOT + (_MAX_DOT - _MIN_DOT) * math.sqrt(node.weight / heaviest)
        box.add(x - r, y - r)
        box.add(x + r, y + r)
        label_x, label_y = out * cos, out * sin
        half = _FONT * 0.6
        if horizontal:
            rotate = 0.0
            if abs(cos) < 0.2:  # at the top or bottom: centred above or below the dot
                anchor = "middle"
                label_y += half * (1 if sin > 0 else -1)
                box.add(label_x - length / 2, label_y - half)
                box.add(label_x + length / 2, label_y + half)
            else:
                anchor = "start" if cos > 0 else "end"
                box.add(label_x, label_y - half)
                box.add(label_x + (length if cos > 0 else -length), label_y + half)
        else:
            # Along the radius, reading outwards; on the left half turned the other way round
            # (anchored at its end), so that no label is upside down.
            degrees = math.degrees(angle)
            anchor, rotate = ("start", degrees) if cos >= 0 else ("end", degrees + 180)
            far_x, far_y = label_x + length * cos, label_y + length * sin
            for px, py in ((label_x, label_y), (far_x, far_y)):
                box.add(px - half * sin, py + half * cos)
                box.add(px + half * sin, py - half * cos)
        raw.append((node, label, x, y, r, label_x, label_y, anchor, _normal_degrees(rotate)))
    margin = 12.0
    shift_x, shift_y = margin - box.min_x, margin - box.min_y
    placed: dict[str, PlacedNode] = {}
    for node, label, x, y, r, label_x, label_y, anchor, rotate in raw:
        placed[node.key] = PlacedNode(
            key=node.key,
            label=label,
            x=_round(x + shift_x, 1),
            y=_round(y + shift_y, 1),
            r=_round(r, 1),
            label_x=_round(label_x + shift_x, 1),
            label_y=_round(label_y + shift_y, 1),
            anchor=anchor,
            rotate=_round(rotate, 1),
        )
    centre_x, centre_y = shift_x, shift_y
    strongest = max((edge.weight for edge in edges), default=1) or 1
    drawn_edges = []
    for edge in sorted(edges, key=lambda e: e.weight):  # stable: thin first, strong on top
        a, b = placed[edge.a], placed[edge.b]
        mid_x, mid_y = (a.x + b.x) / 2, (a.y + b.y) / 2
        # Bow towards the centre: a chord across the circle passes near it, neighbours' curve
        # stays close to the rim.
        pull = 0.15 + 0.7 * math.hypot(mid_x - centre_x, mid_y - centre_y) / radius
        control_x = centre_x + (mid_x - centre_x) * pull
        control_y = centre_y + (mid_y - centre_y) * pull
        line = _MIN_LINE + (_MAX_LINE - _MIN_LINE) * math.sqrt(
            (edge.weight - 1) / max(strongest - 1, 1)
        )
        path = "M{} {}Q{} {} {} {}".format(
            *(number(v) for v in (a.x, a.y, control_x, control_y, b.x, b.y))
        )
        drawn_edges.append(PlacedEdge(edge.a, edge.b, edge.weight, path, _round(line, 1)))
    width = box.max_x - box.min_x + 2 * margin if raw else 0.0
    height = box.max_y - box.min_y + 2 * margin if raw else 0.0
    return Drawing(
        _round(math.ceil(width), 1),
        _round(math.ceil(height), 1),
        tuple(placed[node.key] for node in ordered),
        tuple(drawn_edges),
    )


class _Box:
    """The smallest rectangle holding the points added."""

    def __init__(self) -> None:
        self.min_x = self.min_y = math.inf
        self.max_x = self.max_y = -math.inf

    def add(self, x: float, y: float) -> None:
        self.min_x, self.max_x = min(self.min_x, x), max(self.max_x, x)
        self.min_y, self.max_y = min(self.min_y, y), max(self.max_y, y)


def shorten(label: str, limit: int = LABEL_CHARS) -> str:
    """`label`, or its first words up to `limit` characters and "…"."""
    label = " ".join(label.split())
    if len(label) <= limit:
        return label
    cut = label[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.-&") + "…"


def _label_width(label: str) -> float:
    """About how wide `label` is drawn, erring wide: the drawing is cropped to its labels."""
    return sum(_char_width(ch) for ch in label) * _FONT


def _char_width(ch: str) -> float:
    if ord(ch) >= 0x2E80:  # CJK and other wide characters
        return 1.0
    if ch.isupper() or ch in "mwMW@%&":
        return 0.7
    if ch in " .,:;'!|il":
        return 0.3
    return 0.58


def _normal_degrees(value: float) -> float:
    while value > 180:
        value -= 360
    while value <= -180:
        value += 360
    return value


def _round(value: float, digits: int) -> float:
    rounded = round(value, digits)
    return 0.0 if rounded == 0 else rounded  # no "-0.0"


def number(value: float) -> str:
    """A coordinate as SVG text: one decimal at most, no trailing ".0"."""
    text = f"{_round(value, 1):.1f}"
    return text[:-2] if text.endswith(".0") else text
