"""Real components the tests start (Chromium, PostgreSQL, the Temporal dev server).

Locally a missing component skips its tests and the run ends with a loud summary line; under
CI=true a missing component fails the tests that need it, never skips them.
"""

from __future__ import annotations

import os
import shutil

import pytest

# Every skip for a missing component says this, so the run's summary can find them all.
MARK = "missing component"


def under_ci() -> bool:
    return os.environ.get("CI", "").lower() not in {"", "0", "false", "no"}


def need(component: str, found: bool, how: str) -> None:
    """Skip (or, under CI, fail) the calling test when `component` is not available."""
    if found:
        return
    message = f"{MARK} {component}: {how}"
    if under_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None
