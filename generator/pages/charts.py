"""Charts and the map as geometry: Python computes every coordinate, the templates only draw SVG.

Colours are CSS classes (``c0`` ... ``c23``), never style attributes, so a strict content security
policy and the dark colour scheme both work.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

PALETTE_SIZE = 24
CHART_WIDTH = 760
LABEL_WIDTH = 300
BAR_HEIGHT = 22
BAR_GAP = 6
LABEL_CHARS = 38
MAP_WIDTH = 1000
MAP_HEIGHT = 700
MAP_MARGIN = 24
HEAT_LEVELS = 5


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value, optional link target and geometry."""

    label: str
    full_label: str
    value: int
    href: str | None
    y: float
    width: float
    colour: str


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart with a label column."""

    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int
    bar_height: int


@dataclass(frozen=True)
class HeatCell:
    """One cell of the overlap matrix: a pair of collections and the papers they share."""

    x: float
    y: float
    value: int
    level: int
    diagonal: bool
    description: str


@dataclass(frozen=True)
class OverlapChart:
    """The collections against each other: how many papers each pair shares."""

    labels: tuple[tuple[str, str, str], ...]  # (number, title, href)
    cells: tuple[HeatCell, ...]
    cell: int
    offset: int
    size: int


@dataclass(frozen=True)
class MapPoint:
    """One paper on the map."""

    x: float
    y: float
    href: str
    title: str
    colour: str
    label_x: float
    label_anchor: str


@dataclass(frozen=True)
class MapLabel:
    """A topic's name, placed at the middle of its papers."""

    x: float
    y: float
    text: str
    href: str
    colour: str


@dataclass(frozen=True)
class MapView:
    """The whole map: points, topic labels, legend, drawing size and point radius."""

    points: tuple[MapPoint, ...]
    labels: tuple[MapLabel, ...]
    width: int
    height: int
    radius: float


def colour_class(index: int | None) -> str:
    """The CSS class of the palette colour for a topic's position, ``none`` without a topic."""
    return "none" if index is None else f"c{index % PALETTE_SIZE}"


def shorten(text: str, limit: int = LABEL_CHARS) -> str:
    """The text cut at a word boundary with an ellipsis when longer than ``limit``."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def bar_chart(items: list[tuple[str, int, str | None, str]]) -> BarChart:
    """A bar chart of (label, value, link, colour class) items, in the order given."""
    top = max((value for _, value, _, _ in items), default=0) or 1
    scale = (CHART_WIDTH - LABEL_WIDTH - 60) / top
    bars = tuple(
        Bar(
            label=shorten(label),
            full_label=label,
            value=value,
            href=href,
            y=index * (BAR_HEIGHT + BAR_GAP),
            width=round(max(value * scale, 1.0), 1),
            colour=colour,
        )
        for index, (label, value, href, colour) in enumerate(items)
    )
    height = max(1, len(bars) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP)
    return BarChart(bars, CHART_WIDTH, height, LABEL_WIDTH, BAR_HEIGHT)


def overlap_chart(
    collections: list[tuple[str, str]], shared: dict[tuple[int, int], int]
) -> OverlapChart:
    """The overlap matrix of (title, href) collections; ``shared[i, j]`` papers in both i and j."""
    count = len(collections)
    cell = 64
    offset = 40
    off_diagonal = [v for (i, j), v in shared.items() if i != j]
    top = max(off_diagonal, default=0) or 1
    cells = []
    for i in range(count):
        for j in range(count):
            value = shared.get((i, j), 0)
            diagonal = i == j
            level = (
                0
                if diagonal or not value
                else 1 + min(HEAT_LEVELS - 1, int((HEAT_LEVELS - 1) * value / top))
            )
            description = (
                f"{collections[i][0]}: {value} papers"
                if diagonal
                else f"{collections[i][0]} and {collections[j][0]}: {value} papers in both"
            )
            cells.append(
                HeatCell(offset + j * cell, offset + i * cell, value, level, diagonal, description)
            )
    labels = tuple((str(n + 1), title, href) for n, (title, href) in enumerate(collections))
    return OverlapChart(labels, tuple(cells), cell, offset, offset + count * cell)


def map_view(
    points: list[tuple[float, float, str, str, int | None]],
    labels: list[tuple[float, float, str, str, int]],
) -> MapView:
    """The map drawing: (x, y, href, title, topic index) points in the unit square, topic labels."""
    # One scale for both axes, so distances mean the same across and down; a paper at (0.5, 0.5)
    # lands at the middle of the drawing.
    scale = min(MAP_WIDTH, MAP_HEIGHT) - 2 * MAP_MARGIN

    def place(x: float, y: float) -> tuple[float, float]:
        return (
            round(MAP_WIDTH / 2 + (x - 0.5) * scale * MAP_WIDTH / MAP_HEIGHT, 1),
            round(MAP_HEIGHT / 2 + (0.5 - y) * scale, 1),
        )

    radius = round(min(5.0, max(1.5, 5.0 * math.sqrt(500 / max(len(points), 1)))), 1)
    drawn = []
    for x, y, href, title, topic in points:
        px, py = place(x, y)
        # Hover labels open towards the middle, so they stay inside the drawing.
        left = px > MAP_WIDTH / 2
        drawn.append(
            MapPoint(
                px,
                py,
                href,
                title,
                colour_class(topic),
                px - 8 if left else px + 8,
                "end" if left else "start",
            )
        )
    placed: list[MapLabel] = []
    boxes: list[tuple[float, float, float, float]] = []
    for x, y, text, href, topic in labels:
        px, py = place(x, y)
        # Keep the whole label inside the drawing (about 7.5 px per character at its size).
        half = len(text) * 3.8 + 6
        px = min(max(px, half), MAP_WIDTH - half)
        # Move a label up or down, a line at a time, until it overlaps none placed before it.
        for shift in (0, 16, -16, 32, -32, 48, -48, 64, -64):
            top = min(max(py + shift, 18.0), MAP_HEIGHT - 8.0)
            box = (px - half, top - 13.0, px + half, top + 3.0)
            if not any(_overlap(box, other) for other in boxes):
                break
        boxes.append(box)
        placed.append(MapLabel(round(px, 1), round(top, 1), text, href, colour_class(topic)))
    return MapView(tuple(drawn), tuple(placed), MAP_WIDTH, MAP_HEIGHT, radius)


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
