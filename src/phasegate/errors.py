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
