"""The report of one monitoring execution: an HTML fragment, and a self-contained page around it.

The dashboard's execution page embeds `render_execution` (with `report_css()` and `report_js()` once
per page); `analyze` writes `render_report_page` as `report.html`, which opens without a network.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources

from modelwatch.checks.results import CheckResults
from modelwatch.formats.statistics import Statistics
from modelwatch.formats.violations import Violation
from modelwatch.ui.feature import FeatureView, HistoryLink, feature_link, render_feature
from modelwatch.ui.status import status_badge
from modelwatch.ui.text import esc, number, timestamp, window


@dataclass
class ReportData:
    title: str
    """e.g. "churn-endpoint · 2026-11-29 10:00–11:00 UTC"."""
    status: str
    """Completed | CompletedWithViolations | Failed."""
    message: str
    """SageMaker's exit message, or the failure reason."""
    input_uri: str
    window_start: datetime | None
    window_end: datetime | None
    baseline: Statistics
    current: Statistics | None
    """None when the execution failed before profiling."""
    results: CheckResults | None
    notes: list[str]
    """How the input was read: column matching, lines skipped and where."""
    generated_at: datetime


@cache
def report_css() -> str:
    return resources.files("modelwatch.ui").joinpath("assets/report.css").read_text(encoding="utf-8")


@cache
def report_js() -> str:
    return resources.files("modelwatch.ui").joinpath("assets/report.js").read_text(encoding="utf-8")


def render_report_page(data: ReportData) -> str:
    """A complete page: styles and script inline, no external reference of any kind."""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        f"<title>{esc(data.title)} — modelwatch report</title><style>{report_css()}</style></head>"
        f'<body><main class="mw-page"><p class="mw-brand">modelwatch · monitoring report</p>'
        f"{render_execution(data)}</main><script>{report_js()}</script></body></html>\n"
    )


def render_execution(data: ReportData, history: HistoryLink | None = None) -> str:
    """The execution as one `<section>`: header, notes, violations, then every feature.

    `history` gives each feature a link to its history across executions: the dashboard passes one;
    `report.html` has none, since it stands alone.
    """
    views = _feature_views(data)
    known = {view.name for view in views}
    violations = data.results.violations if data.results else []
    cards = "".join(render_feature(view, history) for view in views)
    return (
        f'<section class="mw-report" data-status="{esc(data.status)}">'
        f"{_header(data, views, len(violations))}{_notes(data.notes)}"
        f'<h3 class="mw-section-title">Violations</h3>{_violations_table(violations, known, data.results)}'
        f'<h3 class="mw-section-title">Features</h3>{_toolbar(len(views))}'
        f'<div class="mw-features">{cards}</div></section>'
    )


def _header(data: ReportData, views: list[FeatureView], violation_count: int) -> str:
    violating = sum(1 for view in views if view.violations)
    rows = (
        f"{number(data.current.item_count)}"
        if data.current is not None
        else '<span class="mw-muted">not profiled</span>'
    )
    facts = (
        ("Window", esc(window(data.window_start, data.window_end))),
        ("Input", f"<code>{esc(data.input_uri)}</code>"),
        ("Generated", esc(timestamp(data.generated_at))),
    )
    counts = (
        (number(len(views)), "features"),
        (number(violation_count), "violations" if violation_count != 1 else "violation"),
        (number(violating), "violating features" if violating != 1 else "violating feature"),
        (rows, f'rows <span class="mw-muted">(baseline {number(data.baseline.item_count)})</span>'),
    )
    return (
        '<header class="mw-report-head"><div class="mw-title-row">'
        f"<h2>{esc(data.title)}</h2>"
        f"{status_badge(data.status)}</div>"
        f'<p class="mw-message">{esc(data.message)}</p>'
        f'<dl class="mw-meta">{"".join(f"<dt>{term}</dt><dd>{value}</dd>" for term, value in facts)}</dl>'
        f'<ul class="mw-counts">{"".join(f"<li><strong>{n}</strong> {what}</li>" for n, what in counts)}</ul>'
        "</header>"
    )


def _notes(notes: list[str]) -> str:
    if not notes:
        return ""
    items = "".join(f"<li>{esc(note)}</li>" for note in notes)
    return f'<aside class="mw-notes"><h3>Notes on the input</h3><ul>{items}</ul></aside>'


def _violations_table(violations: list[Violation], known: set[str], results: CheckResults | None) -> str:
    if not violations:
        text = "No violations." if results is not None else "No checks ran."
        return f'<p class="mw-none">{text}</p>'
    rows = []
    for violation in violations:
        name = esc(violation.feature_name)
        link = esc(feature_link(violation.feature_name))
        cell = f'<a href="{link}">{name}</a>' if violation.feature_name in known else name
        rows.append(
            f"<tr><td>{cell}</td><td><code>{esc(violation.constraint_check_type)}</code></td>"
            f"<td>{esc(violation.description)}</td></tr>"
        )
    head = "".join(
        f'<th scope="col"><button type="button" class="mw-sort" data-column="{column}">{title}</button></th>'
        for column, title in enumerate(("Feature", "Check", "Description"))
    )
    return (
        '<div class="mw-table-wrap"><table class="mw-violations" data-testid="violations-table">'
        f"<thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _toolbar(feature_count: int) -> str:
    """Filters that need the script: hidden until it runs, so a script-less page shows no dead controls."""
    return (
        '<div class="mw-toolbar" hidden="">'
        '<label><input type="checkbox" class="mw-only-violating" data-testid="only-violating"/> '
        "Only violating features</label>"
        '<label>Find <input type="search" class="mw-search" placeholder="feature name"/></label>'
        '<label>Order <select class="mw-order"><option value="order">baseline order</option>'
        '<option value="violations">violations first</option>'
        '<option value="drift">largest drift first</option></select></label>'
        f'<span class="mw-shown" aria-live="polite">{number(feature_count)} shown</span></div>'
    )


def _feature_views(data: ReportData) -> list[FeatureView]:
    """Baseline columns in baseline order, then columns only the window has."""
    baseline = {feature.name: feature for feature in reversed(data.baseline.features)}
    current = {feature.name: feature for feature in reversed(data.current.features)} if data.current else {}
    results = {result.name: result for result in reversed(data.results.features)} if data.results else {}
    ordered = [
        *(f.name for f in data.baseline.features),
        *(f.name for f in (data.current.features if data.current else [])),
        *(r.name for r in (data.results.features if data.results else [])),
    ]
    views = []
    for index, name in enumerate(dict.fromkeys(ordered)):
        result = results.get(name)
        if result is not None:
            violations = list(result.violations)
        else:
            violations = [
                v for v in (data.results.violations if data.results else []) if v.feature_name == name
            ]
        views.append(
            FeatureView(
                index,
                name,
                baseline.get(name),
                current.get(name),
                result,
                violations,
                data.current is not None,
            )
        )
    return views
