"""The shared remote's git steps with real repositories: following the remote without
losing local commits, leased pushes, fast-forward-only publishing."""

from __future__ import annotations

from pathlib import Path

from phasegate.git.remote import (
    Update,
    absolute,
    fetch,
    follow,
    mirrored,
    publish,
    push,
    remote_sha,
)
from support import git, init_repo


def _commit(repo: Path, name: str) -> str:
    (repo / name).write_text(name)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", name)
    return git(repo, "rev-parse", "HEAD")


def _setup(tmp_path: Path) -> tuple[Path, Path, str]:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    repo = init_repo(tmp_path / "repo")
    base = git(repo, "rev-parse", "HEAD")
    assert publish(repo, str(remote), "main").ok
    return repo, remote, base


def test_follow_moves_only_what_loses_nothing_and_keeps_what_it_must_move(tmp_path: Path) -> None:
    repo, _remote, base = _setup(tmp_path)
    git(repo, "checkout", "-q", "-b", "feature")
    ahead = _commit(repo, "a.txt")
    git(repo, "checkout", "-q", "main")
    assert follow(repo, "new", ahead) and git(repo, "rev-parse", "new") == ahead  # new branch
    git(repo, "branch", "behind", base)
    assert follow(repo, "behind", ahead)  # fast-forward
    git(repo, "checkout", "-q", "-b", "mine", base)
    own = _commit(repo, "mine.txt")  # a person's commit the remote lacks
    git(repo, "checkout", "-q", "main")
    assert not follow(repo, "mine", ahead)
    assert git(repo, "rev-parse", "mine") == own  # left alone
    assert follow(repo, "mine", ahead, keep="refs/phasegate/local/mine/1")
    assert git(repo, "rev-parse", "refs/phasegate/local/mine/1") == own  # kept, then moved
    assert git(repo, "rev-parse", "mine") == ahead


def test_leased_push_is_all_or_nothing(tmp_path: Path) -> None:
    repo, remote, _base = _setup(tmp_path)
    git(repo, "checkout", "-q", "-b", "topic")
    first = _commit(repo, "1.txt")
    ok = push(repo, str(remote), [Update(first, "refs/heads/topic", ""),
                                  Update(first, "refs/phasegate/attempts/topic/1")])  # fmt: skip
    assert ok.ok, ok.detail
    assert remote_sha(repo, str(remote), "refs/heads/topic") == first
    second = _commit(repo, "2.txt")
    # A writer that last saw no branch is refused, and its attempt ref is not written either.
    stale = push(repo, str(remote), [Update(second, "refs/heads/topic", ""),
                                     Update(second, "refs/phasegate/attempts/topic/2")])  # fmt: skip
    assert not stale.ok and "stale info" in stale.detail
    assert remote_sha(repo, str(remote), "refs/phasegate/attempts/topic/2") is None
    assert push(repo, str(remote), [Update(second, "refs/heads/topic", first)]).ok
    fetch(repo, str(remote))
    assert mirrored(repo, "topic") == second


def test_publish_never_rewrites_the_remote(tmp_path: Path) -> None:
    repo, remote, _base = _setup(tmp_path)
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(remote), str(other))
    git(other, "config", "user.email", "o@example.com")
    git(other, "config", "user.name", "O")
    theirs = _commit(other, "theirs.txt")
    git(other, "push", "-q", "origin", "main")
    _commit(repo, "ours.txt")
    refused = publish(repo, str(remote), "main")
    assert not refused.ok
    assert remote_sha(repo, str(remote), "refs/heads/main") == theirs


def test_absolute_keeps_urls_and_resolves_paths(tmp_path: Path) -> None:
    assert absolute("git@host.example:team/app.git", tmp_path) == "git@host.example:team/app.git"
    assert absolute("https://git.example/app.git", tmp_path) == "https://git.example/app.git"
    assert absolute("../remote.git", tmp_path / "repo") == str(tmp_path / "remote.git")
