"""Where the plan is: `-f PATH`, else `$PHASEGATE_PLAN`, else `./phasegate.yaml`.

Kept free of the model and YAML imports so commands that answer from caches can find the
plan without paying for them.
"""

from __future__ import annotations

import os
from pathlib import Path

from phasegate.errors import PlanNotFound

DEFAULT_PLAN = "phasegate.yaml"


def find_plan(option: str | None) -> Path:
    if option:
        p = Path(option)
        if p.is_dir():
            p = p / DEFAULT_PLAN
            if not p.is_file():
                raise PlanNotFound(f"no {DEFAULT_PLAN} in {option}")
        elif not p.is_file():
            raise PlanNotFound(f"plan file {option} not found")
        return p
    env = os.environ.get("PHASEGATE_PLAN")
    if env:
        return find_plan(env)
    p = Path(DEFAULT_PLAN)
    if not p.is_file():
        raise PlanNotFound(
            f"no {DEFAULT_PLAN} here: pass -f PLAN, or create one with 'phasegate init'"
        )
    return p


def state_dir_of(plan_path: Path) -> Path:
    """State lives in `.phasegate/` beside the plan."""
    return plan_path.parent / ".phasegate"
