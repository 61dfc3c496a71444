"""Agent supervision with real processes: exit status, timeout of the whole group, adoption."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from phasegate.engine import supervisor


async def _launched(argv: list[str], tmp_path: Path) -> supervisor.Handle:
    """An agent spawned in `tmp_path` whose wrapper has got as far as starting it."""
    h = await supervisor.spawn(
        argv, cwd=tmp_path, env=dict(os.environ), log=tmp_path / "log",
        exit_file=tmp_path / "exit",
    )  # fmt: skip
    for _ in range(100):
        if supervisor.launched(tmp_path / "exit"):
            break
        await asyncio.sleep(0.01)
    return h


def test_exit_status_and_log(tmp_path: Path) -> None:
    async def go() -> supervisor.AgentExit:
        h = await supervisor.spawn(
            ["/bin/sh", "-c", "echo hello; exit 3"], cwd=tmp_path, env=dict(os.environ),
            log=tmp_path / "log", exit_file=tmp_path / "exit",
        )  # fmt: skip
        return await supervisor.wait(h, timeout=None, grace=1)

    result = asyncio.run(go())
    assert result.exit_code == 3 and not result.timed_out
    assert (tmp_path / "log").read_text() == "hello\n"
    assert supervisor.read_exit(tmp_path / "exit") == 3


def test_timeout_kills_group_that_ignores_term(tmp_path: Path) -> None:
    script = f"trap '' TERM; sleep 300 & echo $! > {tmp_path}/child; sleep 300"

    async def go() -> tuple[supervisor.AgentExit, int]:
        h = await supervisor.spawn(
            ["/bin/sh", "-c", script], cwd=tmp_path, env=dict(os.environ),
            log=tmp_path / "log", exit_file=tmp_path / "exit",
        )  # fmt: skip
        return await supervisor.wait(h, timeout=0.5, grace=0.2), h.pid

    t0 = time.monotonic()
    result, pgid = asyncio.run(go())
    assert result.timed_out and result.exit_code is not None and result.exit_code < 0
    assert time.monotonic() - t0 < 10
    child = int((tmp_path / "child").read_text())
    assert supervisor.process_start(child) is None
    try:
        os.killpg(pgid, 0)
        raise AssertionError("a process of the group survived")
    except ProcessLookupError:
        pass


def test_adopt_checks_start_time_and_orphan_checks_cmdline(tmp_path: Path) -> None:
    async def go() -> None:
        h = await _launched(["sleep", "30"], tmp_path)
        assert supervisor.adopt(h.pid, h.pid_start, h.exit_file, h.started) is not None
        # The same pid with another start time is some other process: never adopted.
        assert supervisor.adopt(h.pid, h.pid_start + 1, h.exit_file, h.started) is None
        found = supervisor.orphan(h.exit_file, h.started)
        assert found is not None and found.pid == h.pid
        assert supervisor.orphan(tmp_path / "other", h.started) is None
        supervisor.request_stop(h, 0.2)
        await supervisor.wait(h, timeout=None, grace=0.2)
        assert supervisor.adopt(h.pid, h.pid_start, h.exit_file, h.started) is None

    asyncio.run(go())


def test_status_file_tells_running_from_finished(tmp_path: Path) -> None:
    status = tmp_path / "exit"
    assert not supervisor.launched(status) and supervisor.read_exit(status) is None
    status.write_text("4242\n")  # the wrapper started the agent, which has not exited
    assert supervisor.launched(status) and supervisor.read_exit(status) is None
    status.write_text("4242\n0\n")
    assert supervisor.read_exit(status) == 0
    status.write_text("-\n127\n")  # the agent could not be started at all
    assert supervisor.read_exit(status) == 127 and supervisor.orphan(status, 0.0) is None


def test_a_stop_gives_the_agent_its_grace_period(tmp_path: Path) -> None:
    # The agent cleans up for 0.3 s after SIGTERM; the group must not be killed meanwhile.
    script = 'trap "sleep 0.3; echo bye > cleaned; exit 0" TERM; sleep 30 & wait'

    async def go() -> supervisor.AgentExit:
        h = await _launched(["sh", "-c", script], tmp_path)
        await asyncio.sleep(0.2)  # let the agent's shell set its trap
        supervisor.request_stop(h, 5.0)
        return await supervisor.wait(h, timeout=None, grace=5.0)

    result = asyncio.run(go())
    assert (tmp_path / "cleaned").read_text() == "bye\n"
    assert result.exit_code == 0
    assert supervisor.read_exit(tmp_path / "exit") == 0


def test_status_files_of_an_older_wrapper_still_read(tmp_path: Path) -> None:
    # An attempt started before an upgrade: pid in `<exit>.pid`, exit status alone in `<exit>`.
    status = tmp_path / "exit"
    (tmp_path / "exit.pid").write_text("4242\n")
    assert supervisor.launched(status) and supervisor.read_exit(status) is None
    status.write_text("3\n")
    assert supervisor.read_exit(status) == 3
