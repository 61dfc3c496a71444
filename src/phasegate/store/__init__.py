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


def open_store(
    db: str | None,
    *,
    state_dir: Path,
    clock: Callable[[], float] = time.time,
) -> Store:
    if is_server(db):
        from phasegate.store.postgres import PostgresStore

        assert db is not None
        return PostgresStore(db, clock=clock)
    from phasegate.store.sqlite import SqliteStore

    path = db_path(db, state_dir=state_dir)
    if path.is_dir():
        raise UsageError(f"store {path}: is a directory, expected a database file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"store {path}: cannot create {path.parent}: {e.strerror}") from None
    import sqlite3

    try:
        return SqliteStore(path, clock=clock)
    except sqlite3.DatabaseError as e:
        raise UsageError(f"store {path}: cannot open: {e}") from None
