"""Which plan a store belongs to: recorded by the first run, checked by every command.

Two plans sharing one store would read each other's efforts as their own (an effort `build`
of one plan "done" because the other's is), so a store of another plan is refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from phasegate.errors import UsageError
from phasegate.store.types import Store

if TYPE_CHECKING:
    from phasegate.plan.load import LoadedPlan

KIND = "store.plan"


def check_owner(store: Store, project: str, plan_path: Path, *, bind: bool) -> None:
    """UsageError if `store` belongs to another plan; with `bind`, claim an unclaimed one."""
    real = plan_path.resolve()
    found = store.events(kinds=[KIND])
    if not found:
        if bind:
            store.append(
                KIND, key="owner", data={"project": project, "plan": real.name, "path": str(real)}
            )
        return
    d = found[0].data
    if d.get("plan") == real.name and d.get("project") == project:
        return
    raise UsageError(
        f"this store belongs to plan {d.get('plan')} (project {d.get('project')}, "
        f"{d.get('path')}), not to {real.name} (project {project}); give this plan its own "
        "store with --db, or run it from its own folder"
    )


@contextmanager
def plan_store(loaded: LoadedPlan, db: str | None) -> Iterator[Store]:
    """The store of a loaded plan, refused (UsageError) when it belongs to another plan."""
    from phasegate.store import open_store

    store = open_store(db, state_dir=loaded.state_dir)
    try:
        check_owner(store, loaded.plan.project, loaded.path, bind=False)
        yield store
    finally:
        store.close()
