"""Which data an execution analyses, and which executions are due: pure functions of a schedule and a clock.

The window of an execution is the preceding interval between fire times, ``[previous fire, fire)``, shifted
by SageMaker's ``StartTimeOffset``/``EndTimeOffset``. Consecutive windows therefore tile the timeline with no
gap and no overlap, whatever the schedule's rhythm (``0 0,6 * * *`` gives a 6-hour and an 18-hour window).
The reference (§6.1) says SageMaker's daily 05:00 job on 2020-02-20 analyses 2020-02-19T06:00Z to
2020-02-20T05:00Z, which would leave the 05:00-06:00 hour unanalysed every day; we do not copy that gap.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from modelwatch.service.cron import CronSchedule, ScheduleError, as_utc

Window = tuple[datetime, datetime]

_MINUTE = timedelta(minutes=1)
_MAX_ONE_TIME_WINDOW = timedelta(hours=24)
_DURATION = re.compile(
    r"(?P<sign>[+-])?P(?:(?P<years>[0-9]+)Y)?(?:(?P<months>[0-9]+)M)?(?:(?P<weeks>[0-9]+)W)?"
    r"(?:(?P<days>[0-9]+)D)?(?:T(?=[0-9])(?:(?P<hours>[0-9]+)H)?(?:(?P<minutes>[0-9]+)M)?"
    r"(?:(?P<seconds>[0-9]+)S)?)?"
)


def parse_offset(text: str) -> timedelta:
    """An ISO 8601 duration as SageMaker writes offsets: ``-PT1H``, ``-P1D``, ``-PT30M``, ``PT0S``.

    Weeks, days, hours, minutes and whole seconds are accepted. Years and months are refused (they have no
    fixed length), and so are positive durations: an offset looks back from the scheduled time, because the
    data after it has not been captured yet.
    """
    match = _DURATION.fullmatch(text.strip().upper())
    parts = match.groupdict() if match else {}
    amounts = {unit: int(value) for unit, value in parts.items() if unit != "sign" and value is not None}
    if not amounts:
        raise ScheduleError(f"offset {text!r}: not an ISO 8601 duration such as -PT1H or -P1D")
    if "years" in amounts or "months" in amounts:
        raise ScheduleError(f"offset {text!r}: years and months have no fixed length; use days (-P30D)")
    try:
        duration = timedelta(**amounts)
    except OverflowError:
        raise ScheduleError(f"offset {text!r}: too long to be a duration") from None
    if duration and parts["sign"] != "-":
        raise ScheduleError(f"offset {text!r}: positive; offsets look back, e.g. -{text.strip().lstrip('+')}")
    return -duration


def analysis_window(
    schedule: CronSchedule,
    fire_time: datetime,
    start_offset: timedelta = timedelta(0),
    end_offset: timedelta = timedelta(0),
) -> Window:
    """The window ``[start, end)`` analysed by the execution at `fire_time`, which must be a fire time.

    Hourly at 05:00 gives [04:00, 05:00); ``cron(0 5 ? * * *)`` on 2020-02-20 gives [2020-02-19T05:00,
    2020-02-20T05:00) (see the module docstring for why not SageMaker's 06:00). ScheduleError when the
    offsets leave the window empty.
    """
    if not schedule.matches(fire_time):
        raise ValueError(f"{fire_time.isoformat()} is not a fire time of {schedule.expression!r}")
    end = as_utc(fire_time)
    previous = schedule.previous_at_or_before(end - _MINUTE)
    window = (previous + start_offset, end + end_offset)
    if window[0] >= window[1]:
        raise ScheduleError(
            f"schedule {schedule.expression!r}: the offsets leave the execution at {end.isoformat()} the "
            f"empty window [{window[0].isoformat()}, {window[1].isoformat()}); the start offset must stay "
            f"before the end offset"
        )
    return window


def due_windows(
    schedule: CronSchedule,
    last_fire: datetime | None,
    now: datetime,
    *,
    start_offset: timedelta = timedelta(0),
    end_offset: timedelta = timedelta(0),
    max_catch_up: int = 24,
) -> list[tuple[datetime, Window]]:
    """The fire times in (last_fire, now] with their windows, oldest first.

    After downtime at most `max_catch_up` executions are returned, and they are the most recent ones: fresh
    data matters most, and the older windows can still be run on demand. With no `last_fire` (a new
    schedule) only the latest fire time at or before `now` is due; nothing before the schedule existed is
    backfilled. The search walks back from `now`, so a long outage costs `max_catch_up` steps, not one per
    missed fire time.
    """
    if max_catch_up < 1:
        raise ValueError(f"max_catch_up must be at least 1, got {max_catch_up}")
    since = None if last_fire is None else as_utc(last_fire)
    wanted = 1 if since is None else max_catch_up
    fires: list[datetime] = []
    moment = schedule.previous_at_or_before(now)
    while len(fires) < wanted and (since is None or moment > since):
        fires.append(moment)
        moment = schedule.previous_at_or_before(moment - _MINUTE)
    return [(fire, analysis_window(schedule, fire, start_offset, end_offset)) for fire in reversed(fires)]


def one_time_window(start_offset: str, end_offset: str, now: datetime) -> Window:
    """The window of SageMaker's one-time ``NOW`` schedule, from offsets such as ``-PT1H`` and ``-PT0H``.

    The offsets are ``DataAnalysisStartTime`` and ``DataAnalysisEndTime``, relative to `now`.
    The window must not be empty and, as in SageMaker, spans at most 24 hours.
    """
    moment = as_utc(now)
    start = moment + _named_offset("DataAnalysisStartTime", start_offset)
    end = moment + _named_offset("DataAnalysisEndTime", end_offset)
    if start >= end:
        raise ScheduleError(
            f"one-time window {start_offset!r} to {end_offset!r}: DataAnalysisStartTime must come before "
            f"DataAnalysisEndTime"
        )
    if end - start > _MAX_ONE_TIME_WINDOW:
        raise ScheduleError(
            f"one-time window {start_offset!r} to {end_offset!r}: spans {end - start}, "
            f"more than the 24 hours allowed"
        )
    return start, end


def _named_offset(name: str, text: str) -> timedelta:
    try:
        return parse_offset(text)
    except ScheduleError as error:
        raise ScheduleError(f"{name}: {error}") from None
