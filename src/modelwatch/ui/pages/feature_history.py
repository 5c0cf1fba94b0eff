"""`/schedules/{name}/features/{feature}`: one feature across the schedule's executions: drift distance
against its threshold, completeness and mean, oldest first, each point linking to its execution."""

from __future__ import annotations

from modelwatch.ui.feature import feature_link
from modelwatch.ui.layout import Viewer, page
from modelwatch.ui.pages.common import data_table, execution_href, execution_link
from modelwatch.ui.pages.execution import schedule_href
from modelwatch.ui.pages.records import HistoryPoint
from modelwatch.ui.status import status_badge
from modelwatch.ui.text import esc, number, percent
from modelwatch.ui.timeline import Series, Timeline, timeline_svg


def render_feature_history(schedule: str, feature: str, points: list[HistoryPoint], viewer: Viewer) -> str:
    """`points` oldest first."""
    title = f"{feature} · {schedule}"
    if not points:
        charts = '<p class="mw-none" data-testid="empty">No finished execution of this schedule yet.</p>'
    else:
        charts = _charts(points, feature)
    body = (
        f'<h1>{esc(feature)} <span class="mw-muted">in {esc(schedule)}</span></h1>'
        f'<p class="mw-back"><a href="/" data-testid="back-to-overview">← Overview</a></p>'
        f"{charts}{_table(points, feature)}"
    )
    crumbs = (("/schedules", "Schedules"), (schedule_href(schedule), schedule))
    return page("feature-history", title, body, viewer, crumbs)


def _charts(points: list[HistoryPoint], feature: str) -> str:
    moments = [point.execution.window_end for point in points]
    links = [execution_href(point.execution.id) + feature_link(feature) for point in points]
    notes = [point.execution.status for point in points]
    drift = Timeline(
        moments,
        [
            Series("drift", [point.drift for point in points]),
            Series("threshold", [point.threshold for point in points], dashed=True),
        ],
        links,
        low=0.0,
        notes=notes,
    )
    completeness = Timeline(
        moments,
        [Series("completeness", [point.completeness for point in points])],
        links,
        low=0.0,
        high=1.0,
        labels=percent,
        notes=notes,
    )
    mean = Timeline(moments, [Series("mean", [point.mean for point in points])], links, notes=notes)
    sections = (
        ("Drift distance", "history-chart-drift", drift, "against its threshold (dashed)"),
        ("Completeness", "history-chart-completeness", completeness, "share of values present"),
        ("Mean", "history-chart-mean", mean, "numeric features only"),
    )
    return "".join(
        f'<figure class="mw-figure mw-wide"><figcaption><strong>{title}</strong> '
        f'<span class="mw-muted">{hint}</span></figcaption>{timeline_svg(chart, testid, title)}</figure>'
        for title, testid, chart, hint in sections
    )


def _table(points: list[HistoryPoint], feature: str) -> str:
    if not points:
        return ""
    rows = "".join(
        f"<tr><td>{execution_link(point.execution)}</td><td>{status_badge(point.execution.status)}</td>"
        f"{_numbers(number(point.drift), number(point.threshold))}"
        f"{_numbers(percent(point.completeness), number(point.mean))}"
        f"<td>{esc(', '.join(point.violations)) or '–'}</td></tr>"
        for point in reversed(points)
    )
    numeric = ("Drift", "Threshold", "Completeness", "Mean")
    table = data_table(
        ("Window", "Status", *numeric, "Violations"),
        rows,
        numeric=numeric,
        attributes=f' data-testid="history-table" data-feature="{esc(feature)}"',
    )
    return f'<h2 class="mw-section-title">Executions, newest first</h2>{table}'


def _numbers(*texts: str) -> str:
    return "".join(f'<td class="mw-num">{text}</td>' for text in texts)
