"""Where a run keeps things: worktrees, the integration checkout, logs, briefs, exit files.

Everything lives in the state directory beside the plan (`.phasegate/`), which ignores
itself so nothing phasegate writes ever shows up in the user's `git status`.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from phasegate.errors import GitError, UsageError
from phasegate.plan.model import Effort, Plan
from phasegate.plan.refs import file_stem


@dataclass
class Workspace:
    plan: Plan
    plan_path: Path  # absolute
    state_dir: Path  # absolute
    db: str  # the store, as agents and checks open it: an absolute path or a server URL
    worktrees: bool
    repo: Path | None = None  # git toplevel, when worktrees are used
    plan_rel: Path = Path(".")  # the plan's directory relative to the repository root
    # What every agent of this run inherits, worked out once rather than for each agent.
    _agent_base: dict[str, str] | None = field(default=None, repr=False)

    @staticmethod
    def open(
        plan: Plan, plan_path: Path, state_dir: Path, db: Path | str, *, worktrees: bool
    ) -> Workspace:
        from phasegate.store import is_server

        where = str(db) if is_server(str(db)) else str(Path(db).resolve())
        ws = Workspace(plan, plan_path.resolve(), state_dir.resolve(), where, worktrees)
        if worktrees:
            from phasegate import git

            git.require_version()
            try:
                ws.repo = git.toplevel(ws.plan_path.parent).resolve()
            except GitError:
                raise UsageError(
                    f"{plan_path.parent} is not in a git repository; run with --no-worktrees "
                    "for plans that are not code"
                ) from None
            ws.plan_rel = ws.plan_path.parent.relative_to(ws.repo)
            if git.rev(plan.repo.base, cwd=ws.repo) is None:
                raise UsageError(
                    f"base branch '{plan.repo.base}' not found in {ws.repo.name} "
                    "(set repo.base in the plan)"
                )
        return ws

    def prepare(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        ignore = self.state_dir / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n")
        for sub in ("logs", "briefs"):
            (self.state_dir / sub).mkdir(exist_ok=True)
        from phasegate.plan import compiled

        compiled.settle(self.state_dir)
        if self.repo is not None:
            from phasegate.git.worktrees import exclude

            # Also in the repository's own exclude list: tools that read that, but not
            # nested .gitignore files, and a state directory recreated without its
            # .gitignore, still leave it alone.
            try:
                rel = self.state_dir.relative_to(self.repo)
            except ValueError:
                return
            exclude(self.repo, f"/{rel.as_posix()}/")

    # -- paths -----------------------------------------------------------------------------

    def worktree(self, effort: Effort) -> Path:
        return self.state_dir / "worktrees" / file_stem(effort.id)

    @property
    def integration(self) -> Path:
        return self.state_dir / "integration"

    def effort_dir(self, effort: Effort) -> Path:
        """Where the effort's agent and checks run."""
        if not self.worktrees:
            return self.plan_path.parent
        return self.worktree(effort) / self.plan_rel

    def gate_dir(self) -> Path:
        """Where phase entry checks and gate checks run."""
        if not self.worktrees:
            return self.plan_path.parent
        return self.integration / self.plan_rel

    def log(self, effort_id: str, attempt: int) -> Path:
        return self.state_dir / "logs" / f"{file_stem(effort_id)}.{attempt}.log"

    def exit_file(self, effort_id: str, attempt: int) -> Path:
        return self.state_dir / "logs" / f"{file_stem(effort_id)}.{attempt}.exit"

    def brief(self, effort_id: str, attempt: int) -> Path:
        return self.state_dir / "briefs" / f"{file_stem(effort_id)}.{attempt}.md"

    # -- environment -----------------------------------------------------------------------

    def agent_env(self, effort: Effort, attempt: int) -> dict[str, str]:
        if self._agent_base is None:
            self._agent_base = self._base_env()
        env = dict(self._agent_base)
        env.update(
            {
                "PHASEGATE_EFFORT": effort.id,
                "PHASEGATE_ATTEMPT": str(attempt),
                "PHASEGATE_BRIEF": str(self.brief(effort.id, attempt)),
                "PHASEGATE_PLAN": str(self.plan_path),
                "PHASEGATE_DB": str(self.db),
            }
        )
        return env

    def _base_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(self.plan.agents.env)
        # `phasegate report` (and the interpreter running phasegate) must be what an agent
        # finds first, even when phasegate lives in a virtual environment that is not active.
        bindir = str(Path(sys.executable).parent)
        path = env.get("PATH", "")
        if path.split(os.pathsep)[0] != bindir:
            env["PATH"] = bindir + (os.pathsep + path if path else "")
        # The engine's crash hook must not leak into the agents it starts.
        env.pop("PHASEGATE_CRASH_AT", None)
        return env

    def check_env(self, effort: Effort | None = None) -> dict[str, str]:
        env = {"PHASEGATE_PLAN": str(self.plan_path), "PHASEGATE_DB": str(self.db)}
        if effort is not None:
            env["PHASEGATE_EFFORT"] = effort.id
        return env


def effort_workspace(
    plan: Plan, plan_path: Path, state_dir: Path, db: Path | str, effort: Effort
) -> Workspace:
    """The workspace a command outside the engine (`phasegate done`) judges an effort's work
    in: with worktrees while a run has left one for the effort, else the plan's directory."""
    ws = Workspace.open(plan, plan_path, state_dir, db, worktrees=False)
    if ws.worktree(effort).is_dir():
        ws = Workspace.open(plan, plan_path, state_dir, db, worktrees=True)
    return ws
