"""Cron expressions: parsing, and fire times found by skipping field by field.

Two spellings are accepted, both in UTC:

- standard 5-field cron ``m h dom mon dow`` (Vixie cron: ``*``, lists, ranges, steps, ``a/n`` meaning
  ``a-max/n``, JAN–DEC, SUN–SAT, day-of-week 0–7 with 0 and 7 Sunday) and the ``@hourly``-style shortcuts;
- SageMaker's AWS form ``cron(m h dom mon dow year)``, where day-of-week counts 1–7 from Sunday as in
  EventBridge, one of the two day fields must be ``?`` and the year must be ``*``.

When both day fields are restricted a day fires if EITHER matches (the classic cron OR rule). As in Vixie
cron and cronie, a day field counts as unrestricted when it starts with ``*`` or is ``?``, so
``0 0 */2 * MON`` fires on odd days that are Mondays, not on odd days and on Mondays.

The Gregorian calendar repeats every 400 years (146,097 days, a whole number of weeks), so searching 401
years decides whether an expression can ever fire, and bounds every later search.
"""

from __future__ import annotations

import calendar
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import MAXYEAR, MINYEAR, UTC, date, datetime, timedelta

from modelwatch.errors import ModelwatchError

_MINUTE = timedelta(minutes=1)
_CYCLE_YEARS = 400
_PROBE = datetime(2000, 1, 1, tzinfo=UTC)

_MONTH_NAMES = {name.upper(): number for number, name in enumerate(calendar.month_abbr) if name}
_DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")

_SHORTCUTS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_NUMBER = re.compile(r"[0-9]+")
_AWS_FORM = re.compile(r"cron\((?P<fields>.*)\)", re.IGNORECASE | re.DOTALL)


class ScheduleError(ModelwatchError):
    """A schedule expression or analysis offset that cannot be used; the message names it and the field."""


@dataclass(frozen=True)
class _FieldSpec:
    """How one field is written: its name in messages, its range, its names, and whether ``?`` is allowed."""

    name: str
    low: int
    high: int
    names: Mapping[str, int] = field(default_factory=dict)
    question_mark: bool = False


_MINUTES = _FieldSpec("minute", 0, 59)
_HOURS = _FieldSpec("hour", 0, 23)
_DAYS_OF_MONTH = _FieldSpec("day-of-month", 1, 31, question_mark=True)
_MONTHS = _FieldSpec("month", 1, 12, _MONTH_NAMES)
_DAYS_OF_WEEK = _FieldSpec("day-of-week", 0, 7, {n: i for i, n in enumerate(_DAY_NAMES)}, question_mark=True)
_AWS_DAYS_OF_WEEK = _FieldSpec(
    "day-of-week", 1, 7, {n: i + 1 for i, n in enumerate(_DAY_NAMES)}, question_mark=True
)


@dataclass(frozen=True)
class CronSchedule:
    """A parsed cron expression; every moment in and out is a timezone-aware datetime, answered in UTC.

    ``days_of_week`` counts from 0 = Sunday whichever spelling was parsed.
    """

    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int]
    months: frozenset[int]
    days_of_week: frozenset[int]
    day_of_month_any: bool
    day_of_week_any: bool

    @classmethod
    def parse(cls, expression: str) -> CronSchedule:
        """Parse either spelling; ScheduleError (one line, naming the field) for anything else."""
        text = expression.strip()
        if text.upper() == "NOW":
            raise _error(expression, "NOW is a one-time run, not a recurring schedule")
        if text.startswith("@"):
            if text.lower() not in _SHORTCUTS:
                raise _error(expression, f"unknown shortcut; use one of {', '.join(_SHORTCUTS)}")
            text = _SHORTCUTS[text.lower()]
        aws = _AWS_FORM.fullmatch(text)
        if aws:
            schedule = cls._parse_aws(expression, aws["fields"].split())
        else:
            schedule = cls._parse_standard(expression, text.split())
        if schedule._search(_PROBE, forward=True) is None:
            raise _error(expression, "the day-of-month and month fields never meet, so it never fires")
        return schedule

    @classmethod
    def _parse_standard(cls, expression: str, fields: Sequence[str]) -> CronSchedule:
        if len(fields) != 5:
            hint = "; write the 6-field AWS form as cron(...)" if len(fields) == 6 else ""
            raise _error(
                expression,
                f"expected 5 fields (minute hour day-of-month month day-of-week), got {len(fields)}{hint}",
            )
        days_of_week, dow_any = _parse_field(expression, fields[4], _DAYS_OF_WEEK)
        return cls._build(expression, fields, frozenset(d % 7 for d in days_of_week), dow_any)

    @classmethod
    def _parse_aws(cls, expression: str, fields: Sequence[str]) -> CronSchedule:
        if len(fields) != 6:
            raise _error(
                expression,
                f"cron(...) needs 6 fields (minute hour day-of-month month day-of-week year), "
                f"got {len(fields)}",
            )
        if fields[5] != "*":
            raise _error(expression, f"year field {fields[5]!r} is not supported; only '*' (every year)")
        if "?" not in (fields[2], fields[4]):
            raise _error(expression, "in cron(...) one of day-of-month and day-of-week must be '?'")
        days_of_week, dow_any = _parse_field(expression, fields[4], _AWS_DAYS_OF_WEEK)
        return cls._build(expression, fields, frozenset(d - 1 for d in days_of_week), dow_any)

    @classmethod
    def _build(
        cls, expression: str, fields: Sequence[str], days_of_week: frozenset[int], dow_any: bool
    ) -> CronSchedule:
        days_of_month, dom_any = _parse_field(expression, fields[2], _DAYS_OF_MONTH)
        return cls(
            expression=expression,
            minutes=_parse_field(expression, fields[0], _MINUTES)[0],
            hours=_parse_field(expression, fields[1], _HOURS)[0],
            days_of_month=days_of_month,
            months=_parse_field(expression, fields[3], _MONTHS)[0],
            days_of_week=days_of_week,
            day_of_month_any=dom_any,
            day_of_week_any=dow_any,
        )

    def matches(self, moment: datetime) -> bool:
        """Whether `moment` is exactly a fire time (a whole minute the expression names)."""
        moment = as_utc(moment)
        return (
            moment.second == 0
            and moment.microsecond == 0
            and moment.minute in self.minutes
            and moment.hour in self.hours
            and moment.month in self.months
            and self._day_matches(moment.date())
        )

    def next_after(self, moment: datetime) -> datetime:
        """The first fire time strictly after `moment`."""
        start = _floor_minute(as_utc(moment)) + _MINUTE
        found = self._search(start, forward=True)
        if found is None:
            raise OverflowError(f"{self.expression!r} fires no more after {moment.isoformat()}")
        return found

    def previous_at_or_before(self, moment: datetime) -> datetime:
        """The last fire time at or before `moment`."""
        found = self._search(_floor_minute(as_utc(moment)), forward=False)
        if found is None:
            raise OverflowError(f"{self.expression!r} never fired before {moment.isoformat()}")
        return found

    def fire_times(self, start: datetime, end: datetime) -> Iterator[datetime]:
        """The fire times in (start, end], oldest first."""
        end = as_utc(end)
        moment = self.next_after(start)
        while moment <= end:
            yield moment
            moment = self.next_after(moment)

    def _search(self, start: datetime, forward: bool) -> datetime | None:
        """The first fire time at or after (or, backwards, at or before) `start`, a whole UTC minute.

        Days are visited month by month, skipping months the expression excludes; within the first day
        only the hours and minutes on the far side of `start` are tried. None past the 401-year horizon.
        """
        for day in self._days(start.date(), forward):
            on_start_day = day == start.date()
            for hour in _beyond(self.hours, start.hour if on_start_day else None, forward):
                on_start_hour = on_start_day and hour == start.hour
                for minute in _beyond(self.minutes, start.minute if on_start_hour else None, forward):
                    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
        return None

    def _days(self, start: date, forward: bool) -> Iterator[date]:
        """The days that fire, from `start` onwards (or backwards), within 401 years."""
        if forward:
            years = range(start.year, min(start.year + _CYCLE_YEARS + 1, MAXYEAR + 1))
        else:
            years = range(start.year, max(start.year - _CYCLE_YEARS - 1, MINYEAR - 1), -1)
        for year in years:
            in_start_year = year == start.year
            for month in _beyond(self.months, start.month if in_start_year else None, forward):
                month_days = range(1, calendar.monthrange(year, month)[1] + 1)
                in_start_month = in_start_year and month == start.month
                for day in _beyond(month_days, start.day if in_start_month else None, forward):
                    candidate = date(year, month, day)
                    if self._day_matches(candidate):
                        yield candidate

    def _day_matches(self, day: date) -> bool:
        """The day fields of the expression, with cron's OR rule when both are restricted."""
        in_month = day.day in self.days_of_month
        in_week = day.isoweekday() % 7 in self.days_of_week
        if self.day_of_month_any or self.day_of_week_any:
            return in_month and in_week
        return in_month or in_week


def _beyond(values: frozenset[int] | range, bound: int | None, forward: bool) -> Sequence[int]:
    """`values` in search order, starting at `bound` (inclusive) when given."""
    ordered = sorted(values)
    if forward:
        return ordered if bound is None else ordered[bisect_left(ordered, bound) :]
    return ordered[::-1] if bound is None else ordered[: bisect_right(ordered, bound)][::-1]


def _parse_field(expression: str, text: str, spec: _FieldSpec) -> tuple[frozenset[int], bool]:
    """The values one field names, and whether it counts as unrestricted for the day OR rule."""
    if text == "?":
        if not spec.question_mark:
            raise _error(expression, f"{spec.name} field cannot be '?'; only the day fields can")
        return frozenset(range(spec.low, spec.high + 1)), True
    values: set[int] = set()
    for item in text.split(","):
        if not item:
            raise _error(expression, f"{spec.name} field {text!r} has an empty list item")
        values.update(_parse_item(expression, item, spec))
    return frozenset(values), text.startswith("*")


def _parse_item(expression: str, item: str, spec: _FieldSpec) -> range:
    """One list item: ``*``, ``a``, ``a-b``, each optionally ``/step``."""
    base, slash, step_text = item.partition("/")
    step = 1
    if slash:
        if not _NUMBER.fullmatch(step_text):
            raise _error(expression, f"{spec.name} step {step_text!r} in {item!r} is not a number")
        step = int(step_text)
        if step == 0:
            raise _error(expression, f"{spec.name} step in {item!r} is 0")
    if base == "*":
        return range(spec.low, spec.high + 1, step)
    first_text, dash, last_text = base.partition("-")
    first = _parse_value(expression, first_text, item, spec)
    if dash:
        last = _parse_value(expression, last_text, item, spec)
        if last < first:
            raise _error(expression, f"{spec.name} range {base!r} runs backwards")
    else:
        last = spec.high if slash else first
    return range(first, last + 1, step)


def _parse_value(expression: str, text: str, item: str, spec: _FieldSpec) -> int:
    if _NUMBER.fullmatch(text):
        value = int(text)
        if not spec.low <= value <= spec.high:
            raise _error(expression, f"{spec.name} value {value} is out of range {spec.low}-{spec.high}")
        return value
    if text.upper() in spec.names:
        return spec.names[text.upper()]
    what = "a number or a name" if spec.names else "a number"
    where = f" in {item!r}" if item != text else ""
    raise _error(expression, f"{spec.name} value {text!r}{where} is not {what}")


def _error(expression: str, problem: str) -> ScheduleError:
    return ScheduleError(f"schedule {expression!r}: {problem}")


def as_utc(moment: datetime) -> datetime:
    """`moment` in UTC; a naive datetime is refused, since guessing its zone would shift every window."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment.isoformat()} has no timezone; schedules work in aware UTC datetimes")
    return moment.astimezone(UTC)


def _floor_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)
