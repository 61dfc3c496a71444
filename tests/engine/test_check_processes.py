"""Checks run as real processes: bounded in time and in what they leave behind."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from phasegate.gates import DEFAULT_CHECK_TIMEOUT, check_timeout, run_check
from phasegate.plan.expr import parse_duration
from phasegate.plan.model import Check
from phasegate.proc import TAIL_BYTES
from support import alive


def test_a_background_child_does_not_hold_the_check_and_is_ended(tmp_path: Path) -> None:
    pidfile = tmp_path / "bg.pid"
    # The child inherits the check's stdout and would keep it open for five minutes.
    check = Check(run=f"sleep 300 & echo $! > {pidfile}; echo started")
    t0 = time.monotonic()
    o = run_check(check, cwd=tmp_path)
    assert time.monotonic() - t0 < 20
    assert o.passed and "started" in o.tail
    pid = int(pidfile.read_text())
    for _ in range(100):
        if not alive(pid):
            break
        time.sleep(0.05)
    assert not alive(pid), "the check's background child outlived it"


def test_checks_have_a_default_timeout() -> None:
    assert check_timeout(Check(run="true")) == parse_duration(DEFAULT_CHECK_TIMEOUT) > 0
    assert check_timeout(Check(run="true", timeout="2s")) == 2.0


def test_a_check_that_overruns_its_timeout_fails_and_its_group_is_gone(tmp_path: Path) -> None:
    pidfile = tmp_path / "fg.pid"
    o = run_check(Check(run=f"echo $$ > {pidfile}; exec sleep 300", timeout="1s"), cwd=tmp_path)
    assert not o.passed and o.why == "timed out"
    assert not alive(int(pidfile.read_text()))


def test_the_stored_tail_of_one_huge_line_is_bounded(tmp_path: Path) -> None:
    big = f"{sys.executable} -c \"import sys; sys.stdout.write('x' * 20_000_000)\""
    o = run_check(Check(run=big), cwd=tmp_path)
    assert o.passed
    assert 0 < len(o.tail.encode()) <= TAIL_BYTES
    assert len(o.event_data("effort")["tail"].encode()) <= TAIL_BYTES
