"""Finding every process an agent left behind, even the ones that left its process group.

Killing an agent's process group misses a descendant that called `setsid` (a daemon, a
server started "in the background"). On Linux the engine makes itself a child subreaper
(`PR_SET_CHILD_SUBREAPER`), so such an orphan becomes the engine's child instead of init's
and stays findable; each agent's processes also carry a tag in their environment naming
the attempt. At the end of an attempt every process that descends from the agent's wrapper,
or from an orphan carrying its tag, or carries the tag itself, is killed.

What remains possible: a descendant that both leaves the session and clears its
environment, once its parent chain up to the engine is gone (the engine is then not its
parent either, e.g. after the engine itself was restarted), escapes; on systems without
/proc nothing beyond the process group is found.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from pathlib import Path

TAG = "PHASEGATE_AGENT_TAG"


_subreaper = False


def become_subreaper() -> bool:
    """Make this process the reaper of its orphaned descendants (Linux); False elsewhere."""
    global _subreaper
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        _subreaper = int(libc.prctl(36, 1, 0, 0, 0)) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        _subreaper = False
    return _subreaper


def _children(pid: int) -> list[int] | None:
    """Direct children of `pid` from /proc: none when it is gone (its orphans went to their
    subreaper); None when the kernel does not list children (no /proc, or a kernel built
    without them), so the caller must look at every process instead."""
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        # Every finished agent's wrapper is gone by now: answering "unknown" for it sent
        # each attempt's end through a read of every process on the machine.
        return [] if os.path.isdir("/proc/self/task") else None
    for t in tasks:
        try:
            out += [int(x) for x in Path(f"/proc/{pid}/task/{t}/children").read_text().split()]
        except FileNotFoundError:
            if os.path.isdir(f"/proc/{pid}/task/{t}"):
                return None  # the thread is there but its children are not listed
            continue  # the thread (or the process) ended meanwhile
        except OSError:
            continue
    return out


def tag_of(exit_file: Path) -> str:
    """The environment tag of one attempt's processes (its status file is unique to it)."""
    return str(exit_file)


def _table() -> dict[int, int]:
    """pid -> parent pid, for every process visible in /proc."""
    out: dict[int, int] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return out
    for name in names:
        if not name.isdigit():
            continue
        try:
            raw = Path(f"/proc/{name}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rfind(")") + 2 :].split()
        if fields and fields[0] not in ("Z", "X"):
            out[int(name)] = int(fields[1])
    return out


def _tagged(pid: int, marker: bytes) -> bool:
    try:
        return marker in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False


def leftovers(wrapper: int, tag: str) -> list[int]:
    """The processes of an attempt still alive: the wrapper's descendants, every process
    carrying the attempt's tag, and the descendants of those."""
    marker = f"{TAG}={tag}".encode()
    me = os.getpid()
    if _subreaper:
        # Every orphan is a child of this process: only the trees under the wrapper and
        # under its tagged children need reading, not every process on the machine.
        mine = _children(me)
        if mine is not None:
            tagged = [p for p in mine if p != wrapper and _tagged(p, marker)]
            quick = _descendants([wrapper, *tagged] if wrapper > 0 else tagged)
            if quick is not None:
                quick.discard(wrapper)
                return sorted(quick)
    table = _table()
    roots = {p for p in table if p != me and _tagged(p, marker)}
    if wrapper > 0 and wrapper in table:
        roots.add(wrapper)
    children: dict[int, list[int]] = {}
    for p, pp in table.items():
        children.setdefault(pp, []).append(p)
    found: set[int] = set()
    todo = list(roots)
    while todo:
        p = todo.pop()
        if p in found or p == me:
            continue
        found.add(p)
        todo.extend(children.get(p, ()))
    found.discard(wrapper)  # the wrapper's own group is ended by the caller
    return sorted(found)


def _descendants(roots: list[int]) -> set[int] | None:
    found: set[int] = set()
    todo = list(roots)
    while todo:
        p = todo.pop()
        if p in found:
            continue
        kids = _children(p)
        if kids is None:
            return None
        if os.path.exists(f"/proc/{p}"):
            found.add(p)
        todo.extend(kids)
    return found


def kill_leftovers(wrapper: int, tag: str) -> list[int]:
    """SIGKILL what `leftovers` finds, and reap the ones that became this process's
    children (orphans it took in as subreaper). Returns the pids killed."""
    killed: list[int] = []
    for _ in range(20):
        found = [p for p in leftovers(wrapper, tag) if p not in killed]
        if not found:
            break
        for p in found:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(p, signal.SIGKILL)
            killed.append(p)
        time.sleep(0.005)
    deadline = time.monotonic() + 1.0
    pending = set(killed)
    while pending and time.monotonic() < deadline:
        for p in list(pending):
            try:
                done, _ = os.waitpid(p, os.WNOHANG)
            except ChildProcessError:
                pending.discard(p)  # not ours to reap: init or its parent does
                continue
            if done:
                pending.discard(p)
        if pending:
            time.sleep(0.01)
    return killed


def reap_group(group: int, wait: float = 0.5) -> None:
    """Reap this process's children from an ended process group: as a subreaper it took in
    the group's orphans, and a dead one it never waits for stays a zombie, which still
    counts as a member of the group. The group's leader (the wrapper) has been reaped by
    its owner, who read its exit status, before this is called."""
    if not _subreaper or group <= 0:
        return
    deadline = time.monotonic() + wait
    while True:
        # The kernel picks our children by group: no reading of /proc for each of them.
        try:
            reaped, _ = os.waitpid(-group, os.WNOHANG)
        except ChildProcessError:
            return  # no child of ours is left in the group
        if reaped:
            continue
        if time.monotonic() >= deadline:
            return  # a member still alive past `wait`: it is not waited for longer
        time.sleep(0.01)
