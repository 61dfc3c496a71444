"""A person as the agent: `python -m phasegate.agents.person`.

Shows the brief and where to work, then waits until someone runs `phasegate done EFFORT`
(or blocks the effort). Exits 0 when the effort was marked done, 1 when it went anywhere
else, so phasegate runs the effort's checks and merges exactly as for any other agent.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main() -> int:
    effort = os.environ.get("PHASEGATE_EFFORT")
    db = os.environ.get("PHASEGATE_DB")
    brief = os.environ.get("PHASEGATE_BRIEF")
    if not effort or not db:
        print("person agent: PHASEGATE_EFFORT and PHASEGATE_DB must be set", file=sys.stderr)
        return 2
    poll = float(os.environ.get("PHASEGATE_PERSON_POLL", "1") or 1)
    if brief and Path(brief).exists():
        print(Path(brief).read_text(), flush=True)
    plan = os.environ.get("PHASEGATE_PLAN", "phasegate.yaml")
    print(f"work in {Path.cwd()}", flush=True)
    print(f"when finished: phasegate done {effort} -f {plan}", flush=True)

    from phasegate.store import open_store

    with open_store(db, state_dir=Path(db).parent) as store:
        while True:
            seen = store.last_seq()
            state = store.effort(effort).state
            if state not in ("running", "checking"):
                print(f"{effort} is {state}", flush=True)
                return 0 if state == "done" else 1
            # Wakes at the next event (at once on a server store), or after `poll` anyway.
            store.wait_for_events(seen, poll)


if __name__ == "__main__":
    sys.exit(main())
