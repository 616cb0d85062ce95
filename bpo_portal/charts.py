"""Charts drawn on the server as SVG: the same picture in the PDF report and the
results page, no JavaScript, nothing fetched. Plain numbers in, SVG text out."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

# Colour-blind-safe palette (Okabe & Ito, 2008), darkest first for contrast.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)
FONT = "Source Sans 3, DejaVu Sans, sans-serif"


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


@dataclass(frozen=True)
class StackedBar:
    label: str
    segments: Sequence[float]  # one value per series, in points


def stacked_bar_chart(
    bars: Sequence[StackedBar],
    series: Sequence[str],
    *,
    title: str,
    maximum: float = 100.0,
    width: int = 640,
    bar_height: int = 22,
    label_width: int = 170,
) -> str:
    """Horizontal stacked bars (one per vendor) of weighted contributions per criterion."""
    gap = 10
    top = 10
    legend_rows = math.ceil(len(series) / 4) if series else 0
    plot_width = width - label_width - 50
    height = top + len(bars) * (bar_height + gap) + 30 + legend_rows * 20
    scale = plot_width / maximum if maximum > 0 else 0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{_attr(title)}" '
        f'font-family="{_attr(FONT)}" font-size="12">',
        f"<title>{escape(title)}</title>",
    ]
    # grid lines at 0, 25, 50, 75, 100 % of the maximum
    axis_y = top + len(bars) * (bar_height + gap)
    for step in range(5):
        value = maximum * step / 4
        x = label_width + value * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{axis_y}" stroke="#d0d4d9" '
            'stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{axis_y + 14}" text-anchor="middle" fill="#444">'
            f"{value:.0f}</text>"
        )
    for row, bar in enumerate(bars):
        y = top + row * (bar_height + gap)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + bar_height * 0.68:.1f}" text-anchor="end" '
            f'fill="#111">{escape(_truncate(bar.label, 26))}</text>'
        )
        x = float(label_width)
        for index, value in enumerate(bar.segments):
            w = max(value, 0.0) * scale
            if w <= 0:
                continue
            name = series[index] if index < len(series) else f"Series {index + 1}"
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_height}" '
                f'fill="{colour(index)}"><title>{escape(name)}: {value:.1f}</title></rect>'
            )
            x += w
        total = sum(max(v, 0.0) for v in bar.segments)
        parts.append(
            f'<text x="{x + 6:.1f}" y="{y + bar_height * 0.68:.1f}" fill="#111" '
            f'font-weight="600">{total:.1f}</text>'
        )
    legend_top = axis_y + 30
    for index, name in enumerate(series):
        col, line = index % 4, index // 4
        lx = label_width + col * (plot_width / 4)
        ly = legend_top + line * 20
        parts.append(
            f'<rect x="{lx:.1f}" y="{ly - 10}" width="12" height="12" fill="{colour(index)}"/>'
        )
        parts.append(
            f'<text x="{lx + 17:.1f}" y="{ly}" fill="#111">{escape(_truncate(name, 20))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class RadarSeries:
    label: str
    values: Sequence[float]  # 0..1 per axis


def radar_chart(
    axes: Sequence[str],
    series: Sequence[RadarSeries],
    *,
    title: str,
    size: int = 420,
) -> str:
    """A radar (spider) chart of normalised criterion scores, one polygon per vendor."""
    legend_height = 20 * len(series)
    height = size + legend_height + 10
    cx = cy = size / 2
    radius = size / 2 - 70
    n = max(len(axes), 3)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {height}" width="{size}" '
        f'height="{height}" role="img" aria-label="{_attr(title)}" font-family="{_attr(FONT)}" '
        'font-size="12">',
        f"<title>{escape(title)}</title>",
    ]

    def point(i: int, r: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    for ring in (0.25, 0.5, 0.75, 1.0):
        points = " ".join(
            f"{x:.1f},{y:.1f}" for x, y in (point(i, radius * ring) for i in range(n))
        )
        parts.append(f'<polygon points="{points}" fill="none" stroke="#d0d4d9" stroke-width="1"/>')
    for i, axis in enumerate(axes):
        x, y = point(i, radius)
        parts.append(
            f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="#d0d4d9" '
            'stroke-width="1"/>'
        )
        lx, ly = point(i, radius + 18)
        anchor = "middle" if abs(lx - cx) < 10 else ("start" if lx > cx else "end")
        parts.append(
            f'<text x="{lx:.1f}" y="{ly + 4:.1f}" text-anchor="{anchor}" fill="#111">'
            f"{escape(_truncate(axis, 22))}</text>"
        )
    for index, item in enumerate(series):
        values = list(item.values) + [0.0] * (len(axes) - len(item.values))
        points = " ".join(
            f"{x:.1f},{y:.1f}"
            for x, y in (point(i, radius * min(max(v, 0.0), 1.0)) for i, v in enumerate(values))
        )
        parts.append(
            f'<polygon points="{points}" fill="{colour(index)}" fill-opacity="0.12" '
            f'stroke="{colour(index)}" stroke-width="2">'
            f"<title>{escape(item.label)}</title></polygon>"
        )
    for index, item in enumerate(series):
        ly = size + 5 + index * 20
        parts.append(f'<rect x="20" y="{ly}" width="12" height="12" fill="{colour(index)}"/>')
        parts.append(f'<text x="38" y="{ly + 10}" fill="#111">{escape(item.label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
