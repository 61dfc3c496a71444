"""Signing off a gate's criteria, and reading who signed what."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from phasegate.errors import UsageError
from phasegate.tracking.facts import PhaseFacts
from phasegate.tracking.session import Session
from phasegate.tracking.signoff import SIGNOFF, SignOff, resolve, signoffs


@dataclass(frozen=True)
class Signed:
    phase: str
    signoff: SignOff
    recorded: bool  # False: the same person had already signed it in this role
    unsigned: list[str]  # criteria of the phase still waiting

    def to_json(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            **self.signoff.to_json(),
            "recorded": self.recorded,
            "unsigned": list(self.unsigned),
        }


def _phase(s: Session, phase: str) -> PhaseFacts:
    found = next((p for p in s.facts.phases if p.id == phase), None)
    if found is None:
        known = ", ".join(p.id for p in s.facts.phases) or "none"
        raise UsageError(f"unknown phase {phase!r} (phases: {known})")
    return found


def sign(s: Session, phase: str, which: str, *, role: str, by: str, note: str = "") -> Signed:
    """Record that `by`, acting as `role`, signed off criterion `which` of `phase`."""
    p = _phase(s, phase)
    if not role.strip():
        raise UsageError("--as needs a role, as in --as qa-engineer")
    number, text = resolve(p.criteria, p.id, which)
    ev = s.store.append(
        SIGNOFF, phase=p.id,
        data={"criterion": text, "number": number, "role": role, "by": by, "note": note},
        key=f"signoff:{p.id}:{number}:{role}:{by}:{text}",
    )  # fmt: skip
    now = signoffs(p.id, p.criteria, s.store)
    unsigned = [c for c in p.criteria if c not in now]
    return Signed(p.id, now[text], ev is not None, unsigned)


def criteria_status(s: Session, phase: str) -> list[dict[str, Any]]:
    """Every criterion of the phase with its sign-off (None while unsigned)."""
    p = _phase(s, phase)
    now = signoffs(p.id, p.criteria, s.store)
    return [
        {"number": k, "criterion": c, "signoff": now[c].to_json() if c in now else None}
        for k, c in enumerate(p.criteria, 1)
    ]
