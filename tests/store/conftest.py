"""Backends the store contract runs against: every one must pass tests/store/test_contract.py.

The PostgreSQL backend runs against the session's throw-away server (tests/pgserver.py),
each test in a schema of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from phasegate.store import Store, open_store
from store.clocks import FakeClock


def _sqlite(request: pytest.FixtureRequest, tmp: Path, clock: FakeClock) -> Store:
    return open_store(None, state_dir=tmp / ".phasegate", clock=clock)


def _postgres(request: pytest.FixtureRequest, tmp: Path, clock: FakeClock) -> Store:
    url = request.getfixturevalue("pg_url")
    return open_store(url, state_dir=tmp / ".phasegate", clock=clock)


BACKENDS: dict[str, Callable[[pytest.FixtureRequest, Path, FakeClock], Store]] = {
    "sqlite": _sqlite,
    "postgres": _postgres,
}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=sorted(BACKENDS))
def store(request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock) -> Iterator[Store]:
    s = BACKENDS[request.param](request, tmp_path, clock)
    with s:
        yield s
