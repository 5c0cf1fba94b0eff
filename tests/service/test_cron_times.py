"""Fire times by example: SageMaker's schedules, calendar edges in UTC, the day OR rule, and time zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from modelwatch.service.schedule import CronSchedule


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def fires(expression: str, start: datetime, end: datetime) -> list[datetime]:
    return list(CronSchedule.parse(expression).fire_times(start, end))


def test_hourly_fires_on_the_hour() -> None:
    hourly = CronSchedule.parse("cron(0 * ? * * *)")
    assert hourly.next_after(at(2020, 2, 20, 4, 59, 59)) == at(2020, 2, 20, 5)
    assert hourly.next_after(at(2020, 2, 20, 5)) == at(2020, 2, 20, 6)
    assert hourly.previous_at_or_before(at(2020, 2, 20, 5)) == at(2020, 2, 20, 5)
    assert hourly.previous_at_or_before(at(2020, 2, 20, 4, 59, 59)) == at(2020, 2, 20, 4)


def test_daily_at_an_hour() -> None:
    daily = CronSchedule.parse("cron(0 5 ? * * *)")
    assert daily.next_after(at(2020, 2, 20, 5)) == at(2020, 2, 21, 5)
    assert daily.next_after(at(2020, 2, 20, 4, 59)) == at(2020, 2, 20, 5)
    assert daily.previous_at_or_before(at(2020, 2, 20, 4, 59)) == at(2020, 2, 19, 5)


def test_every_n_hours_from_a_start_hour() -> None:
    assert fires("cron(0 2/6 ? * * *)", at(2020, 2, 19, 21), at(2020, 2, 20, 21)) == [
        at(2020, 2, 20, 2),
        at(2020, 2, 20, 8),
        at(2020, 2, 20, 14),
        at(2020, 2, 20, 20),
    ]
    # 24 is not a multiple of 5: the last gap of the day is shorter, as in cron.
    assert fires("cron(0 0/5 ? * * *)", at(2020, 2, 19, 19), at(2020, 2, 20, 5)) == [
        at(2020, 2, 19, 20),
        at(2020, 2, 20, 0),
        at(2020, 2, 20, 5),
    ]


def test_sub_hourly() -> None:
    assert fires("*/5 * * * *", at(2021, 12, 31, 23, 50), at(2022, 1, 1, 0, 5)) == [
        at(2021, 12, 31, 23, 55),
        at(2022, 1, 1, 0, 0),
        at(2022, 1, 1, 0, 5),
    ]
    assert len(fires("* * * * *", at(2021, 1, 1), at(2021, 1, 2))) == 24 * 60


def test_fire_times_are_in_the_half_open_interval() -> None:
    assert fires("@hourly", at(2021, 1, 1, 1), at(2021, 1, 1, 3)) == [at(2021, 1, 1, 2), at(2021, 1, 1, 3)]
    assert fires("@hourly", at(2021, 1, 1, 1), at(2021, 1, 1, 1)) == []
    assert fires("@hourly", at(2021, 1, 1, 3), at(2021, 1, 1, 1)) == []


@pytest.mark.parametrize(
    ("expression", "moment", "following"),
    [
        ("0 0 * * *", at(2021, 12, 31, 0, 1), at(2022, 1, 1)),
        ("59 23 31 12 *", at(2021, 12, 31, 23, 59), at(2022, 12, 31, 23, 59)),
        ("0 0 1 * *", at(2021, 1, 31, 12), at(2021, 2, 1)),
        ("0 0 31 * *", at(2021, 3, 31, 1), at(2021, 5, 31)),  # April has no 31st
        ("0 0 31 * *", at(2021, 7, 31, 1), at(2021, 8, 31)),
        ("0 12 30 * *", at(2021, 1, 30, 12), at(2021, 3, 30, 12)),  # February has no 30th
        ("0 0 29 2 *", at(2021, 1, 1), at(2024, 2, 29)),
        ("0 0 29 2 *", at(2024, 2, 29), at(2028, 2, 29)),
        ("0 0 29 2 *", at(2096, 3, 1), at(2104, 2, 29)),  # 2100 is not a leap year
        ("0 0 29 2 *", at(1999, 3, 1), at(2000, 2, 29)),  # 2000 is
        ("0 0 * 2 *", at(2024, 2, 28, 0, 1), at(2024, 2, 29)),
        ("0 0 * 2 *", at(2023, 2, 28, 0, 1), at(2024, 2, 1)),
        ("0 0 1 JAN *", at(2020, 1, 1), at(2021, 1, 1)),
        ("30 6 * * *", at(2020, 2, 28, 7), at(2020, 2, 29, 6, 30)),
        ("0 */6 * 3 *", at(2020, 2, 29, 23, 59), at(2020, 3, 1)),
    ],
)
def test_month_year_and_leap_day_edges(expression: str, moment: datetime, following: datetime) -> None:
    schedule = CronSchedule.parse(expression)
    assert schedule.next_after(moment) == following
    assert schedule.previous_at_or_before(following) == following
    assert schedule.previous_at_or_before(following - timedelta(minutes=1)) <= moment


def test_previous_across_a_leap_gap() -> None:
    leap_day = CronSchedule.parse("0 0 29 2 *")
    assert leap_day.previous_at_or_before(at(2104, 2, 28)) == at(2096, 2, 29)
    assert leap_day.previous_at_or_before(at(2001, 1, 1)) == at(2000, 2, 29)


def test_both_day_fields_restricted_fire_on_either() -> None:
    friday_or_13th = CronSchedule.parse("0 0 13 * FRI")
    days = [fire.date().isoformat() for fire in friday_or_13th.fire_times(at(2023, 10, 1), at(2023, 10, 31))]
    assert days == ["2023-10-06", "2023-10-13", "2023-10-20", "2023-10-27"]  # 13 Oct 2023 was a Friday
    days = [fire.date().isoformat() for fire in friday_or_13th.fire_times(at(2023, 11, 1), at(2023, 11, 30))]
    assert days == ["2023-11-03", "2023-11-10", "2023-11-13", "2023-11-17", "2023-11-24"]


def test_a_day_field_starting_with_a_star_only_narrows() -> None:
    odd_mondays = CronSchedule.parse("0 0 */2 * MON")
    days = [fire.day for fire in odd_mondays.fire_times(at(2023, 10, 31), at(2023, 11, 30))]
    assert days == [13, 27]  # the Mondays are 6, 13, 20, 27; only the odd days among them


def test_one_day_field_restricted_fires_on_that_field_alone() -> None:
    weekdays = fires("0 0 * * 1-5", at(2023, 11, 3), at(2023, 11, 8))
    assert [fire.day for fire in weekdays] == [6, 7, 8]  # 3 Nov 2023 was a Friday
    fifteenths = fires("0 0 15 * ?", at(2023, 1, 1), at(2023, 3, 31))
    assert fifteenths == [at(2023, 1, 15), at(2023, 2, 15), at(2023, 3, 15)]
    weekdays_9am = CronSchedule.parse("cron(0 9 ? * MON-FRI *)")
    assert weekdays_9am.next_after(at(2023, 11, 3, 9)) == at(2023, 11, 6, 9)  # Friday → Monday


def test_sunday_is_0_and_7() -> None:
    assert CronSchedule.parse("0 0 * * 7").next_after(at(2023, 11, 1)) == at(2023, 11, 5)
    assert CronSchedule.parse("0 0 * * 0").next_after(at(2023, 11, 1)) == at(2023, 11, 5)
    assert CronSchedule.parse("cron(0 0 ? * 1 *)").next_after(at(2023, 11, 1)) == at(2023, 11, 5)


def test_seconds_and_microseconds_are_handled() -> None:
    hourly = CronSchedule.parse("@hourly")
    moment = at(2022, 6, 1, 5).replace(microsecond=1)
    assert hourly.next_after(moment) == at(2022, 6, 1, 6)
    assert hourly.previous_at_or_before(moment) == at(2022, 6, 1, 5)
    assert hourly.matches(at(2022, 6, 1, 5))
    assert not hourly.matches(moment)
    assert not hourly.matches(at(2022, 6, 1, 5, 0, 1))
    assert not hourly.matches(at(2022, 6, 1, 5, 1))


def test_aware_moments_in_other_zones_are_read_in_utc_and_answered_in_utc() -> None:
    tokyo = timezone(timedelta(hours=9))
    daily = CronSchedule.parse("cron(0 5 ? * * *)")
    following = daily.next_after(datetime(2020, 2, 20, 13, 30, tzinfo=tokyo))  # 04:30Z
    assert following == at(2020, 2, 20, 5)
    assert following.tzinfo is UTC
    assert daily.previous_at_or_before(datetime(2020, 2, 20, 14, 0, tzinfo=tokyo)).tzinfo is UTC
    assert daily.matches(datetime(2020, 2, 20, 14, 0, tzinfo=tokyo))
    assert fires("cron(0 5 ? * * *)", at(2020, 2, 19, 6), datetime(2020, 2, 20, 14, 0, tzinfo=tokyo)) == [
        at(2020, 2, 20, 5)
    ]


def test_naive_moments_are_refused() -> None:
    hourly = CronSchedule.parse("@hourly")
    with pytest.raises(ValueError, match="has no timezone"):
        hourly.next_after(datetime(2020, 1, 1))
    with pytest.raises(ValueError, match="has no timezone"):
        hourly.previous_at_or_before(datetime(2020, 1, 1))
    with pytest.raises(ValueError, match="has no timezone"):
        hourly.matches(datetime(2020, 1, 1))


def test_the_ends_of_the_calendar() -> None:
    with pytest.raises(OverflowError):
        CronSchedule.parse("0 0 1 1 *").next_after(at(9999, 1, 1))
    with pytest.raises(OverflowError):
        CronSchedule.parse("0 12 * * *").previous_at_or_before(at(1, 1, 1, 11))
