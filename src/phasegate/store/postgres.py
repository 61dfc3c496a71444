"""The team store: the same event log and projections on a PostgreSQL server (15 or later).

Opened with `--db postgresql://user@host/dbname` (or PHASEGATE_DB); one database, or one
schema chosen with `?options=-csearch_path%3Dname`, holds one plan. The rules of writing and
the projections are the SQLite store's (store/sqlstore.py, store/projection.py); what is
PostgreSQL's own lives here:

- every writing transaction first takes a transaction-scoped advisory lock, so writers
  from any number of machines queue as SQLite's do, seq numbers commit in order (a reader
  that has seen seq N never later finds a smaller one appear) and a report's checks see
  every report committed before it;
- `run_lock` is a session advisory lock on its own connection, named after its holder
  (`application_name`), which the server drops when the holder's connection ends, however
  the holder ended;
- each commit NOTIFYs, so `wait_for_events` wakes at once instead of polling.

psycopg is imported here only, so the CLI starts without it (extra `phasegate[postgres]`).
"""

from __future__ import annotations

import functools
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from phasegate.errors import InputError, UsageError
from phasegate.store import migrations
from phasegate.store.sqlstore import SqlStore, not_unicode, run_held
from phasegate.store.types import Executor, Rows

if TYPE_CHECKING:
    import psycopg

# First halves of the advisory lock keys; the second half is the plan's schema.
_WRITE = 0x70670001
_RUN = 0x70670002
_MIGRATE = 0x70670003
_APP = "phasegate run"
RUN_LOCK_GRACE_S = 2.0
MIN_SERVER = 150000


@functools.lru_cache(maxsize=512)
def _pg(sql: str) -> str:
    # The shared statements hold no literal '?' or '%': a plain swap is exact.
    return sql.replace("%", "%%").replace("?", "%s")


class _Qmark:
    """A psycopg connection that takes the shared statements' `?` placeholders."""

    def __init__(self, conn: psycopg.Connection[Any], url: str) -> None:
        self.conn = conn
        self.url = url

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Rows:
        import psycopg

        try:
            return self.conn.execute(_pg(sql), tuple(parameters))
        except psycopg.OperationalError as e:
            if not self.conn.closed and not self.conn.broken:
                raise
            # The server went away (restarted, network down): nothing half-written stays,
            # since the transaction dies with the connection; say so instead of a traceback.
            raise UsageError(f"store {redact(self.url)}: lost the connection: {e}") from None


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", url)


def _connect(url: str, **kw: Any) -> psycopg.Connection[Any]:
    try:
        import psycopg
    except ImportError:
        raise UsageError(
            f"store {redact(url)}: PostgreSQL support is not installed; "
            "pip install 'phasegate[postgres]'"
        ) from None
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10, **kw)
    except psycopg.Error as e:
        reason = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
        raise UsageError(f"store {redact(url)}: cannot connect: {reason}") from None


class PostgresStore(SqlStore):
    def __init__(self, url: str, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.url = url
        self.clock = clock
        self._raw = _connect(url)
        self._conn: Executor = _Qmark(self._raw, url)
        self._listener: psycopg.Connection[Any] | None = None
        self._listen_lock = threading.Lock()
        try:
            if self._raw.info.server_version < MIN_SERVER:
                # Idempotency scopes rest on UNIQUE NULLS NOT DISTINCT, new in 15.
                raise UsageError(
                    f"store {redact(url)}: PostgreSQL {self._raw.info.server_version // 10000} "
                    "is too old; the team store needs PostgreSQL 15 or later"
                )
            row = self._raw.execute(
                "SELECT current_schema(), hashtext(current_schema()) & 2147483647"
            ).fetchone()
            assert row is not None
            if row[0] is None:
                raise UsageError(f"store {redact(url)}: no schema to write in (check search_path)")
            self._space = int(row[1])
            self._channel = f"phasegate_events_{self._space}"
            self._migrate()
        except BaseException:
            self._raw.close()
            raise

    # -- connection -------------------------------------------------------------------

    def _migrate(self) -> None:
        """Bring the schema to the newest migration, once, however many open it at once."""
        raw = self._raw
        # The common case, an up-to-date store, answers from one read without the lock.
        with self._lock, raw.transaction():
            found = raw.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
            if found and found[0] and self.schema_version() == migrations.LATEST:
                return
        with self._lock, raw.transaction():
            raw.execute("SELECT pg_advisory_xact_lock(%s, %s)", (_MIGRATE, self._space))
            raw.execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
            row = raw.execute("SELECT version FROM schema_version").fetchone()
            if row is None:
                raw.execute("INSERT INTO schema_version(version) VALUES (0)")
            current = int(row[0]) if row else 0
            if current > migrations.LATEST:
                raise UsageError(
                    f"store {redact(self.url)}: written by a newer phasegate (schema version "
                    f"{current}; this one knows up to {migrations.LATEST}); upgrade phasegate "
                    "to use it"
                )
            todo = migrations.pending(current)
            for m in todo:
                if m.postgres is None:
                    raise UsageError(f"migration {m.version} has no PostgreSQL form")
                if m.postgres.strip():
                    raw.execute(m.postgres.encode())
            if todo:
                raw.execute("UPDATE schema_version SET version = %s", (migrations.LATEST,))
            if any(m.rebuild for m in todo):
                self._rebuild_in_tx(self._conn)

    def schema_version(self) -> int:
        row = self._raw.execute("SELECT version FROM schema_version").fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        with self._lock:
            self._raw.close()
        with self._listen_lock:
            if self._listener is not None:
                self._listener.close()
                self._listener = None

    @contextmanager
    def _write(self) -> Iterator[Executor]:
        import psycopg

        with self._lock:
            raw, c = self._raw, self._conn
            c.execute("BEGIN")
            try:
                c.execute("SELECT pg_advisory_xact_lock(?, ?)", (_WRITE, self._space))
                yield c
                # Delivered at commit, and only if it commits.
                c.execute("SELECT pg_notify(?, '')", (self._channel,))
            except UnicodeEncodeError as e:
                raw.execute("ROLLBACK")
                raise not_unicode(e) from None
            except psycopg.DataError as e:
                raw.execute("ROLLBACK")
                # A NUL character, which PostgreSQL text cannot hold (SQLite can).
                raise InputError(
                    f"refused text PostgreSQL cannot store ({e}); nothing stored"
                ) from None
            except BaseException:
                if not raw.broken:
                    raw.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def consistent(self) -> Iterator[None]:
        """Several reads that see one moment of the store (one REPEATABLE READ snapshot)."""
        from psycopg.pq import TransactionStatus

        with self._lock:
            if self._raw.info.transaction_status != TransactionStatus.IDLE:
                yield
                return
            self._raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                yield
            finally:
                self._raw.execute("COMMIT")

    # -- what the SQL dialect spells its own way --------------------------------------

    def _in_scope(
        self, effort: str | None, phase: str | None, key: str
    ) -> tuple[str, tuple[Any, ...]]:
        # The columns of the unique index events_key (migration 3), NULL meaning "none".
        where, args = ["key = ?"], [key]
        for col, value in (("effort", effort), ("phase", phase)):
            if value is None:
                where.append(f"{col} IS NULL")
            else:
                where.append(f"{col} = ?")
                args.append(value)
        return " AND ".join(where), tuple(args)

    def _all_totals(self, c: Executor) -> tuple[float, int]:
        # SUM of BIGINT is NUMERIC here: exact, and never overflows.
        row = c.execute(
            "SELECT COALESCE(SUM(cost), 0), COALESCE(SUM(tokens), 0) FROM efforts"
        ).fetchone()
        return float(row[0]), int(row[1])

    def _after_load(self, c: Executor, last: int) -> None:
        c.execute("SELECT setval(pg_get_serial_sequence('events', 'seq'), ?)", (last,))

    @property
    def location(self) -> str:
        return self.url

    @property
    def shown(self) -> str:
        return redact(self.url)

    # -- one run at a time, and waiting for events ----------------------------------------

    @contextmanager
    def run_lock(self) -> Iterator[None]:
        """One `phasegate run` per plan across machines: a session advisory lock on a
        connection of its own, which the server releases when that connection ends."""
        me = f"{_APP} {os.getpid()} {socket.gethostname()}"[:63]
        conn = _connect(self.url, application_name=me)
        try:
            # A holder killed a moment ago holds the lock until the server has seen its
            # connection close, which takes a moment: only a holder still there after
            # RUN_LOCK_GRACE_S is a live run.
            deadline = time.monotonic() + RUN_LOCK_GRACE_S
            while True:
                row = conn.execute(
                    "SELECT pg_try_advisory_lock(%s, %s)", (_RUN, self._space)
                ).fetchone()
                if row and row[0]:
                    break
                if time.monotonic() > deadline:
                    raise self._refusal(conn)
                time.sleep(0.1)
            yield
        finally:
            conn.close()

    def _refusal(self, conn: psycopg.Connection[Any]) -> UsageError:
        row = conn.execute(
            "SELECT a.application_name, a.pid FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s "
            "AND l.objid = %s AND l.objsubid = 2 AND l.database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())",
            (_RUN, self._space),
        ).fetchone()
        name = str(row[0] or "") if row else ""
        if name.startswith(_APP + " "):
            pid, _, host = name[len(_APP) + 1 :].partition(" ")
            return run_held(pid or None, host or None)
        return run_held(None, None)

    def wait_for_events(self, after_seq: int, timeout: float) -> bool:
        deadline = time.monotonic() + max(0.0, timeout)
        with self._listen_lock:
            if self._listener is None:
                listener = _connect(self.url)
                listener.execute(f"LISTEN {self._channel}")
                self._listener = listener
            listener = self._listener
            # Checked after LISTEN, so a commit between the check and the wait still wakes us.
            while self.last_seq() <= after_seq:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                for _ in listener.notifies(timeout=left, stop_after=1):
                    pass
            return True
