"""Shared by the import tests: run an importer and load what it wrote as a real plan."""

from __future__ import annotations

from pathlib import Path

from phasegate.imports import dump, read
from phasegate.plan.load import LoadedPlan, load_text

DATA = Path(__file__).resolve().parent / "data"


def imported_plan(source: Path | str, fmt: str = "auto", **options: str) -> LoadedPlan:
    """Import `source` and validate the YAML it produces exactly as `phasegate check` would."""
    return load_text(dump(read(str(source), fmt, **options)), f"{source} (imported)")


def graph_of(loaded: LoadedPlan) -> dict[str, set[str]]:
    return {e.id: set(e.depends_on) for e in loaded.plan.efforts}
