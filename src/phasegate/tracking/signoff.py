"""Sign-off of a gate's criteria: what a person judges before a handoff.

A criterion is named by its text or its number (1-based, in plan order); each sign-off is a
`gate.signoff` event on the phase. A criterion's latest sign-off stands; the text is stored
with it, so a criterion reworded in the plan since is signed again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from phasegate.errors import UsageError

SIGNOFF = "gate.signoff"


@dataclass(frozen=True)
class SignOff:
    criterion: str
    number: int
    role: str
    by: str
    note: str
    ts: float

    def to_json(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion,
            "number": self.number,
            "role": self.role,
            "by": self.by,
            "note": self.note,
            "at": self.ts,
        }


def resolve(criteria: Sequence[str], phase: str, which: str) -> tuple[int, str]:
    """(number, text) of the criterion `which` names: its number, its exact text, or a
    piece of text only one criterion contains."""
    if not criteria:
        raise UsageError(f"phase {phase!r} has no gate criteria to sign off (gate.criteria)")
    w = which.strip()
    if w.isdigit():
        k = int(w)
        if 1 <= k <= len(criteria):
            return k, criteria[k - 1]
        raise UsageError(f"phase {phase!r} has criteria 1 to {len(criteria)}, not {k}")
    for k, c in enumerate(criteria, 1):
        if c.strip().lower() == w.lower():
            return k, c
    found = [(k, c) for k, c in enumerate(criteria, 1) if w.lower() in c.lower()] if w else []
    if len(found) == 1:
        return found[0]
    listing = "; ".join(f"{k}. {c}" for k, c in enumerate(criteria, 1))
    if found:
        raise UsageError(f"{which!r} matches {len(found)} criteria of {phase!r}: {listing}")
    raise UsageError(f"no criterion of phase {phase!r} matches {which!r}: {listing}")


def signoffs(phase: str, criteria: Sequence[str], store: Any) -> dict[str, SignOff]:
    """criterion text -> its standing sign-off, for the criteria the plan declares now."""
    wanted = set(criteria)
    number = {c: k for k, c in enumerate(criteria, 1)}
    out: dict[str, SignOff] = {}
    for ev in store.events(kinds=[SIGNOFF]):
        if ev.phase != phase:
            continue
        d = ev.data
        text = str(d.get("criterion", ""))
        if text in wanted:
            out[text] = SignOff(text, number[text], str(d.get("role", "")),
                                str(d.get("by", "")), str(d.get("note", "")), ev.ts)  # fmt: skip
    return out
