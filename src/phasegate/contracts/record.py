"""Contract evidence as events, and the standing of every contract read back from them.

`contract.verified` (effort = the provider) holds one contract's evidence on the
integration branch after the provider merged; a rollback of the provider (`effort.unmerged`)
takes its standing back to unverified. A contract break found before a later effort's merge
is a `conflict.finding` of kind `contract` between that effort's branch and
`contract:<name>`, so gates count it with the other conflicts until a later trial finds the
contract whole again (`conflict.resolved`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from phasegate.contracts.verify import Evidence
from phasegate.store import Store

VERIFIED = "contract.verified"
FINDING = "conflict.finding"
RESOLVED = "conflict.resolved"


@dataclass(frozen=True)
class Standing:
    effort: str
    name: str
    ok: bool | None  # None: not verified (never, or its provider was rolled back since)
    why: str = ""
    excerpt: str = ""
    ts: float | None = None
    commit: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "effort": self.effort,
            "name": self.name,
            "verified": self.ok,
            "why": self.why,
            "at": self.ts,
            "commit": self.commit,
        }


def record_verification(
    store: Store, effort: str, attempt: int, evidence: Sequence[Evidence], commit: str | None
) -> None:
    """All of one merge's evidence in one transaction; keyed, so a retry after a crash
    between the merge and this record adds nothing twice."""
    store.append_many(
        [
            {
                "kind": VERIFIED,
                "effort": effort,
                "attempt": attempt,
                "key": f"contract:{effort}:{attempt}:{ev.name}",
                "data": {**ev.to_json(), "commit": commit},
            }
            for ev in evidence
        ]
    )


def verified_attempt(store: Store, effort: str, attempt: int) -> bool:
    """Whether this attempt's contracts were already judged (any one of them)."""
    return any(ev.attempt == attempt for ev in store.events(effort=effort, kinds=[VERIFIED]))


def standings(store: Store) -> dict[tuple[str, str], Standing]:
    """(provider, contract name) -> its latest standing."""
    out: dict[tuple[str, str], Standing] = {}
    for ev in store.events(kinds=[VERIFIED, "effort.unmerged"]):
        if ev.effort is None:
            continue
        if ev.kind == "effort.unmerged":
            for k in [k for k in out if k[0] == ev.effort]:
                out[k] = Standing(k[0], k[1], None, "provider rolled back", ts=ev.ts)
            continue
        d = ev.data
        name = str(d.get("name", ""))
        out[(ev.effort, name)] = Standing(
            ev.effort, name, bool(d.get("ok")), str(d.get("why", "")),
            str(d.get("excerpt", "")), ev.ts, d.get("commit"),
        )  # fmt: skip
    return out


def break_target(name: str) -> str:
    return f"contract:{name}"


def record_breaks(
    store: Store,
    effort: str,
    branch: str,
    broken: Sequence[tuple[str, str, Evidence]],  # (provider, provider branch, evidence)
    whole: Sequence[str],  # names of contracts the trial found intact
) -> None:
    """A finding per broken contract; a resolution for each intact one that had a finding
    open against this branch."""
    still_open = _open_breaks(store, branch)
    items: list[dict[str, Any]] = []
    for provider, provider_branch, ev in broken:
        items.append({
            "kind": FINDING, "effort": effort,
            "data": {"a": branch, "b": break_target(ev.name), "files": [ev.where],
                     "kinds": ["contract"], "source": "contract", "kind": "contract",
                     "provider": provider, "provider_branch": provider_branch,
                     "why": ev.why},
        })  # fmt: skip
    for name in whole:
        if break_target(name) in still_open:
            items.append({"kind": RESOLVED, "effort": effort,
                          "data": {"a": branch, "b": break_target(name), "source": "contract"}})  # fmt: skip
    if items:
        store.append_many(items)


def _open_breaks(store: Store, branch: str) -> set[str]:
    latest: dict[str, bool] = {}
    for ev in store.events(kinds=[FINDING, RESOLVED]):
        d = ev.data
        if d.get("a") != branch or not str(d.get("b", "")).startswith("contract:"):
            continue
        latest[str(d["b"])] = ev.kind == FINDING
    return {b for b, is_open in latest.items() if is_open}
