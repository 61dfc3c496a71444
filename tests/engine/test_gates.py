"""Check judging, metric extraction and gate requirements: pure, no store, no processes."""

from __future__ import annotations

from phasegate.gates import (
    EffortFacts,
    GateFacts,
    delivered_percent,
    judge,
    metric_value,
    requirement_reasons,
)
from phasegate.plan.model import Check, Phase
from phasegate.proc import Completed


def done(code: int = 0, out: str = "", timed_out: bool = False) -> Completed:
    return Completed(("x",), code, out, "", 0.1, timed_out)


def test_a_metric_is_read_only_where_the_check_says() -> None:
    assert metric_value("coverage: 71.5%\nran 300 tests", "coverage") == 71.5
    # No silent fallback to whatever number was printed last.
    assert metric_value("297 passed in 1.48s", "coverage") is None
    assert metric_value("ran 300 tests\n75\n", "coverage") is None
    assert metric_value("no numbers", "coverage") is None
    # A longer name that merely ends like the metric is not it.
    assert metric_value("line-coverage=10 total 3", "coverage") is None
    out = "297 passed in 1.48s\nTOTAL 1200 300 75%\n"
    assert metric_value(out, "coverage", pattern=r"^TOTAL .* (\d+)%$") == 75.0
    assert metric_value(out, "coverage", pattern=r"^NOPE (\d+)") is None
    doc = '{"totals": {"percent_covered": 81.25}, "files": [{"n": 3}]}'
    assert metric_value(doc, "coverage", json_path="totals.percent_covered") == 81.25
    assert metric_value("log line\n" + doc, "x", json_path="files.0.n") == 3.0
    assert metric_value(doc, "coverage", json_path="totals.missing") is None


def test_metric_sources_are_validated() -> None:
    import pytest
    from pydantic import ValidationError

    for bad in (
        {"run": "x", "metric_pattern": "(\\d+)"},  # no metric name
        {"run": "x", "metric": "m", "metric_pattern": "\\d+"},  # no group
        {
            "run": "x",
            "metric": "m",
            "metric_pattern": "(",
        },  # not a regex
        {"run": "x", "metric": "m", "metric_pattern": "(\\d)", "metric_json": "a"},
    ):
        with pytest.raises(ValidationError):
            Check.model_validate(bad)


def test_judge_threshold_exit_and_timeout() -> None:
    c = Check(name="cov", run="x", metric="coverage", expect="> 70")
    assert judge(c, done(out="coverage=75")).passed
    assert not judge(c, done(out="75")).passed  # a bare number is not the metric
    low = judge(c, done(out="coverage=60"))
    assert not low.passed and low.why == "coverage = 60, expected > 70" and low.value == 60
    assert judge(c, done(out="")).why.startswith("printed no value for metric coverage")
    assert judge(c, done(code=2, out="coverage=80")).why == "exit 2"
    assert judge(Check(run="x"), done(code=-9, timed_out=True)).why == "timed out"
    plain = judge(Check(run="make test"), done(out="ok"))
    assert plain.passed and plain.name == "make test" and plain.value is None


def facts(*efforts: EffortFacts, blockers: int = 0, conflicts: int = 0,
          metrics: dict[str, float] | None = None) -> GateFacts:  # fmt: skip
    return GateFacts(list(efforts), blockers, conflicts, metrics or {})


def test_deliverables_share_counts_reported_tasks() -> None:
    a = EffortFacts("a", "done", ("x", "y"), ("x", "y", "extra"))
    b = EffortFacts("b", "done", ("z", "w"), ("z",))
    c = EffortFacts("c", "done", (), ())
    d = EffortFacts("d", "failed", (), ())
    assert delivered_percent([a, b]) == 75.0
    assert delivered_percent([c, d]) == 50.0
    assert delivered_percent([]) == 100.0


def test_requirements_name_every_shortfall() -> None:
    phase = Phase.model_validate(
        {
            "id": "p",
            "gate": {
                "require": {
                    "deliverables": ">= 95%",
                    "critical_blockers": 0,
                    "conflicts": 0,
                    "approvals": ["lead"],
                    "metrics": {"coverage": "> 70", "latency": "< 5000"},
                }
            },
        }
    )
    ok = EffortFacts("a", "done", ("x",), ("x",), frozenset({"lead"}))
    reasons, figures = requirement_reasons(
        phase, facts(ok, metrics={"coverage": 80, "latency": 10})
    )
    assert reasons == [] and figures["deliverables"] == 100.0
    bad = EffortFacts("b", "done", ("x", "y"), ("x",))
    reasons, _ = requirement_reasons(
        phase, facts(ok, bad, blockers=1, conflicts=2, metrics={"coverage": 50})
    )
    assert reasons == [
        "deliverables 67% reported done, required >= 95%",
        "1 open critical blocker(s), required == 0",
        "2 conflict(s), required == 0",
        "approval by lead missing for b",
        "metric coverage = 50, required > 70",
        "metric latency has no value, required < 5000",
    ]
