"""Many callers' writes stored together: one transaction, so one sync to disk, per batch.

A front door serving many agents at once (the MCP server over HTTP) hands each write to a
`BatchWriter` and awaits it. Writes that arrive while a batch is being synced queue up for
the next one, so batches grow with the load; the sync runs in a worker thread, so the event
loop keeps taking requests meanwhile. A caller is answered only after its batch committed:
an acknowledged report is on disk. A refused item (a stale attempt, a total past what can be
stored) is refused alone; the others in its batch stand.
"""

from __future__ import annotations

import asyncio
from typing import Any

import anyio

from phasegate.errors import PhasegateError
from phasegate.store.types import Event, Store

Outcome = Event | PhasegateError | None


class BatchWriter:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._pending: list[tuple[dict[str, Any], asyncio.Future[Outcome]]] = []
        self._draining = False
        self._tasks: set[asyncio.Task[None]] = set()

    async def write(self, item: dict[str, Any]) -> Event | None:
        """Store one `Store.commit_many` item; raise its refusal, if it is refused."""
        fut: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._pending.append((item, fut))
        if not self._draining:
            self._draining = True
            task = asyncio.create_task(self._drain())
            self._tasks.add(task)  # held until done: the loop keeps only weak references
            task.add_done_callback(self._tasks.discard)
        outcome = await fut
        if isinstance(outcome, PhasegateError):
            raise outcome
        return outcome

    async def _drain(self) -> None:
        batch: list[tuple[dict[str, Any], asyncio.Future[Outcome]]] = []
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                outcomes = await anyio.to_thread.run_sync(self._commit, [it for it, _ in batch])
                for (_, fut), outcome in zip(batch, outcomes, strict=True):
                    if not fut.done():  # a caller that went away still had its write stored
                        fut.set_result(outcome)
                batch = []
        except BaseException as err:
            # The store failed outright (disk full, cancelled): every waiting caller hears it.
            for _, fut in [*batch, *self._pending]:
                if not fut.done():
                    fut.set_exception(err)
            self._pending = []
            if not isinstance(err, Exception):
                raise
        finally:
            self._draining = False

    def _commit(self, items: list[dict[str, Any]]) -> list[Outcome]:
        try:
            return list(self.store.commit_many(items))
        except PhasegateError:
            # One item the store refuses as a whole (not a StateError, which commit_many
            # answers per item) would take the batch with it: store them one by one.
            out: list[Outcome] = []
            for it in items:
                try:
                    out.extend(self.store.commit_many([it]))
                except PhasegateError as err:
                    out.append(err)
            return out
