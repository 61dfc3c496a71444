"""Labelled commit points of the engine, and the test-only hook that crashes it there.

Setting `PHASEGATE_CRASH_AT=<label>` makes the engine SIGKILL itself the first time it
reaches that point (`<label>@N` the N-th time). This exists so the crash-sweep test can prove
that a `kill -9` anywhere leaves a state the next `phasegate run` resumes from; it does
nothing unless the variable is set.
"""

from __future__ import annotations

import os
import signal

POINTS: tuple[str, ...] = (
    "phase-opening",  # entry checks passed, phase not yet recorded open
    "ready",  # effort recorded ready
    "running",  # attempt recorded running, branch not yet stacked
    "stacked",  # branch and worktree exist, agent not started
    "spawned",  # agent started, its pid not yet recorded
    "spawn-recorded",  # agent pid recorded
    "exited",  # agent exited, exit not yet recorded
    "exit-recorded",
    "checking",  # recorded checking, checks not yet run
    "checked",  # checks ran, results not yet all acted on
    "merged-git",  # merged into integration in git, not yet recorded
    "done",  # recorded done, merge event not yet recorded
    "merge-recorded",
    "gating",  # phase recorded gating, gate checks not yet run
    "gate-evaluated",  # gate evidence recorded, phase not yet passed
)
# The points of `phasegate rollback`, which a run never reaches.
ROLLBACK_POINTS: tuple[str, ...] = (
    "rollback-intent",  # recorded what it reverts, git not yet touched
    "rollback-reverted",  # reverts on the branch, not yet recorded
)

_counts: dict[str, int] = {}


def point(label: str) -> None:
    want = os.environ.get("PHASEGATE_CRASH_AT")
    if not want:
        return
    name, _, nth = want.partition("@")
    if name != label:
        return
    _counts[label] = _counts.get(label, 0) + 1
    if _counts[label] == (int(nth) if nth else 1):
        os.kill(os.getpid(), signal.SIGKILL)
