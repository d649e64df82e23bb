"""Operating the catalog: the run lock, runs under it, the schedule, alerts, backups and logs.

A top-level package beside ``cli``: it may import every other package (it wires harvest,
index and store together as the CLI does), and nothing but ``cli`` imports it.
"""

from operations.lock import RunLockError, run_lock
from operations.runs import RunResult, StopFlag, harvest_options, run_once

__all__ = ["RunLockError", "RunResult", "StopFlag", "harvest_options", "run_lock", "run_once"]
