"""The brief an agent receives: everything it needs to do one effort and report on it.

Pure: the run loop gathers the dependencies' notes and changed files, this renders them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from phasegate.plan.model import Check, Effort, Plan


@dataclass(frozen=True)
class Handoff:
    """What a finished dependency passes on."""

    effort: str
    title: str
    branch: str
    notes: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


def _command(c: Check) -> str:
    return c.run if isinstance(c.run, str) else " ".join(c.run)


def _bullets(items: Sequence[str], empty: str) -> list[str]:
    return [f"- {x}" for x in items] if items else [f"- {empty}"]


def build(
    plan: Plan,
    effort: Effort,
    *,
    handoffs: Sequence[Handoff],
    attempt: int,
    worktrees: bool,
    earlier: Sequence[str] = (),
) -> str:
    title = effort.title or effort.id
    lines = [f"# Effort {effort.id}: {title}", ""]
    phase = plan.phase_of(effort)
    context = [f"project **{plan.project}**"]
    if phase:
        context.append(f"phase **{phase}**")
    if worktrees:
        context.append(f"branch `{plan.branch_of(effort)}`")
    lines += [f"Part of {', '.join(context)}. Attempt {attempt}.", ""]

    lines += ["## Objective", "", effort.description.strip() or title, ""]
    if effort.notes:
        lines += [effort.notes.strip(), ""]
    lines += ["## Deliverables", "", *_bullets(effort.deliverables, "(none listed)"), ""]
    lines += [
        "## Files in scope",
        "",
        *_bullets([f"`{g}`" for g in effort.files], "(not restricted)"),
        "",
    ]
    if effort.files:
        lines += ["Changes outside these paths are reported as scope drift.", ""]
    if effort.interfaces:
        lines += ["## Interfaces", "", *_bullets(effort.interfaces, ""), ""]

    lines += ["## From your dependencies", ""]
    if not handoffs:
        lines += ["This effort depends on no other effort of the plan.", ""]
    for h in handoffs:
        lines += [f"### {h.effort}: {h.title or h.effort}", ""]
        if worktrees:
            lines += [f"Merged into your branch from `{h.branch}`.", ""]
        lines += ["Handoff notes:", "", *_bullets(h.notes, "(none)"), ""]
        if worktrees:
            lines += ["Changed files:", "", *_bullets([f"`{f}`" for f in h.changed], "(none)"), ""]

    if earlier:
        # A retry that is not told why the last attempt failed tends to fail the same way.
        lines += ["## Earlier attempts", "", *earlier, ""]

    lines += ["## How you will be judged", ""]
    if effort.checks:
        lines += ["phasegate runs these checks itself after you exit; all must pass:", ""]
        lines += [f"- {c.label}: `{_command(c)}`" for c in effort.checks]
    else:
        lines += ["This effort has no checks of its own: exiting 0 completes it."]
    lines += [
        "",
        "Exit 0 when the work is complete; any other exit status fails this attempt.",
    ]
    if worktrees:
        lines += ["Commit your work; anything left uncommitted is committed for you."]
    lines += [""]

    e = effort.id
    lines += [
        "## Reporting",
        "",
        "Report progress as you go (the environment already names the effort and attempt):",
        "",
        "```sh",
        f'phasegate report {e} --task-done "{(effort.deliverables or [title])[0]}"',
        f'phasegate report {e} --blocker "what stops you" --severity high',
        f"phasegate report {e} --metric coverage=72",
        f'phasegate report {e} --note "what the efforts after you should know"',
        "```",
        "",
    ]
    return "\n".join(lines)
