"""Steps as shell commands, for agents whose only way to touch files is their shell tool."""

from __future__ import annotations

import shlex
from typing import Any


def command_of(step: dict[str, Any]) -> str:
    if "run" in step:
        return str(step["run"])
    path, content = str(step["write"]), str(step["content"])
    parent = path.rsplit("/", 1)[0] if "/" in path else ""
    mkdir = f"mkdir -p {shlex.quote(parent)} && " if parent else ""
    return f"{mkdir}printf %s {shlex.quote(content)} > {shlex.quote(path)}"
