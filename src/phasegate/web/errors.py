"""The one place errors become HTTP statuses, for the API (JSON) and the pages (HTML)."""

from __future__ import annotations

from phasegate.errors import (
    GitError,
    InputError,
    PhasegateError,
    PlanInvalid,
    PlanNotFound,
    StateError,
    UsageError,
)


class HttpRefusal(Exception):
    """A request refused before any service call: bad Host or Origin, no or wrong token."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


# First match wins: subclasses before their bases.
_STATUS: list[tuple[type[PhasegateError], int]] = [
    (PlanNotFound, 503),  # the server's own configuration, not the request
    (GitError, 503),
    (PlanInvalid, 503),
    (StateError, 409),
    (InputError, 422),
    (UsageError, 400),
]


def status_of(e: PhasegateError) -> int:
    text = str(e)
    if text.startswith(("unknown effort", "unknown phase", "unknown blocker")):
        return 404
    return next((code for cls, code in _STATUS if isinstance(e, cls)), 400)


def message_of(e: PhasegateError) -> str:
    """The same words the CLI prints, without its `error: ` prefix."""
    lines = e.lines()
    return "\n".join(x.removeprefix("error: ") for x in lines)
