"""The SQLite schema as an ordered list of migrations.

`PRAGMA user_version` holds how many migrations a database has had. Migrations only ever
append to this list: a released step is never edited, because databases in the field have
already run it. Projection tables can always be rebuilt from the event log, so a migration
that changes how events are projected ends with a rebuild instead of converting rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    sql: str
    rebuild: bool = False  # replay the event log into the projections afterwards


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "event log and projections",
        """
        CREATE TABLE events (
            seq     INTEGER PRIMARY KEY AUTOINCREMENT,
            ts      REAL NOT NULL,
            kind    TEXT NOT NULL,
            effort  TEXT,
            phase   TEXT,
            attempt INTEGER,
            key     TEXT NOT NULL UNIQUE,
            data    TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX events_effort ON events(effort, seq);
        CREATE INDEX events_kind ON events(kind, seq);

        CREATE TABLE efforts (
            id            TEXT PRIMARY KEY,
            state         TEXT NOT NULL DEFAULT 'pending',
            attempt       INTEGER NOT NULL DEFAULT 0,
            progress      REAL NOT NULL DEFAULT 0,
            tasks_done    TEXT NOT NULL DEFAULT '[]',
            merged        INTEGER NOT NULL DEFAULT 0,
            merged_commit TEXT,
            pid           INTEGER,
            pid_start     REAL,
            exit_code     INTEGER,
            reason        TEXT NOT NULL DEFAULT '',
            started_at    REAL,
            finished_at   REAL,
            cost          REAL NOT NULL DEFAULT 0,
            tokens        INTEGER NOT NULL DEFAULT 0,
            reports       INTEGER NOT NULL DEFAULT 0,
            last_report_at REAL,
            updated_at    REAL
        );

        CREATE TABLE phases (
            id           TEXT PRIMARY KEY,
            state        TEXT NOT NULL DEFAULT 'waiting',
            reason       TEXT NOT NULL DEFAULT '',
            updated_at   REAL,
            gate_passed  INTEGER,
            gate_reasons TEXT NOT NULL DEFAULT '[]',
            gate_at      REAL
        );

        CREATE TABLE blockers (
            num         INTEGER PRIMARY KEY,  -- not AUTOINCREMENT: a rebuild renumbers from 1
            id          TEXT NOT NULL UNIQUE,
            effort      TEXT,
            text        TEXT NOT NULL,
            severity    TEXT NOT NULL,
            opened_at   REAL NOT NULL,
            resolved_at REAL,
            resolved_by TEXT
        );
        CREATE INDEX blockers_effort ON blockers(effort, resolved_at);

        -- Acknowledgements of blockers and of plan risks, by item id.
        CREATE TABLE acks (
            item TEXT PRIMARY KEY,
            by   TEXT,
            ts   REAL NOT NULL
        );

        CREATE TABLE approvals (
            effort TEXT NOT NULL,
            role   TEXT NOT NULL,
            by     TEXT NOT NULL DEFAULT '',
            ts     REAL NOT NULL,
            PRIMARY KEY (effort, role)
        );

        CREATE TABLE metric_values (
            seq    INTEGER NOT NULL,
            metric TEXT NOT NULL,
            ts     REAL NOT NULL,
            value  REAL NOT NULL,
            effort TEXT
        );
        CREATE INDEX metric_values_metric ON metric_values(metric, seq);

        CREATE TABLE notes (
            seq    INTEGER NOT NULL,
            effort TEXT NOT NULL,
            text   TEXT NOT NULL
        );
        CREATE INDEX notes_effort ON notes(effort, seq);
        """,
    ),
    Migration(
        2,
        "first and latest value per metric, so status need not scan the metric history",
        """
        CREATE TABLE metric_stats (
            metric       TEXT PRIMARY KEY,
            count        INTEGER NOT NULL,
            first_value  REAL NOT NULL,
            first_ts     REAL NOT NULL,
            last_seq     INTEGER NOT NULL,
            last_value   REAL NOT NULL,
            last_ts      REAL NOT NULL,
            last_effort  TEXT
        );
        """,
        rebuild=True,
    ),
    Migration(
        3,
        "idempotency keys are unique per effort, per phase, or among events with neither",
        # The UNIQUE on `key` is part of the column definition, which SQLite cannot drop, so
        # the table is rebuilt. Its AUTOINCREMENT counter is carried over: a copy would only
        # restart it from the highest seq copied, and seq numbers are never handed out twice.
        # NULL is indexed as an empty blob, which equals no text: events with no effort (or
        # no phase) share one scope without colliding with an effort named ''.
        """
        CREATE TABLE events_v3 (
            seq     INTEGER PRIMARY KEY AUTOINCREMENT,
            ts      REAL NOT NULL,
            kind    TEXT NOT NULL,
            effort  TEXT,
            phase   TEXT,
            attempt INTEGER,
            key     TEXT NOT NULL,
            data    TEXT NOT NULL DEFAULT '{}'
        );
        INSERT INTO events_v3(seq, ts, kind, effort, phase, attempt, key, data)
            SELECT seq, ts, kind, effort, phase, attempt, key, data FROM events ORDER BY seq;
        DELETE FROM sqlite_sequence WHERE name = 'events_v3';
        INSERT INTO sqlite_sequence(name, seq)
            SELECT 'events_v3', seq FROM sqlite_sequence WHERE name = 'events';
        DROP TABLE events;
        ALTER TABLE events_v3 RENAME TO events;
        CREATE INDEX events_effort ON events(effort, seq);
        CREATE INDEX events_kind ON events(kind, seq);
        CREATE UNIQUE INDEX events_key ON events(IFNULL(effort, X''), IFNULL(phase, X''), key);
        """,
    ),
    Migration(
        4,
        "an effort sent back to rework starts again from no progress and no deliverables",
        "",
        rebuild=True,
    ),
)

LATEST = MIGRATIONS[-1].version


class NewerSchema(Exception):
    """The database was written by a phasegate that knows migrations this one does not."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(f"schema version {found}, newer than {known}")
        self.found = found
        self.known = known


def pending(current: int) -> list[Migration]:
    return [m for m in MIGRATIONS if m.version > current]


def migrate(
    conn: sqlite3.Connection,
    rebuild: Callable[[], None],
    migrations: tuple[Migration, ...] = MIGRATIONS,
) -> int:
    """Bring the database to the newest schema; returns the version it ended at.

    Runs inside one BEGIN IMMEDIATE transaction that re-reads the version, so several
    processes opening a fresh database at once migrate it exactly once. NewerSchema for a
    database past the newest migration in `migrations`.
    """
    current = refuse_newer(conn, migrations)
    if current == migrations[-1].version:
        return current
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = refuse_newer(conn, migrations)
        todo = [m for m in migrations if m.version > current]
        needs_rebuild = False
        for m in todo:
            for statement in _statements(m.sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {int(m.version)}")
            needs_rebuild = needs_rebuild or m.rebuild
        if needs_rebuild:
            rebuild()
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return migrations[-1].version if todo else current


def refuse_newer(conn: sqlite3.Connection, migrations: tuple[Migration, ...] = MIGRATIONS) -> int:
    """The database's schema version; NewerSchema if it is past the newest migration known.

    A newer schema may have moved or reinterpreted what this version reads and writes
    (tables, key scopes, projections): reading it could mislead, and writing could corrupt.
    """
    (current,) = conn.execute("PRAGMA user_version").fetchone()
    if current > migrations[-1].version:
        raise NewerSchema(int(current), migrations[-1].version)
    return int(current)


def _statements(sql: str) -> list[str]:
    # executescript() would COMMIT our transaction first; split so DDL stays inside it.
    out: list[str] = []
    buf: list[str] = []
    for line in sql.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("--"):
            continue
        buf.append(line)
        if stripped.endswith(";"):
            stmt = "\n".join(buf)
            if sqlite3.complete_statement(stmt):
                out.append(stmt)
                buf = []
    if buf:
        out.append("\n".join(buf))
    return out
