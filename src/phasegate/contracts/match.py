"""Which effort provides each contract an effort uses, from the plan alone.

Pure over plain values so that `check` can run it on raw plan data with positions and the
engine on the validated model alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """Something `check` should say about one use (`index` into the effort's `uses`)."""

    effort: str
    index: int
    name: str
    provider: str | None
    message: str
    suggestion: str = ""  # the dependency to add, as plan text


def providers(provides: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Contract name -> the efforts that provide it, in plan order."""
    out: dict[str, list[str]] = {}
    for effort, names in provides.items():
        for n in names:
            if effort not in out.setdefault(n, []):
                out[n].append(effort)
    return out


def match_uses(
    provides: Mapping[str, Sequence[str]],
    uses: Mapping[str, Sequence[str]],
    is_ancestor: Callable[[str, str], bool],
) -> list[Finding]:
    """Every use that has no provider, more than one, or a provider that does not finish
    before the consumer starts (not among its ancestors): the consumer's stacked branch
    would then not contain what it relies on, which is how parallel work drifts apart."""
    by_name = providers(provides)
    out: list[Finding] = []
    for effort, names in uses.items():
        for i, name in enumerate(names):
            found = [p for p in by_name.get(name, []) if p != effort]
            if not found and effort in by_name.get(name, []):
                continue  # its own contract: nothing to wait for
            if not found:
                out.append(Finding(effort, i, name, None,
                    f"effort {effort!r} uses contract {name!r}, which no effort provides: "
                    "nothing will verify it"))  # fmt: skip
                continue
            if len(found) > 1:
                out.append(Finding(effort, i, name, found[0],
                    f"contract {name!r} used by {effort!r} is provided by "
                    f"{', '.join(map(repr, found))}; {found[0]!r} is taken as its definition"))  # fmt: skip
            provider = found[0]
            if not is_ancestor(provider, effort):
                out.append(Finding(effort, i, name, provider,
                    f"effort {effort!r} uses contract {name!r} of {provider!r}, which it does "
                    f"not depend on: add {provider!r} to its depends_on",
                    suggestion=f"depends_on: [{provider}]"))  # fmt: skip
    return out
