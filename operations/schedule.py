"""`unioncat schedule`: harvest + index on cron schedules in one long-lived process.

Members run on the ``schedule_cron`` setting, or on their own ``schedule_cron`` from the
registry; each schedule is a *group* with its own APScheduler job (a CronTrigger), whose run
harvests the group's members and then updates the index. Runs never overlap: the jobs share a
single worker thread (a group due while another runs waits its turn), each job has
``max_instances=1`` and ``coalesce=True`` (a time missed while its last run is still going
happens once, not many times), and every run takes the run lock, so a manual run or the
dashboard's is waited for (``run_lock_wait``) and otherwise skipped, never run beside.

Cron expressions are read as cron reads them, not as APScheduler 3's ``from_crontab`` does
(which takes weekday 0 for Monday and ANDs day-of-month with day-of-week; its issue 286).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobSubmissionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

from catalog.errors import ConfigError, UnionCatalogError
from catalog.models import Library
from config.registry import parse_cron
from config.settings import Settings
from operations.lock import RunLockError
from operations.runs import StopFlag

log = logging.getLogger(__name__)

# APScheduler's weekday names, indexed by cron's weekday numbers (0 and 7: Sunday).
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MINUTES, _HOURS, _DAYS, _MONTHS = range(0, 60), range(0, 24), range(1, 32), range(1, 13)


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    """The members harvested together on one schedule."""

    cron: str  # five cron fields, spaces normalised
    timezone: str
    codes: tuple[str, ...]
    own: bool  # a registry entry's schedule_cron, not the schedule_cron setting

    @property
    def key(self) -> str:
        return f"{self.cron} {self.timezone}"

    def describe(self) -> str:
        return f"{', '.join(self.codes)} ({self.cron}, {self.timezone})"


def member_cron(settings: Settings, library: Library) -> str:
    """The cron expression ``library`` runs on: its own, else the schedule_cron setting."""
    return " ".join((library.schedule_cron or settings.schedule_cron).split())


def plan_groups(settings: Settings, libraries: Sequence[Library]) -> tuple[Group, ...]:
    """Group the enabled members (with an endpoint) by the schedule each runs on."""
    default = " ".join(settings.schedule_cron.split())
    codes: dict[str, list[str]] = {}
    for library in libraries:
        if library.enabled and library.endpoint:
            codes.setdefault(member_cron(settings, library), []).append(library.code)
    return tuple(
        Group(
            cron=cron,
            timezone=settings.schedule_timezone,
            codes=tuple(members),
            own=cron != default,
        )
        for cron, members in codes.items()
    )


def cron_trigger(cron: str, timezone: str, *, where: str = "schedule_cron") -> BaseTrigger:
    """A trigger firing when cron would run ``cron`` in ``timezone``; ConfigError names where."""
    try:
        minute, hour, day, month, weekday = parse_cron(cron)
        fields = cron.split()
        common = {
            "minute": _listed(minute, _MINUTES),
            "hour": _listed(hour, _HOURS),
            "month": _listed(month, _MONTHS),
            "timezone": timezone,
        }
        days = _listed(day, _DAYS)
        weekdays = "*" if {d % 7 for d in weekday} == set(range(7)) else _names(weekday)
        if fields[2].startswith("*") or fields[4].startswith("*"):
            return CronTrigger(day=days, day_of_week=weekdays, **common)
        # Both restricted: cron runs on either (the 1st, and every Monday); APScheduler on both.
        return OrTrigger(
            [CronTrigger(day=days, **common), CronTrigger(day_of_week=weekdays, **common)]
        )
    except (ValueError, LookupError) as exc:
        raise ConfigError(
            f"{where} {cron!r} / schedule_timezone {timezone!r}: {exc}; expected five cron "
            "fields (minute hour day month weekday) and an IANA zone such as 'Asia/Ho_Chi_Minh'"
        ) from exc


def group_trigger(group: Group, *, every_seconds: int | None = None) -> BaseTrigger:
    """The trigger of ``group``'s schedule, or (for tests) one every ``every_seconds`` seconds."""
    if every_seconds is not None:
        return CronTrigger(second=f"*/{every_seconds}", timezone=UTC)
    where = f"schedule_cron of {', '.join(group.codes)}" if group.own else "schedule_cron"
    return cron_trigger(group.cron, group.timezone, where=where)


def next_run_time(
    settings: Settings, now: datetime | None = None, *, cron: str | None = None
) -> datetime | None:
    """When ``cron`` (default: the schedule_cron setting) fires next after ``now``."""
    trigger = cron_trigger(cron or settings.schedule_cron, settings.schedule_timezone)
    fire: datetime | None = trigger.get_next_fire_time(None, now or datetime.now(UTC))
    return fire


def next_run_times(
    settings: Settings, libraries: Sequence[Library], now: datetime | None = None
) -> dict[str, datetime | None]:
    """Each enabled member's next scheduled run, on its own schedule or the common one."""
    now = now or datetime.now(UTC)
    times: dict[str, datetime | None] = {}
    for library in libraries:
        if library.enabled:
            where = f"{settings.registry_path}: library '{library.code}': schedule_cron"
            cron = member_cron(settings, library)
            fire = cron_trigger(cron, settings.schedule_timezone, where=where)
            times[library.code] = fire.get_next_fire_time(None, now)
    return times


def run_schedule(
    job: Callable[[StopFlag, Group], None],
    plan: Callable[[], Sequence[Group]],
    stop: StopFlag,
    *,
    trigger_for: Callable[[Group], BaseTrigger],
    say: Callable[[str], None] = lambda line: None,
    replan_every: float = 60.0,
) -> None:
    """Call ``job(stop, group)`` whenever a group's trigger fires, until ``stop`` is set.

    ``plan()`` is called again every ``replan_every`` seconds, so that schedules added to or
    removed from the registry take effect without a restart (a bad registry keeps the jobs
    as they are). On a stop, a run in progress finishes its page and ends before this returns.
    """
    scheduler = BackgroundScheduler(
        timezone=UTC, executors={"default": ThreadPoolExecutor(max_workers=1)}
    )

    def skipped(event: JobSubmissionEvent) -> None:
        late = scheduler.get_job(event.job_id)
        log.warning(
            "schedule: the run of %s due at %s was skipped: its last run is still going",
            late.name if late else event.job_id,
            ", ".join(when.isoformat() for when in event.scheduled_run_times),
        )

    def guarded(group: Group) -> None:
        if stop.is_set:
            return
        try:
            job(stop, group)
        except RunLockError as exc:
            following = scheduler.get_job(group.key)
            log.warning(
                "schedule: the run of %s was skipped: %s; %s run next at %s",
                ", ".join(group.codes),
                exc,
                ", ".join(group.codes),
                following.next_run_time.isoformat() if following else "?",
            )
        except Exception:  # one bad night must not end the schedule
            log.exception(
                "schedule: the run of %s failed; it runs again at its next time",
                ", ".join(group.codes),
            )

    def replan(groups: Sequence[Group]) -> None:
        wanted = {group.key: group for group in groups}
        for existing in scheduler.get_jobs():
            if existing.id not in wanted:
                scheduler.remove_job(existing.id)
                log.info("schedule: no member runs at %s any more; removed", existing.id)
        for key, group in wanted.items():
            current = scheduler.get_job(key)
            if current is None:
                scheduler.add_job(
                    guarded,
                    trigger_for(group),
                    args=[group],
                    id=key,
                    name=group.describe(),
                    max_instances=1,
                    coalesce=True,
                    misfire_grace_time=3600,
                )
                added = scheduler.get_job(key)
                when = added.next_run_time.isoformat() if added else "?"
                log.info("schedule: %s, next run at %s", group.describe(), when)
                say(f"Scheduled {group.describe()}: next run at {when}")
            elif current.args != (group,):
                current.modify(args=[group], name=group.describe())
                log.info("schedule: members at %s are now %s", key, ", ".join(group.codes))

    scheduler.add_listener(skipped, EVENT_JOB_MAX_INSTANCES)
    scheduler.start()
    try:
        replan(plan())  # a bad registry or cron at start is an error for the caller
        if not scheduler.get_jobs():
            say("No enabled members with an endpoint: nothing runs until the registry changes.")
        log.info("schedule started: %d schedule(s)", len(scheduler.get_jobs()))
        planned = time.monotonic()
        while not stop.wait(0.5):
            if time.monotonic() - planned >= replan_every:
                planned = time.monotonic()
                try:
                    replan(plan())
                except UnionCatalogError as exc:
                    log.error("schedule: %s; keeping the schedules as they were", exc)
    finally:
        scheduler.shutdown(wait=True)  # waits for the run in progress to stop cleanly
        log.info("schedule stopped (%s)", stop.reason or "done")


def _listed(values: frozenset[int], full: range) -> str:
    return "*" if values == frozenset(full) else ",".join(str(v) for v in sorted(values))


def _names(weekdays: frozenset[int]) -> str:
    return ",".join(dict.fromkeys(_WEEKDAYS[d] for d in sorted(weekdays, key=lambda d: d % 7)))
