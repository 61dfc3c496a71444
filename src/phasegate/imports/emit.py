"""Plan data -> YAML text, with a comment on every value an importer guessed."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

PathKey = tuple[str | int, ...]

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_ ./()-]*$")
# characters YAML does not allow raw, even inside a double-quoted scalar
_UNPRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]+"
)
# ...and, inside quotes, the characters YAML would fold as line breaks (NEL, LS, PS)
_QUOTED_ESCAPE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]+"
)
_RESERVED = {"yes", "no", "true", "false", "on", "off", "null", "y", "n", "~"}


@dataclass
class Imported:
    data: dict[str, Any]
    comments: dict[PathKey, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    state: dict[str, str] = field(default_factory=dict)  # effort id -> recorded status

    def note(self, path: PathKey, text: str) -> None:
        self.comments[path] = text


def scalar(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        # repr keeps every digit and a YAML 1.1 float shape ('1e+16' alone reads as a string)
        if v != v or v in (float("inf"), float("-inf")):
            return {True: ".nan", False: ".inf" if v > 0 else "-.inf"}[v != v]
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        r = repr(v)
        return r.replace("e", ".0e") if "e" in r and "." not in r else r
    if isinstance(v, int):
        return str(v)
    s = str(v)
    if (
        _PLAIN.match(s)
        and s == s.strip()  # YAML trims a plain scalar's surrounding spaces
        and s.lower() not in _RESERVED
        and not s[0].isdigit()
        and ": " not in s
        and not s.endswith(":")
        and " #" not in s
    ):
        return s
    return _QUOTED_ESCAPE.sub(_escape, json.dumps(s, ensure_ascii=False))


def _escape(m: re.Match[str]) -> str:
    return "".join(
        f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08x}" for c in m.group()
    )


def _short(v: Any) -> bool:
    if isinstance(v, list):
        return all(not isinstance(x, dict | list) for x in v) and len(json.dumps(v)) < 80
    if isinstance(v, dict):
        return all(not isinstance(x, dict | list) for x in v.values()) and len(json.dumps(v)) < 80
    return True


def _flow(v: Any) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_flow(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{scalar(k)}: {_flow(x)}" for k, x in v.items()) + "}"
    return scalar(v)


def dump(imp: Imported) -> str:
    out: list[str] = [f"# {_one_line(h)}" for h in imp.header]
    out += [f"# warning: {_one_line(w)}" for w in imp.warnings]
    _mapping(imp.data, (), 0, out, imp.comments)
    return "\n".join(out) + "\n"


def _comment(path: PathKey, comments: dict[PathKey, str]) -> str:
    c = comments.get(path)
    return f"  # {_one_line(c)}" if c else ""


def _one_line(text: str) -> str:
    """Comments must stay on one line, or the text after a newline would be read as YAML."""
    return _UNPRINTABLE.sub("?", " ".join(text.split()))


def _mapping(
    d: dict[str, Any], path: PathKey, indent: int, out: list[str], cm: dict[PathKey, str]
) -> None:
    pad = " " * indent
    for k, v in d.items():
        p = (*path, k)
        if isinstance(v, dict | list) and v and not _short(v):
            out.append(f"{pad}{scalar(k)}:{_comment(p, cm)}")
            if isinstance(v, dict):
                _mapping(v, p, indent + 2, out, cm)
            else:
                _sequence(v, p, indent + 2, out, cm)
        else:
            out.append(f"{pad}{scalar(k)}: {_flow(v)}{_comment(p, cm)}")


def _sequence(
    items: list[Any], path: PathKey, indent: int, out: list[str], cm: dict[PathKey, str]
) -> None:
    pad = " " * indent
    for i, v in enumerate(items):
        p = (*path, i)
        if isinstance(v, dict) and v:
            start = len(out)
            _mapping(v, p, indent + 2, out, cm)
            out[start] = pad + "- " + out[start][indent + 2 :]
            if cm.get(p):
                out[start] += _comment(p, cm)
        elif isinstance(v, list) and v and not _short(v):
            out.append(f"{pad}-{_comment(p, cm)}")
            _sequence(v, p, indent + 2, out, cm)
        else:
            out.append(f"{pad}- {_flow(v)}{_comment(p, cm)}")
