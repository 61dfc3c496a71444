"""Whether a person has paused the run: the last `run.paused` or `run.resumed` decides.

Read by the engine (it starts no new agents while paused) and by status and the web view;
written through `service.control`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from phasegate.store import Store

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
    found = store.events(kinds=[PAUSED, RESUMED])
    if not found or found[-1].kind == RESUMED:
        return Pause(False)
    last = found[-1]
    return Pause(True, str(last.data.get("by", "")), str(last.data.get("reason", "")), last.ts)
