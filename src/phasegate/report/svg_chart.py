"""A metric over time as an SVG line chart, with its target drawn as a dashed line."""

from __future__ import annotations

import time
from collections.abc import Sequence

from phasegate.report.svg_common import empty, esc, even_sample, num, open_svg
from phasegate.report.svg_gantt import ticks

W, H = 560, 220
MAX_POINTS = 400
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 24, 34


def line_chart_svg(
    title: str,
    points: Sequence[tuple[float, float]],
    *,
    target: float | None = None,
    target_label: str = "",
    unit: str = "",
) -> str:
    """`points` are (unix time, value) in time order; past `MAX_POINTS` an even sample of
    them is drawn (the first and the last always among it), which a chart of this width
    cannot tell apart from all of them."""
    if not points:
        return empty(title, f"{title}: no values yet")
    points = even_sample(points, MAX_POINTS)
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    lo_y = min([*ys, *([target] if target is not None else [])])
    hi_y = max([*ys, *([target] if target is not None else [])])
    if hi_y == lo_y:
        lo_y, hi_y = lo_y - 1, hi_y + 1
    pad = (hi_y - lo_y) * 0.08
    lo_y, hi_y = lo_y - pad, hi_y + pad
    lo_x, hi_x = xs[0], xs[-1] if xs[-1] > xs[0] else xs[0] + 1
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def sx(v: float) -> float:
        return LEFT + (v - lo_x) / (hi_x - lo_x) * pw

    def sy(v: float) -> float:
        return TOP + (1 - (v - lo_y) / (hi_y - lo_y)) * ph

    out = [open_svg(W, H, title), f'<text x="{LEFT}" y="16" font-weight="600">{esc(title)}</text>']
    for t in ticks(lo_y, hi_y, 4):
        out.append(
            f'<line x1="{LEFT}" y1="{num(sy(t))}" x2="{W - RIGHT}" y2="{num(sy(t))}" '
            'stroke="#e5e7eb"/>'
            f'<text x="{LEFT - 6}" y="{num(sy(t) + 4)}" text-anchor="end" fill="#6b7280">'
            f"{num(t)}{esc(unit)}</text>"
        )
    for t in (lo_x, hi_x) if hi_x > lo_x else (lo_x,):
        stamp = time.strftime("%m-%d %H:%M", time.gmtime(t))
        out.append(
            f'<text x="{num(sx(t))}" y="{H - 12}" text-anchor="middle" fill="#6b7280">'
            f"{stamp}</text>"
        )
    if target is not None:
        out.append(
            f'<line class="pg-target" x1="{LEFT}" y1="{num(sy(target))}" x2="{W - RIGHT}" '
            f'y2="{num(sy(target))}" stroke="#059669" stroke-dasharray="6 4"/>'
            f'<text x="{W - RIGHT}" y="{num(sy(target) - 4)}" text-anchor="end" fill="#059669">'
            f"{esc(target_label or f'target {num(target)}')}</text>"
        )
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{num(sx(x))},{num(sy(y))}" for i, (x, y) in enumerate(points)
    )
    out.append(f'<path class="pg-line" d="{path}" fill="none" stroke="#2563eb" stroke-width="2"/>')
    for x, y in points:
        out.append(
            f'<circle cx="{num(sx(x))}" cy="{num(sy(y))}" r="3" fill="#2563eb">'
            f"<title>{num(y)}{esc(unit)}</title></circle>"
        )
    out.append("</svg>")
    return "".join(out)
