"""`/baselines` and `/baselines/{name}`: the baselines, and one baseline's statistics (a sortable table,
like the notebook view of statistics.json) and constraints."""

from __future__ import annotations

import json

from modelwatch.formats.constraints import Constraints
from modelwatch.formats.statistics import FeatureStatistics, Statistics
from modelwatch.ui.layout import Viewer, page
from modelwatch.ui.pages.common import data_table
from modelwatch.ui.pages.records import BaselineRow
from modelwatch.ui.status import status_badge
from modelwatch.ui.text import esc, number, path_html, percent, timestamp

_STATISTICS_COLUMNS = (
    ("Feature", "text"),
    ("Type", "text"),
    ("Present", "number"),
    ("Missing", "number"),
    ("Completeness", "number"),
    ("Mean", "number"),
    ("Std dev", "number"),
    ("Min", "number"),
    ("Max", "number"),
    ("Distinct", "number"),
)


def render_baselines(baselines: list[BaselineRow], viewer: Viewer) -> str:
    if not baselines:
        table = '<p class="mw-none" data-testid="empty">No baselines yet (POST /api/v1/baselines).</p>'
    else:
        rows = "".join(
            f'<tr data-testid="baseline-row" data-baseline="{esc(baseline.name)}">'
            f'<td><a href="/baselines/{esc(baseline.name)}">{esc(baseline.name)}</a></td>'
            f"<td>{_source(baseline)}</td><td>{_job(baseline)}</td>"
            f"<td>{esc(', '.join(baseline.schedules)) or '–'}</td>"
            f'<td class="mw-nobr">{esc(timestamp(baseline.created_at))}</td></tr>'
            for baseline in baselines
        )
        titles = ("Name", "Documents", "Baselining job", "Used by", "Created")
        table = data_table(titles, rows, attributes=' data-testid="baselines"')
    return page("baselines", "Baselines", f"<h1>Baselines</h1>{table}", viewer)


def render_baseline(
    baseline: BaselineRow,
    statistics: Statistics | None,
    constraints: Constraints | None,
    problems: list[str],
    viewer: Viewer,
) -> str:
    """`problems`: why a document is not shown (a job not finished, a file that cannot be read)."""
    notes = "".join(f'<p class="mw-message" data-testid="message">{esc(problem)}</p>' for problem in problems)
    facts = (
        ("Documents", _source(baseline)),
        ("Baselining job", _job(baseline)),
        ("Used by", esc(", ".join(baseline.schedules)) or "no schedule"),
        ("Created", esc(timestamp(baseline.created_at))),
    )
    rows = number(statistics.item_count) if statistics is not None else "–"
    body = (
        f"<h1>{esc(baseline.name)}</h1>"
        f'<dl class="mw-meta">{"".join(f"<dt>{term}</dt><dd>{value}</dd>" for term, value in facts)}'
        f"<dt>Rows</dt><dd>{rows}</dd></dl>{notes}"
        f'<h2 class="mw-section-title">Statistics</h2>{_statistics(statistics)}'
        f'<h2 class="mw-section-title">Constraints</h2>{_constraints(constraints)}'
    )
    return page("baseline", baseline.name, body, viewer, (("/baselines", "Baselines"),))


def _source(baseline: BaselineRow) -> str:
    documents = [uri for uri in (baseline.statistics_uri, baseline.constraints_uri) if uri]
    if documents:
        return "<br>".join(f"<code>{path_html(uri)}</code>" for uri in documents)
    return f"from <code>{path_html(baseline.dataset_uri or '')}</code>"


def _job(baseline: BaselineRow) -> str:
    if baseline.job_status is None:
        return '<span class="mw-muted">none (documents given)</span>'
    reason = esc(baseline.failure_reason or "")
    return status_badge(baseline.job_status) + (f' <span class="mw-muted">{reason}</span>' if reason else "")


def _statistics(statistics: Statistics | None) -> str:
    if statistics is None:
        return '<p class="mw-none">No statistics to show.</p>'
    head = "".join(
        f'<th scope="col" data-sort="{kind}"><button type="button" class="mw-sort" data-column="{column}">'
        f"{title}</button></th>"
        for column, (title, kind) in enumerate(_STATISTICS_COLUMNS)
    )
    rows = "".join(_statistics_row(feature) for feature in statistics.features)
    return (
        '<div class="mw-table-wrap"><table class="mw-table mw-sortable" data-testid="baseline-statistics">'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
    )


def _statistics_row(feature: FeatureStatistics) -> str:
    counts = feature.numerical or feature.string
    present = counts.num_present if counts else None
    missing = counts.num_missing if counts else None
    total = (present or 0) + (missing or 0)
    numbers = feature.numerical
    values: list[float | None] = [
        present,
        missing,
        present / total if total and present is not None else None,
        numbers.mean if numbers else None,
        numbers.std_dev if numbers else None,
        numbers.min if numbers else None,
        numbers.max if numbers else None,
        round(feature.string.distinct_count) if feature.string else None,
    ]
    shown = [number(value) for value in values]
    shown[2] = percent(values[2])
    cells = "".join(
        f'<td data-value="{"" if value is None else repr(float(value))}">{text}</td>'
        for value, text in zip(values, shown, strict=True)
    )
    return (
        f'<tr data-feature="{esc(feature.name)}"><th scope="row">{esc(feature.name)}</th>'
        f"<td>{esc(feature.inferred_type)}</td>{cells}</tr>"
    )


def _constraints(constraints: Constraints | None) -> str:
    if constraints is None:
        return '<div data-testid="baseline-constraints"><p class="mw-none">No constraints to show.</p></div>'
    config = json.dumps(constraints.monitoring_config.to_dict(), indent=2)
    rows = "".join(
        f'<tr data-feature="{esc(feature.name)}"><th scope="row">{esc(feature.name)}</th>'
        f'<td>{esc(feature.inferred_type)}</td><td class="mw-num">{percent(feature.completeness)}</td>'
        f"<td>{_flag(feature.is_non_negative)}</td><td>{_domain(feature.domains)}</td>"
        f"<td>{f'<code>{esc(json.dumps(feature.overrides))}</code>' if feature.overrides else '–'}</td></tr>"
        for feature in constraints.features
    )
    titles = ("Feature", "Type", "Completeness", "Non-negative", "Domain", "Overrides")
    return (
        '<div data-testid="baseline-constraints"><details><summary>Monitoring configuration</summary>'
        f"<pre><code>{esc(config)}</code></pre></details>"
        f"{data_table(titles, rows, numeric={'Completeness'})}</div>"
    )


def _flag(value: bool | None) -> str:
    return "–" if value is None else ("yes" if value else "no")


def _domain(domains: list[str] | None, shown: int = 8) -> str:
    if not domains:
        return "–"
    listed = ", ".join(esc(value) for value in domains[:shown])
    more = f' <span class="mw-muted">and {len(domains) - shown} more</span>' if len(domains) > shown else ""
    return f"{listed}{more}"
