"""The default store: one SQLite file, an append-only event log plus projection tables.

Every write is one `BEGIN IMMEDIATE` transaction that appends the event and updates the
projections, so a reader never sees one without the other and a writer killed mid-way leaves
neither. Concurrent writers (many agents reporting at once) queue on SQLite's write lock
through the busy timeout instead of failing. The rules of writing and reading are shared with
the other backends (store/sqlstore.py); this module holds what is SQLite's own.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from phasegate.errors import UsageError
from phasegate.store import migrations, wake
from phasegate.store.sqlstore import SqlStore, not_unicode, run_held
from phasegate.store.types import MAX_INTEGER, Executor

BUSY_TIMEOUT_S = 60.0


class StoreGone(UsageError):
    """The store's file was removed or replaced under a process still using it."""


def _identity(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


class SqliteStore(SqlStore):
    _conn: sqlite3.Connection

    def __init__(self, path: Path | str, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.path = str(path)
        self.clock = clock
        self._conn = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        try:
            self._setup()
        except BaseException:
            self._conn.close()
            raise
        self._identity = _identity(self.path)

    # -- connection -------------------------------------------------------------------

    def _setup(self) -> None:
        try:
            self._configure_and_migrate()
        except migrations.NewerSchema as e:
            raise UsageError(
                f"store {self.path}: written by a newer phasegate (schema version {e.found}; "
                f"this one knows up to {e.known}); upgrade phasegate to use it"
            ) from None

    def _configure_and_migrate(self) -> None:
        c = self._conn
        c.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        # Before anything below changes the file; migrate() checks again under its lock.
        migrations.refuse_newer(c)
        # Switching a fresh file to WAL takes a lock the busy handler does not always wait
        # for, so several processes creating the store at once retry here.
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                c.execute("PRAGMA journal_mode = WAL")
                break
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) and "busy" not in str(e):
                    raise
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
        # FULL, not NORMAL: a report acknowledged to an agent is a promise the agent will not
        # re-send, so each commit is synced to disk and survives a power loss, not only a
        # killed process. Events arrive at human and agent pace, so one fsync each is cheap;
        # bulk writers batch through append_many (one transaction, one sync).
        c.execute("PRAGMA synchronous = FULL")
        c.execute("PRAGMA foreign_keys = ON")
        migrations.migrate(c, lambda: self._rebuild_in_tx(c))

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def check_open(self) -> None:
        """StoreGone when the file at this store's path is no longer the one it opened
        (deleted, or replaced by another file): writing on would go to a file nobody reads."""
        if self.path == ":memory:" or self._identity is None:
            return
        now = _identity(self.path)
        if now != self._identity:
            what = "was removed" if now is None else "was replaced by another file"
            raise StoreGone(
                f"store {self.path} {what} while in use; nothing more is written to it. "
                "Put the store back (or restore it from a backup) and run again"
            )

    @contextmanager
    def _write(self) -> Iterator[Executor]:
        with self._lock:
            self.check_open()
            c = self._conn
            c.execute("BEGIN IMMEDIATE")
            try:
                yield c
            except UnicodeEncodeError as e:
                c.execute("ROLLBACK")
                raise not_unicode(e) from None
            except BaseException:
                c.execute("ROLLBACK")
                raise
            c.execute("COMMIT")
        wake.poke(self.path)  # a run waiting on this store looks at once

    @contextmanager
    def consistent(self) -> Iterator[None]:
        """Several reads that see one moment of the store (a WAL read snapshot)."""
        with self._lock:
            if self._conn.in_transaction:
                yield
                return
            self._conn.execute("BEGIN")
            try:
                yield
            finally:
                self._conn.execute("COMMIT")

    def schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    # -- what the SQL dialect spells its own way --------------------------------------

    def _in_scope(
        self, effort: str | None, phase: str | None, key: str
    ) -> tuple[str, tuple[Any, ...]]:
        # Spelled exactly as the unique index events_key (migration 3), so lookups search it.
        return (
            "IFNULL(effort, X'') = IFNULL(?, X'') AND IFNULL(phase, X'') = IFNULL(?, X'') "
            "AND key = ?",
            (effort, phase, key),
        )

    def _all_totals(self, c: Executor) -> tuple[float, int]:
        (all_cost,) = c.execute("SELECT TOTAL(cost) FROM efforts").fetchone()
        try:  # SUM, not TOTAL: exact, where a float would round near the bound
            (all_tokens,) = c.execute("SELECT COALESCE(SUM(tokens), 0) FROM efforts").fetchone()
        except sqlite3.OperationalError as e:
            if "overflow" not in str(e):
                raise
            all_tokens = MAX_INTEGER + 1  # only a store written before this bound gets here
        return float(all_cost), int(all_tokens)

    # AUTOINCREMENT already moves its counter past explicitly inserted seq numbers, so a
    # loaded store needs no _after_load.

    @property
    def location(self) -> str:
        return self.path

    # -- one run at a time, and waiting for events ----------------------------------------

    @contextmanager
    def run_lock(self) -> Iterator[None]:
        """One engine per store directory: a `run.lock` file beside the database, locked
        with flock, which the kernel drops if the engine dies."""
        import fcntl

        path = Path(self.path).parent / "run.lock"
        with open(path, "a+") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                f.seek(0)
                pid, _, host = f.read().strip().partition(" ")
                raise run_held(pid or None, host or None) from None
            f.seek(0)
            f.truncate()
            f.write(f"{os.getpid()} {socket.gethostname()}")
            f.flush()
            yield

    def wait_for_events(self, after_seq: int, timeout: float) -> bool:
        # SQLite tells no other process about a commit: a read per tick is cheap in WAL mode.
        return self._poll_for_events(after_seq, timeout, POLL_S)


POLL_S = 0.1
