"""Parsing: every accepted form gives the sets it names, and every mistake names the field, on one line."""

from __future__ import annotations

import pytest

from modelwatch.errors import ModelwatchError
from modelwatch.service.schedule import CronSchedule, ScheduleError

EVERY_MINUTE = frozenset(range(60))
EVERY_HOUR = frozenset(range(24))
EVERY_DAY = frozenset(range(1, 32))
EVERY_MONTH = frozenset(range(1, 13))
EVERY_WEEKDAY = frozenset(range(7))


def sets(expression: str) -> tuple[frozenset[int], ...]:
    schedule = CronSchedule.parse(expression)
    return schedule.minutes, schedule.hours, schedule.days_of_month, schedule.months, schedule.days_of_week


@pytest.mark.parametrize(
    ("expression", "hours"),
    [
        ("cron(0 * ? * * *)", EVERY_HOUR),
        ("cron(0 5 ? * * *)", {5}),
        ("cron(0 2/6 ? * * *)", {2, 8, 14, 20}),
        ("cron(0 0/1 ? * * *)", EVERY_HOUR),
        ("cron(0 3/24 ? * * *)", {3}),
        ("cron(0 0/12 ? * * *)", {0, 12}),
    ],
)
def test_sagemaker_examples(expression: str, hours: set[int]) -> None:
    schedule = CronSchedule.parse(expression)
    assert schedule.expression == expression
    assert sets(expression) == ({0}, hours, EVERY_DAY, EVERY_MONTH, EVERY_WEEKDAY)
    assert schedule.day_of_month_any
    assert schedule.day_of_week_any


@pytest.mark.parametrize(
    ("field", "minutes"),
    [
        ("*", EVERY_MINUTE),
        ("7", {7}),
        ("1,2,59", {1, 2, 59}),
        ("10-13", {10, 11, 12, 13}),
        ("*/15", {0, 15, 30, 45}),
        ("0-30/10", {0, 10, 20, 30}),
        ("5/15", {5, 20, 35, 50}),
        ("*/5", set(range(0, 60, 5))),
        ("1-3,50-59/4,30", {1, 2, 3, 50, 54, 58, 30}),
        ("*/100", {0}),
        ("3-3", {3}),
    ],
)
def test_minute_field_forms(field: str, minutes: set[int]) -> None:
    assert CronSchedule.parse(f"{field} * * * *").minutes == minutes


def test_every_field_takes_its_own_range() -> None:
    assert sets("59 23 31 12 6") == ({59}, {23}, {31}, {12}, {6})
    assert sets("0 0 1 1 0") == ({0}, {0}, {1}, {1}, {0})
    assert sets("0 */6 1-7/3 */4 *") == ({0}, {0, 6, 12, 18}, {1, 4, 7}, {1, 5, 9}, EVERY_WEEKDAY)


@pytest.mark.parametrize(
    ("months", "expected"),
    [
        ("JAN", {1}),
        ("dec", {12}),
        ("Mar-May", {3, 4, 5}),
        ("jan,JUL,12", {1, 7, 12}),
        ("FEB-DEC/5", {2, 7, 12}),
    ],
)
def test_month_names_in_any_case(months: str, expected: set[int]) -> None:
    assert CronSchedule.parse(f"0 0 1 {months} *").months == expected


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ("SUN", {0}),
        ("sat", {6}),
        ("Mon-Fri", {1, 2, 3, 4, 5}),
        ("7", {0}),
        ("0,7", {0}),
        ("5-7", {5, 6, 0}),
        ("1-7", EVERY_WEEKDAY),
        ("*/2", {0, 2, 4, 6}),
        ("tue,THU", {2, 4}),
    ],
)
def test_standard_days_of_week_count_from_sunday_0_and_7(days: str, expected: set[int]) -> None:
    assert CronSchedule.parse(f"0 0 * * {days}").days_of_week == expected


@pytest.mark.parametrize(
    ("days", "expected"),
    [("1", {0}), ("7", {6}), ("2-6", {1, 2, 3, 4, 5}), ("MON-FRI", {1, 2, 3, 4, 5}), ("sun,SAT", {0, 6})],
)
def test_aws_days_of_week_count_1_to_7_from_sunday(days: str, expected: set[int]) -> None:
    assert CronSchedule.parse(f"cron(0 9 ? * {days} *)").days_of_week == expected


@pytest.mark.parametrize(
    ("shortcut", "expansion"),
    [
        ("@hourly", "0 * * * *"),
        ("@daily", "0 0 * * *"),
        ("@midnight", "0 0 * * *"),
        ("@weekly", "0 0 * * 0"),
        ("@monthly", "0 0 1 * *"),
        ("@yearly", "0 0 1 1 *"),
        ("@annually", "0 0 1 1 *"),
        ("@HOURLY", "0 * * * *"),
    ],
)
def test_shortcuts(shortcut: str, expansion: str) -> None:
    assert sets(shortcut) == sets(expansion)
    assert CronSchedule.parse(shortcut).expression == shortcut


def test_surrounding_and_repeated_whitespace_is_ignored() -> None:
    assert sets("  */5   *\t* * *\n") == sets("*/5 * * * *")
    assert sets(" cron( 0  5 ? * * * ) ") == sets("0 5 * * *")
    assert sets("CRON(0 5 ? * * *)") == sets("0 5 * * *")


@pytest.mark.parametrize(
    ("expression", "dom_any", "dow_any"),
    [
        ("0 0 * * *", True, True),
        ("0 0 13 * *", False, True),
        ("0 0 * * FRI", True, False),
        ("0 0 13 * FRI", False, False),
        ("0 0 ? * FRI", True, False),
        ("0 0 13 * ?", False, True),
        ("0 0 */2 * MON", True, False),
        ("0 0 1-31 * MON", False, False),
        ("cron(0 0 ? * 6 *)", True, False),
        ("cron(0 0 13 * ? *)", False, True),
    ],
)
def test_which_day_fields_count_as_restricted(expression: str, dom_any: bool, dow_any: bool) -> None:
    schedule = CronSchedule.parse(expression)
    assert (schedule.day_of_month_any, schedule.day_of_week_any) == (dom_any, dow_any)


def test_schedules_are_values() -> None:
    assert CronSchedule.parse("0 * * * *") == CronSchedule.parse("0 * * * *")
    assert len({CronSchedule.parse("0 * * * *"), CronSchedule.parse("0 * * * *")}) == 1
    assert CronSchedule.parse("0 * * * *") != CronSchedule.parse("@hourly")  # the text is kept as given


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("* * * *", "expected 5 fields (minute hour day-of-month month day-of-week), got 4"),
        ("", "expected 5 fields (minute hour day-of-month month day-of-week), got 0"),
        ("0 0 1 * MON ?", "got 6; write the 6-field AWS form as cron(...)"),
        (
            "cron(0 * ? * *)",
            "cron(...) needs 6 fields (minute hour day-of-month month day-of-week year), got 5",
        ),
        ("cron(0 * ? * * * *)", "got 7"),
        ("cron(0 * ? * * 2024)", "year field '2024' is not supported; only '*' (every year)"),
        ("cron(0 * ? * * ?)", "year field '?' is not supported"),
        ("cron(0 0 1 * MON *)", "one of day-of-month and day-of-week must be '?'"),
        ("cron(0 0 * * * *)", "one of day-of-month and day-of-week must be '?'"),
        ("60 * * * *", "minute value 60 is out of range 0-59"),
        ("0 24 * * *", "hour value 24 is out of range 0-23"),
        ("0 0 0 * *", "day-of-month value 0 is out of range 1-31"),
        ("0 0 32 * *", "day-of-month value 32 is out of range 1-31"),
        ("0 0 * 13 *", "month value 13 is out of range 1-12"),
        ("0 0 * 0 *", "month value 0 is out of range 1-12"),
        ("0 0 * * 8", "day-of-week value 8 is out of range 0-7"),
        ("cron(0 0 ? * 0 *)", "day-of-week value 0 is out of range 1-7"),
        ("cron(0 0 ? * 8 *)", "day-of-week value 8 is out of range 1-7"),
        ("*/0 * * * *", "minute step in '*/0' is 0"),
        ("0 1-5/0 * * *", "hour step in '1-5/0' is 0"),
        ("*/x * * * *", "minute step 'x' in '*/x' is not a number"),
        ("*/ * * * *", "minute step '' in '*/' is not a number"),
        ("*/1/2 * * * *", "minute step '1/2' in '*/1/2' is not a number"),
        ("0 0 * FOO *", "month value 'FOO' is not a number or a name"),
        ("0 0 * * FRIDAY", "day-of-week value 'FRIDAY' is not a number or a name"),
        ("0 0 * JAN-FOO *", "month value 'FOO' in 'JAN-FOO' is not a number or a name"),
        ("MON 0 * * *", "minute value 'MON' is not a number"),
        ("0 0 JAN * *", "day-of-month value 'JAN' is not a number"),
        ("-5 * * * *", "minute value '' in '-5' is not a number"),
        ("1-2-3 * * * *", "minute value '2-3' in '1-2-3' is not a number"),
        ("0 0 L * *", "day-of-month value 'L' is not a number"),
        ("cron(0 0 ? * 6#3 *)", "day-of-week value '6#3' is not a number or a name"),
        ("0 0 ? * ²", "day-of-week value '²' is not a number or a name"),
        ("1,,2 * * * *", "minute field '1,,2' has an empty list item"),
        ("0 0,, * * *", "hour field '0,,' has an empty list item"),
        (", * * * *", "minute field ',' has an empty list item"),
        ("30-10 * * * *", "minute range '30-10' runs backwards"),
        ("0 0 * DEC-JAN *", "month range 'DEC-JAN' runs backwards"),
        ("? * * * *", "minute field cannot be '?'; only the day fields can"),
        ("0 0 * ? *", "month field cannot be '?'; only the day fields can"),
        ("0 0 31 2 *", "the day-of-month and month fields never meet, so it never fires"),
        ("0 0 30,31 2 *", "never fires"),
        ("0 0 31 4,6,9,11 *", "never fires"),
        ("0 0 31 APR ?", "never fires"),
        ("cron(0 0 30 2 ? *)", "never fires"),
        ("NOW", "NOW is a one-time run, not a recurring schedule"),
        ("@reboot", "unknown shortcut; use one of @yearly, @annually, @monthly, @weekly, @daily, @midnight"),
        ("@every 5m", "unknown shortcut"),
    ],
)
def test_errors_name_the_expression_and_the_field_on_one_line(expression: str, problem: str) -> None:
    with pytest.raises(ScheduleError) as raised:
        CronSchedule.parse(expression)
    message = str(raised.value)
    assert message.startswith(f"schedule {expression!r}: ")
    assert problem in message
    assert "\n" not in message
    assert isinstance(raised.value, ModelwatchError)


def test_a_line_break_inside_the_expression_stays_escaped_in_the_message() -> None:
    with pytest.raises(ScheduleError) as raised:
        CronSchedule.parse("0 0\n31 2 *")
    assert str(raised.value) == (
        "schedule '0 0\\n31 2 *': the day-of-month and month fields never meet, so it never fires"
    )


def test_a_day_that_exists_only_in_leap_years_is_allowed() -> None:
    assert CronSchedule.parse("0 0 29 2 *").days_of_month == {29}
