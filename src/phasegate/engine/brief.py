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


@dataclass(frozen=True)
class UsedContract:
    """A contract the effort uses, as the integration branch defines it now."""

    name: str
    provider: str | None
    where: str  # file (or command) that defines it
    excerpt: str  # empty when it cannot be shown
    missing: str = ""  # why there is no excerpt


def _contract_lines(effort: Effort, used: Sequence[UsedContract]) -> list[str]:
    lines: list[str] = []
    if used:
        lines += ["## Contracts you use", ""]
        lines += ["Other efforts provide these; build against them as they are:", ""]
        for u in used:
            by = f" (provided by {u.provider}, in `{u.where}`)" if u.provider else ""
            lines += [f"### {u.name}{by}", ""]
            if u.excerpt:
                lines += ["```", u.excerpt, "```", ""]
            else:
                lines += [f"Not available on the integration branch: {u.missing}.", ""]
    if effort.provides:
        lines += ["## Contracts you provide", ""]
        lines += ["Other efforts build on these; phasegate verifies each after your merge:", ""]
        for c in effort.provides:
            what = {
                "symbol": f"`{c.pattern or c.name}` defined in `{c.path}`",
                "file": f"the file `{c.path}`",
                "openapi": f"the path `{c.pattern}` in `{c.path}`",
                "command": f"`{c.command if isinstance(c.command, str) else ' '.join(c.command or [])}` passes",
            }[c.kind]
            lines += [f"- {c.name}: {what}" + (f" ({c.description})" if c.description else "")]
        lines += [""]
    return lines


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
    answers: Sequence[tuple[str, str]] = (),
    contracts: Sequence[UsedContract] = (),
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

    lines += _contract_lines(effort, contracts)
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
    if answers:
        # Answers that came after an earlier attempt stopped waiting for them.
        lines += ["## Answers to your questions", ""]
        for question, answer in answers:
            lines += [f"- Q: {question}", f"  A: {answer}"]
        lines += [""]

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
        'phasegate ask "a question only a person can answer"   # waits for the answer',
        "```",
        "",
    ]
    return "\n".join(lines)
