"""Small SVG charts for the dashboard: horizontal bars (optionally stacked) and year columns.

Every bar carries its number as text, and the page prints the same numbers in a table beside the
chart, so nothing depends on reading a bar's length.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

ROW_H = 26
LABEL_W = 210
VALUE_W = 46
WIDTH = 640
# Width of an average character of a label at the charts' 12 px font, Cyrillic included: a label
# longer than its column holds is cut with "…" (the full text is in its <title> and the table).
CHAR_W = 7.5


def _cut(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def hbars(
    rows: Sequence[tuple[str, Sequence[float]]],
    *,
    classes: Sequence[str] = ("bar", "bar-alt", "bar-alert"),
    title: str = "",
    unit: str = "",
    width: int = WIDTH,
    cap: float | None = None,
) -> str:
    """One row per label; each row a stack of segments (values in ``classes`` order).
    A smaller ``width`` gives larger text when the chart sits in a narrow column. With ``cap``
    the axis ends there: a longer bar is drawn to the end with a break mark, its number in
    full beside it (one huge value would otherwise flatten every other bar)."""
    if not rows:
        return ""
    label_w = LABEL_W if width >= WIDTH else int(width * 0.42)
    biggest = cap or max((sum(values) for _, values in rows), default=0) or 1
    span = width - label_w - VALUE_W - 10
    height = len(rows) * ROW_H + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}">'
    ]
    for index, (label, values) in enumerate(rows):
        y = 4 + index * ROW_H
        shown_label = _cut(label, int((label_w - 12) // CHAR_W))
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end">'
            f"<title>{escape(label)}</title>{escape(shown_label)}</text>"
        )
        x = float(label_w)
        for value, css in zip(values, classes, strict=False):
            width = min(span * value / biggest, label_w + span - x)
            if width > 0:
                parts.append(
                    f'<rect class="{css}" x="{x:.1f}" y="{y + 4}" width="{max(width, 1.5):.1f}" '
                    f'height="{ROW_H - 10}" rx="3"/>'
                )
            x += max(width, 0)
        total = sum(values)
        if cap and total > cap:
            # Two white slashes across the bar's end: "longer than drawn".
            parts.append(
                f'<path class="bar-break" d="M{x - 14:.1f} {y + 20}l6 -18M{x - 8:.1f} {y + 20}'
                f'l6 -18" stroke="#fff" stroke-width="3"/>'
            )
        shown = f"{total:.0f}" if float(total).is_integer() else f"{total:.1f}"
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 16}">{shown}{escape(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def columns(points: Sequence[tuple[str, float]], *, title: str = "", width: int = 460) -> str:
    """Vertical bars (e.g. agreements signed per year) with the value above each."""
    if not points:
        return ""
    height, base, top = 200, 176, 20
    step = min(80, (width - 20) / len(points))
    biggest = max(v for _, v in points) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}">',
        f'<line class="axis" x1="10" y1="{base}" x2="{width - 10}" y2="{base}"/>',
    ]
    for index, (label, value) in enumerate(points):
        x = 14 + index * step
        h = (base - top) * value / biggest
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{base - h:.1f}" width="{step * 0.6:.1f}" '
            f'height="{max(h, 1):.1f}" rx="3"/>'
            f'<text x="{x + step * 0.3:.1f}" y="{base - h - 5:.1f}" text-anchor="middle">'
            f"{value:.0f}</text>"
            f'<text x="{x + step * 0.3:.1f}" y="{base + 16}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
