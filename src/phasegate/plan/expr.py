"""Threshold expressions (">= 95%", "< 5000"), durations ("2h", "1h30m") and plain numbers."""

from __future__ import annotations

import math
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
_NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_THRESHOLD = re.compile(rf"^\s*(>=|<=|==|!=|>|<|=)?\s*({_NUM})\s*(%?)\s*$")
# PyYAML (YAML 1.1) reads `1e3` and `2.5e6` as text, its floats needing a dot and a signed
# exponent; YAML 1.2 and JSON read them as numbers, which is what people who write them mean.
_EXPONENT_TEXT = re.compile(r"^\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)[eE][-+]?\d+\s*$")
_PLAIN_TEXT = re.compile(rf"^\s*{_NUM}\s*$")
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


def _finite(x: int | float) -> float:
    try:
        value = float(x)
    except OverflowError:  # an integer too large for a float
        value = math.inf
    if not math.isfinite(value):
        shown = "a number too large" if isinstance(x, int) else repr(x)
        raise ExprError(f"expected a finite number, got {shown}")
    return value


def parse_number(value: object) -> float:
    """A finite number: sizes, estimates, rates. Text counts only in the exponent forms
    YAML 1.1 fails to read as numbers; other text is refused rather than guessed at, so
    every command reads the same value."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ExprError(f"expected a number, got {value!r}")
    if isinstance(value, str):
        if _EXPONENT_TEXT.match(value):
            return _finite(float(value))
        if _PLAIN_TEXT.match(value):
            raise ExprError(f"expected a number, got the text {value!r}: write it without quotes")
        raise ExprError(f"expected a number, got {value!r}")
    return _finite(value)


@lru_cache(maxsize=1024)
def parse_threshold(text: str | int | float) -> Threshold:
    """A bare number means "equals": `critical_blockers: 0`."""
    if isinstance(text, bool):
        raise ExprError(f"expected a threshold such as '>= 95%' or '< 5000', got {text!r}")
    if isinstance(text, int | float):
        try:
            return Threshold("==", _finite(text), False)
        except ExprError as e:
            raise ExprError(f"bad threshold: {e}") from None
    m = _THRESHOLD.match(text)
    if not m:
        raise ExprError(
            f"bad threshold {text!r}: expected an operator and a number, such as '>= 95%' or '< 5000'"
        )
    op = m.group(1) or "=="
    try:
        value = _finite(float(m.group(2)))
    except ExprError as e:
        raise ExprError(f"bad threshold {text!r}: {e}") from None
    return Threshold("==" if op == "=" else op, value, m.group(3) == "%")


@lru_cache(maxsize=1024)
def parse_duration(text: str | int | float) -> float:
    """Seconds. A bare number is seconds; units ms, s, m, h, d, w may be combined ("1h30m")."""
    if isinstance(text, bool):
        raise ExprError(f"bad duration {text!r}")
    if isinstance(text, int | float):
        try:
            seconds = _finite(text)
        except ExprError as e:
            raise ExprError(f"bad duration: {e}") from None
        if seconds < 0:
            raise ExprError(f"bad duration {text!r}: must not be negative")
        return seconds
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
        if re.fullmatch(r"(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?", s):
            total = float(s)
        else:
            raise ExprError(
                f"bad duration {text!r}: expected something like '2h', '10m' or '1h30m'"
            )
    if not math.isfinite(total):
        raise ExprError(f"bad duration {text!r}: too long to be a duration")
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
