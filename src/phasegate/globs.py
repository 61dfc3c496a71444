"""File globs: matching paths and deciding whether two globs can match a common path.

Syntax: `*` any run of characters but `/`, `**` any run including `/`, `?` one character
but `/`, `[...]` a class. A glob without wildcards is a plain path; a trailing `/` means
everything below it.
"""

from __future__ import annotations

import re
from functools import lru_cache

Token = tuple[str, str]  # (kind, text): kind in lit, any, star, dstar, cls


@lru_cache(maxsize=4096)
def tokens(glob: str) -> tuple[Token, ...]:
    if glob.endswith("/"):
        glob += "**"
    out: list[Token] = []
    i = 0
    while i < len(glob):
        c = glob[i]
        if c == "*":
            if glob.startswith("**", i):
                out.append(("dstar", "**"))
                i += 2
                # `a/**/b` also matches `a/b`: the slash after ** is optional
                if glob.startswith("/", i):
                    out.append(("optslash", "/"))
                    i += 1
                continue
            out.append(("star", "*"))
        elif c == "?":
            out.append(("any", "?"))
        elif c == "[":
            end = glob.find("]", i + 2)
            if end == -1:
                out.append(("lit", c))
            else:
                out.append(("cls", glob[i : end + 1]))
                i = end
        else:
            out.append(("lit", c))
        i += 1
    return tuple(out)


@lru_cache(maxsize=4096)
def compile_glob(glob: str) -> re.Pattern[str]:
    parts: list[str] = []
    for kind, text in tokens(glob):
        if kind == "lit":
            parts.append(re.escape(text))
        elif kind == "any":
            parts.append("[^/]")
        elif kind == "star":
            parts.append("[^/]*")
        elif kind == "dstar":
            parts.append(".*")
        elif kind == "optslash":
            parts.append("/?")
        else:
            body = text[1:-1]
            if body.startswith("!"):
                body = "^" + body[1:]
            parts.append("[" + body.replace("\\", "\\\\") + "]")
    return re.compile("".join(parts) + r"\Z")


def matches(glob: str, path: str) -> bool:
    return compile_glob(glob).match(path) is not None


def matches_any(globs: list[str] | tuple[str, ...], path: str) -> bool:
    return any(matches(g, path) for g in globs)


def literal_prefix(glob: str) -> str:
    for i, c in enumerate(glob):
        if c in "*?[":
            return glob[:i]
    return glob


def _char_ok(kind: str, text: str, ch: str) -> bool:
    if kind == "lit":
        return text == ch
    if kind == "any":
        return ch != "/"
    if kind == "cls":
        return compile_glob(text).match(ch) is not None
    return False


def overlap(a: str, b: str) -> bool:
    """True when some path matches both globs."""
    if a == b:
        return True
    pa, pb = literal_prefix(a), literal_prefix(b)
    if not (pa.startswith(pb) or pb.startswith(pa)):
        return False
    return _inter(tokens(a), tokens(b))


def _inter(p: tuple[Token, ...], q: tuple[Token, ...]) -> bool:
    memo: dict[tuple[int, int], bool] = {}

    def go(i: int, j: int) -> bool:
        key = (i, j)
        if key in memo:
            return memo[key]
        memo[key] = False  # guards against cycles through mutual star skipping
        result = _step(i, j)
        memo[key] = result
        return result

    def _step(i: int, j: int) -> bool:
        if i == len(p) and j == len(q):
            return True
        a = p[i] if i < len(p) else None
        b = q[j] if j < len(q) else None
        # Zero-width choices first: any star or optional slash may match nothing.
        if a is not None and a[0] in ("star", "dstar", "optslash") and go(i + 1, j):
            return True
        if b is not None and b[0] in ("star", "dstar", "optslash") and go(i, j + 1):
            return True
        if a is None or b is None:
            return False
        if a[0] in ("star", "dstar") and b[0] in ("star", "dstar"):
            return False  # covered by the skips above
        if a[0] in ("star", "dstar"):
            return _eat(a[0], b) and go(i, j + 1)
        if b[0] in ("star", "dstar"):
            return _eat(b[0], a) and go(i + 1, j)
        if a[0] == "optslash" or b[0] == "optslash":
            other = b if a[0] == "optslash" else a
            return _single(other, "/") and go(i + 1, j + 1)
        return _compatible(a, b) and go(i + 1, j + 1)

    return go(0, 0)


def _eat(star: str, tok: Token) -> bool:
    """Can a star absorb the one character `tok` produces?"""
    if star == "dstar":
        return True
    return tok[0] != "optslash" and not (tok[0] == "lit" and tok[1] == "/")


def _single(tok: Token, ch: str) -> bool:
    return _char_ok(tok[0], tok[1], ch)


def _compatible(a: Token, b: Token) -> bool:
    if a[0] == "lit":
        return _char_ok(b[0], b[1], a[1])
    if b[0] == "lit":
        return _char_ok(a[0], a[1], b[1])
    if a[0] == "cls" and b[0] == "cls":
        return any(
            _char_ok("cls", a[1], chr(c)) and _char_ok("cls", b[1], chr(c)) for c in range(32, 127)
        )
    return True  # ? with ? or a class: some non-slash character fits both
