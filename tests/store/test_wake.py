"""A run listening on its store is woken by other processes' commits, and only by them."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from phasegate.store import open_store
from phasegate.store.wake import Listener, pipe_of, poke

APPEND = (
    "import sys; from pathlib import Path; from phasegate.store import open_store\n"
    "with open_store(None, state_dir=Path(sys.argv[1])) as s:\n"
    "    s.append('note', effort='a', data={'text': 'from another process'})\n"
)


def test_a_commit_in_another_process_wakes_the_listener(tmp_path: Path) -> None:
    state = tmp_path / ".phasegate"
    with open_store(None, state_dir=state) as store:
        db = str(state / "state.db")

        async def scenario() -> tuple[bool, bool]:
            event = asyncio.Event()
            listener = Listener(db, event)
            assert listener.start()
            try:
                store.append("note", effort="a", data={"text": "our own"})
                await asyncio.sleep(0.05)
                own = event.is_set()
                proc = await asyncio.create_subprocess_exec(
                    sys.executable, "-c", APPEND, str(state)
                )
                assert await proc.wait() == 0
                # Set only by the byte the other process wrote: nothing else sets it.
                await asyncio.wait_for(event.wait(), 30)
                return own, event.is_set()
            finally:
                listener.stop()

        own, other = asyncio.run(scenario())
    assert not own, "the listener's own commits must not wake it"
    assert other
    assert not Path(pipe_of(db)).exists(), "the pipe is removed when the run stops listening"


def test_poking_with_no_run_listening_is_harmless(tmp_path: Path) -> None:
    db = str(tmp_path / "state.db")
    poke(db)  # no pipe at all
    assert not Path(pipe_of(db)).exists()
    subprocess.run(["mkfifo", pipe_of(db)], check=True)
    poke(db)  # a pipe left by a run that died: no reader, so nothing blocks
    with open_store(db, state_dir=tmp_path, create=True) as s:
        s.append("note", effort="a", data={"text": "stored all the same"})
        assert s.count_events("note") == 1


def test_a_path_that_is_not_a_pipe_is_left_alone(tmp_path: Path) -> None:
    db = str(tmp_path / "state.db")
    Path(pipe_of(db)).write_text("someone's file")

    async def start() -> bool:
        return Listener(db, asyncio.Event()).start()

    assert asyncio.run(start()) is False
    assert Path(pipe_of(db)).read_text() == "someone's file"


def test_a_server_store_wakes_a_follower_on_another_connections_commit(
    tmp_path: Path, pg_url: str
) -> None:
    from phasegate.store.wake import Follower

    with open_store(pg_url, state_dir=tmp_path) as store:

        async def scenario() -> bool:
            event = asyncio.Event()
            follower = Follower(store, event, poll=0.5)
            assert follower.start()
            try:
                await asyncio.sleep(0.3)
                assert not event.is_set()  # nothing appended yet
                with open_store(pg_url, state_dir=tmp_path) as other:  # as another machine
                    other.append("note", effort="a", data={"text": "from elsewhere"})
                await asyncio.wait_for(event.wait(), 10)
                return event.is_set()
            finally:
                follower.stop()

        assert asyncio.run(scenario())
