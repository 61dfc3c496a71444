"""Steps as shell commands, for agents whose only way to touch files is their shell tool."""

from __future__ import annotations

import shlex
from typing import Any


def command_of(step: dict[str, Any]) -> str:
    if "run" in step:
        return str(step["run"])
    if "edit" in step:
        path, old, new = (repr(str(step[k])) for k in ("edit", "search", "replace"))
        code = f"import pathlib; p = pathlib.Path({path}); p.write_text(p.read_text().replace({old}, {new}, 1))"
        return f"python3 -c {shlex.quote(code)}"
    path, content = str(step["write"]), str(step["content"])
    parent = path.rsplit("/", 1)[0] if "/" in path else ""
    mkdir = f"mkdir -p {shlex.quote(parent)} && " if parent else ""
    return f"{mkdir}printf %s {shlex.quote(content)} > {shlex.quote(path)}"
