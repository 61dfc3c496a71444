"""Needs input through the command line: `phasegate ask` waits, `phasegate answer` replies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from phasegate.errors import InputError
from phasegate.service import inputs
from phasegate.tracking.session import open_session
from support import run_phasegate


def test_ask_and_answer_round_trip_on_the_command_line(project: Path) -> None:
    env = {**os.environ, "PHASEGATE_EFFORT": "8.1.1"}
    asking = subprocess.Popen(
        [sys.executable, "-m", "phasegate", "ask", "--wait", "60", "v1 or v2?"],
        cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        for _ in range(300):
            st = json.loads(run_phasegate("status", "--json", "--no-notify").out)
            row = next(e for e in st["efforts"] if e["id"] == "8.1.1")
            if row["waiting_for_input"]:
                break
            time.sleep(0.1)
        assert row["waiting_for_input"]["question"] == "v1 or v2?"
        assert st["totals"]["waiting_for_input"] == 1
        answered = run_phasegate("answer", "8.1.1", "v2", "--json")
        assert answered.code == 0, answered.err
        out, err = asking.communicate(timeout=60)
    finally:
        if asking.poll() is None:
            asking.kill()
    assert asking.returncode == 0, err
    assert out.splitlines()[-1] == "v2"
    doc = json.loads(answered.out)
    assert doc["answer"] == "v2" and doc["waited"] > 0
    st = json.loads(run_phasegate("status", "--json", "--no-notify").out)
    row = next(e for e in st["efforts"] if e["id"] == "8.1.1")
    assert row["waiting_for_input"] is None and row["input_wait"] > 0


def test_answer_refusals(project: Path) -> None:
    none = run_phasegate("answer", "8.1.1", "v2")
    assert none.code == 1 and none.err.strip() == "error: effort 8.1.1 has no open question"
    with open_session(None, None) as s:
        q = inputs.ask(s, "8.1.1", "first?", by="agent")
        inputs.ask(s, "8.1.1", "second?", by="agent")
        assert inputs.answer(s, "8.1.1", "one", by="lead").id == q.id  # the oldest first
        with pytest.raises(InputError, match="already answered by lead"):
            inputs.answer(s, "8.1.1", "again", by="lead", question=q.id)
        with pytest.raises(InputError, match="must not be empty"):
            inputs.ask(s, "8.1.1", "  ", by="agent")
    timeout = run_phasegate("ask", "--effort", "8.1.2", "--wait", "0.2", "anyone?")
    assert timeout.code == 1 and "no answer to Q" in timeout.out


def test_a_stale_attempt_cannot_ask(project: Path) -> None:
    from phasegate.errors import StateError

    assert run_phasegate("start", "8.1.1").code == 0  # attempt 1
    stale = run_phasegate("ask", "--wait", "0", "anyone?", env={"PHASEGATE_EFFORT": "8.1.1",
                                                                  "PHASEGATE_ATTEMPT": "0"})  # fmt: skip
    assert stale.code == 1
    assert "attempt 0 is stale (current attempt is 1)" in stale.err
    with open_session(None, None) as s:
        with pytest.raises(StateError):
            inputs.ask(s, "8.1.1", "?", by="agent", attempt=0)
        assert inputs.ask(s, "8.1.1", "?", by="agent", attempt=1).open
