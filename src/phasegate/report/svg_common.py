"""What the SVG renderers share: escaping, the state palette, and number formatting.

The renderers are pure: they take plain values and return SVG text, so the web pages, the
README screenshots and the tests all draw from the same code without a browser or a store.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TypeVar

T = TypeVar("T")

# One colour per effort state; anything unknown is drawn as pending. Colours are chosen to
# stay apart for the common kinds of colour blindness (blue/orange/grey families).
STATE_FILL: dict[str, str] = {
    "pending": "#e5e7eb",
    "ready": "#dbeafe",
    "running": "#93c5fd",
    "checking": "#a5b4fc",
    "done": "#86efac",
    "rework": "#fde68a",
    "blocked": "#fdba74",
    "conflicted": "#fca5a5",
    "failed": "#f87171",
    "rejected": "#fb923c",
    "cancelled": "#d1d5db",
    "external": "#f3f4f6",
}
CRITICAL_STROKE = "#b91c1c"
PLAIN_STROKE = "#4b5563"


def fill(state: str) -> str:
    return STATE_FILL.get(state, STATE_FILL["pending"])


def esc(text: str) -> str:
    return escape(text, quote=True)


def num(x: float) -> str:
    """A coordinate with at most one decimal: SVG text stays short and diffs stay stable."""
    r = round(x, 1)
    return f"{int(r)}" if r == int(r) else f"{r}"


def clip(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: max(chars - 1, 1)] + "…"


def open_svg(width: float, height: float, label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="pg-svg" role="img" '
        f'width="{num(width)}" height="{num(height)}" viewBox="0 0 {num(width)} {num(height)}" '
        f'aria-label="{esc(label)}" font-family="system-ui, sans-serif" font-size="12">'
    )


def even_sample(items: Sequence[T], at_most: int) -> list[T]:
    """At most `at_most` items spread evenly, the first and the last always among them."""
    if len(items) <= max(at_most, 2):
        return list(items)
    step = len(items) / (at_most - 1)
    return [items[round(k * step)] for k in range(at_most - 1)] + [items[-1]]


def empty(label: str, text: str) -> str:
    return f'{open_svg(320, 40, label)}<text x="8" y="24" fill="#6b7280">{esc(text)}</text></svg>'
