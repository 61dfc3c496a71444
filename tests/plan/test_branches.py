"""Branches `run` would create: `check` refuses the ones git would refuse or could not hold."""

from __future__ import annotations

import subprocess
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phasegate.errors import PlanInvalid
from phasegate.plan.load import load_text
from phasegate.plan.refs import BranchNames, branch_problem


def errors_of(text: str) -> list[str]:
    with pytest.raises(PlanInvalid) as info:
        load_text(textwrap.dedent(text), "plan.yaml")
    return [d.render() for d in info.value.diagnostics if d.severity == "error"]


def plan(*efforts: str, repo: str = "") -> str:
    lines = ["project: x"]
    if repo:
        lines.append(f"repo: {repo}")
    lines.append("efforts:")
    lines += [f"  - {{{e}, deliverables: [x]}}" for e in efforts]
    return "\n".join(lines) + "\n"


def git_accepts(name: str) -> bool:
    if name == "@":
        # `git branch @` works, but phasegate hands branches to git as revisions too, where
        # '@' means HEAD: refused on purpose.
        return False
    r = subprocess.run(
        ["git", "check-ref-format", "--branch", name], capture_output=True, check=False
    )
    return r.returncode == 0


NAMES = [
    "main", "feature/x", "a.b", "a-b_c", "x/y/z", "v1.0", "caf\u00e9", "a@b", "a{b}",
    "", "@", "HEAD", "-x", "a b", "a:b", "a..b", "a~1", "a^", "a?", "a*", "a[1]", "a\\b",
    "a\tb", "a\x7fb", "a//b", "/a", "a/", "a.", ".a", "a/.b", "a.lock", "a/b.lock/c",
    "a@{1}", "a/@{x}",
]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_branch_rules_match_git(name: str) -> None:
    assert (branch_problem(name) is None) == git_accepts(name), name


@given(st.text(alphabet="ab./-@{}:~^ \\*[?\x01", min_size=1, max_size=8))
@settings(max_examples=300, deadline=None)
def test_branch_rules_match_git_on_random_names(name: str) -> None:
    assert (branch_problem(name) is None) == git_accepts(name), name


def test_long_branch_parts() -> None:
    assert branch_problem("x" * 250) is None
    assert "bytes long" in (branch_problem("x" * 251) or "")  # git adds '.lock' to it
    assert branch_problem("x" * 255 + "/y") is None
    assert "bytes long" in (branch_problem("x" * 256 + "/y") or "")


@pytest.mark.parametrize(
    ("effort", "where", "needle"),
    [
        ("id: a:b", "efforts[0].id", "makes branch 'phasegate/a:b'"),
        ("id: a..b", "efforts[0].id", "contains '..'"),
        ("id: a/", "efforts[0].id", "ends with '/'"),
        ("id: a.", "efforts[0].id", "ends with '.'"),
        ("id: a//b", "efforts[0].id", "contains '//'"),
        ("id: a/.b", "efforts[0].id", "starts with '.'"),
        ("id: x.lock", "efforts[0].id", "ends with '.lock'"),
        ("id: a, branch: 'feat x'", "efforts[0].branch", "contains a space"),
        ("id: a, branch: 'a~1'", "efforts[0].branch", "contains '~'"),
        ("id: a, branch: 'a^'", "efforts[0].branch", "contains '^'"),
        ("id: a, branch: 'a?'", "efforts[0].branch", "contains '?'"),
        ("id: a, branch: 'a*'", "efforts[0].branch", "contains '*'"),
        ("id: a, branch: 'a[1]'", "efforts[0].branch", "contains '['"),
        ("id: a, branch: 'a\\\\b'", "efforts[0].branch", "contains '\\\\'"),
        ('id: a, branch: "a\\tb"', "efforts[0].branch", "control character"),
        ("id: a, branch: 'a@{1}'", "efforts[0].branch", "contains '@{'"),
        ("id: a, branch: '@'", "efforts[0].branch", "reserves '@'"),
        ("id: a, branch: HEAD", "efforts[0].branch", "reserves 'HEAD'"),
        ("id: a, branch: -a", "efforts[0].branch", "starts with '-'"),
        ("id: a, branch: /a", "efforts[0].branch", "starts or ends with '/'"),
    ],
)
def test_invalid_branch_names_are_located(effort: str, where: str, needle: str) -> None:
    errs = errors_of(plan(effort))
    assert any(
        f"(at {where})" in e and needle in e and "not a valid git branch" in e for e in errs
    ), errs


def test_branch_collisions() -> None:
    errs = errors_of(
        plan(
            "id: a",
            "id: a/b",
            "id: c, branch: phasegate/a",
            "id: d, branch: x/y",
            "id: e, branch: x",
        )
    )
    assert any(
        "(at efforts[1].id)" in e
        and "'phasegate/a/b', which git cannot hold beside 'phasegate/a'" in e
        for e in errs
    ), errs
    assert any(
        "(at efforts[2].branch)" in e
        and "'phasegate/a', which is the branch of effort 'a' already" in e
        for e in errs
    ), errs
    assert any(
        "(at efforts[4].branch)" in e and "'x', which git cannot hold beside 'x/y'" in e
        for e in errs
    ), errs
    assert len(errs) == 3


@pytest.mark.parametrize(
    ("effort", "needle"),
    [
        ("id: a, branch: main", "'main', which is the base branch (repo.base) already"),
        ("id: integration", "which is the integration branch (repo.integration) already"),
        ("id: a, branch: phasegate/integration/a", "cannot hold beside 'phasegate/integration'"),
        ("id: a, branch: main/a", "cannot hold beside 'main', the base branch"),
    ],
)
def test_effort_branch_against_base_and_integration(effort: str, needle: str) -> None:
    errs = errors_of(plan(effort))
    assert len(errs) == 1 and needle in errs[0], errs


def test_integration_must_differ_from_base() -> None:
    errs = errors_of(plan("id: a", repo="{base: trunk, integration: trunk}"))
    assert len(errs) == 1
    assert "(at repo.integration)" in errs[0] and "base branch" in errs[0]
    assert errs[0].startswith("plan.yaml:2:")
    errs = errors_of(plan("id: a", repo="{integration: 'int x'}"))
    assert any("(at repo.integration)" in e and "not a valid git branch" in e for e in errs)


def test_bad_branch_prefix_is_reported_once() -> None:
    errs = errors_of(plan("id: a", "id: b", repo="{branch_prefix: 'my work/'}"))
    assert len(errs) == 1 and "(at repo.branch_prefix)" in errs[0]


def test_too_long_effort_ids() -> None:
    long_id = "x" * 241
    errs = errors_of(plan(f"id: {long_id}"))
    assert len(errs) == 1 and "bytes long" in errs[0] and "(at efforts[0].id)" in errs[0]
    load_text(plan("id: " + "x" * 240), "plan.yaml")
    errs = errors_of(plan("id: a, branch: " + "y" * 251))
    assert len(errs) == 1 and "(at efforts[0].branch)" in errs[0] and "bytes long" in errs[0]


def test_branches_that_git_holds_together_pass() -> None:
    load_text(
        plan("id: a", "id: a-b", "id: ab", "id: b, branch: feature/a", "id: c, branch: feature/ab"),
        "plan.yaml",
    )


def test_duplicate_metric_and_risk_ids() -> None:
    errs = errors_of(
        plan("id: a")
        + "metrics: [{id: m}, {id: n}, {id: m}]\n"
        + "risks: [{id: r, title: t}, {id: r, title: u}]\n"
    )
    assert any("duplicate metric id 'm'" in e and "(at metrics[2].id)" in e for e in errs)
    assert any("duplicate risk id 'r'" in e and "(at risks[1].id)" in e for e in errs)
    assert len(errs) == 2


def test_claims_see_folders_both_ways() -> None:
    names = BranchNames()
    assert names.claim("a/b/c", "one") is None
    clash = names.claim("a", "two")
    assert clash is not None and clash.other == "a/b/c" and not clash.same
    assert names.claim("a/b", "three") is not None
    assert names.claim("a/bc", "four") is None
    same = names.claim("a/bc", "five")
    assert same is not None and same.same and same.owner == "four"


def test_ids_that_would_share_files_on_disk() -> None:
    # `a/b` and `a_b` are different branches, but the worktree and logs of both are `a_b`.
    errs = errors_of(plan("id: a_b", "id: a/b, branch: other/x"))
    assert len(errs) == 1 and "would share a worktree and log files" in errs[0], errs
    assert "(at efforts[1].id)" in errs[0]
    load_text(plan("id: a-b", "id: a.b", "id: a_b"), "plan.yaml")
