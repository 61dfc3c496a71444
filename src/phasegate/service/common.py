"""What every service module shares: the JSON document shape and number formatting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Service functions that work a while (checks, gates) tell their caller what they are doing
# through one of these, so a front door can show it as it happens.
Say = Callable[[str], None]


def quiet(_line: str) -> None:
    """A `Say` for callers that only want the result."""


def document(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A read command's JSON document: what `--json` prints, the web API and MCP return."""
    return {"schema": f"phasegate.{kind}/1", **payload}


def num(x: float) -> int | float:
    """Whole numbers print as integers in JSON and tables (3300, not 3300.0)."""
    return int(x) if float(x).is_integer() else round(x, 6)
