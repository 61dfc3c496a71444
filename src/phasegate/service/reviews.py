"""Reviews: a reviewer's approval, and an agent's request for one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from phasegate.errors import InputError
from phasegate.service.callers import Caller
from phasegate.tracking.facts import EffortFacts
from phasegate.tracking.reports import effort_facts
from phasegate.tracking.session import Session


@dataclass(frozen=True)
class Approved:
    effort: str
    role: str
    by: str
    already: bool  # this role had approved it already: nothing new recorded
    missing: list[str] = field(default_factory=list)  # reviewers still to approve

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": "phasegate.approve/1",
            "effort": self.effort,
            "role": self.role,
            "by": self.by,
            "already": self.already,
            "missing": self.missing,
        }


@dataclass(frozen=True)
class ReviewRequest:
    effort: str
    seq: int | None  # None: the same request (key) was stored before
    reviewers: list[str]
    approved: list[str]
    missing: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": "phasegate.review/1",
            "effort": self.effort,
            "stored": self.seq is not None,
            "seq": self.seq,
            "reviewers": self.reviewers,
            "approved": self.approved,
            "missing": self.missing,
        }


def _roles(s: Session, f: EffortFacts) -> list[str]:
    phase = next((p for p in s.facts.phases if p.id == f.phase), None)
    return list(dict.fromkeys([*f.reviewers, *(phase.approvals if phase else [])]))


def approve(s: Session, effort: str, *, role: str, by: str) -> Approved:
    """Record a reviewer's approval of an effort in one of its reviewer roles."""
    f = effort_facts(s.facts, effort)
    allowed = _roles(s, f)
    if role not in allowed:
        known = ", ".join(allowed) or "none declared"
        raise InputError(f"{role!r} is not a reviewer of effort {f.id} (reviewers: {known})")
    ev = s.store.append(
        "approval", effort=f.id, data={"role": role, "by": by}, key=f"approval:{f.id}:{role}:{by}"
    )
    have = s.store.approvals().get(f.id, set())
    return Approved(f.id, role, by, ev is None, [r for r in f.reviewers if r not in have])


def request_review(
    s: Session,
    effort: str,
    *,
    note: str = "",
    attempt: int | None = None,
    key: str | None = None,
) -> ReviewRequest:
    """An agent asks its effort's reviewers to look at the work: recorded as an event the
    status and the log show; the approvals still missing come back."""
    f = effort_facts(s.facts, effort)
    Caller(f.id, attempt).check_current(s.store)
    roles = _roles(s, f)
    ev = s.store.append(
        "review.requested",
        effort=f.id,
        attempt=attempt,
        data={"note": note.strip(), "reviewers": roles},
        key=key,
    )
    have = s.store.approvals().get(f.id, set())
    return ReviewRequest(
        f.id,
        ev.seq if ev else None,
        roles,
        sorted(have),
        [r for r in roles if r not in have],
    )
