"""BatchWriter: concurrent writes share transactions; a refused one is refused alone."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from phasegate.errors import StateError, UsageError
from phasegate.service.writer import BatchWriter
from phasegate.store import open_store


def _report(effort: str, attempt: int, key: str) -> dict[str, object]:
    return {"kind": "report", "effort": effort, "attempt": attempt, "data": {}, "key": key}


def test_concurrent_writes_each_stored_once_and_refusals_stay_alone(tmp_path: Path) -> None:
    with open_store(None, state_dir=tmp_path) as store:
        store.transition("a", "running")  # attempt 1
        writer = BatchWriter(store)

        async def go() -> list[object]:
            items = [_report("a", 1, f"k{n}") for n in range(50)]
            items += [_report("a", 1, "k7")]  # a re-send
            items += [_report("a", 0, "stale")]  # refused per item by the store
            items += [_report("a", 1, " ")]  # refused by the store for the whole batch
            return await asyncio.gather(*(writer.write(it) for it in items), return_exceptions=True)

        out = asyncio.run(go())
        assert all(ev is not None and not isinstance(ev, Exception) for ev in out[:50])
        assert out[50] is None
        assert isinstance(out[51], StateError)
        assert isinstance(out[52], UsageError)
        keys = [e.key for e in store.events(kinds=["report"])]
        assert sorted(keys) == sorted(f"k{n}" for n in range(50))


def test_a_failing_store_fails_every_waiting_caller(tmp_path: Path) -> None:
    with open_store(None, state_dir=tmp_path) as store:
        writer = BatchWriter(store)
        store.close()

        async def go() -> list[object]:
            return await asyncio.gather(
                *(writer.write(_report("a", 1, f"k{n}")) for n in range(3)),
                return_exceptions=True,
            )

        out = asyncio.run(go())
        assert all(isinstance(e, Exception) and not isinstance(e, UsageError) for e in out)
        with pytest.raises(Exception):  # noqa: B017 - the closed store's own error
            store.events()
