"""`make demo`: run the kcp phase 8 plan end to end in a throw-away git repository.

The bundled scripted agent plays every agent: each effort gets a worktree on its own branch
stacked on its dependencies' branches, writes its files, commits and reports; phasegate runs
the checks, merges each done effort into the integration branch and evaluates the phase gate.
Then it shows the final status, the generated wave plan and the integration history.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MARK = "phasegate-demo"  # in .git of the demo's repository: --dir may replace it
PLAN = HERE / "kcp-phase8.yaml"


def sh(*args: str, cwd: Path) -> None:
    subprocess.run(args, cwd=cwd, check=True, capture_output=True)


def phasegate(*args: str, cwd: Path, env: dict[str, str] | None = None) -> int:
    return subprocess.run([sys.executable, "-m", "phasegate", *args], cwd=cwd, env=env).returncode


def has_command(name: str, cwd: Path) -> bool:
    r = subprocess.run(
        [sys.executable, "-m", "phasegate", name, "--help"], cwd=cwd, capture_output=True
    )
    return r.returncode == 0


def make_repo(root: Path) -> Path:
    repo = root / "kcp"
    repo.mkdir()
    sh("git", "init", "-q", "-b", "main", cwd=repo)
    sh("git", "config", "user.email", "demo@example.com", cwd=repo)
    sh("git", "config", "user.name", "phasegate demo", cwd=repo)
    sh("git", "config", "commit.gpgsign", "false", cwd=repo)
    (repo / ".git" / MARK).write_text("made by examples/demo.py\n")
    # What phases 5-7 left behind: the entry check of phase 8 looks for these APIs.
    api = repo / "pkg/apis/placement/v1alpha1"
    api.mkdir(parents=True)
    (api / "types.go").write_text("package v1alpha1\n\n// Placement types from phase 5.\n")
    (repo / "README.md").write_text("kcp (phasegate demo copy)\n")
    shutil.copy(PLAN, repo / "phasegate.yaml")
    sh("git", "add", "-A", cwd=repo)
    sh("git", "commit", "-q", "-m", "kcp before phase 8", cwd=repo)
    return repo


def summary(repo: Path) -> None:
    """The final state straight from the store, when `phasegate status` is not available."""
    from phasegate.store import open_store

    with open_store(None, state_dir=repo / ".phasegate") as store:
        for e in store.efforts().values():
            print(f"  {e.id:8} {e.state:10} attempt {e.attempt}  {e.reason}")
        for p in store.phases().values():
            print(f"  phase {p.id}: {p.state}  {p.reason}")


def main(argv: list[str]) -> int:
    """`demo.py [--dir DIR]`: in DIR the repository is kept for a look afterwards; without
    it, it lives in a temporary directory removed when the demo ends."""
    if len(argv) == 2 and argv[0] == "--dir":
        root = Path(argv[1])
        root.mkdir(parents=True, exist_ok=True)
        old = root / "kcp"
        if old.exists():
            # Only a repository an earlier demo made (it carries the mark) is replaced.
            if not (old / ".git" / MARK).is_file():
                print(
                    f"{old} exists and was not made by the demo: not touching it", file=sys.stderr
                )
                return 2
            shutil.rmtree(old)
        return _demo(root, keep=True)
    if argv:
        print("usage: demo.py [--dir DIR]", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="phasegate-demo-") as tmp:
        return _demo(Path(tmp), keep=False)


def _demo(root: Path, *, keep: bool) -> int:
    t0 = time.monotonic()
    repo = make_repo(root)
    print(f"demo repository: {repo}\n")
    env = dict(os.environ)
    # A little simulated work per effort so the live view has something to show.
    env.setdefault("PHASEGATE_SCRIPTED_DELAY", "0.5")
    code = phasegate("run", cwd=repo, env=env)

    print("\n== phasegate status ==")
    if has_command("status", repo):
        phasegate("status", cwd=repo)
    else:
        summary(repo)
    print("\n== phasegate doc --kind wave-plan ==")
    if has_command("doc", repo):
        phasegate("doc", "--kind", "wave-plan", cwd=repo)
    else:
        print("(the doc command is not available in this build)")
    print("\n== git log --graph --oneline phasegate/integration ==", flush=True)
    subprocess.run(["git", "log", "--graph", "--oneline", "phasegate/integration"], cwd=repo)
    print(f"\ndemo repository: {repo}")
    print(f"finished in {time.monotonic() - t0:.1f}s with exit code {code}")
    if keep:
        plan = os.path.relpath(repo / "phasegate.yaml")
        exe = os.path.relpath(Path(sys.executable).parent / "phasegate")
        print(f"\nthe live web view of this run:  {exe} serve -f {plan}")
        print("(then open http://127.0.0.1:8765 in a browser)")
    else:
        print("\n(run with --dir DIR to keep the repository and serve its web view)")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
