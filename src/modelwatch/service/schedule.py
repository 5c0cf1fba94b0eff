"""The pure core of the scheduler: cron expressions, analysis windows and the executions that are due.

Everything here is a function of its arguments, the clock included (`now` is passed in), so the server's
loop stays a thin shell: ``due_windows(schedule, last_fire, now)`` says what to run, and each
``(fire_time, window)`` is run once. Parsing lives in `cron`, windows in `windows`; import from here.
"""

from modelwatch.service.cron import CronSchedule, ScheduleError
from modelwatch.service.windows import Window, analysis_window, due_windows, one_time_window, parse_offset

__all__ = [
    "CronSchedule",
    "ScheduleError",
    "Window",
    "analysis_window",
    "due_windows",
    "one_time_window",
    "parse_offset",
]
