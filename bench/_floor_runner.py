"""The least a durable runner of this design does per effort, as a floor for bench/run.py.

Given a dependency graph (JSON on argv[1]) and an agent count, it runs `true` for every node,
at most that many at once, each under phasegate's own exit-status wrapper in a new session,
with an event committed to SQLite (WAL, synchronous=FULL) before each start and after each
exit, batched per turn of the event loop, as phasegate's group commit does. No plan model,
no validation, no briefs, logs or views: what is left is the cost of the design itself.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path


def _wrapper() -> str:
    """phasegate's own wrapper, read from its module without importing the engine package
    (which would bring in the plan model: start-up that is phasegate's, not the design's)."""
    import importlib.util

    spec = importlib.util.find_spec("phasegate")
    assert spec is not None and spec.submodule_search_locations
    path = Path(next(iter(spec.submodule_search_locations))) / "engine" / "supervisor.py"
    mod_spec = importlib.util.spec_from_file_location("_supervisor", path)
    assert mod_spec is not None and mod_spec.loader is not None
    module = importlib.util.module_from_spec(mod_spec)
    sys.modules["_supervisor"] = module  # its dataclasses look their module up there
    mod_spec.loader.exec_module(module)
    return str(module._WRAPPER)


def main() -> None:
    deps: list[list[int]] = json.loads(Path(sys.argv[1]).read_text())
    agents = int(sys.argv[2])
    work = Path(sys.argv[3])
    db = sqlite3.connect(work / "floor.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE events(seq INTEGER PRIMARY KEY, kind TEXT, node INTEGER)")
    queue: list[tuple[str, int, asyncio.Future[None]]] = []
    wrapper = _wrapper()

    def flush() -> None:
        batch = queue[:]
        queue.clear()
        db.execute("BEGIN IMMEDIATE")
        db.executemany("INSERT INTO events(kind, node) VALUES (?, ?)", [b[:2] for b in batch])
        db.execute("COMMIT")
        for *_, fut in batch:
            fut.set_result(None)

    async def commit(kind: str, node: int) -> None:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        if not queue:
            loop.call_soon(flush)
        queue.append((kind, node, fut))
        await fut

    async def one(node: int) -> None:
        await commit("running", node)
        status = str(work / f"{node}.exit")
        proc = subprocess.Popen(
            ["/bin/sh", "-c", wrapper, status, "true"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        loop = asyncio.get_running_loop()
        gone: asyncio.Future[None] = loop.create_future()
        fd = os.pidfd_open(proc.pid)

        def reaped() -> None:
            loop.remove_reader(fd)
            os.close(fd)
            proc.wait()
            gone.set_result(None)

        loop.add_reader(fd, reaped)
        await gone
        await commit("done", node)

    async def run() -> None:
        left = [len(d) for d in deps]
        dependents: list[list[int]] = [[] for _ in deps]
        for i, ds in enumerate(deps):
            for d in ds:
                dependents[d].append(i)
        ready = [i for i, n in enumerate(left) if n == 0]
        tasks: dict[asyncio.Task[None], int] = {}
        while ready or tasks:
            while ready and len(tasks) < agents:
                i = ready.pop(0)
                tasks[asyncio.ensure_future(one(i))] = i
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for t in done:
                for j in dependents[tasks.pop(t)]:
                    left[j] -= 1
                    if left[j] == 0:
                        ready.append(j)

    asyncio.run(run())


if __name__ == "__main__":
    main()
