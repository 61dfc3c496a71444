"""The pieces: merge bases from the commit graph, merge-tree parsing on real output,
predictions and scope drift."""

from __future__ import annotations

import random
from pathlib import Path

from phasegate.conflicts import drift, predicted
from phasegate.conflicts.actual import analyse
from phasegate.conflicts.ancestry import Ancestry
from phasegate.git import diffs
from phasegate.git.mergetree import merge_tree
from phasegate.plan.load import load_text
from support import git


def test_merge_bases_match_git_on_a_history_with_criss_cross_merges(repo: Path) -> None:
    rnd = random.Random(5)
    git(repo, "checkout", "-q", "-b", "b0")
    names = ["b0"]
    for step in range(40):
        name = rnd.choice(names)
        git(repo, "checkout", "-q", name)
        if rnd.random() < 0.3 and len(names) > 1:
            other = rnd.choice([n for n in names if n != name])
            git(repo, "merge", "-q", "--no-ff", "-s", "ours", "-m", f"m{step}", other)
        else:
            (repo / f"f{step}").write_text(str(step))
            git(repo, "add", f"f{step}")
            git(repo, "commit", "-q", "-m", f"c{step}")
        if rnd.random() < 0.25:
            names.append(f"b{len(names)}")
            git(repo, "branch", names[-1])
    tips = diffs.branches(repo, ["b*"])
    commits = sorted(set(tips.values()))
    anc = Ancestry(diffs.history(repo, commits, diffs.octopus_bases(repo, commits)))
    seen_multiple = False
    for a in commits:
        for b in commits:
            want = tuple(sorted(diffs.merge_bases(repo, a, b)))
            assert anc.merge_bases(a, b) == want
            seen_multiple |= len(want) > 1
    assert len(commits) > 4
    assert seen_multiple  # the history really has criss-cross merges


def test_merge_tree_kinds_from_real_git(repo: Path) -> None:
    base = {"f": "a\nb\nc\n", "g": "x\n", "d/h": "1\n"}
    for name, text in base.items():
        (repo / name).parent.mkdir(exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "A")
    (repo / "f").write_text("A\nb\nc\n")
    (repo / "new").write_text("aa\n")
    git(repo, "rm", "-q", "g")
    git(repo, "mv", "d/h", "d/h2")
    (repo / "dd").write_text("file\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "A")
    git(repo, "checkout", "-q", "-b", "B", "main")
    (repo / "f").write_text("B\nb\nc\n")
    (repo / "new").write_text("bb\n")
    (repo / "g").write_text("y\n")
    git(repo, "mv", "d/h", "d/h3")
    (repo / "dd").mkdir()
    (repo / "dd" / "x").write_text("z\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "B")
    out = merge_tree(repo, "A", "B")
    assert not out.clean
    assert set(out.kinds) == {
        "content",
        "add/add",
        "modify/delete",
        "rename/rename",
        "directory/file",
    }
    assert {"f", "g", "new", "d/h", "d/h2", "d/h3"} <= set(out.files)
    tips = diffs.branches(repo, ["A", "B"])
    result = analyse(repo, tips)
    assert [(t.a, t.b) for t in result.textual] == [("A", "B")]
    assert "dd~A" in result.textual[0].files  # git's moved-aside path names the branch
    assert merge_tree(repo, "A", "A").clean


def test_changed_many_batches_and_handles_empty_diffs(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    (repo / "x y.txt").write_text("1\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "x")
    new = git(repo, "rev-parse", "HEAD")
    got = diffs.changed_many(repo, [(head, head), (head, new), (None, head), (new, head)])
    assert got == [{}, {"x y.txt": "A"}, {"README.md": "A"}, {"x y.txt": "D"}]


PLAN = """\
version: 1
project: p
phases: [{id: p1}, {id: p2}]
efforts:
  - {id: a, phase: p1, files: ["src/*.py"]}
  - {id: b, phase: p1, files: ["src/main.py", "docs/**"]}
  - {id: c, phase: p1, files: ["docs/intro.md"], depends_on: [b]}
  - {id: d, phase: p2, files: ["src/**"]}
"""


def test_predicted_pairs_with_suggestions_and_check_warns_the_same() -> None:
    loaded = load_text(PLAN, "plan.yaml")
    found = predicted(loaded.plan)
    # a and b overlap and are concurrent; c follows b; d is in a later phase.
    assert [(p.a, p.b, p.globs) for p in found] == [("a", "b", ("src/*.py", "src/main.py"))]
    assert found[0].suggestions == ("add a dependency", "move one to another wave", "merge them")
    warnings = [w.message for w in loaded.warnings if "may run at the same time" in w.message]
    assert warnings == [found[0].message()]


def test_scope_drift() -> None:
    d = drift("a", "br", ["src/**"], ["src/x.py", "README.md", "lib/y.py"], ["lib/y.py"])
    assert d is not None and d.files == ("README.md",)
    assert drift("a", "br", ["src/**"], ["src/x.py"]) is None
    assert drift("a", "br", [], ["anything"]) is None


def test_directory_rename_against_an_addition_is_not_missed(repo: Path) -> None:
    # A moves the whole of old/ to new/; B adds a file to old/. The two sides change no
    # common path, yet git moves B's file along the rename and reports a conflict.
    (repo / "old").mkdir()
    for i in range(3):
        (repo / "old" / f"f{i}.txt").write_text(f"content {i}\n" * 5)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "A")
    git(repo, "mv", "old", "new")
    git(repo, "commit", "-q", "-m", "move")
    git(repo, "checkout", "-q", "-b", "B", "main")
    (repo / "old" / "extra.txt").write_text("extra\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "add")
    truth = merge_tree(repo, "A", "B")
    result = analyse(repo, diffs.branches(repo, ["A", "B"]))
    assert result.merged == 1  # the pair was trial-merged although no path is shared
    assert not truth.clean and truth.kinds == ("rename",)
    assert [(t.a, t.b, t.files) for t in result.textual] == [("A", "B", truth.files)]
