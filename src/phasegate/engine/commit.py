"""Group commit: the store writes of every effort task that arrive in one turn of the event
loop go to disk in one transaction, so one sync serves them all.

A writer awaits its batch's commit before it goes on, so each event is still stored before
the effect it enables; a `kill -9` before the commit loses only events whose effects have
not happened yet. While a commit syncs, the writes of the tasks woken meanwhile queue up for
the next one, so batches grow with the load instead of adding a wait.
"""

from __future__ import annotations

import asyncio
from typing import Any

from phasegate.errors import StateError
from phasegate.store import Event, Store


class GroupCommit:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._queue: list[tuple[list[dict[str, Any]], asyncio.Future[list[Any]]]] = []

    async def __call__(self, *items: dict[str, Any]) -> list[Event | None]:
        """Store `items` (store.commit_many items) together, in order; raise the first
        refusal among them once the batch holding them is committed."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[list[Any]] = loop.create_future()
        if not self._queue:
            loop.call_soon(self._flush)
        self._queue.append((list(items), fut))
        results = await fut
        for r in results:
            if isinstance(r, StateError):
                raise r
        return results

    def _flush(self) -> None:
        batch, self._queue = self._queue, []
        flat = [it for items, _ in batch for it in items]
        try:
            results = self.store.commit_many(flat)
        except BaseException as err:
            for _, fut in batch:
                if not fut.done():
                    fut.set_exception(err)
            if not isinstance(err, Exception):
                raise
            return
        k = 0
        for items, fut in batch:
            if not fut.done():  # a writer cancelled meanwhile still had its items stored
                fut.set_result(results[k : k + len(items)])
            k += len(items)
