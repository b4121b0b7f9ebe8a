"""Server-rendered SVG charts: plain markup that needs no JavaScript, prints in PDFs and weighs
a few kilobytes. Pure functions from labels and integer values to an SVG string; every text is
escaped here, so callers may mark the result safe."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

PALETTE = ("#2f6f4f", "#c07a2c", "#4a6fa5", "#9b4d6b", "#6b8e23", "#7a6a56")


def _fmt(value: int) -> str:
    return f"{value:,}"


def bar_chart(
    bars: Sequence[tuple[str, int]],
    *,
    title: str,
    width: int = 560,
    bar_height: int = 22,
    label_width: int = 170,
    value_text: Callable[[int], str] = _fmt,
    color: str = PALETTE[0],
) -> str:
    """Horizontal bars, one per (label, value), scaled to the largest value."""
    gap = 6
    top = 8
    height = top + max(1, len(bars)) * (bar_height + gap) + 4
    largest = max((value for _label, value in bars), default=0)
    room = width - label_width - 110
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    if not bars:
        parts.append(f'<text x="4" y="{top + 14}" class="muted">—</text>')
    for index, (label, value) in enumerate(bars):
        y = top + index * (bar_height + gap)
        length = 0 if largest <= 0 else max(0, round(room * value / largest))
        short = label if len(label) <= 26 else label[:25] + "…"
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar_height * 0.7:.0f}" '
            f'text-anchor="end" font-size="12">{escape(short)}</text>'
        )
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_height}" '
            f'fill="{color}"><title>{escape(label)}: {escape(value_text(value))}</title></rect>'
        )
        parts.append(
            f'<text x="{label_width + length + 6}" y="{y + bar_height * 0.7:.0f}" '
            f'font-size="12">{escape(value_text(value))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def column_chart(
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    categories: Sequence[str],
    title: str,
    width: int = 560,
    height: int = 220,
    value_text: Callable[[int], str] = _fmt,
) -> str:
    """Grouped vertical columns: one group per category, one column per named series, with a
    legend. Values must be ≥ 0."""
    left, bottom, top = 10, 36, 24
    plot_height = height - bottom - top
    groups = max(1, len(categories))
    per_group = (width - left * 2) / groups
    n_series = max(1, len(series))
    column = max(4.0, per_group * 0.8 / n_series)
    largest = max((v for _name, values in series for v in values), default=0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for s, (name, _values) in enumerate(series):
        legend_x = left + s * 170
        parts.append(
            f'<rect x="{legend_x}" y="4" width="12" height="12" '
            f'fill="{PALETTE[s % len(PALETTE)]}"/>'
            f'<text x="{legend_x + 16}" y="14" font-size="12">{escape(name)}</text>'
        )
    base = top + plot_height
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - left}" y2="{base}" stroke="#999"/>')
    for g, category in enumerate(categories):
        x0 = left + g * per_group + per_group * 0.1
        for s, (name, values) in enumerate(series):
            value = values[g] if g < len(values) else 0
            h = 0 if largest <= 0 else round(plot_height * max(0, value) / largest)
            x = x0 + s * column
            parts.append(
                f'<rect x="{x:.1f}" y="{base - h}" width="{column - 1:.1f}" height="{h}" '
                f'fill="{PALETTE[s % len(PALETTE)]}"><title>{escape(name)} {escape(category)}: '
                f"{escape(value_text(value))}</title></rect>"
            )
        parts.append(
            f'<text x="{x0 + per_group * 0.4:.1f}" y="{base + 16}" text-anchor="middle" '
            f'font-size="12">{escape(category)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def share_bar(
    parts_: Sequence[tuple[str, int]], *, title: str, width: int = 560, height: int = 46
) -> str:
    """One horizontal bar split into shares (e.g. women and men), each labelled with its %."""
    total = sum(max(0, v) for _l, v in parts_)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    x = 0.0
    for index, (label, value) in enumerate(parts_):
        share = 0 if total <= 0 else max(0, value) / total
        w = width * share
        color = PALETTE[(index + 1) % len(PALETTE)]
        out.append(
            f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="26" fill="{color}">'
            f"<title>{escape(label)}: {_fmt(value)}</title></rect>"
        )
        out.append(
            f'<text x="{x + 4:.1f}" y="40" font-size="12">{escape(label)} '
            f"{round(share * 100)} %</text>"
        )
        x += w
    out.append("</svg>")
    return "".join(out)
