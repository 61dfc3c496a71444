"""A scripted agent for demos and tests: `python -m phasegate.agents.scripted [options]`.

It does what a well-behaved coding agent does, deterministically: reads its effort from the
plan (`PHASEGATE_PLAN`, `PHASEGATE_EFFORT`), writes files in its scope (the files its checks
test for, and one file per `files` glob), commits them, and reports its deliverables and a
handoff note with `phasegate report`.

Misbehaviour for tests and demos, per effort through options in the effort's `command`, or
for many efforts at once through variables holding comma-separated effort ids (or `*`):

  --fail      PHASEGATE_SCRIPTED_FAIL     exit 1 after writing nothing
  --hang      PHASEGATE_SCRIPTED_HANG     ignore SIGTERM, start a background grandchild, sleep
  --stray     PHASEGATE_SCRIPTED_STRAY    also write a file outside the effort's scope
  --collide P PHASEGATE_SCRIPTED_COLLIDE  also write P (default `shared/collide.txt`) with
                                          content unique to the effort, so two efforts clash
  --no-contracts PHASEGATE_SCRIPTED_NO_CONTRACTS  deliver none of the interface contracts the
                                          effort provides (their files, without them)

Other variables: PHASEGATE_SCRIPTED_RUNS (append one line per run to this file),
PHASEGATE_SCRIPTED_PIDS (append the pids of a hanging agent and its grandchild),
PHASEGATE_SCRIPTED_DELAY (seconds of "work" before writing), PHASEGATE_SCRIPTED_NO_REPORT.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from phasegate.plan.model import Effort

_TESTED = re.compile(r"\btest\s+-[fes]\s+([^\s;&|]+)")
_DEFAULT_COLLIDE = "shared/collide.txt"


def _switched(name: str, effort: str) -> bool:
    ids = os.environ.get(f"PHASEGATE_SCRIPTED_{name}", "")
    chosen = {x.strip() for x in ids.split(",") if x.strip()}
    return "*" in chosen or effort in chosen


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower() or "work"


def files_for(effort: Effort) -> list[str]:
    """Concrete files to write so the effort's checks pass and every glob gets one."""
    wanted: list[str] = []
    for check in effort.checks:
        run = check.run if isinstance(check.run, str) else " ".join(check.run)
        wanted += [m.group(1).strip("'\"") for m in _TESTED.finditer(run)]
    from phasegate.globs import matches

    for glob in effort.files:
        if any(matches(glob, f) for f in wanted):
            continue
        name = _slug(effort.title or effort.id)
        concrete = glob.replace("**/", "").replace("**", f"{name}.txt").replace("*", name)
        wanted.append(concrete)
    wanted += [c.path for c in effort.provides if c.path and c.kind != "command"]
    if not wanted:
        wanted.append(f"efforts/{_slug(effort.id)}.txt")
    return list(dict.fromkeys(wanted))


def symbol_line(pattern: str, name: str) -> str:
    """A line a symbol contract's regex finds: the pattern read as text when it is that
    simple (escapes and word boundaries dropped), else the bare name."""
    text = re.sub(r"\\[bB]", "", pattern).replace("\\s+", " ").replace("\\s*", " ")
    text = re.sub(r"\\(.)", r"\1", text).strip("^$ ")
    return text if re.search(pattern, text, re.M) else name


def _contracts(effort: Effort, path: str) -> list[str]:
    """What the file at `path` must hold for the effort's contracts there."""
    lines: list[str] = []
    apis = [c.pattern for c in effort.provides if c.kind == "openapi" and c.path == path]
    if apis:
        lines += ["openapi: 3.0.0", "info: {title: " + effort.id + ", version: '1'}", "paths:"]
        lines += [f"  '{a}': {{}}" for a in apis]
    for c in effort.provides:
        if c.kind == "symbol" and c.path == path:
            lines.append(symbol_line(c.pattern or rf"\b{re.escape(c.name)}\b", c.name))
    return lines


def _content(effort: Effort, path: str, *, contracts: bool = True) -> str:
    lead = "//" if path.endswith((".go", ".js", ".ts", ".c", ".rs")) else "#"
    body = [f"{lead} {effort.id}: {effort.title}"]
    body += [f"{lead} deliverable: {d}" for d in effort.deliverables]
    body += [f"{lead} interface: {i}" for i in effort.interfaces]
    if contracts:
        body += _contracts(effort, path)
    return "\n".join(body) + "\n"


def _report(effort: str, *args: str) -> None:
    if os.environ.get("PHASEGATE_SCRIPTED_NO_REPORT"):
        return
    from phasegate import proc

    r = proc.run([sys.executable, "-m", "phasegate", "report", effort, *args])
    if r.returncode != 0:
        print(f"report refused: {r.stderr.strip()}", file=sys.stderr)


def _hang(effort: str) -> int:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # Started here rather than through phasegate.proc on purpose: a misbehaving agent's child
    # stays in the agent's process group, as real agents' background jobs do.
    # The ignored disposition is inherited across exec, so the grandchild ignores TERM too.
    grandchild = subprocess.Popen(["sleep", "600"])
    pids = os.environ.get("PHASEGATE_SCRIPTED_PIDS")
    if pids:
        with open(pids, "a") as f:
            f.write(f"{os.getpid()}\n{grandchild.pid}\n")
    print(f"{effort}: hanging (pid {os.getpid()}, grandchild {grandchild.pid})", flush=True)
    while True:
        time.sleep(3600)


def _commit(root: Path, effort: Effort) -> None:
    from phasegate.git import git, identity_env

    if git("rev-parse", "--is-inside-work-tree", cwd=root, check=False).returncode != 0:
        return
    git("add", "-A", cwd=root)
    if git("diff", "--cached", "--quiet", cwd=root, check=False).returncode == 0:
        return
    msg = f"{effort.id}: {effort.title}".strip(": ")
    git("commit", "-q", "--no-verify", "-m", msg, cwd=root, env=identity_env(root))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m phasegate.agents.scripted")
    ap.add_argument("--fail", action="store_true")
    ap.add_argument("--hang", action="store_true")
    ap.add_argument("--stray", action="store_true")
    ap.add_argument("--collide", nargs="?", const=_DEFAULT_COLLIDE, default=None)
    ap.add_argument("--no-commit", action="store_true", help="leave the work uncommitted")
    ap.add_argument("--no-contracts", action="store_true", help="deliver no contract")
    args = ap.parse_args(argv)

    effort_id = os.environ.get("PHASEGATE_EFFORT")
    plan_path = os.environ.get("PHASEGATE_PLAN")
    if not effort_id or not plan_path:
        print("scripted agent: PHASEGATE_EFFORT and PHASEGATE_PLAN must be set", file=sys.stderr)
        return 2
    runs = os.environ.get("PHASEGATE_SCRIPTED_RUNS")
    if runs:
        with open(runs, "a") as f:
            f.write(f"{effort_id} {os.environ.get('PHASEGATE_ATTEMPT', '?')}\n")

    from phasegate.plan.load import load_plan

    effort = load_plan(plan_path).plan.effort(effort_id)
    print(f"{effort.id}: starting {effort.title!r}", flush=True)
    if args.hang or _switched("HANG", effort.id):
        return _hang(effort.id)
    delay = float(os.environ.get("PHASEGATE_SCRIPTED_DELAY", "0") or 0)
    if delay:
        time.sleep(delay)
    if args.fail or _switched("FAIL", effort.id):
        print(f"{effort.id}: failing on purpose", file=sys.stderr)
        return 1

    root = Path.cwd()
    deliver = not (args.no_contracts or _switched("NO_CONTRACTS", effort.id))
    written = files_for(effort)
    if args.stray or _switched("STRAY", effort.id):
        written.append(f"stray/{_slug(effort.id)}.txt")
    collide = args.collide or (_DEFAULT_COLLIDE if _switched("COLLIDE", effort.id) else None)
    for rel in written:
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_content(effort, rel, contracts=deliver))
        print(f"{effort.id}: wrote {rel}", flush=True)
    if collide:
        target = root / collide
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"written by {effort.id}\n")
    if not args.no_commit:
        _commit(root, effort)
    done = [arg for d in effort.deliverables for arg in ("--task-done", d)]
    _report(effort.id, *done, "--note", f"{effort.id} wrote {', '.join(written)}")
    print(f"{effort.id}: finished", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
