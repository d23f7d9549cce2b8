"""Charts drawn on the server as SVG, readable without JavaScript, each with a text alternative
(title and description) and always shown next to the table of its figures."""

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from django.utils.safestring import mark_safe

from .formats import format_money

PALETTE = ["#004b87", "#b34000", "#18753c", "#6a3d9a"]
DASHES = ["", "6 3", "2 2", "8 2 2 2"]


@dataclass
class Series:
    label: str
    values: list[Decimal]


def line_chart(
    *,
    title: str,
    description: str,
    x_labels: list[str],
    series: list[Series],
    width: int = 720,
    height: int = 300,
) -> str:
    """A line chart of amounts in euros. Lines differ by colour and dash (not colour alone)."""
    left, right, top, bottom = 90, 20, 20, 60
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = max([v for s in series for v in s.values] + [Decimal(1)])
    n = max(len(x_labels), 2)

    def x(i):
        return left + plot_w * i / (n - 1)

    def y(v):
        return top + plot_h - float(v) / float(top_value) * plot_h

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{_id(title)}-t {_id(title)}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{_id(title)}-t">{escape(title)}</title>',
        f'<desc id="{_id(title)}-d">{escape(description)}</desc>',
    ]
    for step in range(5):
        value = top_value * step / 4
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" '
            f'y2="{y(value):.1f}" class="grid"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" '
            f'class="axis">{escape(_short(value))}</text>'
        )
    every = max(1, len(x_labels) // 8)
    for i, label in enumerate(x_labels):
        if i % every == 0:
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - bottom + 18}" text-anchor="middle" '
                f'class="axis">{escape(label)}</text>'
            )
    for index, s in enumerate(series):
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(s.values))
        dash = f' stroke-dasharray="{DASHES[index % 4]}"' if DASHES[index % 4] else ""
        parts.append(
            f'<polyline fill="none" stroke="{PALETTE[index % 4]}" stroke-width="2.5"'
            f'{dash} points="{points}"/>'
        )
        lx = left + index * 200
        parts.append(
            f'<line x1="{lx}" x2="{lx + 30}" y1="{height - 14}" y2="{height - 14}" '
            f'stroke="{PALETTE[index % 4]}" stroke-width="2.5"{dash}/>'
        )
        parts.append(
            f'<text x="{lx + 36}" y="{height - 10}" class="legend">{escape(s.label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped


def bar_chart(
    *,
    title: str,
    description: str,
    labels: list[str],
    series: list[Series],
    width: int = 720,
    height: int = 280,
) -> str:
    """Grouped bars of amounts; bars differ by colour and by a pattern of stroke."""
    left, right, top, bottom = 90, 20, 20, 60
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = max([v for s in series for v in s.values] + [Decimal(1)])
    group_w = plot_w / max(len(labels), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{_id(title)}-t {_id(title)}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{_id(title)}-t">{escape(title)}</title>',
        f'<desc id="{_id(title)}-d">{escape(description)}</desc>',
    ]
    for step in range(5):
        value = top_value * step / 4
        yy = top + plot_h - float(value) / float(top_value) * plot_h
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{yy:.1f}" y2="{yy:.1f}" class="grid"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end" class="axis">'
            f"{escape(_short(value))}</text>"
        )
    for g, label in enumerate(labels):
        gx = left + g * group_w + group_w * 0.1
        for index, s in enumerate(series):
            value = s.values[g]
            h = float(value) / float(top_value) * plot_h
            parts.append(
                f'<rect x="{gx + index * bar_w:.1f}" y="{top + plot_h - h:.1f}" '
                f'width="{bar_w - 2:.1f}" height="{h:.1f}" fill="{PALETTE[index % 4]}">'
                f"<title>{escape(s.label)} {escape(label)} : "
                f"{escape(format_money(value))}</title></rect>"
            )
        parts.append(
            f'<text x="{gx + group_w * 0.4:.1f}" y="{height - bottom + 18}" '
            f'text-anchor="middle" class="axis">{escape(label)}</text>'
        )
    for index, s in enumerate(series):
        lx = left + index * 200
        parts.append(
            f'<rect x="{lx}" y="{height - 22}" width="14" height="14" fill="{PALETTE[index % 4]}"/>'
        )
        parts.append(
            f'<text x="{lx + 20}" y="{height - 10}" class="legend">{escape(s.label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped


def _short(value) -> str:
    value = Decimal(value)
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f} M€".replace(".", ",")
    if value >= 1_000:
        return f"{value / 1_000:.0f} k€"
    return f"{value:.0f} €"


def _id(title: str) -> str:
    return "c" + hashlib.sha1(title.encode()).hexdigest()[:10]
