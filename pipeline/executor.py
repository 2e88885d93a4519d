"""The executor of the project's jobs: Dagster's in-process executor, with a blocked pool claim that sleeps.

A step of the ``warehouse`` pool waits while another refresh holds the slot.
Dagster (1.13) asks ``InstanceConcurrencyContext.interval_to_next_pending_claim_check``
how long to sleep before it asks again, and that returns ``min(0, …)``: never
more than 0, so the executor never sleeps and loops through its plan until the
slot is free (dagster-io/dagster#20367 proposed the fix; it was closed unmerged).
A waiting refresh then burns a whole core, taken from the refresh it waits for:
in tests/test_team.py refresh B spun for 17 CPU s behind refresh A. Here it
sleeps until its next ask (``CLAIM_RETRY_S``, pipeline/instance_storage.py).

Importing this module applies the fix to every run of the process: the jobs
of ``pipeline.definitions`` take their executor from here, so any process that
executes them (``make run``, ``dagster job execute``, a run launched by the
daemon) has imported it.
"""

from __future__ import annotations

import time

from dagster import in_process_executor
from dagster._core.execution.plan.instance_concurrency_context import InstanceConcurrencyContext

__all__ = ["in_process_executor"]

DAGSTER_INTERVAL = InstanceConcurrencyContext.interval_to_next_pending_claim_check  # kept for the pin in tests


def seconds_to_next_claim(self: InstanceConcurrencyContext) -> float:
    """Seconds until the first blocked step may ask for its slot again (0 when one may ask now)."""
    pending = self._pending_claims  # noqa: SLF001 - the state Dagster's own method reads
    if not pending:
        return 0.0
    ready = min(self._pending_timeouts.get(step, 0.0) for step in pending)  # noqa: SLF001
    return max(0.0, ready - time.time())


InstanceConcurrencyContext.interval_to_next_pending_claim_check = seconds_to_next_claim
