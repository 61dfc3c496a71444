"""Server-Sent Events that follow the store's event log.

Each event goes out once, in log order, with its sequence number as the SSE id; a client
that reconnects sends `Last-Event-ID` (browsers do so by themselves) and carries on after
it, so nothing is missed and nothing repeats across a reconnect."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse

from phasegate.store import Store
from phasegate.web.auth import Caller, context, reader
from phasegate.web.context import WebContext

router = APIRouter()

POLL_SECONDS = 0.25
HEARTBEAT_SECONDS = 15.0
NOTIFY_WAIT_SECONDS = 5.0  # also how soon a hung-up client of a server store is noticed
BATCH = 500


def _after(last_event_id: str | None, after: int | None) -> int:
    if last_event_id is not None and last_event_id.strip().isdigit():
        return int(last_event_id.strip())
    return after or 0


@router.get("/events", summary="The event log as Server-Sent Events (Last-Event-ID resumes)")
async def events(
    request: Request,
    ctx: Annotated[WebContext, Depends(context)],
    _who: Annotated[Caller | None, Depends(reader)],
    after: Annotated[int | None, Query(ge=0)] = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    start = _after(last_event_id, after)
    return StreamingResponse(
        _stream(request, ctx, start),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _read(store: Store, after: int) -> list[tuple[int, str]]:
    return [
        (e.seq, f"id: {e.seq}\ndata: {json.dumps(e.to_json(), separators=(',', ':'))}\n\n")
        for e in store.events(after=after)[:BATCH]
    ]


async def _stream(request: Request, ctx: WebContext, after: int) -> AsyncIterator[str]:
    from phasegate.store import is_server

    yield "retry: 1000\n\n"
    last = after
    idle = 0.0
    # A server store says when something was appended; a SQLite file is read every tick,
    # which in WAL mode costs one small read and holds no thread while waiting.
    notified = is_server(ctx.db)
    # One store for the stream's life: a read per tick, not an open per tick.
    session = await asyncio.to_thread(ctx.session)
    try:
        while not await request.is_disconnected():
            chunks = await asyncio.to_thread(_read, session.store, last)
            for seq, chunk in chunks:
                last = seq
                yield chunk
            if len(chunks) == BATCH:
                continue
            if chunks:
                idle = 0.0
            elif idle >= HEARTBEAT_SECONDS:
                idle = 0.0
                yield ": keep-alive\n\n"  # a comment: proxies keep the connection open
            if notified:
                started = asyncio.get_running_loop().time()
                await asyncio.to_thread(session.store.wait_for_events, last, NOTIFY_WAIT_SECONDS)
                idle += asyncio.get_running_loop().time() - started
            else:
                await asyncio.sleep(POLL_SECONDS)
                idle += POLL_SECONDS
    finally:
        session.close()
