"""`/schedules`: every schedule, and the form that creates one through `POST /api/v1/schedules`."""

from __future__ import annotations

from modelwatch.ui.layout import Viewer, page
from modelwatch.ui.pages.common import data_table, execution_link, form_feedback
from modelwatch.ui.pages.records import ScheduleRow
from modelwatch.ui.status import status_badge
from modelwatch.ui.text import esc

NAME_PATTERN = r"[A-Za-z0-9](?:[A-Za-z0-9._\-]*[A-Za-z0-9])?"
"""The API's name rule as an HTML `pattern`, which browsers compile with the `v` flag: there a `-` in a
character class must be escaped, or the whole pattern is invalid and the name goes unchecked."""
NAME_RULE = "letters, digits, '.', '_' and '-', starting and ending with a letter or digit"


def render_schedules(
    schedules: list[ScheduleRow], endpoints: list[str], baselines: list[str], viewer: Viewer
) -> str:
    body = (
        "<h1>Schedules</h1>"
        f"{_table(schedules)}"
        f'<h2 class="mw-section-title">New schedule</h2>{_form(endpoints, baselines, viewer)}'
    )
    return page("schedules", "Schedules", body, viewer)


def _table(schedules: list[ScheduleRow]) -> str:
    if not schedules:
        return '<p class="mw-none" data-testid="empty">No schedules yet: create one below.</p>'
    rows = []
    for schedule in schedules:
        latest = schedule.latest
        last = (
            f"{status_badge(latest.status)} {execution_link(latest)}"
            if latest
            else '<span class="mw-muted">none yet</span>'
        )
        rows.append(
            f'<tr data-testid="schedule-row" data-schedule="{esc(schedule.name)}">'
            f'<td><a href="/schedules/{esc(schedule.name)}">{esc(schedule.name)}</a></td>'
            f"<td>{esc(schedule.endpoint)}</td><td>{esc(schedule.baseline)}</td>"
            f"<td><code>{esc(schedule.cron_expression)}</code></td>"
            f"<td>{status_badge(schedule.status)}</td><td>{last}</td></tr>"
        )
    titles = ("Name", "Endpoint", "Baseline", "Cron", "Status", "Last execution")
    return data_table(titles, "".join(rows), attributes=' data-testid="schedules"')


def _form(endpoints: list[str], baselines: list[str], viewer: Viewer) -> str:
    """Inputs named as the API's JSON keys; the script posts them and shows the API's message on error."""
    refusal = viewer.refusal()
    if refusal is None and not endpoints:
        refusal = "register an endpoint first (POST /api/v1/endpoints)"
    if refusal is None and not baselines:
        refusal = "register a baseline first (POST /api/v1/baselines)"
    fields = (
        _field(
            "Name",
            f'<input name="name" required maxlength="128" pattern="{NAME_PATTERN}" title="{esc(NAME_RULE)}">',
            NAME_RULE,
        ),
        _field("Endpoint", _select("endpoint", endpoints)),
        _field("Baseline", _select("baseline", baselines)),
        _field(
            "Cron expression",
            '<input name="cron_expression" required value="0 * * * *" spellcheck="false">',
            "five fields (minute hour day month weekday) or @hourly, @daily…; times are UTC",
        ),
        _field(
            "Window start offset",
            '<input name="start_offset" value="PT0S" spellcheck="false">',
            "each run analyses the data since the previous run; -PT1H starts it an hour earlier",
        ),
        _field(
            "Window end offset",
            '<input name="end_offset" value="PT0S" spellcheck="false">',
            "PT0S ends it at the run; -PT5M five minutes before, leaving late records time to arrive",
        ),
        _field(
            "Max runtime (s)",
            '<input name="max_runtime_seconds" type="number" min="1" max="86400" value="3600" '
            'data-type="number">',
        ),
        _field(
            "Alert settings (JSON)",
            '<textarea name="alert_settings" rows="2" data-type="json" spellcheck="false" '
            'placeholder=\'{"webhooks": [{"url": "https://…"}]}\'></textarea>',
            "optional",
        ),
    )
    disabled = f' disabled title="{esc(refusal)}"' if refusal else ""
    return (
        '<form class="mw-form" data-testid="schedule-form" data-api="/api/v1/schedules" '
        f'data-method="POST" data-then="reload">{"".join(fields)}'
        f'<p><button type="submit" class="mw-button"{disabled}>Create schedule</button></p>'
        f"{form_feedback()}</form>"
    )


def _field(label: str, control: str, hint: str = "") -> str:
    help_text = f' <span class="mw-muted">{esc(hint)}</span>' if hint else ""
    return f'<label class="mw-field"><span>{esc(label)}</span>{control}{help_text}</label>'


def _select(name: str, options: list[str]) -> str:
    choices = "".join(f'<option value="{esc(option)}">{esc(option)}</option>' for option in options)
    return f'<select name="{name}" required>{choices}</select>'
