"""Waking a running engine when another process appends to its SQLite store.

A run listens on a named pipe beside the database (`state.db.wake`); every other process
that commits an event (a report, `phasegate done`, `block`...) writes one byte to it, so the
run sees the event at once instead of at its next tick. The pipe carries no data: the events
are in the store, the byte only says "look". Losing a byte (no run listening, the pipe full,
a crash) loses nothing but latency, since the run still looks on its tick.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Only the listening run uses asyncio; every command that writes an event pokes, and
    # importing asyncio would cost each of them more than the rest of its start-up.
    import asyncio

    from phasegate.store.types import Store

# Pipes this process listens on: its own commits need no wake-up, it made them.
_listening: set[str] = set()


def pipe_of(db: str) -> str:
    return db + ".wake"


def poke(db: str) -> None:
    """Tell a run listening on this store that something was appended, if one is."""
    path = pipe_of(db)
    if path in _listening:
        return
    try:
        # Non-blocking: with no reader the open fails (ENXIO) instead of waiting for one.
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        return  # no run, or no pipe: nothing to wake
    try:
        with contextlib.suppress(OSError):  # a full pipe already holds a pending wake-up
            os.write(fd, b"!")
    finally:
        os.close(fd)


class Listener:
    """The run's end of the pipe: sets `event` whenever another process pokes."""

    def __init__(self, db: str, event: asyncio.Event) -> None:
        self.path = pipe_of(db)
        self.event = event
        self._fds: list[int] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> bool:
        """Listen; False when the pipe cannot be made (the run then relies on its tick)."""
        try:
            try:
                os.mkfifo(self.path, 0o600)
            except FileExistsError:
                if not stat.S_ISFIFO(os.stat(self.path).st_mode):
                    return False
            rd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
            # A writer of our own keeps the pipe from reading as closed (end of file, always
            # readable) between pokes.
            wr = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            return False
        self._fds = [rd, wr]
        import asyncio

        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(rd, self._drain)
        _listening.add(self.path)
        return True

    def _drain(self) -> None:
        try:
            while os.read(self._fds[0], 4096):
                pass
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.EWOULDBLOCK):
                raise
        self.event.set()

    def stop(self) -> None:
        if not self._fds:
            return
        _listening.discard(self.path)
        if self._loop is not None:
            self._loop.remove_reader(self._fds[0])
        for fd in self._fds:
            os.close(fd)
        self._fds = []
        with contextlib.suppress(OSError):
            os.unlink(self.path)  # the run is over: nothing is left beside the store


class Follower:
    """For a store on a server (PostgreSQL): a thread waits on the store's own notification
    (`wait_for_events`, LISTEN/NOTIFY) and sets `event` on the run's loop when anything is
    appended, by any process on any machine. Every commit wakes it, the run's own too: one
    extra pass of the loop, no more."""

    def __init__(self, store: Store, event: asyncio.Event, poll: float = 1.0) -> None:
        self.store = store
        self.event = event
        self.poll = poll  # how long each wait may block: the latency of stopping the thread
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> bool:
        import asyncio

        loop = asyncio.get_running_loop()
        seen = self.store.last_seq()

        def follow() -> None:
            nonlocal seen
            while not self._stop.is_set():
                try:
                    woke = self.store.wait_for_events(seen, self.poll)
                except Exception:  # a lost connection: the run's tick still looks
                    return
                if woke and not self._stop.is_set():
                    seen = self.store.last_seq()
                    loop.call_soon_threadsafe(self.event.set)

        self._thread = threading.Thread(target=follow, name="phasegate-follow", daemon=True)
        self._thread.start()
        return True

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.poll * 3)
