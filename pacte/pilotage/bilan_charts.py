"""Horizontal bars for the bilan's breakdowns: long labels (intercommunalités, categories) read
on the left of their bar. Styles are written on the elements, not in a stylesheet, so that the
same SVG shows in the page and in the Typst PDF. Built with the helpers of `core.charts`."""

from decimal import Decimal
from html import escape

from django.utils.safestring import mark_safe

from pacte.core.charts import PALETTE, chart_id, short_money
from pacte.core.french import format_money

# The system's fonts, as in pacte.css: no font reserved for the State.
FONT = (
    'font-family="system-ui, Segoe UI, Roboto, Noto Sans, Liberation Sans, Arial, sans-serif" '
    'font-size="15"'
)
INK = "#1e1e1e"


def _clip(label: str, limit: int = 36) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def hbar_chart(
    *,
    title: str,
    description: str,
    rows: list[tuple[str, Decimal]],
    width: int = 680,
    row_height: int = 30,
) -> str:
    """One bar per row, its value written at its end; the table beside it gives the figures."""
    label_w, right, top, bottom = 300, 80, 8, 30
    plot_w = width - label_w - right
    height = top + row_height * max(len(rows), 1) + bottom
    top_value = max([v for _, v in rows] + [Decimal(1)])
    key = chart_id(title)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="{key}-t {key}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{key}-t">{escape(title)}</title>',
        f'<desc id="{key}-d">{escape(description)}</desc>',
    ]
    for step in range(5):
        x = label_w + plot_w * step / 4
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{height - bottom}" '
            'stroke="#d0d5dc" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" fill="{INK}" {FONT}>'
            f"{escape(short_money(top_value * step / 4))}</text>"
        )
    for index, (label, value) in enumerate(rows):
        y = top + index * row_height
        w = float(value) / float(top_value) * plot_w
        parts.append(
            f'<text x="{label_w - 8}" y="{y + row_height * 0.65:.1f}" text-anchor="end" '
            f'fill="{INK}" {FONT}>{escape(_clip(label))}</text>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{max(w, 1):.1f}" '
            f'height="{row_height - 8}" fill="{PALETTE[0]}">'
            f"<title>{escape(label)} : {escape(format_money(value))}</title></rect>"
        )
        parts.append(
            f'<text x="{label_w + w + 4:.1f}" y="{y + row_height * 0.65:.1f}" fill="{INK}" '
            f"{FONT}>{escape(short_money(value))}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped
