"""Seed 002's five workstreams with their shared traits as interface contracts, run for real:
real git, real agent processes (shell scripts), the real CLI."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from support import git, init_repo, run_phasegate

PLAN = """
version: 1
project: agent-kernel-phase2
repo: {base: main, integration: integration/phase2}
units: points
rate: 4
agents: {max: 3, retries: 0, timeout: 60s}
external:
  - {id: build-system-stabilization, status: done}
phases:
  - id: phase2
    gate:
      require: {contracts: all}
efforts:
  - id: testing-infrastructure
    size: 8
    depends_on: [build-system-stabilization]
    files: ["tests/integration/**"]
    command: "sh agents/testing.sh"
    provides:
      - {name: IntegrationTest, path: tests/integration/mod.rs, pattern: 'pub trait IntegrationTest\\b'}
  - id: kernel-events-expansion
    size: 8
    depends_on: [build-system-stabilization]
    files: ["crates/kernel/src/events/**"]
    command: "sh agents/kernel.sh"
    provides:
      - {name: WorkstreamEvent, path: crates/kernel/src/events/mod.rs, pattern: 'pub trait WorkstreamEvent\\b'}
  - id: storage-enhancements
    size: 10
    depends_on: [build-system-stabilization, kernel-events-expansion]
    files: ["crates/storage/**"]
    command: "sh agents/storage.sh"
    uses: [WorkstreamEvent]
  - id: security-enhancements
    size: 8
    depends_on: [build-system-stabilization]
    files: ["crates/security/**"]
    command: "sh agents/security.sh"
  - id: performance-observability
    size: 8
    depends_on: [testing-infrastructure, kernel-events-expansion]
    files: ["crates/observability/**"]
    command: "sh agents/perf.sh"
    uses: [WorkstreamEvent, IntegrationTest]
"""

TRAITS = {
    "WorkstreamEvent": """\
        pub trait WorkstreamEvent {
            fn event_type(&self) -> EventType;
            fn timestamp(&self) -> DateTime<Utc>;
            fn workstream_id(&self) -> &str;
        }
        """,
    "IntegrationTest": """\
        pub trait IntegrationTest {
            fn setup(&self) -> Result<TestEnvironment>;
            fn execute(&self, env: &TestEnvironment) -> Result<TestResult>;
            fn cleanup(&self, env: TestEnvironment) -> Result<()>;
        }
        """,
}


def _write(path: str, text: str) -> str:
    body = textwrap.dedent(text)
    return f"mkdir -p {Path(path).parent}\ncat > {path} <<'RUST'\n{body}RUST\n"


def _agents(*, kernel_trait: bool = True, rename: bool = False) -> dict[str, str]:
    kernel = TRAITS["WorkstreamEvent"] if kernel_trait else "pub struct EventType;\n"
    storage = _write("crates/storage/src/lib.rs", "use kernel::events::WorkstreamEvent;\n")
    # The brief is the agent's input: keep it where the test can read it afterwards.
    storage = 'cp "$PHASEGATE_BRIEF" "$PHASEGATE_BRIEF.seen"\n' + storage
    if rename:
        storage += "sed -i 's/WorkstreamEvent/WorkstreamEvt/' crates/kernel/src/events/mod.rs\n"
    return {
        "agents/testing.sh": _write("tests/integration/mod.rs", TRAITS["IntegrationTest"]),
        "agents/kernel.sh": _write("crates/kernel/src/events/mod.rs", kernel),
        "agents/storage.sh": storage,
        "agents/security.sh": _write("crates/security/src/lib.rs", "pub fn rotate() {}\n"),
        "agents/perf.sh": _write("crates/observability/src/lib.rs", "pub fn bench() {}\n"),
    }


def _project(root: Path, agents: dict[str, str], plan: str = PLAN) -> Path:
    repo = init_repo(root)
    (repo / "phasegate.yaml").write_text(plan)
    for rel, text in agents.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "plan")
    return repo


def _contracts(repo: Path) -> dict[str, dict[str, object]]:
    r = run_phasegate("contracts", "--json", cwd=repo)
    assert r.code in (0, 1), r.err
    return {c["name"]: c for c in json.loads(r.out)["contracts"]}


def test_delivered_contracts_are_verified_and_quoted_in_the_consumers_brief(
    tmp_path: Path,
) -> None:
    repo = _project(tmp_path / "repo", _agents())
    r = run_phasegate("run", "--json", cwd=repo, env={"PHASEGATE_SCRIPTED_NO_REPORT": "1"})
    assert r.code == 0, r.out + r.err
    got = _contracts(repo)
    assert got["WorkstreamEvent"]["verified"] is True
    assert got["IntegrationTest"]["verified"] is True
    assert got["WorkstreamEvent"]["consumers"] == [
        "storage-enhancements",
        "performance-observability",
    ]
    # The consumer's brief quotes the trait as the integration branch holds it.
    seen = next((repo / ".phasegate" / "briefs").glob("storage-enhancements.*.md.seen"))
    brief = seen.read_text()
    assert "## Contracts you use" in brief
    assert "### WorkstreamEvent (provided by kernel-events-expansion" in brief
    assert "fn workstream_id(&self) -> &str;" in brief
    # The gate's `contracts: all` held: the phase passed.
    log = json.loads(run_phasegate("log", "--json", cwd=repo).out)
    kinds = [e["kind"] for e in log["events"]]
    assert kinds.count("contract.verified") == 2
    handoff = run_phasegate("doc", "--kind", "handoff", cwd=repo).out
    assert (
        "- [x] Contract WorkstreamEvent from kernel-events-expansion (used by "
        "storage-enhancements, performance-observability): verified on integration"
    ) in handoff


def test_a_provider_that_does_not_deliver_its_trait_fails_its_contract(tmp_path: Path) -> None:
    repo = _project(tmp_path / "repo", _agents(kernel_trait=False))
    r = run_phasegate("run", "--json", cwd=repo)
    assert r.code == 1
    got = _contracts(repo)
    assert got["WorkstreamEvent"]["verified"] is False
    assert "no match" in str(got["WorkstreamEvent"]["why"])
    assert got["IntegrationTest"]["verified"] is True
    g = run_phasegate("gate", "phase2", "--json", cwd=repo)
    assert g.code == 1
    reasons = json.loads(g.out)["reasons"]
    assert any("WorkstreamEvent (kernel-events-expansion) failed" in x for x in reasons)


def test_a_later_effort_renaming_the_trait_is_flagged_before_its_merge(tmp_path: Path) -> None:
    repo = _project(tmp_path / "repo", _agents(rename=True))
    r = run_phasegate("run", "--json", cwd=repo)
    assert r.code == 1
    with_store = run_phasegate("status", "--json", cwd=repo)
    efforts = {e["id"]: e for e in json.loads(with_store.out)["efforts"]}
    storage = efforts["storage-enhancements"]
    assert storage["state"] == "conflicted"
    assert "contract break: WorkstreamEvent of kernel-events-expansion" in storage["reason"]
    # Not merged: the integration branch still holds the trait.
    text = git(repo, "show", "integration/phase2:crates/kernel/src/events/mod.rs")
    assert "pub trait WorkstreamEvent" in text
    got = _contracts(repo)
    assert [b["branch"] for b in got["WorkstreamEvent"]["breaks"]] == [
        "phasegate/storage-enhancements"
    ]
    # A conflict of its own kind in `phasegate conflicts`, which exits 1 for it.
    c = run_phasegate("conflicts", "--json", cwd=repo)
    assert c.code == 1
    breaks = json.loads(c.out)["contract_breaks"]
    assert [(b["contract"], b["branch"]) for b in breaks] == [
        ("WorkstreamEvent", "phasegate/storage-enhancements")
    ]


def test_check_suggests_the_dependency_a_consumer_lacks(tmp_path: Path) -> None:
    plan = PLAN.replace(
        'command: "sh agents/security.sh"',
        'command: "sh agents/security.sh"\n    uses: [WorkstreamEvent, AuditLog]',
    )
    repo = _project(tmp_path / "repo", _agents(), plan)
    r = run_phasegate("check", cwd=repo)
    assert r.code == 0, r.err
    assert (
        "effort 'security-enhancements' uses contract 'WorkstreamEvent' of "
        "'kernel-events-expansion', which it does not depend on: add "
        "'kernel-events-expansion' to its depends_on"
    ) in r.err
    assert "uses contract 'AuditLog', which no effort provides" in r.err
    # The consumers that do depend on their providers draw no warning.
    assert "'storage-enhancements' uses" not in r.err


def test_the_example_plan_run_by_scripted_agents(tmp_path: Path) -> None:
    """examples/phase2-workstreams.yaml as written: the scripted agent delivers the traits
    its efforts provide, except where told not to."""
    import sys

    from support import EXAMPLES

    text = (EXAMPLES / "phase2-workstreams.yaml").read_text()
    text = text.replace(
        """command: "claude -p \\"$(cat \\"$PHASEGATE_BRIEF\\")\\" --permission-mode acceptEdits\"""",
        f'command: "{sys.executable} -m phasegate.agents.scripted"',
    )
    assert "phasegate.agents.scripted" in text
    repo = _project(tmp_path / "repo", {"Cargo.toml": "[workspace]\n"}, text)
    env = {"PHASEGATE_SCRIPTED_NO_CONTRACTS": "testing-infrastructure"}
    run_phasegate("run", "--only", "performance-observability", cwd=repo, env=env, timeout=300)
    got = _contracts(repo)
    assert got["WorkstreamEvent"]["verified"] is True
    assert got["IntegrationTest"]["verified"] is False
    brief = next((repo / ".phasegate" / "briefs").glob("performance-observability.*.md"))
    body = brief.read_text()
    assert "### WorkstreamEvent (provided by kernel-events-expansion" in body
    assert "pub trait WorkstreamEvent" in body
    assert "### IntegrationTest (provided by testing-infrastructure" in body
    assert "Not available on the integration branch: tests/integration/mod.rs has no match" in body
