"""Threshold expressions (">= 95%", "< 5000") and durations ("2h", "1h30m")."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
    "=": operator.eq,
}
_THRESHOLD = re.compile(r"^\s*(>=|<=|==|!=|>|<|=)?\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+))\s*(%?)\s*$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)")
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


@dataclass(frozen=True)
class Threshold:
    op: str
    value: float
    percent: bool

    def holds(self, actual: float) -> bool:
        return _OPS[self.op](actual, self.value)

    @property
    def higher_is_better(self) -> bool:
        return self.op in (">", ">=")

    def __str__(self) -> str:
        num = f"{self.value:g}"
        return f"{self.op} {num}{'%' if self.percent else ''}"


class ExprError(ValueError):
    pass


@lru_cache(maxsize=1024)
def parse_threshold(text: str | int | float) -> Threshold:
    """A bare number means "equals": `critical_blockers: 0`."""
    if isinstance(text, bool):
        raise ExprError(f"expected a threshold such as '>= 95%' or '< 5000', got {text!r}")
    if isinstance(text, int | float):
        return Threshold("==", float(text), False)
    m = _THRESHOLD.match(text)
    if not m:
        raise ExprError(
            f"bad threshold {text!r}: expected an operator and a number, such as '>= 95%' or '< 5000'"
        )
    op = m.group(1) or "=="
    return Threshold("==" if op == "=" else op, float(m.group(2)), m.group(3) == "%")


@lru_cache(maxsize=1024)
def parse_duration(text: str | int | float) -> float:
    """Seconds. A bare number is seconds; units ms, s, m, h, d, w may be combined ("1h30m")."""
    if isinstance(text, bool):
        raise ExprError(f"bad duration {text!r}")
    if isinstance(text, int | float):
        if text < 0:
            raise ExprError(f"bad duration {text!r}: must not be negative")
        return float(text)
    s = text.strip().lower().replace(" ", "")
    if not s:
        raise ExprError("bad duration '': expected something like '2h', '10m' or '1h30m'")
    pos = 0
    total = 0.0
    for m in _DURATION_PART.finditer(s):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _DURATION_UNITS[m.group(2)]
        pos = m.end()
    if pos != len(s):
        if re.fullmatch(r"\d+(\.\d+)?", s):
            return float(s)
        raise ExprError(f"bad duration {text!r}: expected something like '2h', '10m' or '1h30m'")
    return total


def format_duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            q, seconds = divmod(seconds, size)
            parts.append(f"{q}{unit}")
    return "".join(parts[:2])
