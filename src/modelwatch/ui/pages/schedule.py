"""`/schedules/{name}`: one schedule, its executions newest first, and start / stop / run now."""

from __future__ import annotations

from datetime import datetime, timedelta

from modelwatch.ui.layout import Viewer, page
from modelwatch.ui.pages.common import action_button, executions_table, form_feedback
from modelwatch.ui.pages.records import ScheduleRow
from modelwatch.ui.status import status_badge
from modelwatch.ui.text import duration, esc, number, timestamp

PAGE_SIZE = 50


def render_schedule(schedule: ScheduleRow, total: int, offset: int, now: datetime, viewer: Viewer) -> str:
    """`schedule.executions` is the page of executions from `offset`, of `total` in all."""
    api = f"/api/v1/schedules/{schedule.name}"
    facts = (
        ("Status", status_badge(schedule.status, "schedule-status")),
        ("Endpoint", esc(schedule.endpoint)),
        ("Baseline", f'<a href="/baselines/{esc(schedule.baseline)}">{esc(schedule.baseline)}</a>'),
        ("Cron", f"<code>{esc(schedule.cron_expression)}</code> (UTC)"),
        ("Window", esc(window_rule(schedule.start_offset, schedule.end_offset))),
        ("Max runtime", f"{number(schedule.max_runtime_seconds)} s"),
        ("Created", esc(timestamp(schedule.created_at))),
    )
    if schedule.failure_reason:
        facts += (("Failure", esc(schedule.failure_reason)),)
    buttons = action_button(
        "Start",
        "start",
        viewer,
        "already scheduled" if schedule.status == "Scheduled" else None,
        api=f"{api}/start",
    )
    buttons += action_button(
        "Stop", "stop", viewer, "already stopped" if schedule.status == "Stopped" else None, api=f"{api}/stop"
    )
    body = (
        f"<h1>{esc(schedule.name)}</h1>"
        f'<dl class="mw-meta">{"".join(f"<dt>{term}</dt><dd>{value}</dd>" for term, value in facts)}</dl>'
        f'<div class="mw-actions" data-then="reload">{buttons}</div>'
        f"{_run_form(api, now, viewer)}{form_feedback()}"
        f'<h2 class="mw-section-title">Executions <span class="mw-muted">({number(total)})</span></h2>'
        f"{executions_table(schedule.executions)}{_pager(schedule.name, total, offset)}"
    )
    return page("schedule", schedule.name, body, viewer, (("/schedules", "Schedules"),))


def window_rule(start_offset: timedelta, end_offset: timedelta) -> str:
    """What each run analyses, in words: from the previous run to this one, each end moved back by its
    offset (SageMaker's StartTimeOffset and EndTimeOffset, never positive)."""
    start = f"{duration(-start_offset)} before the previous run" if start_offset else "the previous run"
    end = f"{duration(-end_offset)} before this run" if end_offset else "this run"
    return f"each run analyses the data from {start} to {end}"


def _run_form(api: str, now: datetime, viewer: Viewer) -> str:
    """Run now on a window (UTC), by default the last whole hour."""
    reason = None if viewer.can_run else "this server runs no scheduler, so nothing can run now"
    end = now.replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(hours=1)
    why = viewer.refusal() or reason
    disabled = f' disabled title="{esc(why)}"' if why else ""
    return (
        f'<form class="mw-form mw-inline" data-testid="run-form" data-api="{esc(api)}/runs" '
        'data-method="POST" data-then="message">'
        '<label class="mw-field"><span>Window start (UTC)</span>'
        f'<input name="start" type="datetime-local" data-type="utc" value="{start:%Y-%m-%dT%H:%M}" required>'
        '</label><label class="mw-field"><span>Window end (UTC)</span>'
        f'<input name="end" type="datetime-local" data-type="utc" value="{end:%Y-%m-%dT%H:%M}" required>'
        f'</label><p><button type="submit" class="mw-button" data-testid="run-now"{disabled}>Run now</button>'
        "</p></form>"
    )


def _pager(name: str, total: int, offset: int) -> str:
    links = []
    if offset > 0:
        links.append(f'<a href="/schedules/{esc(name)}?offset={max(0, offset - PAGE_SIZE)}">Newer</a>')
    if offset + PAGE_SIZE < total:
        links.append(f'<a href="/schedules/{esc(name)}?offset={offset + PAGE_SIZE}">Older</a>')
    return f'<p class="mw-pager">{" · ".join(links)}</p>' if links else ""
