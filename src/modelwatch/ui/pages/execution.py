"""`/executions/{id}`: the execution's report, by the renderer `analyze` uses for report.html, in the
dashboard's chrome, each feature linking to its history in the schedule."""

from __future__ import annotations

from urllib.parse import quote

from modelwatch.ui.layout import Viewer, page
from modelwatch.ui.report import ReportData, render_execution


def schedule_href(schedule: str) -> str:
    return f"/schedules/{quote(schedule, safe='')}"


def feature_history_href(schedule: str, feature: str) -> str:
    return f"{schedule_href(schedule)}/features/{quote(feature, safe='')}"


def execution_title(schedule: str, execution: int) -> str:
    return f"{schedule} · execution {execution}"


def execution_fragment(schedule: str, report: ReportData) -> str:
    """The report as `report.html` shows it, each feature linking to its history in `schedule`."""
    return render_execution(report, lambda feature: feature_history_href(schedule, feature))


def render_execution_page(schedule: str, title: str, fragment: str, viewer: Viewer) -> str:
    """`fragment` (from `execution_fragment`, which the server keeps) in the chrome of `viewer`."""
    body = f'<p class="mw-back"><a href="/" data-testid="back-to-overview">← Overview</a></p>{fragment}'
    crumbs = (("/schedules", "Schedules"), (schedule_href(schedule), schedule))
    return page("execution", title, body, viewer, crumbs)
