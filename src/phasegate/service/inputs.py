"""Needs input: an agent asks a question, a person answers it.

A question is an `input.asked` event of the effort (its id is `Q<seq>`); its answer is an
`input.answered` event keyed by the question, so a question is answered once. While a
question is open its effort shows `waiting for input`; the time from question to answer is
recorded with the answer. An answer that arrives after the asking agent gave up waiting (or
exited) is still there for it: `ask` with the same key finds it, and the effort's next brief
lists every answered question.
"""

from __future__ import annotations

import time

from phasegate.errors import InputError
from phasegate.service.callers import Caller
from phasegate.tracking.questions import ANSWERED, ASKED, Question, find, question_of, questions
from phasegate.tracking.reports import effort_facts
from phasegate.tracking.session import Session

__all__ = ["Question", "answer", "ask", "find", "wait"]

MAX_TEXT = 10_000


def _text(value: str, what: str) -> str:
    text = value.strip()
    if not text:
        raise InputError(f"{what} must not be empty")
    if len(text) > MAX_TEXT:
        raise InputError(f"{what} is {len(text)} characters; at most {MAX_TEXT}")
    return text


def ask(
    s: Session,
    effort: str | None,
    question: str,
    *,
    by: str,
    attempt: int | None = None,
    key: str | None = None,
) -> Question:
    """Record a question of an effort's agent; the same key asks it once."""
    f = effort_facts(s.facts, effort)
    text = _text(question, "the question")
    Caller(f.id, attempt).check_current(s.store)  # an agent that outlived its attempt
    ev = s.store.append(
        ASKED,
        effort=f.id,
        attempt=attempt,
        data={"question": text, "by": by},
        key=None if key is None else f"ask:{key}",
    )
    if ev is None:  # asked before with this key: the same question, answered or not
        seen = [e for e in s.store.events(effort=f.id, kinds=[ASKED]) if e.key == f"ask:{key}"]
        return find(s.store, f.id, f"Q{seen[0].seq}")
    return question_of(ev, None)


def answer(s: Session, effort: str, text: str, *, by: str, question: str | None = None) -> Question:
    """Answer an effort's open question: the one named, else its oldest open one."""
    f = effort_facts(s.facts, effort)
    body = _text(text, "the answer")
    qs = questions(s.store, f.id)
    if question is not None:
        q = find(s.store, f.id, question)
        if not q.open:
            raise InputError(f"{q.id} of effort {f.id} was already answered by {q.answered_by}")
    else:
        pending = [q for q in qs if q.open]
        if not pending:
            raise InputError(f"effort {f.id} has no open question")
        q = pending[0]
    now = time.time()
    ev = s.store.append(
        ANSWERED,
        effort=f.id,
        data={"question": q.id, "answer": body, "by": by, "waited": round(q.waited(now), 3)},
        key=f"answer:{q.id}",
    )
    if ev is None:  # answered at the same moment by someone else
        done = find(s.store, f.id, q.id)
        raise InputError(f"{q.id} of effort {f.id} was already answered by {done.answered_by}")
    return find(s.store, f.id, q.id)


def wait(s: Session, q: Question, *, timeout: float, poll: float = 0.25) -> Question:
    """Block until `q` is answered or `timeout` seconds pass; the question as it stands."""
    deadline = time.monotonic() + max(0.0, timeout)
    while q.open and time.monotonic() < deadline:
        time.sleep(min(poll, max(0.0, deadline - time.monotonic())))
        q = find(s.store, q.effort, q.id)
    return q
