"""Where a shell command line uses a variable without quotes. Pure.

`claude -p "$(cat $PHASEGATE_BRIEF)"` reads the brief only while its path has no space: the
shell splits the unquoted expansion, `cat` fails, and the agent gets an empty prompt.
"""

from __future__ import annotations

import re


def unquoted_uses(command: str, name: str) -> int:
    """How many expansions of `$name` / `${name}` in `command` are outside double quotes
    (inside `$( )` quoting starts again, as the shell has it)."""
    ref = re.compile(rf"\$(?:{re.escape(name)}(?![A-Za-z0-9_])|\{{{re.escape(name)}\}})")
    stack = ["top"]  # top | dq (double quotes) | sub (command substitution)
    found = 0
    i = 0
    n = len(command)
    while i < n:
        c = command[i]
        ctx = stack[-1]
        if c == "\\":
            i += 2
            continue
        if ctx != "dq" and c == "'":
            end = command.find("'", i + 1)
            i = n if end < 0 else end + 1
            continue
        if command.startswith("$(", i):
            stack.append("sub")
            i += 2
            continue
        m = ref.match(command, i)
        if m:
            if ctx != "dq":
                found += 1
            i = m.end()
            continue
        if c == '"':
            if ctx == "dq":
                stack.pop()
            else:
                stack.append("dq")
        elif c == ")" and ctx == "sub":
            stack.pop()
        i += 1
    return found
