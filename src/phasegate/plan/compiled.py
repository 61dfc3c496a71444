"""Validated plans cached beside the state, keyed by the plan file's content.

Validating a plan (YAML with positions, the model, the semantic checks, the graph) is most
of what a command like `run`, `gate` or `schedule` does before its work. The result is kept
in `.phasegate/cache/`, pickled, under a key made of the file's bytes, the name it was given
by, the strictness asked for, and the code that validated it; any other file, any change to
it, or another phasegate gets a fresh validation. The cache lives in the project's own state
directory, next to the store it already trusts, once that exists (the first run makes it);
an unreadable entry is ignored.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from phasegate.plan.load import LoadedPlan

_NAME = "plan.pickle"

# Validations made before their state directory existed (a project's first run validates,
# then creates it): kept until the run has made the directory, then written there, so the
# command after a first run does not validate the plan all over again.
_pending: dict[Path, tuple[str, LoadedPlan]] = {}


def _code_stamp() -> bytes:
    """What validation depends on, besides the file: phasegate's own plan code."""
    here = Path(__file__).resolve().parent
    parts = [sys.version, str(pickle.HIGHEST_PROTOCOL)]
    for name in ("model.py", "validate.py", "load.py", "compiled.py", "refs.py", "expr.py"):
        try:
            st = (here / name).stat()
        except OSError:
            continue
        parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    from phasegate import __version__

    parts.append(__version__)
    return "\n".join(parts).encode()


def key(raw: bytes, display: str, strict: bool) -> str:
    h = hashlib.sha256(raw)
    h.update(b"\0" + display.encode("utf-8", "surrogatepass") + b"\0" + bytes([strict]))
    h.update(b"\0" + _code_stamp())
    return h.hexdigest()


def get(state_dir: Path, k: str) -> LoadedPlan | None:
    try:
        with open(state_dir / "cache" / _NAME, "rb") as f:
            if f.readline().strip() != k.encode():
                return None
            loaded, graph = pickle.load(f)
    except Exception:  # missing, half-written by an older version, unreadable: validate
        return None
    from phasegate.plangraph import remember

    remember(loaded.plan, graph)
    return loaded  # type: ignore[no-any-return]


def put(state_dir: Path, k: str, loaded: LoadedPlan) -> None:
    from phasegate.plangraph import PlanGraph

    if not state_dir.is_dir():
        # No state yet (a first `check`, say): leave no directory in the project.
        _pending[state_dir.resolve()] = (k, loaded)
        return
    cache = state_dir / "cache" / _NAME
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            f.write(k.encode() + b"\n")
            pickle.dump((loaded, PlanGraph.of(loaded.plan)), f, pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache)  # atomic: concurrent commands never read half a file
    except (OSError, pickle.PicklingError):
        pass  # a read-only checkout still works, only slower


def settle(state_dir: Path) -> None:
    """Write the entry a load of this process left for `state_dir` before it existed."""
    entry = _pending.pop(state_dir.resolve(), None)
    if entry is not None:
        put(state_dir, *entry)
