"""Scope drift: files an effort changed outside the globs it declared. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from phasegate.globs import matches_any


@dataclass(frozen=True)
class Drift:
    effort: str
    branch: str
    files: tuple[str, ...]  # changed outside the declared globs
    declared: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "effort": self.effort,
            "branch": self.branch,
            "files": list(self.files),
            "declared": list(self.declared),
        }


def drift(
    effort: str,
    branch: str,
    declared: Iterable[str],
    changed: Iterable[str],
    inherited: Iterable[str] = (),
) -> Drift | None:
    """Changed files matching none of `declared`; `inherited` paths (brought in from the
    branches the effort is stacked on) are not the effort's doing and are left out.
    An effort that declares no globs has no scope to drift from."""
    patterns = tuple(declared)
    if not patterns:
        return None
    skip = set(inherited)
    outside = sorted(p for p in set(changed) if p not in skip and not matches_any(patterns, p))
    return Drift(effort, branch, tuple(outside), patterns) if outside else None
