"""tests/agents/real drives the real agent CLIs; it runs only under `make test-agents`, which
installs them and sets PHASEGATE_AGENTS to where they are."""

from __future__ import annotations

import os

collect_ignore = [] if os.environ.get("PHASEGATE_AGENTS") else ["real"]
