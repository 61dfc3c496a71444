"""Is the integration branch still what phasegate recorded? Every recorded merge must be in
it, and its first-parent line must hold only commits phasegate made (merges, restores,
reverts), or ones an intent recorded just before a crash says it was about to make.

Checked before every merge and every gate: building on a branch that lost merged work, or
that took in commits nobody checked, would report `done` over work that is not there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from phasegate.errors import PhasegateError
from phasegate.plan.model import Plan
from phasegate.store import Store
from phasegate.tracking.integrity import BROKEN, VERIFIED

# What the events of phasegate's own changes to the integration branch are called.
MERGING = "effort.merging"  # intent: about to merge `sha` (after restoring `restore`)
ROLLING_BACK = "rollback.started"  # intent: about to revert `merges`
_KINDS = ["effort.merged", "effort.unmerged", MERGING, ROLLING_BACK]
_REVERTS = re.compile(r"This reverts merge ([0-9a-f]{40})\.")
_RESTORES = re.compile(r"Restores the work reverted by ([0-9a-f]{40})\.")


class IntegrityError(PhasegateError):
    """The integration branch lost recorded merges or holds commits phasegate did not make."""


@dataclass
class Integrity:
    branch: str
    lost: list[tuple[str, str]] = field(default_factory=list)  # (effort, commit)
    foreign: list[tuple[str, str]] = field(default_factory=list)  # (commit, subject)

    @property
    def ok(self) -> bool:
        return not self.lost and not self.foreign

    def message(self) -> str:
        parts: list[str] = []
        if self.lost:
            shown = ", ".join(f"{e} ({c[:12]})" for e, c in self.lost)
            parts.append(f"merged work is missing from {self.branch}: {shown}")
        if self.foreign:
            shown = ", ".join(f"{c[:12]} {s!r}" for c, s in self.foreign[:5])
            more = f" and {len(self.foreign) - 5} more" if len(self.foreign) > 5 else ""
            parts.append(f"{self.branch} holds commits phasegate did not make: {shown}{more}")
        return (
            "; ".join(parts) + f"; restore {self.branch} (git reflog shows where it was) or "
            "move those commits elsewhere, then run again"
        )

    def to_json(self) -> dict[str, object]:
        return {
            "branch": self.branch,
            "lost": [{"effort": e, "commit": c} for e, c in self.lost],
            "foreign": [{"commit": c, "subject": s} for c, s in self.foreign],
        }


def verify(repo: Path, plan: Plan, store: Store) -> Integrity:
    """Compare the integration branch with the merges, restores and reverts recorded."""
    from phasegate.git import rev
    from phasegate.git.history import first_parent_line, is_ancestor, reachable

    branch = plan.repo.integration
    result = Integrity(branch)
    views = store.efforts()
    made: set[str] = set()  # commits phasegate recorded making on the branch
    intended: set[str] = set()  # effort commits an intent said were about to be merged
    reverting: set[str] = set()  # merges an intent said were about to be reverted
    restoring: set[str] = set()  # reverts an intent said were about to be undone
    expected: dict[str, str] = {}  # effort -> the commit that must stay in the branch
    for ev in store.events(kinds=_KINDS):
        d = ev.data
        if ev.kind == "effort.merged" and ev.effort is not None:
            commit = str(d.get("commit") or "")
            made.update(x for x in (commit, str(d.get("restored") or "")) if x)
            if str(d.get("into") or branch) == branch:
                expected[ev.effort] = commit or str(d.get("sha") or "")
        elif ev.kind == "effort.unmerged":
            made.add(str(d.get("revert_commit") or ""))
            if ev.effort is not None:
                expected.pop(ev.effort, None)
        elif ev.kind == MERGING:
            intended.add(str(d.get("sha") or ""))
            restoring.add(str(d.get("restore") or ""))
        elif ev.kind == ROLLING_BACK:
            reverting.update(str(x) for x in d.get("merges") or [])
    tip = rev(f"refs/heads/{branch}", cwd=repo)
    base = rev(plan.repo.base, cwd=repo)
    # One listing answers for nearly every merge: checked before each merge, asking git
    # about each merged effort in turn would cost a run quadratically many git calls.
    held = reachable(repo, tip, base) if tip is not None else set()
    for effort, commit in expected.items():
        v = views.get(effort)
        if v is None or not v.merged or not commit or commit in held:
            continue
        if tip is None or not is_ancestor(repo, commit, tip):
            result.lost.append((effort, commit))
    if tip is None:
        return result
    for c in reversed(first_parent_line(repo, tip, base)):
        if c.sha in made:
            continue
        if len(c.parents) > 1 and c.parents[1] in intended:
            continue
        m = _REVERTS.search(c.message)
        if m and m.group(1) in reverting:
            continue
        m = _RESTORES.search(c.message)
        if m and m.group(1) in restoring:
            continue
        result.foreign.append((c.sha, c.subject))
    return result


def guard(repo: Path, plan: Plan, store: Store) -> None:
    """Verify, record what was found when it changed, and raise IntegrityError if broken."""
    found = verify(repo, plan, store)
    last = store.events(kinds=[BROKEN, VERIFIED])
    was_broken = bool(last) and last[-1].kind == BROKEN
    if found.ok:
        if was_broken:
            store.append(VERIFIED, data={"branch": found.branch})
        return
    data = {**found.to_json(), "message": found.message()}
    if not was_broken or last[-1].data != data:
        store.append(BROKEN, data=data)
    raise IntegrityError(found.message())
