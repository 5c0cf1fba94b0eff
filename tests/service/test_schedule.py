"""Analysis windows, offsets, catch-up after downtime and SageMaker's one-time NOW window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise

import pytest

from modelwatch.service.schedule import (
    CronSchedule,
    ScheduleError,
    analysis_window,
    due_windows,
    one_time_window,
    parse_offset,
)

HOUR = timedelta(hours=1)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


HOURLY = CronSchedule.parse("cron(0 * ? * * *)")
DAILY_5 = CronSchedule.parse("cron(0 5 ? * * *)")


def test_hourly_window_is_the_hour_before() -> None:
    assert analysis_window(HOURLY, at(2020, 2, 20, 5)) == (at(2020, 2, 20, 4), at(2020, 2, 20, 5))


def test_daily_window_is_the_day_before_with_no_gap() -> None:
    # SageMaker's reference says 2020-02-19T06:00Z; we keep the whole preceding interval (see windows.py).
    assert analysis_window(DAILY_5, at(2020, 2, 20, 5)) == (at(2020, 2, 19, 5), at(2020, 2, 20, 5))


def test_every_n_hours_and_uneven_schedules_take_the_interval_since_the_previous_fire() -> None:
    every_6_from_2 = CronSchedule.parse("cron(0 2/6 ? * * *)")
    assert analysis_window(every_6_from_2, at(2020, 3, 1, 2)) == (at(2020, 2, 29, 20), at(2020, 3, 1, 2))
    uneven = CronSchedule.parse("0 0,6 * * *")
    assert analysis_window(uneven, at(2021, 1, 1, 6)) == (at(2021, 1, 1, 0), at(2021, 1, 1, 6))
    assert analysis_window(uneven, at(2021, 1, 1, 0)) == (at(2020, 12, 31, 6), at(2021, 1, 1, 0))
    monthly = CronSchedule.parse("@monthly")
    assert analysis_window(monthly, at(2024, 3, 1)) == (at(2024, 2, 1), at(2024, 3, 1))
    assert analysis_window(CronSchedule.parse("*/5 * * * *"), at(2024, 1, 1)) == (
        at(2023, 12, 31, 23, 55),
        at(2024, 1, 1),
    )


def test_offsets_shift_each_end_of_the_window() -> None:
    two_hours_back = (at(2020, 2, 20, 2), at(2020, 2, 20, 3))
    assert analysis_window(HOURLY, at(2020, 2, 20, 5), -2 * HOUR, -2 * HOUR) == two_hours_back
    assert analysis_window(DAILY_5, at(2020, 2, 20, 5), parse_offset("-P1D"), parse_offset("-PT1H")) == (
        at(2020, 2, 18, 5),
        at(2020, 2, 20, 4),
    )


def test_offsets_that_empty_the_window_are_refused_on_one_line() -> None:
    with pytest.raises(ScheduleError) as raised:
        analysis_window(HOURLY, at(2020, 2, 20, 5), -HOUR, -2 * HOUR)
    assert str(raised.value) == (
        "schedule 'cron(0 * ? * * *)': the offsets leave the execution at 2020-02-20T05:00:00+00:00 the "
        "empty window [2020-02-20T03:00:00+00:00, 2020-02-20T03:00:00+00:00); the start offset must stay "
        "before the end offset"
    )


def test_a_window_needs_a_fire_time() -> None:
    with pytest.raises(ValueError, match="is not a fire time of 'cron"):
        analysis_window(HOURLY, at(2020, 2, 20, 5, 30))
    with pytest.raises(ValueError, match="has no timezone"):
        analysis_window(HOURLY, datetime(2020, 2, 20, 5))


def test_a_fire_time_in_another_zone_gives_a_utc_window() -> None:
    paris = timezone(timedelta(hours=1))
    start, end = analysis_window(HOURLY, datetime(2020, 2, 20, 6, tzinfo=paris))
    assert (start, end) == (at(2020, 2, 20, 4), at(2020, 2, 20, 5))
    assert start.tzinfo is UTC
    assert end.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("-PT1H", -HOUR),
        ("-P1D", -timedelta(days=1)),
        ("-PT30M", -timedelta(minutes=30)),
        ("PT0S", timedelta(0)),
        ("-PT0H", timedelta(0)),
        ("+PT0M", timedelta(0)),
        ("-P1DT2H", -timedelta(days=1, hours=2)),
        ("-P2W", -timedelta(weeks=2)),
        ("-PT1H30M15S", -timedelta(hours=1, minutes=30, seconds=15)),
        ("-PT36H", -timedelta(hours=36)),
        (" -pt2h ", -2 * HOUR),
    ],
)
def test_offsets_as_sagemaker_writes_them(text: str, duration: timedelta) -> None:
    assert parse_offset(text) == duration


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "not an ISO 8601 duration such as -PT1H or -P1D"),
        ("-P", "not an ISO 8601 duration"),
        ("-PT", "not an ISO 8601 duration"),
        ("-P1DT", "not an ISO 8601 duration"),
        ("-1H", "not an ISO 8601 duration"),
        ("-PT1.5H", "not an ISO 8601 duration"),
        ("-PT1H2D", "not an ISO 8601 duration"),
        ("--PT1H", "not an ISO 8601 duration"),
        ("-P1H", "not an ISO 8601 duration"),
        ("1 hour", "not an ISO 8601 duration"),
        ("-P1M", "years and months have no fixed length; use days (-P30D)"),
        ("-P1Y", "years and months have no fixed length"),
        ("-P9999999999D", "too long to be a duration"),
        ("PT1H", "positive; offsets look back, e.g. -PT1H"),
        ("+P1D", "positive; offsets look back, e.g. -P1D"),
    ],
)
def test_offset_errors_name_the_offset_on_one_line(text: str, problem: str) -> None:
    with pytest.raises(ScheduleError) as raised:
        parse_offset(text)
    message = str(raised.value)
    assert message.startswith(f"offset {text!r}: ")
    assert problem in message
    assert "\n" not in message


def test_due_windows_after_three_days_down_keeps_the_24_most_recent() -> None:
    due = due_windows(HOURLY, at(2021, 3, 1, 12), at(2021, 3, 4, 12, 20), max_catch_up=24)
    assert [fire for fire, _ in due] == [at(2021, 3, 3, 13) + n * HOUR for n in range(24)]
    assert due[-1] == (at(2021, 3, 4, 12), (at(2021, 3, 4, 11), at(2021, 3, 4, 12)))
    assert all(window == analysis_window(HOURLY, fire) for fire, window in due)


def test_due_windows_tile_the_missed_time() -> None:
    due = due_windows(HOURLY, at(2021, 3, 1, 12), at(2021, 3, 1, 18), max_catch_up=24)
    windows = [window for _, window in due]
    assert windows[0] == (at(2021, 3, 1, 12), at(2021, 3, 1, 13))
    assert windows[-1] == (at(2021, 3, 1, 17), at(2021, 3, 1, 18))
    assert all(before[1] == after[0] for before, after in pairwise(windows))


def test_due_windows_are_the_fire_times_after_the_last_one_up_to_now_inclusive() -> None:
    assert due_windows(HOURLY, at(2021, 3, 1, 12), at(2021, 3, 1, 12, 59)) == []
    assert [fire for fire, _ in due_windows(HOURLY, at(2021, 3, 1, 12), at(2021, 3, 1, 13))] == [
        at(2021, 3, 1, 13)
    ]
    assert [fire for fire, _ in due_windows(DAILY_5, at(2021, 3, 1, 5), at(2021, 3, 3, 4, 59))] == [
        at(2021, 3, 2, 5)
    ]
    # A last fire between fire times (e.g. an on-demand run) counts from where it was.
    assert [fire for fire, _ in due_windows(HOURLY, at(2021, 3, 1, 12, 30), at(2021, 3, 1, 14))] == [
        at(2021, 3, 1, 13),
        at(2021, 3, 1, 14),
    ]


def test_due_windows_when_the_clock_went_back_is_empty() -> None:
    assert due_windows(HOURLY, at(2021, 3, 1, 12), at(2021, 3, 1, 9)) == []


def test_a_new_schedule_runs_only_its_latest_fire_time() -> None:
    assert due_windows(DAILY_5, None, at(2021, 3, 4, 12)) == [
        (at(2021, 3, 4, 5), (at(2021, 3, 3, 5), at(2021, 3, 4, 5)))
    ]
    assert due_windows(DAILY_5, None, at(2021, 3, 4, 5)) == [
        (at(2021, 3, 4, 5), (at(2021, 3, 3, 5), at(2021, 3, 4, 5)))
    ]


def test_due_windows_apply_the_offsets() -> None:
    due = due_windows(
        HOURLY, at(2021, 3, 1, 12), at(2021, 3, 1, 14), start_offset=-2 * HOUR, end_offset=-HOUR
    )
    assert due == [
        (at(2021, 3, 1, 13), (at(2021, 3, 1, 10), at(2021, 3, 1, 12))),
        (at(2021, 3, 1, 14), (at(2021, 3, 1, 11), at(2021, 3, 1, 13))),
    ]


def test_catch_up_is_bounded_and_cheap_after_a_long_outage() -> None:
    every_minute = CronSchedule.parse("* * * * *")
    due = due_windows(every_minute, at(2001, 1, 1), at(2021, 1, 1), max_catch_up=3)
    assert [fire for fire, _ in due] == [at(2020, 12, 31, 23, 58), at(2020, 12, 31, 23, 59), at(2021, 1, 1)]
    assert len(due_windows(HOURLY, at(2021, 1, 1), at(2021, 1, 2), max_catch_up=1)) == 1


def test_catch_up_must_allow_one_execution() -> None:
    with pytest.raises(ValueError, match="max_catch_up must be at least 1, got 0"):
        due_windows(HOURLY, None, at(2021, 1, 1), max_catch_up=0)


def test_due_windows_refuse_naive_times() -> None:
    with pytest.raises(ValueError, match="has no timezone"):
        due_windows(HOURLY, datetime(2021, 1, 1), at(2021, 1, 2))
    with pytest.raises(ValueError, match="has no timezone"):
        due_windows(HOURLY, None, datetime(2021, 1, 2))


def test_now_window_from_offsets() -> None:
    now = at(2023, 5, 1, 10, 17, 42)
    assert one_time_window("-PT1H", "-PT0H", now) == (now - HOUR, now)
    assert one_time_window("-P1D", "PT0S", now) == (now - timedelta(days=1), now)
    assert one_time_window("-PT3H", "-PT2H", now) == (now - 3 * HOUR, now - 2 * HOUR)
    start, end = one_time_window(
        "-PT1H", "-PT0H", datetime(2023, 5, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    )
    assert (start, end) == (at(2023, 5, 1, 9), at(2023, 5, 1, 10))
    assert start.tzinfo is UTC


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("-PT1H", "-PT2H", "one-time window '-PT1H' to '-PT2H': DataAnalysisStartTime must come before "),
        ("-PT1H", "-PT1H", "one-time window '-PT1H' to '-PT1H': DataAnalysisStartTime must come before "),
        ("-P1DT1M", "PT0S", "one-time window '-P1DT1M' to 'PT0S': spans 1 day, 0:01:00, more than the 24 "),
        ("-P2D", "-PT1H", "one-time window '-P2D' to '-PT1H': spans 1 day, 23:00:00, more than the 24 hours"),
        ("PT1H", "PT2H", "DataAnalysisStartTime: offset 'PT1H': positive; offsets look back, e.g. -PT1H"),
        ("-PT1H", "now", "DataAnalysisEndTime: offset 'now': not an ISO 8601 duration such as -PT1H"),
    ],
)
def test_now_window_errors_on_one_line(start: str, end: str, message: str) -> None:
    with pytest.raises(ScheduleError) as raised:
        one_time_window(start, end, at(2023, 5, 1))
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)
