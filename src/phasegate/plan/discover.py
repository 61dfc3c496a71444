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


STATE = ".phasegate"
OWNER = "plan"  # in the state directory: the file name of the plan it belongs to


def state_dir_of(plan_path: Path) -> Path:
    """State lives in `.phasegate/` beside the plan (beside the real file, for a symlink).

    Several plans can share a folder (`examples/` holds five): `.phasegate/` belongs to the
    first that ran there (its name is in `.phasegate/plan`), and every other plan keeps its
    own state in `.phasegate/plans/<name>/`, so no two plans ever share a store.
    """
    real = plan_path.resolve()
    shared = real.parent / STATE
    try:
        owner = (shared / OWNER).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        owner = ""
    if not owner or owner == real.name:
        return shared
    return shared / "plans" / real.name


def claim_state_dir(plan_path: Path, state_dir: Path) -> None:
    """Record that the shared state directory belongs to this plan, if nobody holds it."""
    real = plan_path.resolve()
    owner = state_dir / OWNER
    if state_dir == real.parent / STATE and not owner.exists():
        owner.write_text(real.name + "\n", encoding="utf-8")
