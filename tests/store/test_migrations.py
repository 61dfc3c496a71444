"""The schema is versioned: migrations run in order, once, and a later one can be added."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest

from phasegate.errors import UsageError
from phasegate.store import db_path, migrations, open_store
from phasegate.store.sqlite import SqliteStore


def test_fresh_store_is_at_latest_version_in_wal(tmp_path: Path) -> None:
    with open_store(None, state_dir=tmp_path / ".phasegate") as s:
        assert isinstance(s, SqliteStore)
        assert s.schema_version() == migrations.LATEST
    conn = sqlite3.connect(tmp_path / ".phasegate" / "state.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.LATEST


def test_versions_are_contiguous_and_ordered() -> None:
    assert [m.version for m in migrations.MIGRATIONS] == list(
        range(1, len(migrations.MIGRATIONS) + 1)
    )
    assert migrations.pending(0) == list(migrations.MIGRATIONS)
    assert migrations.pending(migrations.LATEST) == []


def test_a_new_migration_runs_once_and_can_rebuild(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with SqliteStore(path) as s:
        s.append("report", effort="e", data={"progress": 40})
    extra = migrations.Migration(
        migrations.LATEST + 1,
        "add a column",
        "ALTER TABLE efforts ADD COLUMN extra TEXT;",
        rebuild=True,
    )
    conn = sqlite3.connect(path, isolation_level=None)
    rebuilt: list[int] = []
    got = migrations.migrate(conn, lambda: rebuilt.append(1), (*migrations.MIGRATIONS, extra))
    assert got == extra.version and rebuilt == [1]
    assert conn.execute("PRAGMA user_version").fetchone()[0] == extra.version
    cols = [r[1] for r in conn.execute("PRAGMA table_info(efforts)")]
    assert "extra" in cols
    # Running again finds nothing to do.
    assert (
        migrations.migrate(conn, lambda: rebuilt.append(2), (*migrations.MIGRATIONS, extra))
        == extra.version
    )
    assert rebuilt == [1]
    conn.close()
    # This program does not know the extra migration: the file is newer than it.
    with pytest.raises(UsageError, match="written by a newer phasegate"):
        SqliteStore(path)


def test_failed_migration_leaves_the_old_version(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    SqliteStore(path).close()
    bad = migrations.Migration(migrations.LATEST + 1, "broken", "CREATE TABLE efforts (x);")
    conn = sqlite3.connect(path, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError):
        migrations.migrate(conn, lambda: None, (*migrations.MIGRATIONS, bad))
    assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.LATEST


def test_db_locations(tmp_path: Path) -> None:
    assert db_path(None, state_dir=tmp_path) == tmp_path / "state.db"
    assert db_path("x.db", state_dir=tmp_path) == Path("x.db")
    assert db_path("sqlite:///rel/x.db", state_dir=tmp_path) == Path("rel/x.db")
    assert db_path("sqlite:////abs/x.db", state_dir=tmp_path) == Path("/abs/x.db")
    with pytest.raises(UsageError, match="unsupported scheme"):
        db_path("mysql://host/db", state_dir=tmp_path)
    with pytest.raises(UsageError, match="has no file path"):
        db_path("postgresql://host/db", state_dir=tmp_path)
    with pytest.raises(UsageError, match="is a directory"):
        open_store(str(tmp_path), state_dir=tmp_path)
    with pytest.raises(UsageError, match="cannot open"):
        (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
        open_store(str(tmp_path / "junk.db"), state_dir=tmp_path)


def test_upgrading_a_version_1_store_fills_metric_stats(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with SqliteStore(path) as s:
        s.append("report", effort="e", data={"metrics": {"cov": 50}})
        s.append("report", effort="e", data={"metrics": {"cov": 70}})
    # Make the file look like one written before migration 2 existed.
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TABLE metric_stats")
    conn.execute("DROP TABLE gate_firsts")
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    with SqliteStore(path) as s:
        assert s.schema_version() == migrations.LATEST
        summary = s.metric_summary()["cov"]
        assert (summary.count, summary.first, summary.latest) == (2, 50, 70)
        assert s.effort("e").reports == 2


def test_consistent_reads_ignore_a_concurrent_writer(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with SqliteStore(path) as reader, SqliteStore(path) as writer:
        writer.append("report", effort="e", data={"progress": 10})
        with reader.consistent():
            assert reader.effort("e").progress == 10
            writer.append("report", effort="e", data={"progress": 90})
            assert reader.effort("e").progress == 10
        assert reader.effort("e").progress == 90


def test_upgrading_a_version_2_store_scopes_its_keys(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrations.migrate(conn, lambda: None, migrations.MIGRATIONS[:2])
    rows = [
        (1, "report", "e1", None, "step-1", '{"progress": 30}'),
        (2, "check.result", None, "p", "check:0", "{}"),
        (3, "custom", None, None, "gone", "{}"),
    ]
    for seq, kind, effort, phase, key, data in rows:
        conn.execute(
            "INSERT INTO events(seq, ts, kind, effort, phase, key, data) "
            "VALUES (?, 1.0, ?, ?, ?, ?, ?)",
            (seq, kind, effort, phase, key, data),
        )
    # The newest event's number was handed out once: the upgrade must not hand it out again.
    conn.execute("DELETE FROM events WHERE seq = 3")
    conn.close()
    with SqliteStore(path) as s:
        assert s.schema_version() == migrations.LATEST
        assert [(e.seq, e.key) for e in s.events()] == [(1, "step-1"), (2, "check:0")]
        ev = s.append("report", effort="e2", data={"progress": 50}, key="step-1")
        assert ev is not None and ev.seq == 4
        assert s.append("report", effort="e1", data={"progress": 50}, key="step-1") is None
        assert s.append("check.result", phase="p", key="check:0") is None
        assert s.append("check.result", phase="q", key="check:0") is not None
        assert s.effort("e2").progress == 50


@pytest.mark.parametrize("db", [":memory:", "sqlite:///:memory:", "./:memory:"])
def test_an_in_memory_store_is_refused(tmp_path: Path, db: str) -> None:
    with pytest.raises(UsageError, match="in-memory database would lose every event"):
        db_path(db, state_dir=tmp_path)
    with pytest.raises(UsageError, match="in-memory"):
        open_store(db, state_dir=tmp_path)


def test_a_store_from_a_newer_phasegate_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(UsageError) as info:
        open_store(str(path), state_dir=tmp_path)
    assert str(info.value) == (
        f"store {path}: written by a newer phasegate (schema version 99; this one knows up "
        f"to {migrations.LATEST}); upgrade phasegate to use it"
    )
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 99
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert conn.execute("SELECT name FROM sqlite_master").fetchall() == []
    conn.close()
    with pytest.raises(migrations.NewerSchema):
        migrations.migrate(sqlite3.connect(path, isolation_level=None), lambda: None)


def test_upgrading_resets_efforts_already_in_rework(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with SqliteStore(path) as s:
        s.transition("e", "running")
        s.append("report", effort="e", data={"progress": 100, "tasks_done": ["a"]})
        s.transition("e", "done")
        s.transition("e", "rework")
    # What a version 3 store holds: rework did not touch progress or deliverables then.
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("UPDATE efforts SET progress = 100, tasks_done = '[\"a\"]'")
    conn.execute("DROP TABLE gate_firsts")
    conn.execute("PRAGMA user_version = 3")
    conn.close()
    with SqliteStore(path) as s:
        v = s.effort("e")
        assert (v.state, v.progress, v.tasks_done, v.reports) == ("rework", 0, [], 1)


def test_upgrading_a_version_4_store_finds_each_metrics_first_gate_value(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with SqliteStore(path) as s:
        for value in (60.0, 75.0):
            s.append("check.result", phase="p", data={"scope": "gate", "metric": "cov",
                                                      "value": value})  # fmt: skip
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TABLE gate_firsts")
    conn.execute("PRAGMA user_version = 4")
    conn.close()
    with SqliteStore(path) as s:
        assert s.schema_version() == migrations.LATEST
        assert s.gate_firsts() == {"cov": 60.0}


def test_every_migration_has_its_postgresql_form() -> None:
    """A migration exists for both backends or for neither, so both number alike."""
    assert all(m.postgres is not None for m in migrations.MIGRATIONS)
    assert all(
        bool(m.sql.strip()) == bool((m.postgres or "").strip()) for m in migrations.MIGRATIONS
    )


def test_postgres_store_migrates_once_and_refuses_a_newer_schema(
    pg_url: str, tmp_path: Path
) -> None:
    import psycopg

    with open_store(pg_url, state_dir=tmp_path) as s, open_store(pg_url, state_dir=tmp_path) as t:
        assert s.schema_version() == t.schema_version() == migrations.LATEST  # type: ignore[attr-defined]
    with psycopg.connect(pg_url, autocommit=True) as c:
        c.execute("UPDATE schema_version SET version = %s", (migrations.LATEST + 1,))
    with pytest.raises(UsageError, match="written by a newer phasegate"):
        open_store(pg_url, state_dir=tmp_path)


def test_an_unreachable_server_is_a_usage_error_without_the_password(tmp_path: Path) -> None:
    pytest.importorskip("psycopg")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    url = f"postgresql://ann:s3cret@127.0.0.1:{port}/plan"
    with pytest.raises(UsageError) as e:
        open_store(url, state_dir=tmp_path)
    assert "cannot connect" in str(e.value) and "ann:***@127.0.0.1" in str(e.value)
    assert "s3cret" not in str(e.value)


def test_a_lost_server_connection_is_a_usage_error(pg_url: str, tmp_path: Path) -> None:
    import psycopg

    with open_store(pg_url, state_dir=tmp_path) as s:
        s.append("report", effort="e", data={"progress": 5})
        pid = s._raw.info.backend_pid  # type: ignore[attr-defined]
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(UsageError, match="lost the connection"):
            s.append("report", effort="e", data={"progress": 6})
    with open_store(pg_url, state_dir=tmp_path) as again:
        assert [e.data["progress"] for e in again.events()] == [5]


def test_postgres_store_migrates_an_older_schema_in_steps(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store written at version 1 (keys unique store-wide) is brought to the newest:
    its events stay, keys become scoped, and the projections are rebuilt."""
    full = migrations.MIGRATIONS
    monkeypatch.setattr(migrations, "MIGRATIONS", full[:1])
    monkeypatch.setattr(migrations, "LATEST", 1)
    with open_store(pg_url, state_dir=tmp_path) as old:
        assert old.schema_version() == 1  # type: ignore[attr-defined]
        old.append("report", effort="e1", data={"progress": 30}, key="k")
        # Keys were unique across the whole store then: another effort's "k" is a duplicate.
        assert old.append("report", effort="e2", data={"progress": 50}, key="k") is None
    monkeypatch.setattr(migrations, "MIGRATIONS", full)
    monkeypatch.setattr(migrations, "LATEST", full[-1].version)
    with open_store(pg_url, state_dir=tmp_path) as new:
        assert new.schema_version() == full[-1].version  # type: ignore[attr-defined]
        assert [e.key for e in new.events()] == ["k"]
        assert new.effort("e1").progress == 30  # rebuilt by migrations 2 and 4
        assert new.append("report", effort="e2", data={"progress": 50}, key="k") is not None
        assert new.append("report", effort="e2", data={"progress": 60}, key="k") is None


def test_a_server_older_than_15_is_refused(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from phasegate.store import postgres

    monkeypatch.setattr(postgres, "MIN_SERVER", 10**7)  # this server is then "too old"
    with pytest.raises(UsageError, match="needs PostgreSQL 15 or later"):
        open_store(pg_url, state_dir=tmp_path)
