"""The state store: an append-only event log with projections, behind a small interface.

`open_store(None, state_dir=...)` gives the default SQLite store at `state_dir/state.db`;
`--db PATH` or `--db sqlite:///PATH` (also `$PHASEGATE_DB`) points elsewhere, and
`--db postgresql://...` opens the team store on a PostgreSQL server (store/postgres.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from phasegate.errors import UsageError
from phasegate.store.types import (
    BlockerView,
    EffortView,
    Event,
    MetricSummary,
    PhaseView,
    Store,
)

__all__ = [
    "BlockerView",
    "EffortView",
    "Event",
    "MetricSummary",
    "PhaseView",
    "Store",
    "db_path",
    "is_server",
    "open_store",
    "store_exists",
    "store_location",
]

DEFAULT_NAME = "state.db"
SERVER_SCHEMES = ("postgresql", "postgres")


def is_server(db: str | None) -> bool:
    """Whether `db` names a store on a database server rather than a SQLite file."""
    return bool(db) and str(db).partition("://")[0] in SERVER_SCHEMES and "://" in str(db)


def store_location(db: str | None, *, state_dir: Path) -> str:
    """What agents and checks are told to open (PHASEGATE_DB): a file path or a URL."""
    return str(db) if is_server(db) else str(db_path(db, state_dir=state_dir))


def store_exists(db: str | None, *, state_dir: Path) -> bool:
    """Whether there is a store to read: a server store always answers (an empty one
    reads as a plan that has not run); a SQLite file must be there."""
    return is_server(db) or db_path(db, state_dir=state_dir).exists()


def db_path(db: str | None, *, state_dir: Path) -> Path:
    """Where the SQLite file for `db` lives; UsageError for a store we cannot open (or one
    on a server, which has no file: see is_server)."""
    if db is None or db == "":
        return state_dir / DEFAULT_NAME
    if is_server(db):
        raise UsageError("a store on a database server has no file path")
    if "://" in db:
        scheme, _, rest = db.partition("://")
        if scheme != "sqlite":
            raise UsageError(
                f"store {db!r}: unsupported scheme {scheme!r} (supported: a file path, "
                "sqlite:///PATH or postgresql://...)"
            )
        # sqlite:///rel/path is relative; sqlite:////abs/path is absolute (as in SQLAlchemy).
        if not rest.startswith("/") or not rest[1:]:
            raise UsageError(f"store {db!r}: expected sqlite:///PATH")
        path = Path(rest[1:])
    else:
        path = Path(db)
    # SQLite reads this name as a database that lives only as long as the process: every
    # report would be acknowledged and then lost when the command exits.
    if str(path) == ":memory:":
        raise UsageError(
            f"store {db!r}: an in-memory database would lose every event when the command "
            "exits; give a file path"
        )
    return path


def prior_state(state_dir: Path) -> list[str]:
    """Traces a run leaves in the state directory: a store missing beside them was lost,
    it is not a fresh start."""
    found: list[str] = []
    for sub, what in (("worktrees", "effort worktrees"), ("logs", "agent logs")):
        d = state_dir / sub
        try:
            if d.is_dir() and any(d.iterdir()):
                found.append(f"{what} in {d}")
        except OSError:
            continue
    return found


def missing(path: Path) -> bool:
    """No store at `path`, or an empty file (SQLite would take it for a new database)."""
    try:
        return path.stat().st_size == 0
    except OSError:
        return True


def open_store(
    db: str | None,
    *,
    state_dir: Path,
    clock: Callable[[], float] = time.time,
    create: bool = False,
) -> Store:
    """Open the store. Without `create` (only `phasegate run` passes it), a store given with
    `--db` must exist, and the default one is not made anew beside traces of a run."""
    if is_server(db):
        from phasegate.store.postgres import PostgresStore

        assert db is not None
        return PostgresStore(db, clock=clock)
    from phasegate.store.sqlite import SqliteStore

    path = db_path(db, state_dir=state_dir)
    if path.is_dir():
        raise UsageError(f"store {path}: is a directory, expected a database file")
    if not create and missing(path):
        if db:
            raise UsageError(
                f"store {path}: no such store; only 'phasegate run' creates one "
                "(check --db or PHASEGATE_DB)"
            )
        traces = prior_state(state_dir)
        if traces:
            raise UsageError(lost_store(path, traces))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"store {path}: cannot create {path.parent}: {e.strerror}") from None
    import sqlite3

    try:
        store = SqliteStore(path, clock=clock)
    except sqlite3.DatabaseError as e:
        raise UsageError(f"store {path}: cannot open: {e}") from None
    if not create and store.last_seq() == 0:
        # Made afresh (by an older phasegate, say) over a lost one: just as empty.
        traces = prior_state(state_dir)
        if traces:
            store.close()
            raise UsageError(lost_store(path, traces))
    return store


def lost_store(path: Path, traces: list[str]) -> str:
    return (
        f"store {path} is missing or empty, but this plan has run here before "
        f"({'; '.join(traces)}): its recorded state would be lost. Restore the store from a "
        "backup, or, to start over on purpose, remove those (phasegate clean, then the state "
        "directory and the integration branch) and run again. Plans sharing a repository "
        "need their own repo.integration and repo.branch_prefix"
    )
