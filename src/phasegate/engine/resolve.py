"""Resolving a conflicted effort: the merge that failed is prepared in its worktree (markers in
place, merge in progress) and either a person finishes it (`phasegate resolve`, then
`phasegate done`) or the effort's agent gets one attempt at it with a conflict brief.

Either way the effort's own work stays on its branch: only the merge is redone.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phasegate.engine.attempt import Attempt
from phasegate.engine.brief import Conflict, OtherSide, build
from phasegate.engine.history import history, render

if TYPE_CHECKING:
    from phasegate.git.attempts import Prepared
    from phasegate.plan.model import Plan
    from phasegate.store import Store

RESOLVE = "resolve"  # the `kind` of a resolver attempt's `running` event


def last_conflict(store: Store, effort: str) -> dict[str, Any]:
    """The data of the effort's latest `conflicted` transition ({} when it never was)."""
    found: dict[str, Any] = {}
    for ev in store.events(effort=effort, kinds=["effort.state"]):
        if ev.data.get("to") == "conflicted":
            found = dict(ev.data)
    return found


def conflict_with(plan: Plan, store: Store, effort: str) -> str:
    """The branch whose merge conflicted: a dependency's (stacking) or integration."""
    return str(last_conflict(store, effort).get("with") or plan.repo.integration)


def resolved_before(store: Store, effort: str) -> bool:
    """Did the effort's latest attempt already try to resolve a conflict? One resolver
    attempt per conflict; after that it is a person's (or `run --retry`'s) call."""
    kind = ""
    for ev in store.events(effort=effort, kinds=["effort.state"]):
        if ev.data.get("to") == "running":
            kind = str(ev.data.get("kind") or "")
    # A broken contract is no merge to redo: nothing for a resolver attempt to resolve.
    return kind == RESOLVE or last_conflict(store, effort).get("kind") == "contract"


def other_sides(repo: Path, plan: Plan, store: Store, effort: str, other: str,
                files: list[str]) -> list[OtherSide]:  # fmt: skip
    """The efforts on the other side of the merge that touched the conflicting files."""
    from phasegate.git.attempts import commits_between
    from phasegate.git.worktrees import changed_files

    me = plan.effort(effort)
    mine = plan.branch_of(me)
    views = store.efforts()
    if other != plan.repo.integration:
        candidates = [e for e in plan.efforts if plan.branch_of(e) == other]
    else:
        candidates = [e for e in plan.efforts
                      if e.id != effort and views.get(e.id) and views[e.id].merged]  # fmt: skip
    out: list[OtherSide] = []
    wanted = set(files)
    for e in candidates:
        branch = plan.branch_of(e)
        touched = set(changed_files(repo, branch, [plan.repo.base, mine]))
        if wanted and not touched & wanted:
            continue
        commits = commits_between(repo, branch, mine)
        out.append(OtherSide(e.id, e.title, branch, store.notes(e.id), commits))
    return out


def prepare(repo: Path, plan: Plan, store: Store, worktree: Path, effort: str) -> Prepared:
    """The failed merge, redone in the effort's worktree and stopped at its conflicts."""
    from phasegate.git.attempts import prepare_merge

    other = conflict_with(plan, store, effort)
    return prepare_merge(
        worktree, other, f"phasegate: merge {other} into {effort} (conflict resolved cleanly)"
    )


class Resolver(Attempt):
    """One attempt of the effort's agent at the merge that conflicted."""

    async def start(self) -> str:
        sh, e = self.sh, self.e
        other = conflict_with(sh.plan, self.store, e.id)
        (ev,) = await sh.commit({
            "effort": e.id, "to": "running", "reason": f"resolving the conflict with {other}",
            "data": {"kind": RESOLVE, "with": other},
        })  # fmt: skip
        assert ev is not None
        attempt = ev.attempt or 1
        sh.notify(e.id, f"resolving the conflict with {other} (attempt {attempt})")
        repo = sh.ws.repo or Path(".")
        wt = sh.ws.worktree(e)
        from phasegate.git.attempts import head
        from phasegate.git.merge import stack

        deps = [(d, sh.plan.branch_of(sh.plan.effort(d))) for d in e.depends_on if d in sh.ids]
        async with sh.git_lock:
            # The worktree as the effort's attempts left it (recreated if it was removed).
            await asyncio.to_thread(stack, repo, wt, sh.plan.branch_of(e), sh.plan.repo.base, [])
            start = await asyncio.to_thread(head, wt)
            prepared = await asyncio.to_thread(prepare, repo, sh.plan, self.store, wt, e.id)
        if prepared.failure:
            return await self._fail(attempt, f"preparing the merge of {other}: {prepared.failure}")
        if not prepared.in_progress:
            # Whatever conflicted merges cleanly now: no agent needed, the checks judge it.
            sh.notify(e.id, f"{other} merges cleanly now")
            async with sh.git_lock:
                outcome = await asyncio.to_thread(
                    stack, repo, wt, sh.plan.branch_of(e), sh.plan.repo.base, deps
                )
            if not outcome.ok:
                return await self._fail(attempt, f"stacked branch: {outcome.reason}")
            await sh.commit({"effort": e.id, "to": "checking", "attempt": attempt,
                             "reason": f"{other} merged cleanly"})  # fmt: skip
            return await self._check(attempt)
        sides = await asyncio.to_thread(
            other_sides, repo, sh.plan, self.store, e.id, other, prepared.files
        )
        earlier = history(self.store, e.id, attempt)
        earlier.continues = True
        text = build(
            sh.plan, e, handoffs=self._handoffs(), attempt=attempt, worktrees=True,
            earlier=render(earlier), conflict=Conflict(other, prepared.files, sides),
            **await self._brief_extras(),
        )  # fmt: skip
        return await self._spawn(attempt, text, start)
