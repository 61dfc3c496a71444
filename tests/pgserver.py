"""A throw-away PostgreSQL server for tests and benchmarks.

Starts Debian's PostgreSQL (initdb + pg_ctl) in a temporary directory, listening on a free
port of 127.0.0.1 and on a unix socket inside that directory, with fsync off (the data dies
with the test run anyway). As root, the server runs as the `postgres` user, which PostgreSQL
requires. Each test gets a schema of its own (`Server.fresh_url`), so tests never see each
other's events and plans never share advisory locks.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from support import free_port

INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's `postgresql` "
    "package (apt-get install postgresql) or run `make test` as root, and "
    "pip install 'phasegate[postgres]'"
)


def find_bin() -> Path | None:
    """The directory holding initdb and pg_ctl, preferring Debian's newest version."""
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(d) / "initdb").exists() and (Path(d) / "pg_ctl").exists():
            return Path(d)
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).resolve().parent
    return None


def missing() -> str | None:
    """Why no server can be started here, or None if one can."""
    if find_bin() is None:
        return INSTALL_HINT
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg (the PostgreSQL driver) is not installed: pip install 'phasegate[postgres]'"
    return None


@dataclass
class Server:
    root: Path
    port: int
    bindir: Path
    _names: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def fresh_url(self, prefix: str = "t") -> str:
        """A URL whose search_path is a new, empty schema: a store of its own."""
        import psycopg

        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url, autocommit=True) as c:
            c.execute(f"CREATE SCHEMA {name}")
        return f"{self.url}?options=-csearch_path%3D{name}"

    def stop(self) -> None:
        subprocess.run(
            self._as_owner([str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"),
                            "-m", "immediate", "stop"]),
            capture_output=True, timeout=60, check=False,
        )  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)

    def _as_owner(self, argv: list[str]) -> list[str]:
        return _as_owner(argv)


def _as_owner(argv: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


def start(max_connections: int = 300, *, durable: bool = False) -> Server:
    """A running server; RuntimeError with its log if it does not start. `durable` keeps
    fsync and synchronous commits on (for benchmarks set beside SQLite's synchronous=FULL);
    tests turn them off, their data dies with the run anyway."""
    bindir = find_bin()
    if bindir is None:
        raise RuntimeError(INSTALL_HINT)
    root = Path(tempfile.mkdtemp(prefix="phasegate-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data = root / "data"
    init = subprocess.run(
        _as_owner([str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
                   "--auth=trust", "--locale=C", "-E", "UTF8", "--no-sync"]),
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {init.stderr or init.stdout}")
    for _ in range(5):
        port = free_port()
        fast = "" if durable else "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        opts = (
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 {fast}"
            f"-c max_connections={max_connections}"
        )
        started = subprocess.run(
            _as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-o", opts,
                       "-l", str(root / "log"), "-w", "-t", "60", "start"]),
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        if started.returncode == 0:
            return Server(root, port, bindir)
    log = (root / "log").read_text() if (root / "log").exists() else started.stderr
    shutil.rmtree(root, ignore_errors=True)
    raise RuntimeError(f"PostgreSQL did not start: {log[-2000:]}")
