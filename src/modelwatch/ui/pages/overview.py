"""`/`: every endpoint and schedule, each schedule's last status and violations over time, and what needs
attention first."""

from __future__ import annotations

from modelwatch.ui.layout import Viewer, page
from modelwatch.ui.pages.common import data_table, execution_href, execution_link
from modelwatch.ui.pages.records import Attention, EndpointRow, ScheduleRow
from modelwatch.ui.status import status_badge
from modelwatch.ui.text import esc, number, path_html
from modelwatch.ui.timeline import Series, Timeline, timeline_svg


def render_overview(
    schedules: list[ScheduleRow], endpoints: list[EndpointRow], attention: list[Attention], viewer: Viewer
) -> str:
    body = (
        "<h1>Overview</h1>"
        f'<h2 class="mw-section-title">Needs attention</h2>{_attention(attention, bool(schedules))}'
        f'<h2 class="mw-section-title">Schedules</h2>{_schedules(schedules)}'
        f'<h2 class="mw-section-title">Endpoints</h2>{_endpoints(endpoints)}'
    )
    return page("overview", "Overview", body, viewer)


def _attention(items: list[Attention], any_schedule: bool) -> str:
    if not items:
        text = "Nothing: the latest execution of every schedule passed." if any_schedule else "Nothing yet."
        return f'<div data-testid="attention"><p class="mw-none">{text}</p></div>'
    entries = "".join(
        f'<li class="mw-attention-{esc(item.kind)}"><a href="{esc(item.href)}">{esc(item.title)}</a> '
        f'<span class="mw-muted">{esc(item.detail)}</span></li>'
        for item in items
    )
    return f'<ul class="mw-attention" data-testid="attention">{entries}</ul>'


def _schedules(schedules: list[ScheduleRow]) -> str:
    if not schedules:
        return (
            '<p class="mw-none" data-testid="empty">No schedules yet. '
            '<a href="/schedules">Create one</a> to start monitoring an endpoint.</p>'
        )
    return f'<div class="mw-cards">{"".join(_schedule_card(schedule) for schedule in schedules)}</div>'


def _schedule_card(schedule: ScheduleRow) -> str:
    latest = schedule.latest
    if latest is None:
        last = '<span class="mw-muted" data-testid="status">no execution yet</span>'
        when = ""
    else:
        last = status_badge(latest.status, "status")
        when = execution_link(latest)
    executions = list(reversed(schedule.executions))
    chart = timeline_svg(
        Timeline(
            moments=[execution.window_end for execution in executions],
            series=[Series("violations", [execution.violation_count for execution in executions])],
            links=[execution_href(execution.id) for execution in executions],
            low=0.0,
            high=1.0,
            labels=number,
            notes=[execution.status for execution in executions],
        ),
        "violations-chart",
        f"Violations per execution of {schedule.name}",
        width=420,
        height=120,
    )
    paused = "" if schedule.status == "Scheduled" else f" · {status_badge(schedule.status)}"
    return (
        f'<article class="mw-card" data-testid="schedule-row" data-schedule="{esc(schedule.name)}">'
        f'<header><h3><a href="/schedules/{esc(schedule.name)}">{esc(schedule.name)}</a></h3>'
        f'<span class="mw-muted">{esc(schedule.endpoint)} against {esc(schedule.baseline)} · '
        f"<code>{esc(schedule.cron_expression)}</code>{paused}</span></header>"
        f'<p class="mw-last">Last execution: {last} {when}</p>'
        f'<figure class="mw-figure">{chart}<figcaption class="mw-muted">{_caption(len(executions))}'
        "</figcaption></figure></article>"
    )


def _caption(count: int) -> str:
    if count == 0:
        return "No executions yet."
    return f"Violations per execution (the last {count}); hollow marks are runs without a count (failed)."


def _endpoints(endpoints: list[EndpointRow]) -> str:
    if not endpoints:
        return '<p class="mw-none">No endpoints registered yet (POST /api/v1/endpoints).</p>'
    rows = "".join(
        f'<tr data-testid="endpoint-row"><td>{esc(endpoint.name)}</td>'
        f"<td><code>{path_html(endpoint.capture_uri)}</code></td><td>{_schedule_links(endpoint.schedules)}</td></tr>"
        for endpoint in endpoints
    )
    return data_table(("Endpoint", "Capture", "Schedules"), rows)


def _schedule_links(names: list[str]) -> str:
    if not names:
        return '<span class="mw-muted">none</span>'
    return ", ".join(f'<a href="/schedules/{esc(name)}">{esc(name)}</a>' for name in names)
