"""`unioncat schedule`: run harvest + index on a cron schedule in one long-lived process.

APScheduler 3 with a CronTrigger. Runs never overlap: the job has ``max_instances=1`` and
``coalesce=True`` (a run missed while the last one was still going happens once, not many
times), and every run takes the run lock as well, so a manual run or the dashboard's is
waited for or refused, never run beside.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from catalog.errors import ConfigError
from config.settings import Settings
from operations.runs import StopFlag

log = logging.getLogger(__name__)


def make_trigger(settings: Settings, *, every_seconds: int | None = None) -> BaseTrigger:
    """The settings' cron schedule, or (for tests) a run every ``every_seconds`` seconds."""
    if every_seconds is not None:
        return CronTrigger(second=f"*/{every_seconds}", timezone=UTC)
    try:
        return CronTrigger.from_crontab(settings.schedule_cron, timezone=settings.schedule_timezone)
    except (ValueError, LookupError) as exc:
        raise ConfigError(
            f"schedule_cron {settings.schedule_cron!r} / schedule_timezone "
            f"{settings.schedule_timezone!r}: {exc}; expected five cron fields "
            "(minute hour day month weekday) and an IANA zone such as 'Asia/Ho_Chi_Minh'"
        ) from exc


def next_run_time(settings: Settings, now: datetime | None = None) -> datetime | None:
    """When the schedule runs next after ``now`` (aware, in the schedule's time zone)."""
    trigger = make_trigger(settings)
    fire: datetime | None = trigger.get_next_fire_time(None, now or datetime.now(UTC))
    return fire


def run_schedule(
    job: Callable[[StopFlag], None],
    trigger: BaseTrigger,
    stop: StopFlag,
    *,
    say: Callable[[str], None] = lambda line: None,
) -> None:
    """Call ``job(stop)`` at every time ``trigger`` fires until ``stop`` is set.

    On a stop, a run in progress finishes its page and ends cleanly before this returns.
    """
    scheduler = BackgroundScheduler(timezone=UTC)

    def skipped(event: JobExecutionEvent) -> None:
        log.warning(
            "schedule: the run due at %s was skipped: the last run is still going",
            event.scheduled_run_time,
        )

    def guarded() -> None:
        try:
            job(stop)
        except Exception:  # one bad night must not end the schedule
            log.exception("schedule: the run failed; the next one runs at its time")

    scheduler.add_listener(skipped, EVENT_JOB_MAX_INSTANCES)
    scheduler.add_job(
        guarded,
        trigger,
        id="run",
        name="harvest and index",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=3600,
    )
    scheduler.start()
    try:
        first = scheduler.get_job("run")
        say(f"Scheduled: next run at {first.next_run_time.isoformat() if first else '?'}")
        log.info("schedule started: %s", trigger)
        while not stop.wait(0.5):
            pass
    finally:
        scheduler.shutdown(wait=True)  # waits for the run in progress to stop cleanly
        log.info("schedule stopped (%s)", stop.reason or "done")
