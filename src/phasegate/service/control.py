"""Pausing and resuming a run by hand: while paused the engine starts no new agents (those
running finish), whichever process runs it. Recorded as events, so a paused plan stays
paused across restarts until someone resumes it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from phasegate.errors import StateError
from phasegate.service.common import document
from phasegate.store import Store
from phasegate.tracking.session import Session

PAUSED = "run.paused"
RESUMED = "run.resumed"


@dataclass(frozen=True)
class Pause:
    paused: bool
    by: str = ""
    reason: str = ""
    since: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {"paused": self.paused, "by": self.by, "reason": self.reason, "since": self.since}


def pause_state(store: Store) -> Pause:
    """The last pause or resume decides; none means running freely."""
    found = store.events(kinds=[PAUSED, RESUMED])
    if not found or found[-1].kind == RESUMED:
        return Pause(False)
    last = found[-1]
    return Pause(True, str(last.data.get("by", "")), str(last.data.get("reason", "")), last.ts)


def pause(s: Session, *, by: str, reason: str = "") -> dict[str, Any]:
    if pause_state(s.store).paused:
        raise StateError("the run is already paused")
    s.store.append(PAUSED, data={"by": by, "reason": reason})
    return document("pause", pause_state(s.store).to_json())


def resume(s: Session, *, by: str) -> dict[str, Any]:
    if not pause_state(s.store).paused:
        raise StateError("the run is not paused")
    s.store.append(RESUMED, data={"by": by})
    return document("pause", pause_state(s.store).to_json())
