"""The Temporal executor end to end: a real dev server, a bare remote, PostgreSQL, and
`phasegate worker` processes with repo caches of their own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from phasegate.store import open_store
from support import git, init_repo, run_phasegate

StartWorker = Callable[..., Any]

# Ten efforts: two roots' worth of diamonds, so branches stack on one and on two others.
GRAPH = {
    "e01": [], "e02": ["e01"], "e03": ["e01"], "e04": ["e02"], "e05": ["e02", "e03"],
    "e06": ["e03"], "e07": ["e04", "e05"], "e08": ["e06"], "e09": ["e07", "e08"],
    "e10": ["e09"],
}  # fmt: skip


def plan_text(address: str, queue: str, efforts: str, agents: str, heartbeat: str = "3s") -> str:
    return textwrap.dedent(f"""\
        version: 1
        project: fleet
        repo: {{base: main, remote: ../remote.git}}
        executor: {{kind: temporal, address: "{address}", queue: {queue}, heartbeat: {heartbeat}}}
        agents: {agents}
        phases:
          - id: build
            gate: {{checks: [{{name: all-there, run: "test -f src/e10.txt || test -f src/slow.txt"}}]}}
        efforts:
        """) + textwrap.indent(textwrap.dedent(efforts), "  ")


def project(root: Path, plan: str) -> Path:
    repo = init_repo(root / "repo")
    (repo / "phasegate.yaml").write_text(plan)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "plan")
    return repo


def events(url: str, kinds: list[str]) -> list[tuple[str | None, int | None, dict[str, object]]]:
    with open_store(url, state_dir=Path(".")) as s:
        return [(e.effort, e.attempt, e.data) for e in s.events(kinds=kinds)]


def test_ten_efforts_run_by_two_workers_stacked_merged_in_order_gate_passed(
    tmp_path: Path, temporal, workers: StartWorker, bare_remote: Path, pg_url: str
) -> None:  # type: ignore[no-untyped-def]
    queue = f"q-{uuid.uuid4().hex[:8]}"
    # e10 may run only where queue `<queue>-b` is served: on w2, stacked on w1's work.
    lines = "\n".join(
        f'- {{id: {e}, depends_on: [{", ".join(d)}], files: ["src/{e}.txt"], '
        f'checks: [{{run: "test -f src/{e}.txt"}}]'
        + (f", runs_on: {queue}-b}}" if e == "e10" else "}")
        for e, d in GRAPH.items()
    )
    repo = project(tmp_path, plan_text(temporal.address, queue, lines, "{kind: scripted, max: 4}"))
    runs = tmp_path / "runs"
    env = {"PHASEGATE_SCRIPTED_RUNS": str(runs)}
    w1 = workers("w1", queue, pg_url, env, slots=2)
    w2 = workers("w2", f"{queue}-b", pg_url, env)
    r = run_phasegate("run", "--plain", "--db", pg_url, cwd=repo, timeout=300)
    assert r.code == 0, r.out + r.err + w1.output() + w2.output()

    with open_store(pg_url, state_dir=tmp_path) as s:
        assert {k: v.state for k, v in s.efforts().items()} == dict.fromkeys(GRAPH, "done")
        assert all(v.merged for v in s.efforts().values())
        assert s.phases()["build"].state == "passed"
        placed = {e.effort: e.data["worker"] for e in s.events(kinds=["agent.placed"])}
        merged = [e.effort for e in s.events(kinds=["effort.merged"])]
    # Every effort ran on a worker; the coordinator started no agent of its own.
    assert placed == {**dict.fromkeys(GRAPH, "w1"), "e10": "w2"}
    assert not list((repo / ".phasegate").glob("logs/*.exit"))
    ran = [line.split()[0] for line in runs.read_text().splitlines()]
    assert sorted(ran) == sorted(GRAPH)  # one agent per effort
    # Merged once each, each after everything it depends on.
    assert sorted(merged) == sorted(GRAPH)
    for e, deps in GRAPH.items():
        assert all(merged.index(d) < merged.index(e) for d in deps)
    # Branches on the remote are stacked on their dependencies' branches.
    for e, deps in GRAPH.items():
        for d in deps:
            subprocess.run(
                ["git", "merge-base", "--is-ancestor", f"phasegate/{d}", f"phasegate/{e}"],
                cwd=bare_remote, check=True,
            )  # fmt: skip
    # The integration branch was published: the remote has every effort's file on it.
    listed = git(bare_remote, "ls-tree", "-r", "--name-only", "phasegate/integration")
    assert {f"src/{e}.txt" for e in GRAPH} <= set(listed.split())
    assert git(bare_remote, "rev-parse", "phasegate/integration") == git(
        repo, "rev-parse", "phasegate/integration"
    )


SLOW = (
    'echo "start $PHASEGATE_WORKER $PHASEGATE_ATTEMPT" >> "$RUNS"; '
    'echo $$ > "$PIDS/$PHASEGATE_WORKER"; '
    'if [ "$PHASEGATE_ATTEMPT" = 1 ]; then sleep 60; fi; '
    'mkdir -p src; echo "$PHASEGATE_ATTEMPT" > src/slow.txt; '
    'echo "end $PHASEGATE_WORKER $PHASEGATE_ATTEMPT" >> "$RUNS"'
)


def _slow_run(  # type: ignore[no-untyped-def]
    tmp_path: Path, temporal, workers: StartWorker, pg_url: str, agents: str
) -> tuple[str, Path, Path, Path, dict[str, str], Any, subprocess.Popen[bytes]]:
    """The SLOW effort's plan, worker w1 serving it, and `phasegate run` started on it:
    (queue, repo, runs file, pids dir, the workers' environment, w1, the run)."""
    queue = f"q-{uuid.uuid4().hex[:8]}"
    efforts = f"- {{id: slow, files: [src/slow.txt], command: '{SLOW}'}}\n"
    repo = project(tmp_path, plan_text(temporal.address, queue, efforts, agents))
    runs, pids = tmp_path / "runs", tmp_path / "pids"
    pids.mkdir()
    env = {"RUNS": str(runs), "PIDS": str(pids)}
    w1 = workers("w1", queue, pg_url, env)
    run = subprocess.Popen(
        [sys.executable, "-m", "phasegate", "run", "--plain", "--db", pg_url], cwd=repo,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    return queue, repo, runs, pids, env, w1, run


def _wait(what: str, cond, timeout: float = 90, run=None) -> None:  # type: ignore[no-untyped-def]
    """Wait for `cond`; a `phasegate run` that ends meanwhile fails the wait with its output."""
    deadline = time.monotonic() + timeout
    while not cond():
        if run is not None and run.poll() is not None:
            out = run.stdout.read().decode(errors="replace") if run.stdout else ""
            raise AssertionError(
                f"phasegate run ended (exit {run.returncode}) before {what}: {out}"
            )
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_killed_worker_attempt_finished_elsewhere_late_push_refused(
    tmp_path: Path, temporal, workers: StartWorker, bare_remote: Path, pg_url: str
) -> None:  # type: ignore[no-untyped-def]
    queue, _repo, runs, pids, env, w1, run = _slow_run(
        tmp_path, temporal, workers, pg_url, "{max: 1, retries: 0}"
    )
    try:
        _wait("w1's agent", lambda: (pids / "w1").exists(), run=run)
        w2 = workers("w2", queue, pg_url, env)
        w1.kill9()  # mid-attempt: its agent is left behind, an orphan
        out, _ = run.communicate(timeout=180)
    finally:
        if run.poll() is None:
            run.kill()
    text = out.decode(errors="replace")
    assert run.returncode == 0, text + w2.output()
    assert "lost" in text

    with open_store(pg_url, state_dir=tmp_path) as s:
        v = s.effort("slow")
        assert (v.state, v.merged, v.attempt) == ("done", True, 2)
        exits = [(e.attempt, e.data.get("worker")) for e in s.events(kinds=["agent.exited"])]
        merged = s.events(kinds=["effort.merged"])
        lost = [e for e in s.events(effort="slow", kinds=["effort.state"]) if e.data.get("lost")]
    assert exits == [(2, "w2")]  # the attempt that finished, counted once
    assert len(merged) == 1 and len(lost) == 1
    assert "end w2 2" in runs.read_text() and "end w1" not in runs.read_text()
    assert git(bare_remote, "show", "phasegate/slow:src/slow.txt") == "2"

    # The dead worker's agent still runs; a worker restarted on its cache kills it first.
    orphan = int((pids / "w1").read_text())
    assert _alive(orphan)
    again = workers("w1", queue, pg_url, env, cache=w1.cache)
    assert "killed 1 agent group" in again.output()
    _wait("the orphan to be gone", lambda: not _alive(orphan), 10)

    # The dead worker's attempt, pushed late, is refused: the store says it was replaced,
    # and the remote branch is no longer where it was when attempt 1 was handed out.
    from phasegate.executors.runner import Refused, push_work
    from phasegate.executors.spec import Spec
    from phasegate.git.remote import Update, push

    wt = next((w1.cache / "fleet" / "state" / "worktrees").iterdir())
    (wt / "late.txt").write_text("late")
    git(wt, "add", "-A")
    git(wt, "commit", "-q", "-m", "late work of attempt 1")
    tip = git(wt, "rev-parse", "HEAD")
    spec = Spec(
        project="fleet", effort="slow", attempt=1, workflow="fleet/slow/1",
        remote=str(bare_remote), base="main", branch="phasegate/slow", lease="",
        plan_name="phasegate.yaml", plan_text="", plan_rel=".", db=pg_url, brief="",
    )  # fmt: skip
    before = git(bare_remote, "rev-parse", "phasegate/slow")
    with open_store(pg_url, state_dir=tmp_path) as s:
        try:
            push_work(s, w1.cache / "fleet" / "repo", spec, None, tip)
        except Refused as err:
            assert "replaced by attempt 2" in str(err)
        else:
            raise AssertionError("a replaced attempt's push went through")
    leased = push(w1.cache / "fleet" / "repo", str(bare_remote),
                  [Update(tip, "refs/heads/phasegate/slow", "")])  # fmt: skip
    assert not leased.ok and "stale info" in leased.detail
    assert git(bare_remote, "rev-parse", "phasegate/slow") == before


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rfind(")") + 2] != "Z"


HANG = 'mkdir -p src; echo wip > src/h.txt; echo $$ > "$PIDS/agent"; trap "" TERM; sleep 120'


def test_cancelled_run_kills_the_remote_agents_group_within_the_grace_period(
    tmp_path: Path, temporal, workers: StartWorker, bare_remote: Path, pg_url: str
) -> None:  # type: ignore[no-untyped-def]
    queue = f"q-{uuid.uuid4().hex[:8]}"
    efforts = f"- {{id: hang, files: [src/h.txt], command: '{HANG}'}}\n"
    agents = "{max: 1, grace: 3s}"
    repo = project(tmp_path, plan_text(temporal.address, queue, efforts, agents))
    pids = tmp_path / "pids"
    pids.mkdir()
    w = workers("w1", queue, pg_url, {"PIDS": str(pids)})
    run = subprocess.Popen(
        [sys.executable, "-m", "phasegate", "run", "--plain", "--db", pg_url], cwd=repo,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait(
            "the agent", lambda: (pids / "agent").exists() and (pids / "agent").read_text(), run=run
        )
        agent = int((pids / "agent").read_text())
        assert _alive(agent)
        group = os.getpgid(agent)
        # Status names the worker running it, in text and JSON alike.
        st = run_phasegate("status", "--json", "--db", pg_url, cwd=repo)
        hang = next(e for e in json.loads(st.out)["efforts"] if e["id"] == "hang")
        assert hang["worker"] == "on w1", st.out
        assert "running (on w1)" in run_phasegate("status", "--db", pg_url, cwd=repo).out
        asked = time.monotonic()
        run.send_signal(2)  # Ctrl-C
        _wait("the agent's group to go", lambda: not _group_alive(group), 3 + 2.5)
        gone = time.monotonic() - asked
        out, _ = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
    assert gone <= 3 + 2.5, gone
    text = out.decode(errors="replace")
    assert "interrupted" in text, text + w.output()
    with open_store(pg_url, state_dir=tmp_path) as s:
        v = s.effort("hang")
    assert v.state == "failed" and "interrupted" in v.reason
    # What the stopped agent had done is kept on the remote, for the next run to go on from.
    assert git(bare_remote, "show", "phasegate/hang:src/h.txt") == "wip"


def _group_alive(pgid: int) -> bool:
    """Whether any process of the group is still alive (zombies are not)."""
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            return True
    return False


def test_coordinator_killed_mid_attempt_follows_the_same_workflow_when_run_again(
    tmp_path: Path, temporal, workers: StartWorker, bare_remote: Path, pg_url: str
) -> None:  # type: ignore[no-untyped-def]
    queue = f"q-{uuid.uuid4().hex[:8]}"
    slow = SLOW.replace("sleep 60", "sleep 6")
    efforts = f"- {{id: slow, files: [src/slow.txt], command: '{slow}'}}\n"
    repo = project(tmp_path, plan_text(temporal.address, queue, efforts, "{max: 1}"))
    runs, pids = tmp_path / "runs", tmp_path / "pids"
    pids.mkdir()
    w = workers("w1", queue, pg_url, {"RUNS": str(runs), "PIDS": str(pids)})
    first = subprocess.Popen(
        [sys.executable, "-m", "phasegate", "run", "--plain", "--db", pg_url], cwd=repo,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait("the agent", lambda: (pids / "w1").exists(), run=first)
    except AssertionError as err:
        first.kill()
        out = first.communicate()[0].decode(errors="replace")
        raise AssertionError(f"{err}\nrun: {out}\nworker: {w.output()}") from None
    finally:
        first.kill()  # kill -9 of the coordinator, its attempt still at work on w1
        first.wait()
    again = run_phasegate("run", "--plain", "--db", pg_url, cwd=repo, timeout=120)
    assert again.code == 0, again.out + again.err
    assert "following its workflow fleet/slow/1@" in again.out
    assert runs.read_text().split("\n").count("start w1 1") == 1  # the agent ran once
    with open_store(pg_url, state_dir=tmp_path) as s:
        v = s.effort("slow")
        assert (v.state, v.merged, v.attempt) == ("done", True, 1)
        assert len(s.events(kinds=["agent.queued"])) == 1


def test_remote_work_that_conflicts_on_integration_is_recorded_conflicted(
    tmp_path: Path, temporal, workers: StartWorker, bare_remote: Path, pg_url: str
) -> None:  # type: ignore[no-untyped-def]
    queue = f"q-{uuid.uuid4().hex[:8]}"
    efforts = """\
        - {id: left, files: ["src/left.txt", "shared/*"]}
        - {id: right, files: ["src/right.txt", "shared/*"]}
    """
    repo = project(
        tmp_path, plan_text(temporal.address, queue, efforts, "{kind: scripted, max: 2}")
    )
    workers("w1", queue, pg_url, {"PHASEGATE_SCRIPTED_COLLIDE": "*"}, slots=2)
    r = run_phasegate("run", "--plain", "--db", pg_url, cwd=repo, timeout=300)
    assert r.code == 1, r.out + r.err
    with open_store(pg_url, state_dir=tmp_path) as s:
        states = {k: (v.state, v.reason) for k, v in s.efforts().items()}
    assert sorted(st for st, _ in states.values()) == ["conflicted", "done"], states
    (why,) = [reason for st, reason in states.values() if st == "conflicted"]
    assert "shared/collide.txt" in why


def test_worker_shut_down_stops_its_agent_and_the_attempt_runs_elsewhere(
    tmp_path: Path, temporal, workers: StartWorker, bare_remote: Path, pg_url: str
) -> None:  # type: ignore[no-untyped-def]
    queue, _repo, _runs, pids, env, w1, run = _slow_run(
        tmp_path, temporal, workers, pg_url, "{max: 1, grace: 2s}"
    )
    try:
        _wait("w1's agent", lambda: (pids / "w1").exists(), run=run)
        agent = int((pids / "w1").read_text())
        workers("w2", queue, pg_url, env)
        w1.proc.terminate()  # SIGTERM: stop taking work, cancel what is in flight
        assert w1.proc.wait(30) == 0, w1.output()
        assert not _alive(agent), "the shut-down worker left its agent running"
        out, _ = run.communicate(timeout=180)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, out.decode(errors="replace")
    with open_store(pg_url, state_dir=tmp_path) as s:
        v = s.effort("slow")
        assert (v.state, v.merged, v.attempt) == ("done", True, 2)
        exits = [(e.attempt, e.data.get("worker")) for e in s.events(kinds=["agent.exited"])]
        ended = [e.data for e in s.events(effort="slow", kinds=["effort.state"]) if e.attempt == 1]
    assert exits == [(2, "w2")]
    assert ended[-1]["to"] == "failed" and ended[-1].get("lost"), ended
    # Said as the worker's shutdown when its cancellation reached the server in time, else
    # as the missing heartbeat; lost either way.
    assert "shut down" in str(ended[-1].get("reason")) or "lost" in str(ended[-1].get("reason"))
    assert ended[-1].get("lost"), ended


def test_an_attempt_the_worker_cannot_carry_out_fails_with_the_workers_reason(
    tmp_path: Path, temporal, workers: StartWorker, bare_remote: Path, pg_url: str
) -> None:  # type: ignore[no-untyped-def]
    queue = f"q-{uuid.uuid4().hex[:8]}"
    efforts = "- {id: a, files: [src/a.txt]}\n"
    repo = project(tmp_path, plan_text(temporal.address, queue, efforts, "{kind: scripted}"))
    workers("w1", queue, str(tmp_path / "local.db"))  # a store no other machine reaches
    r = run_phasegate("run", "--plain", "--db", pg_url, cwd=repo, timeout=120)
    assert r.code == 1, r.out + r.err
    with open_store(pg_url, state_dir=tmp_path) as s:
        v = s.effort("a")
    assert v.state == "failed" and "the worker cannot reach the store" in v.reason, v.reason


def test_two_stores_of_one_project_never_share_an_attempt(
    tmp_path: Path, temporal, workers: StartWorker, bare_remote: Path, pg_server
) -> None:  # type: ignore[no-untyped-def]
    queue = f"q-{uuid.uuid4().hex[:8]}"
    once = 'echo "$PHASEGATE_ATTEMPT" >> "$RUNS"; mkdir -p src; date +%s%N > src/slow.txt'
    efforts = f"- {{id: slow, files: [src/slow.txt], command: '{once}'}}\n"
    repo = project(tmp_path, plan_text(temporal.address, queue, efforts, "{max: 1}"))
    runs = tmp_path / "runs"
    first, second = pg_server.fresh_url(), pg_server.fresh_url()
    workers("w1", queue, first, {"RUNS": str(runs)})
    assert run_phasegate("run", "--plain", "--db", first, cwd=repo).code == 0
    # The same plan afresh in a second store (say, a team's own): its attempt 1 is its own
    # workflow, not the first store's finished one.
    git(repo, "worktree", "remove", "--force", str(repo / ".phasegate" / "integration"))
    for branch in ("phasegate/slow", "phasegate/integration"):
        git(repo, "branch", "-D", branch)
        git(bare_remote, "branch", "-D", branch)
    import shutil

    shutil.rmtree(repo / ".phasegate")
    r = run_phasegate("run", "--plain", "--db", second, cwd=repo)
    assert r.code == 0, r.out + r.err
    assert runs.read_text().split() == ["1", "1"]


def test_checks_longer_than_the_heartbeat_do_not_lose_the_attempt(
    tmp_path: Path, temporal, workers: StartWorker, bare_remote: Path, pg_url: str
) -> None:  # type: ignore[no-untyped-def]
    queue = f"q-{uuid.uuid4().hex[:8]}"
    efforts = (
        '- {id: slow, files: [src/slow.txt], checks: [{run: "sleep 5 && test -f src/slow.txt"}], '
        "command: 'mkdir -p src; echo done > src/slow.txt'}\n"
    )
    repo = project(tmp_path, plan_text(temporal.address, queue, efforts, "{max: 1}", "2s"))
    workers("w1", queue, pg_url)
    r = run_phasegate("run", "--plain", "--db", pg_url, cwd=repo, timeout=120)
    assert r.code == 0, r.out + r.err
    with open_store(pg_url, state_dir=tmp_path) as s:
        v = s.effort("slow")
    assert (v.state, v.merged, v.attempt) == ("done", True, 1)


def test_remote_failures_and_rejections_are_retried_with_their_work_kept(
    tmp_path: Path, temporal, workers: StartWorker, bare_remote: Path, pg_url: str
) -> None:  # type: ignore[no-untyped-def]
    queue = f"q-{uuid.uuid4().hex[:8]}"
    efforts = """\
        - {id: bad, files: [src/bad.txt], command: 'mkdir -p src; echo x > src/bad.txt; exit 3'}
        - id: picky
          files: [src/picky.txt]
          command: 'mkdir -p src; echo "$PHASEGATE_ATTEMPT" > src/picky.txt'
          checks: [{name: never, run: "test -f src/absent.txt"}]
    """
    repo = project(tmp_path, plan_text(temporal.address, queue, efforts, "{max: 2, retries: 1}"))
    workers("w1", queue, pg_url, slots=2)
    r = run_phasegate("run", "--plain", "--db", pg_url, cwd=repo, timeout=180)
    assert r.code == 1, r.out + r.err
    with open_store(pg_url, state_dir=tmp_path) as s:
        bad, picky = s.effort("bad"), s.effort("picky")
        kept = sorted((e.effort, e.attempt) for e in s.events(kinds=["attempt.kept"]))
        checks = [e.data for e in s.events(effort="picky", kinds=["check.result"])]
    assert (bad.state, bad.attempt) == ("failed", 2) and "exit 3" in bad.reason
    assert (picky.state, picky.attempt) == ("rejected", 2)
    assert "check 'never' failed" in picky.reason
    # Each attempt's work is kept under its attempt ref, here and on the remote.
    assert kept == [("bad", 1), ("bad", 2), ("picky", 1), ("picky", 2)]
    assert git(repo, "show", "refs/phasegate/attempts/picky/2:src/picky.txt") == "2"
    assert [c["passed"] for c in checks] == [False, False] and all(c["commit"] for c in checks)
    # A retry starts from the stack again (on_retry: restart), not from the failed work.
    first = git(bare_remote, "rev-parse", "refs/phasegate/attempts/picky/1")
    on_top = subprocess.run(
        ["git", "merge-base", "--is-ancestor", first, "phasegate/picky"], cwd=bare_remote
    )  # fmt: skip
    assert on_top.returncode == 1


@pytest.mark.parametrize("point", ["running", "exit-recorded", "checked", "merged-git", "done"])
def test_coordinator_killed_at_each_step_of_a_remote_attempt_resumes_it_once(
    tmp_path: Path, temporal, workers: StartWorker, bare_remote: Path, pg_url: str, point: str
) -> None:  # type: ignore[no-untyped-def]
    queue = f"q-{uuid.uuid4().hex[:8]}"
    agent = 'echo "$PHASEGATE_ATTEMPT" >> "$RUNS"; mkdir -p src; echo x > src/slow.txt'
    efforts = (
        f"- {{id: slow, files: [src/slow.txt], command: '{agent}', "
        'checks: [{run: "test -f src/slow.txt"}]}\n'
    )
    repo = project(tmp_path, plan_text(temporal.address, queue, efforts, "{max: 1}"))
    runs = tmp_path / "runs"
    workers("w1", queue, pg_url, {"RUNS": str(runs)})
    crashed = run_phasegate(
        "run", "--plain", "--db", pg_url, cwd=repo, env={"PHASEGATE_CRASH_AT": point}
    )  # fmt: skip
    assert crashed.code == -9, crashed.out + crashed.err  # it reached the point and died there
    again = run_phasegate("run", "--plain", "--db", pg_url, cwd=repo, timeout=120)
    assert again.code == 0, again.out + again.err
    assert runs.read_text().split() == ["1"]  # the agent ran once
    with open_store(pg_url, state_dir=tmp_path) as s:
        v = s.effort("slow")
        assert (v.state, v.merged, v.attempt) == ("done", True, 1)
        assert len(s.events(kinds=["effort.merged"])) == 1
    merges = git(repo, "log", "--merges", "--oneline", "phasegate/integration").splitlines()
    assert len(merges) == 1, merges
