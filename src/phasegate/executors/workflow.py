"""The Temporal workflow of one attempt: a single activity, run by a `phasegate worker`.

Kept apart from everything else because Temporal replays workflow code in a sandbox: this
module imports nothing of phasegate's. Temporal retries nothing here; a lost attempt is
phasegate's to count and start again, as it is on one machine.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

WORKFLOW = "phasegate.attempt"
ACTIVITY = "phasegate.run_attempt"


@workflow.defn(name=WORKFLOW)
class AttemptWorkflow:
    @workflow.run
    async def run(self, job: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = await workflow.execute_activity(
            ACTIVITY,
            job["spec"],
            start_to_close_timeout=timedelta(seconds=float(job["limit"])),
            heartbeat_timeout=timedelta(seconds=float(job["heartbeat"])),
            retry_policy=RetryPolicy(maximum_attempts=1),
            # A cancelled run waits for the worker to have stopped the agent's processes.
            cancellation_type=workflow.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
        )
        return result
