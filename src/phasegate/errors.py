"""The one exception tree users can meet, and the exit codes it maps to.

Task outcomes (an agent failed, a check failed) are data, never exceptions; these are for
mistakes in what a user or agent sent, and for configuration that cannot work.
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130


@dataclass(frozen=True)
class Diagnostic:
    """One located message, printed like a compiler error."""

    file: str
    line: int
    col: int
    severity: str  # "error" | "warning"
    message: str
    path: str = ""  # YAML path such as efforts[3].depends_on[0]

    def render(self) -> str:
        where = f" (at {self.path})" if self.path else ""
        if self.line <= 0:
            return f"{self.file}: {self.severity}: {self.message}{where}"
        return f"{self.file}:{self.line}:{self.col}: {self.severity}: {self.message}{where}"

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "severity": self.severity,
            "message": self.message,
            "path": self.path,
        }


class PhasegateError(Exception):
    """Base of every user-facing error; `exit_code` follows the command-line contract."""

    exit_code = EXIT_FINDINGS

    def lines(self) -> list[str]:
        return [f"error: {self}"]


class UsageError(PhasegateError):
    """Bad arguments or configuration: exit 2."""

    exit_code = EXIT_USAGE


class PlanNotFound(UsageError):
    pass


class InputError(PhasegateError):
    """Something a user or agent sent was rejected (bad report, unknown effort): exit 1."""


class UnknownId(UsageError):
    """An effort, phase or blocker id that names nothing: a usage error, exit 2, whichever
    kind of id it is."""


class StateError(PhasegateError):
    """The store refused a change (illegal transition, stale attempt): exit 1."""


class GitError(PhasegateError):
    """git failed in a way the user must fix (not a repository, too old): exit 2."""

    exit_code = EXIT_USAGE


class PlanInvalid(PhasegateError):
    """The plan has errors; carries every diagnostic found in one pass."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        errors = [d for d in diagnostics if d.severity == "error"]
        super().__init__(f"{len(errors)} error(s) in plan")

    def lines(self) -> list[str]:
        return [d.render() for d in self.diagnostics]


# errno values that mean the machine, not phasegate, is in the way.
_FULL = {28, 122}  # ENOSPC, EDQUOT
_DENIED = {1, 13, 30}  # EPERM, EACCES, EROFS


def environment_message(exc: BaseException) -> str | None:
    """What to tell a person when `exc` comes from the environment (a full disk, a
    read-only or damaged store) rather than from a bug: None when it does not."""
    text = str(exc)
    low = text.lower()
    where = f" ({exc.filename})" if isinstance(exc, OSError) and exc.filename else ""
    full = "disk is full" in low or (isinstance(exc, OSError) and exc.errno in _FULL)
    if full:
        return (
            f"error: no space left on the device{where}: {text}\n"
            "hint: free some space and run the command again; what was recorded is kept, "
            "and 'phasegate run' carries on from it"
        )
    denied = "readonly database" in low or "read-only" in low or "unable to open database" in low
    if denied or (isinstance(exc, OSError) and exc.errno in _DENIED):
        return (
            f"error: cannot write{where}: {text}\n"
            "hint: make the state directory (.phasegate/) and its store writable by this "
            "user (permissions, a read-only mount), then run again"
        )
    if type(exc).__module__ == "sqlite3" and (
        "malformed" in low or "not a database" in low or "disk i/o error" in low
    ):
        return (
            f"error: the store is damaged: {text}\n"
            "hint: restore .phasegate/state.db from a backup (or point --db at a good copy); "
            "'sqlite3 state.db .recover' may save what it can"
        )
    return None
