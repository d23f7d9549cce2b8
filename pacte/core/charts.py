"""Charts drawn on the server, readable without JavaScript, each with a text alternative (title
and description) and always shown next to the table of its figures: lines and grouped bars as
SVG; horizontal bars as a list whose labels and values are text of the page (`bar_rows`)."""

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


def bar_rows(
    *,
    title: str,
    description: str,
    labels: list[str],
    series: list[Series],
    value_format: Format | None = None,
) -> str:
    """Horizontal bars drawn as a list, one row per label: the label and the values are text of
    the page (readable at any screen size, a long label wraps), each bar an SVG rectangle whose
    length alone is drawn. Several series are told apart by colour and by their name written
    before each value (not colour alone). Its title and description are its text alternative."""
    value_format = value_format or format_money
    top_value = max([v for s in series for v in s.values] + [Decimal(1)])
    key = chart_id(title)
    named = len(series) > 1
    parts = [
        f'<div class="bar-rows" role="img" aria-labelledby="{key}-t {key}-d">',
        f'<p class="visually-hidden" id="{key}-t">{escape(title)}</p>',
        f'<p class="visually-hidden" id="{key}-d">{escape(description)}</p>',
    ]
    if named:
        parts.append('<ul class="bar-rows-legend">')
        for index, s in enumerate(series):
            parts.append(
                f'<li><svg width="14" height="14" aria-hidden="true" focusable="false">'
                f'<rect width="14" height="14" fill="{PALETTE[index % 4]}"/></svg> '
                f"{escape(s.label)}</li>"
            )
        parts.append("</ul>")
    parts.append('<ul class="bar-rows-list">')
    for g, label in enumerate(labels):
        parts.append(
            f'<li><span class="bar-rows-label">{escape(label)}</span><span class="bar-rows-values">'
        )
        for index, s in enumerate(series):
            value = s.values[g]
            length = max(float(value) / float(top_value) * 1000, 0)
            name = f"{escape(s.label)}\u00a0: " if named else ""
            parts.append(
                '<span class="bar-rows-item"><span class="bar-rows-bar">'
                '<svg viewBox="0 0 1000 10" preserveAspectRatio="none" aria-hidden="true" '
                f'focusable="false"><rect width="{length:.1f}" height="10" '
                f'fill="{PALETTE[index % 4]}"/></svg></span>'
                f'<span class="bar-rows-value">{name}{escape(value_format(value))}</span></span>'
            )
        parts.append("</span></li>")
    parts.append("</ul></div>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped


def format_count(value: Decimal | int | str) -> str:
    """A count as French text (1 250), for charts of numbers of things rather than euros."""
    return format_integer(round(Decimal(value)))


def format_days(value: Decimal | int | str) -> str:
    return f"{format_integer(round(Decimal(value)))} j"


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
