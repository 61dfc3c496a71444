"""Gantt charts as SVG: the planned schedule per agent beside the attempts actually run,
with a line for now. Each panel has its own time axis, since a plan counts in its size
units and a run in seconds."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from phasegate.report.svg_common import clip, empty, esc, fill, num, open_svg

LABEL_W, ROW_H, BAR_H, PLOT_W = 90, 26, 18, 760
PAD, TITLE_H, AXIS_H = 12, 22, 22


@dataclass(frozen=True)
class Bar:
    row: int
    start: float
    end: float
    label: str
    state: str = "pending"
    href: str | None = None


@dataclass(frozen=True)
class Panel:
    title: str
    rows: Sequence[str]
    bars: Sequence[Bar]
    unit: str  # what the axis counts, shown after each tick
    marker: tuple[float, str] | None = None  # e.g. (now, "now")
    extent: tuple[float, float] | None = None  # axis domain; default: the bars' span
    notes: Sequence[str] = field(default_factory=tuple)


def ticks(lo: float, hi: float, want: int = 6) -> list[float]:
    """Round tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten."""
    span = hi - lo
    if span <= 0 or not math.isfinite(span):
        return [lo]
    raw = span / max(want, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    out: list[float] = []
    k = 0
    while first + k * step <= hi + step * 1e-9:
        out.append(round(first + k * step, 10))
        k += 1
    return out


def _panel_height(p: Panel) -> float:
    return TITLE_H + max(len(p.rows), 1) * ROW_H + AXIS_H + 14 * len(p.notes)


def gantt_svg(panels: Sequence[Panel]) -> str:
    if not panels or not any(p.bars or p.rows for p in panels):
        return empty("gantt", "nothing scheduled")
    width = PAD * 2 + LABEL_W + PLOT_W
    height = PAD * 2 + sum(_panel_height(p) + PAD for p in panels)
    out = [open_svg(width, height, "gantt chart")]
    y: float = PAD
    for p in panels:
        out.append(_panel(p, y))
        y += _panel_height(p) + PAD
    out.append("</svg>")
    return "".join(out)


def _panel(p: Panel, top: float) -> str:
    lo, hi = p.extent or (
        min((b.start for b in p.bars), default=0.0),
        max((b.end for b in p.bars), default=1.0),
    )
    if p.marker is not None:
        hi = max(hi, p.marker[0])
        lo = min(lo, p.marker[0])
    if hi <= lo:
        hi = lo + 1.0
    x0 = PAD + LABEL_W

    def x(v: float) -> float:
        return x0 + (v - lo) / (hi - lo) * PLOT_W

    out = [
        f'<g class="pg-gantt-panel" data-title="{esc(p.title)}">',
        f'<text x="{PAD}" y="{num(top + 15)}" font-weight="600">{esc(p.title)}</text>',
    ]
    body = top + TITLE_H
    rows = max(len(p.rows), 1)
    for i, name in enumerate(p.rows):
        ry = body + i * ROW_H
        if i % 2 == 0:
            out.append(
                f'<rect x="{x0}" y="{num(ry)}" width="{PLOT_W}" height="{ROW_H}" fill="#f9fafb"/>'
            )
        out.append(
            f'<text x="{PAD}" y="{num(ry + ROW_H / 2 + 4)}" fill="#374151">{esc(clip(name, 12))}'
            "</text>"
        )
    axis_y = body + rows * ROW_H
    out.append(
        f'<line x1="{x0}" y1="{num(axis_y)}" x2="{x0 + PLOT_W}" y2="{num(axis_y)}" '
        'stroke="#9ca3af"/>'
    )
    for t in ticks(lo, hi):
        tx = x(t)
        out.append(
            f'<line x1="{num(tx)}" y1="{num(body)}" x2="{num(tx)}" y2="{num(axis_y + 4)}" '
            'stroke="#e5e7eb"/>'
            f'<text x="{num(tx)}" y="{num(axis_y + 16)}" text-anchor="middle" fill="#6b7280">'
            f"{num(t)} {esc(p.unit)}</text>"
        )
    for b in p.bars:
        if not 0 <= b.row < rows:
            continue
        bx, bw = x(b.start), max(x(b.end) - x(b.start), 2.0)
        by = body + b.row * ROW_H + (ROW_H - BAR_H) / 2
        tip = f"{b.label}: {num(b.start)}–{num(b.end)} {p.unit} ({b.state})"
        bar = (
            f'<g class="pg-bar" data-effort="{esc(b.label)}" data-state="{esc(b.state)}">'
            f"<title>{esc(tip)}</title>"
            f'<rect x="{num(bx)}" y="{num(by)}" width="{num(bw)}" height="{BAR_H}" rx="3" '
            f'fill="{fill(b.state)}" stroke="#4b5563" stroke-width="0.8"/>'
            f'<text x="{num(bx + 4)}" y="{num(by + 13)}" font-size="11">'
            f"{esc(clip(b.label, max(int(bw / 7), 1)))}</text></g>"
        )
        out.append(f'<a href="{esc(b.href)}">{bar}</a>' if b.href else bar)
    if p.marker is not None:
        mx = x(p.marker[0])
        out.append(
            f'<line class="pg-now" x1="{num(mx)}" y1="{num(body - 4)}" x2="{num(mx)}" '
            f'y2="{num(axis_y)}" stroke="#dc2626" stroke-dasharray="4 3" stroke-width="1.5"/>'
            f'<text x="{num(mx + 3)}" y="{num(body + 8)}" fill="#dc2626" font-size="11">'
            f"{esc(p.marker[1])}</text>"
        )
    for k, note in enumerate(p.notes):
        out.append(
            f'<text x="{PAD}" y="{num(axis_y + AXIS_H + 10 + 14 * k)}" fill="#374151">'
            f"{esc(note)}</text>"
        )
    out.append("</g>")
    return "".join(out)
