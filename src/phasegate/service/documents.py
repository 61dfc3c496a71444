"""Text for people and agents: the seeds' documents, and an effort's brief."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from phasegate.errors import UsageError
from phasegate.tracking.reports import effort_facts
from phasegate.tracking.session import Session

if TYPE_CHECKING:
    from phasegate.plan.load import LoadedPlan


def document_text(
    loaded: LoadedPlan, kind: str, *, db: str | None, templates: str | None = None
) -> str:
    """A status, daily, weekly, handoff or wave-plan document as markdown."""
    from phasegate.report.documents import render
    from phasegate.store import open_store
    from phasegate.tracking.documents import KINDS
    from phasegate.tracking.facts import facts_of

    if kind not in KINDS:
        raise UsageError(f"unknown document kind {kind!r}: use one of {', '.join(KINDS)}")
    with open_store(db, state_dir=loaded.state_dir) as store:
        return render(
            kind, loaded.plan, facts_of(loaded.plan), store, loaded.path, templates=templates
        )


def brief(s: Session, effort: str, attempt: int | None = None) -> dict[str, Any]:
    """The brief of an effort's attempt (default: its current one): the one the engine wrote
    for that attempt when there is one, else built now from the plan and the store."""
    from phasegate.engine.brief import Handoff, build
    from phasegate.plan.load import load_plan
    from phasegate.plan.refs import file_stem
    from phasegate.tracking.questions import answered

    f = effort_facts(s.facts, effort)
    n = attempt if attempt is not None else s.store.effort(f.id).attempt
    written = s.state_dir / "briefs" / f"{file_stem(f.id)}.{n}.md"
    if written.is_file():
        text = written.read_text(encoding="utf-8")
    else:
        plan = load_plan(str(s.plan_path)).plan
        e = plan.effort(f.id)
        worktrees = (s.state_dir / "worktrees" / file_stem(f.id)).is_dir()
        handoffs = [
            Handoff(d, s.facts.by_id[d].title, s.facts.by_id[d].branch, s.store.notes(d))
            for d in f.depends_on
        ]
        answers = answered(s.store, f.id)
        text = build(plan, e, handoffs=handoffs, attempt=n, worktrees=worktrees, answers=answers)
    return {"schema": "phasegate.brief/1", "effort": f.id, "attempt": n, "text": text}
