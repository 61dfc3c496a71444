from __future__ import annotations

import random

import pytest

from phasegate.schedule.forecast import calibration, draw, durations, ratios, simulate
from phasegate.schedule.model import Problem


def test_calibration_is_the_median_kept_in_range() -> None:
    assert calibration([]) == 1.0
    assert calibration([1.0, 2.0, 40.0]) == 2.0
    assert calibration([50.0]) == 10.0
    assert calibration([0.0, -1.0]) == 1.0


def test_durations_take_the_last_run_to_done() -> None:
    t = [
        ("a", "running", 10.0),
        ("a", "failed", 20.0),
        ("a", "running", 30.0),
        ("a", "done", 90.0),
        ("b", "running", 5.0),
    ]
    assert durations(t) == {"a": 60.0}
    assert ratios({"a": 4 * 3600.0}, {"a": 350.0}, 700.0) == [1.0]


@pytest.mark.parametrize("dist", ["pert", "triangular"])
def test_draws_stay_within_the_estimate(dist: str) -> None:
    rng = random.Random(1)
    xs = [draw((2.0, 3.0, 9.0), rng, dist) for _ in range(500)]
    assert min(xs) >= 2.0 and max(xs) <= 9.0
    assert draw((4.0, 4.0, 4.0), rng, dist) == 4.0


def test_calibration_scales_the_forecast() -> None:
    p = Problem.of([10, 10], [[], [0]])
    est = [(10.0, 10.0, 10.0), (10.0, 10.0, 10.0)]
    assert simulate(p, 1, [0, 1], est, runs=10).p50 == 20.0
    assert simulate(p, 1, [0, 1], est, runs=10, factor=1.5).p95 == 30.0
