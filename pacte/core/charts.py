"""Charts drawn on the server as SVG, readable without JavaScript, each with a text alternative
(title and description) and always shown next to the table of its figures."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from typing import TypeAlias

from django.utils.safestring import mark_safe

from .french import format_integer, format_money

# Writes a figure of the chart (an axis label, a bar's value).
Format: TypeAlias = Callable[[Decimal], str]

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
    axis_format: Format | None = None,
) -> str:
    """A line chart of amounts in euros (or of what `axis_format` writes). Lines differ by
    colour and dash (not colour alone)."""
    axis_format = axis_format or short_money
    left, right, top, bottom = 90, 20, 20, 60
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = max([v for s in series for v in s.values] + [Decimal(1)])
    n = max(len(x_labels), 2)

    def x(i: int) -> float:
        return left + plot_w * i / (n - 1)

    def y(v: Decimal) -> float:
        return top + plot_h - float(v) / float(top_value) * plot_h

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id(title)}-t {chart_id(title)}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id(title)}-t">{escape(title)}</title>',
        f'<desc id="{chart_id(title)}-d">{escape(description)}</desc>',
    ]
    for step in range(5):
        value = top_value * step / 4
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" '
            f'y2="{y(value):.1f}" class="grid"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" '
            f'class="axis">{escape(axis_format(value))}</text>'
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
    axis_format: Format | None = None,
    value_format: Format | None = None,
) -> str:
    """Grouped bars of amounts (or of what `axis_format` and `value_format` write); bars differ
    by colour and by a pattern of stroke."""
    axis_format = axis_format or short_money
    value_format = value_format or format_money
    left, right, top, bottom = 90, 20, 20, 60
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = max([v for s in series for v in s.values] + [Decimal(1)])
    group_w = plot_w / max(len(labels), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id(title)}-t {chart_id(title)}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id(title)}-t">{escape(title)}</title>',
        f'<desc id="{chart_id(title)}-d">{escape(description)}</desc>',
    ]
    for step in range(5):
        value = top_value * step / 4
        yy = top + plot_h - float(value) / float(top_value) * plot_h
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{yy:.1f}" y2="{yy:.1f}" class="grid"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end" class="axis">'
            f"{escape(axis_format(value))}</text>"
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
                f"{escape(value_format(value))}</title></rect>"
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


def hbar_chart(
    *,
    title: str,
    description: str,
    labels: list[str],
    series: list[Series],
    width: int = 720,
    value_format: Format | None = None,
    label_width: int = 220,
) -> str:
    """Horizontal bars, one row per label (states, territories, rankings), each bar followed by
    its value written out; several series are grouped and told apart by colour and legend."""
    value_format = value_format or format_money
    row_h = 14 * max(len(series), 1) + 10
    top, bottom, right = 10, 30 if len(series) > 1 else 10, 110
    height = top + row_h * max(len(labels), 1) + bottom
    plot_w = width - label_width - right
    top_value = max([v for s in series for v in s.values] + [Decimal(1)])
    key = chart_id(title)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{key}-t {key}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{key}-t">{escape(title)}</title>',
        f'<desc id="{key}-d">{escape(description)}</desc>',
        f'<line x1="{label_width}" x2="{label_width}" y1="{top}" '
        f'y2="{top + row_h * len(labels)}" class="grid"/>',
    ]
    for g, label in enumerate(labels):
        gy = top + g * row_h
        parts.append(
            f'<text x="{label_width - 6}" y="{gy + row_h / 2 + 4:.1f}" text-anchor="end" '
            f'class="axis">{escape(_truncate(label, label_width // 7))}</text>'
        )
        for index, s in enumerate(series):
            value = s.values[g]
            w = float(value) / float(top_value) * plot_w
            y = gy + 5 + index * 14
            parts.append(
                f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="12" '
                f'fill="{PALETTE[index % 4]}"><title>{escape(label)}, {escape(s.label)} : '
                f"{escape(value_format(value))}</title></rect>"
            )
            parts.append(
                f'<text x="{label_width + w + 4:.1f}" y="{y + 10}" class="axis">'
                f"{escape(value_format(value))}</text>"
            )
    if len(series) > 1:
        for index, s in enumerate(series):
            lx = label_width + index * 200
            parts.append(
                f'<rect x="{lx}" y="{height - 20}" width="14" height="14" '
                f'fill="{PALETTE[index % 4]}"/>'
            )
            parts.append(
                f'<text x="{lx + 20}" y="{height - 8}" class="legend">{escape(s.label)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped


def format_count(value: Decimal | int | str) -> str:
    """A count as French text (1 250), for charts of numbers of things rather than euros."""
    return format_integer(round(Decimal(value)))


def format_days(value: Decimal | int | str) -> str:
    return f"{format_integer(round(Decimal(value)))} j"


def _truncate(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def short_money(value: Decimal | int | str) -> str:
    """An axis label: 1,2 M€, 350 k€, 80 €."""
    amount = Decimal(value)
    if amount >= 1_000_000:
        return f"{amount / 1_000_000:.1f} M€".replace(".", ",")
    if amount >= 1_000:
        return f"{amount / 1_000:.0f} k€"
    return f"{amount:.0f} €"


def chart_id(title: str) -> str:
    """A stable HTML id for the chart titled `title` (its title and description elements)."""
    return "c" + hashlib.sha1(title.encode()).hexdigest()[:10]
