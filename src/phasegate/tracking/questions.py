"""Questions agents asked and the answers people gave, read from the store.

A question is an `input.asked` event of its effort (its id is `Q<seq>`); its answer is an
`input.answered` event keyed by the question, so a question is answered once. Writing them
is `phasegate.service.inputs`; the engine reads answers here for the next brief.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from phasegate.errors import InputError
from phasegate.store.types import Event, Store

ASKED = "input.asked"
ANSWERED = "input.answered"


@dataclass(frozen=True)
class Question:
    id: str
    effort: str
    attempt: int | None
    text: str
    asked_at: float
    asked_by: str
    answer: str | None = None
    answered_at: float | None = None
    answered_by: str | None = None

    @property
    def open(self) -> bool:
        return self.answer is None

    def waited(self, now: float) -> float:
        """Seconds the question waited (so far, while it is open)."""
        return max(0.0, (self.answered_at if self.answered_at is not None else now) - self.asked_at)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": "phasegate.question/1",
            "id": self.id,
            "effort": self.effort,
            "attempt": self.attempt,
            "question": self.text,
            "asked_at": self.asked_at,
            "asked_by": self.asked_by,
            "answered": not self.open,
            "answer": self.answer,
            "answered_at": self.answered_at,
            "answered_by": self.answered_by,
            "waited": None if self.answered_at is None else self.waited(self.answered_at),
        }


def questions(store: Store, effort: str | None = None) -> list[Question]:
    """Every question (of one effort), oldest first, with its answer if it has one."""
    found = store.events(effort=effort, kinds=[ASKED, ANSWERED])
    answers = {str(e.data.get("question")): e for e in found if e.kind == ANSWERED}
    return [question_of(e, answers.get(f"Q{e.seq}")) for e in found if e.kind == ASKED]


def question_of(asked: Event, answered: Event | None) -> Question:
    assert asked.effort is not None
    return Question(
        id=f"Q{asked.seq}",
        effort=asked.effort,
        attempt=asked.attempt,
        text=str(asked.data.get("question", "")),
        asked_at=asked.ts,
        asked_by=str(asked.data.get("by", "")),
        answer=None if answered is None else str(answered.data.get("answer", "")),
        answered_at=None if answered is None else answered.ts,
        answered_by=None if answered is None else str(answered.data.get("by", "")),
    )


def find(store: Store, effort: str, question: str) -> Question:
    for q in questions(store, effort):
        if q.id == question:
            return q
    raise InputError(f"effort {effort} has no question {question!r}")


def waiting(store: Store, now: float) -> dict[str, dict[str, Any]]:
    """Per effort with questions: its open question (if any) and seconds spent waiting."""
    out: dict[str, dict[str, Any]] = {}
    for q in questions(store):
        row = out.setdefault(q.effort, {"open": None, "waited": 0.0, "questions": 0})
        row["questions"] += 1
        row["waited"] = round(row["waited"] + q.waited(now), 3)
        if q.open and row["open"] is None:
            row["open"] = {"id": q.id, "question": q.text, "since": q.asked_at}
    return out


def answered(store: Store, effort: str) -> list[tuple[str, str]]:
    """(question, answer) of each answered question of the effort, oldest first."""
    return [(q.text, q.answer) for q in questions(store, effort) if q.answer is not None]
