"""Plans and model scripts for the real-agent tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from agents.model_server import Book, Script
from support import git, init_repo

API_PY = (
    'def hello() -> str:\n    return "hello"\n\n\nif __name__ == "__main__":\n    print(hello())\n'
)
CLI_PY = (
    "import sys\n\nsys.path.insert(0, '.')\nfrom api.hello import hello\n\n"
    "print(hello() + ' from cli')\n"
)
USAGE_MD = "# Usage\n\nRun `python3 cli/main.py`; it prints `hello from cli`.\n"


def project(root: Path, plan: dict[str, Any]) -> Path:
    repo = init_repo(root / "repo")
    (repo / "phasegate.yaml").write_text(yaml.safe_dump(plan, sort_keys=False))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "plan")
    return repo


def script(match: str | list[str], *steps: dict[str, Any]) -> Script:
    return Script(tuple([match] if isinstance(match, str) else match), tuple(steps))


def report(task: str, note: str) -> dict[str, Any]:
    """Report through the phasegate CLI from the agent's shell (the brief shows how)."""
    return {"run": f"phasegate report --task-done {json.dumps(task)} --note {json.dumps(note)}"}


def stacked_plan(env: dict[str, str], commands: dict[str, object]) -> dict[str, Any]:
    """Three efforts, one per agent, each stacked on the one before, then a phase gate."""
    return {
        "version": 1,
        "project": "real-agents",
        "agents": {"max": 3, "timeout": "180s", "grace": "2s", "env": env},
        "phases": [
            {
                "id": "p1",
                "gate": {
                    "checks": [
                        {
                            "name": "end to end",
                            "run": "python3 cli/main.py | grep -qx 'hello from cli'",
                        },
                        {"name": "documented", "run": "grep -q 'hello from cli' docs/usage.md"},
                    ],
                    "require": {"critical_blockers": "== 0", "conflicts": "== 0"},
                },
            }
        ],
        "efforts": [
            {
                "id": "api",
                "title": "Greeting API",
                "files": ["api/**"],
                "deliverables": ["hello()"],
                "command": commands["claude"],
                "checks": [
                    {"name": "api says hello", "run": "python3 api/hello.py | grep -qx hello"}
                ],
            },
            {
                "id": "cli",
                "title": "Command line",
                "depends_on": ["api"],
                "files": ["cli/**"],
                "deliverables": ["cli/main.py"],
                "command": commands["codex"],
                "checks": [
                    {"name": "cli greets", "run": "python3 cli/main.py | grep -qx 'hello from cli'"}
                ],
            },
            {
                "id": "docs",
                "title": "Usage docs",
                "depends_on": ["cli"],
                "files": ["docs/**"],
                "deliverables": ["docs/usage.md"],
                "command": commands["aider"],
                "checks": [{"name": "docs exist", "run": "test -s docs/usage.md"}],
            },
        ],
    }


def stacked_book(book: Book) -> None:
    book.scripts = [
        script(
            "# Effort api:",
            {"write": "api/__init__.py", "content": ""},
            {"write": "api/hello.py", "content": API_PY},
            {"run": "python3 api/hello.py | grep -qx hello"},
            report("hello()", "api.hello.hello() returns the greeting"),
            {"run": "git add -A && git commit -qm 'api: hello()'"},
            {"text": "The greeting API is in api/hello.py."},
        ),
        script(
            "# Effort cli:",
            {"write": "cli/main.py", "content": CLI_PY},
            {"run": "python3 cli/main.py | grep -qx 'hello from cli'"},
            report("cli/main.py", "cli/main.py prints the greeting"),
            {"text": "The command line is in cli/main.py."},
        ),
        script(
            "# Effort docs:",
            {"write": "docs/usage.md", "content": USAGE_MD},
            {"text": "Documented the command line."},
        ),
    ]


def one_each_plan(
    env: dict[str, str], commands: dict[str, object], **agents: Any
) -> dict[str, Any]:
    """One independent effort per agent, all three running at once."""
    return {
        "version": 1,
        "project": "real-agents",
        "agents": {"max": 3, "timeout": "180s", "grace": "2s", "env": env, **agents},
        "efforts": [
            {
                "id": tool,
                "title": f"Value by {tool}",
                "files": [f"{tool}/**"],
                "command": commands[tool],
                "checks": [
                    {
                        "name": "value is right",
                        "run": f"cat {tool}/value.txt; grep -qx right {tool}/value.txt",
                    }
                ],
            }
            for tool in ("claude", "codex", "aider")
        ],
    }
