"""`phasegate conflicts --branches` against the truth from really merging every pair."""

from __future__ import annotations

import json
from collections.abc import Callable

from phasegate.git.mergetree import kind_of
from support import run_phasegate


def _compare(built, truth) -> dict:  # type: ignore[no-untyped-def]
    r = run_phasegate("conflicts", "--branches", "agent/*", "--json", cwd=built.repo)
    assert r.code == (1 if truth else 0), r.err
    doc = json.loads(r.out)
    got = {(t["a"], t["b"]): t for t in doc["textual"]}
    missed = sorted(set(truth) - set(got))
    false_alarms = sorted(set(got) - set(truth))
    assert not missed, (
        f"missed conflicts: {[(p, built.ops[p[0]], built.ops[p[1]]) for p in missed]}"
    )
    assert not false_alarms, f"false alarms: {false_alarms}"
    for pair, t in truth.items():
        assert tuple(got[pair]["files"]) == t.files, pair
        assert sorted(got[pair]["kinds"]) == sorted({kind_of(k) for k in t.kinds}), pair
    return doc


def _check(conflict_repo, merge_oracle, n: int, seed: int) -> None:  # type: ignore[no-untyped-def]
    built = conflict_repo(n, seed)
    truth = merge_oracle(built)
    doc = _compare(built, truth)
    kinds = {kind_of(k) for t in truth.values() for k in t.kinds}
    # The repository must exercise the cases the analysis has to get right.
    assert {"content", "add/add", "modify/delete"} <= kinds, kinds
    assert any(o["clean"] for o in doc["overlap"]), "no overlapping pair that merges cleanly"
    pairs = n * (n - 1) // 2
    assert doc["pairs"] == pairs
    assert doc["trial_merges"] < pairs  # only overlapping pairs were trial-merged


def test_twelve_branches_match_real_merges(
    conflict_repo: Callable[..., object], merge_oracle: Callable[..., object]
) -> None:
    _check(conflict_repo, merge_oracle, 12, seed=7)


def test_thirty_branches_match_real_merges(
    conflict_repo: Callable[..., object], merge_oracle: Callable[..., object]
) -> None:
    _check(conflict_repo, merge_oracle, 30, seed=2026)
