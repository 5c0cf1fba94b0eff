"""Random expressions from a small grammar against a brute-force oracle written from the cron rules alone.

The grammar renders each field as text and computes the values it names independently of the parser; the
oracle then walks the calendar minute by minute (or day by day over long spans) with those values.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from modelwatch.service.schedule import CronSchedule, ScheduleError

MINUTE = timedelta(minutes=1)
DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
MONTH_NAMES = {number: calendar.month_abbr[number].upper() for number in range(1, 13)}


@dataclass(frozen=True)
class Expected:
    """An expression and what it means, as the grammar built it."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int]
    months: frozenset[int]
    days_of_week: frozenset[int]  # 0 = Sunday
    day_of_month_any: bool
    day_of_week_any: bool

    def day_fires(self, day: date) -> bool:
        in_month = day.day in self.days_of_month
        in_week = (day.weekday() + 1) % 7 in self.days_of_week
        if self.day_of_month_any or self.day_of_week_any:
            return day.month in self.months and in_month and in_week
        return day.month in self.months and (in_month or in_week)

    def fires(self, moment: datetime) -> bool:
        return moment.minute in self.minutes and moment.hour in self.hours and self.day_fires(moment.date())

    def can_fire(self) -> bool:
        """The day fields meet some month (29 February counts: it comes round on every weekday)."""
        if not (self.day_of_month_any or self.day_of_week_any):
            return True
        longest = {month: 29 if month == 2 else calendar.monthrange(2001, month)[1] for month in self.months}
        return any(day <= longest[month] for month in self.months for day in self.days_of_month)


@st.composite
def field(draw: st.DrawFn, low: int, high: int, names: dict[int, str]) -> tuple[str, set[int]]:
    """A list of 1-3 items (``*``, ``a``, ``a-b``, ``*/n``, ``a/n``, ``a-b/n``) and the values it names."""

    def value(number: int) -> str:
        if number in names and draw(st.booleans()):
            return draw(st.sampled_from([names[number], names[number].lower(), names[number].title()]))
        return str(number)

    texts, values = [], set()
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["*", "a", "a-b", "*/n", "a/n", "a-b/n"]))
        first = draw(st.integers(low, high))
        last = draw(st.integers(first, high))
        step = draw(st.integers(1, high - low + 2))
        text, numbers = {
            "*": ("*", range(low, high + 1)),
            "a": (value(first), range(first, first + 1)),
            "a-b": (f"{value(first)}-{value(last)}", range(first, last + 1)),
            "*/n": (f"*/{step}", range(low, high + 1, step)),
            "a/n": (f"{value(first)}/{step}", range(first, high + 1, step)),
            "a-b/n": (f"{value(first)}-{value(last)}/{step}", range(first, last + 1, step)),
        }[kind]
        texts.append(text)
        values.update(numbers)
    return ",".join(texts), values


def sparse_or_star(low: int, high: int, names: dict[int, str] | None = None) -> st.SearchStrategy:
    return st.one_of(st.just(("*", set(range(low, high + 1)))), field(low, high, names or {}))


@st.composite
def expressions(draw: st.DrawFn) -> Expected:
    """Either spelling; the AWS one puts '?' in one day field and counts weekdays 1-7 from Sunday."""
    minute, minutes = draw(field(0, 59, {}))
    hour, hours = draw(sparse_or_star(0, 23))
    dom, doms = draw(sparse_or_star(1, 31))
    month, months = draw(sparse_or_star(1, 12, MONTH_NAMES))
    if draw(st.booleans()):
        dow, dows = draw(sparse_or_star(1, 7, {i + 1: name for i, name in enumerate(DAY_NAMES)}))
        dows = {d - 1 for d in dows}
        if draw(st.booleans()):
            dom, doms = "?", set(range(1, 32))
        else:
            dow, dows = "?", set(range(7))
        text = f"cron({minute} {hour} {dom} {month} {dow} *)"
    else:
        dow, dows = draw(
            st.one_of(st.just(("?", set(range(8)))), sparse_or_star(0, 7, dict(enumerate(DAY_NAMES))))
        )
        dows = {d % 7 for d in dows}
        text = f"{minute} {hour} {dom} {month} {dow}"
    return Expected(
        text,
        frozenset(minutes),
        frozenset(hours),
        frozenset(doms),
        frozenset(months),
        frozenset(dows),
        dom.startswith(("*", "?")),
        dow.startswith(("*", "?")),
    )


def month_ends(draw: st.DrawFn) -> datetime:
    year, month = draw(st.integers(1995, 2090)), draw(st.integers(1, 12))
    last = datetime(year, month, calendar.monthrange(year, month)[1], 23, 59, tzinfo=UTC)
    return last - draw(st.integers(0, 3 * 24 * 60)) * MINUTE + draw(st.integers(0, 59)) * timedelta(seconds=1)


moments = st.one_of(
    st.datetimes(datetime(1995, 1, 1), datetime(2090, 12, 31), timezones=st.just(UTC)),
    st.composite(month_ends)(),
)


def parsed(expected: Expected) -> CronSchedule:
    """The parse of a grammar expression; those that can never fire are checked to be refused instead."""
    if not expected.can_fire():
        with pytest.raises(ScheduleError, match="never fires"):
            CronSchedule.parse(expected.text)
        reject()
    return CronSchedule.parse(expected.text)


def oracle_next(expected: Expected, moment: datetime) -> datetime | None:
    """Day by day over 9 years (the longest gap: leap days around 2100), then minute by minute."""
    start = moment.replace(second=0, microsecond=0) + MINUTE
    for offset in range(9 * 366):
        day = start.date() + timedelta(days=offset)
        if expected.day_fires(day):
            first = start if offset == 0 else datetime(day.year, day.month, day.day, tzinfo=UTC)
            last = datetime(day.year, day.month, day.day, 23, 59, tzinfo=UTC)
            found = next(minutes_between(first, last, expected), None)
            if found is not None:
                return found
    return None


def oracle_previous(expected: Expected, moment: datetime) -> datetime | None:
    end = moment.replace(second=0, microsecond=0)
    for offset in range(9 * 366):
        day = end.date() - timedelta(days=offset)
        if expected.day_fires(day):
            first = datetime(day.year, day.month, day.day, tzinfo=UTC)
            last = end if offset == 0 else datetime(day.year, day.month, day.day, 23, 59, tzinfo=UTC)
            found = list(minutes_between(first, last, expected))
            if found:
                return found[-1]
    return None


def minutes_between(first: datetime, last: datetime, expected: Expected) -> Iterator[datetime]:
    moment = first
    while moment <= last:
        if expected.fires(moment):
            yield moment
        moment += MINUTE


@settings(max_examples=150, deadline=None)
@given(expected=expressions())
def test_parse_gives_the_values_the_grammar_meant(expected: Expected) -> None:
    schedule = parsed(expected)
    assert schedule.minutes == expected.minutes
    assert schedule.hours == expected.hours
    assert schedule.days_of_month == expected.days_of_month
    assert schedule.months == expected.months
    assert schedule.days_of_week == expected.days_of_week
    assert schedule.day_of_month_any == expected.day_of_month_any
    assert schedule.day_of_week_any == expected.day_of_week_any


@settings(max_examples=100, deadline=None)
@given(expected=expressions(), start=moments)
def test_fire_times_match_a_minute_by_minute_walk(expected: Expected, start: datetime) -> None:
    schedule = parsed(expected)
    end = start + timedelta(days=1)
    walk = list(minutes_between(start.replace(second=0, microsecond=0) + MINUTE, end, expected))
    assert list(schedule.fire_times(start, end)) == walk
    assert all(schedule.matches(moment) for moment in walk)


@settings(max_examples=150, deadline=None)
@given(expected=expressions(), moment=moments)
def test_next_and_previous_match_a_day_by_day_walk(expected: Expected, moment: datetime) -> None:
    schedule = parsed(expected)
    following = oracle_next(expected, moment)
    if following is not None:
        assert schedule.next_after(moment) == following
    preceding = oracle_previous(expected, moment)
    if preceding is not None:
        assert schedule.previous_at_or_before(moment) == preceding


@settings(max_examples=200, deadline=None)
@given(expected=expressions(), moment=moments)
def test_next_and_previous_bracket_every_moment(expected: Expected, moment: datetime) -> None:
    schedule = parsed(expected)
    preceding, following = schedule.previous_at_or_before(moment), schedule.next_after(moment)
    assert preceding <= moment < following
    assert schedule.matches(preceding)
    assert schedule.matches(following)
    assert schedule.next_after(preceding) == following
    assert schedule.previous_at_or_before(following - MINUTE) == preceding
    assert schedule.previous_at_or_before(following) == following
