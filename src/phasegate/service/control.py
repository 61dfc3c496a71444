"""Pausing and resuming a run by hand: while paused the engine starts no new agents (those
running finish) and stays up, whichever process runs it; resuming lets it carry on.
Recorded as events, so a paused plan stays paused across restarts until someone resumes."""

from __future__ import annotations

from typing import Any

from phasegate.errors import StateError
from phasegate.service.common import document
from phasegate.tracking.pause import PAUSED, RESUMED, pause_state
from phasegate.tracking.session import Session


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


def state(s: Session) -> dict[str, Any]:
    return document("pause", pause_state(s.store).to_json())
