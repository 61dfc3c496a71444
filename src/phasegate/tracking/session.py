"""The thin I/O wrapper the tracking commands share: plan facts plus an open store."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from phasegate.errors import InputError
from phasegate.plan.discover import state_dir_of
from phasegate.store import Store, open_store
from phasegate.tracking.facts import PlanFacts, load_facts


@dataclass
class Session:
    facts: PlanFacts
    plan_path: Path
    store: Store

    @property
    def state_dir(self) -> Path:
        return state_dir_of(self.plan_path)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_session(plan: str | None, db: str | None) -> Session:
    from phasegate.store.owner import check_owner

    facts, path = load_facts(plan)
    store = open_store(db, state_dir=state_dir_of(path))
    try:
        check_owner(store, facts.project, path, bind=False)
    except BaseException:
        store.close()
        raise
    return Session(facts, path, store)


def env_attempt() -> int | None:
    """The attempt an agent was started for (PHASEGATE_ATTEMPT), if it says."""
    raw = os.environ.get("PHASEGATE_ATTEMPT", "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise InputError(f"PHASEGATE_ATTEMPT: expected a whole number, got {raw!r}") from None


def actor() -> str:
    if os.environ.get("PHASEGATE_USER"):
        return os.environ["PHASEGATE_USER"]
    import getpass

    try:  # USER and LOGNAME first, then the account database: containers often set neither
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"
