"""phasegate plan -> other tools' formats (the way back from `phasegate.imports`)."""

from __future__ import annotations

from phasegate.exports.taskmaster import to_taskmaster

__all__ = ["to_taskmaster"]
