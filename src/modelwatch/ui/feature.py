"""One feature's card: types, completeness, type match, drift against its threshold, and a chart."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from modelwatch.checks.results import FeatureResult
from modelwatch.formats.statistics import FeatureStatistics
from modelwatch.formats.violations import Violation
from modelwatch.ui.charts import SIDES, categories_svg, histogram_svg
from modelwatch.ui.distributions import common_histogram, top_categories
from modelwatch.ui.text import esc, number, percent

P_VALUE_METHODS = ("ChiSquared",)
"""Methods whose `distance` is a p-value: drift is a value *below* the threshold."""


@dataclass
class FeatureView:
    """Everything known about one feature; any part may be missing."""

    index: int
    name: str
    baseline: FeatureStatistics | None
    current: FeatureStatistics | None
    result: FeatureResult | None
    violations: list[Violation] = field(default_factory=list)
    profiled: bool = True
    """False when the execution failed before profiling the window: no side is "missing" then."""


HistoryLink = Callable[[str], str]
"""A feature's name -> the URL of its history across executions (only the dashboard has one)."""


def feature_anchor(name: str) -> str:
    """The card's id; links to it percent-encode the name (`#feature-Day%20Mins`), which browsers decode."""
    return f"feature-{name}"


def feature_link(name: str) -> str:
    return "#" + quote(feature_anchor(name), safe="-")


def render_feature(view: FeatureView, history: HistoryLink | None = None) -> str:
    """A `<section>` whose data attributes (name, order, violations, drift) drive the page's filters."""
    classes = "mw-feature mw-violating" if view.violations else "mw-feature"
    attributes = (
        f'id="{esc(feature_anchor(view.name))}" data-testid="feature" data-feature="{esc(view.name)}" '
        f'data-violating="{"true" if view.violations else "false"}" '
        f'data-name="{esc(view.name.casefold())}" data-order="{view.index}" '
        f'data-violations="{len(view.violations)}" data-drift="{_severity(view.result):.6g}"'
    )
    chips = listing = ""
    if view.violations:
        chips = "".join(f'<li class="mw-chip">{esc(v.constraint_check_type)}</li>' for v in view.violations)
        chips = f'<ul class="mw-chips">{chips}</ul>'
        listing = "".join(
            f"<li><strong>{esc(v.constraint_check_type)}</strong>: {esc(v.description)}</li>"
            for v in view.violations
        )
        listing = f'<ul class="mw-feature-violations">{listing}</ul>'
    if view.result is not None and view.result.notes:
        notes = "".join(f"<li>{esc(note)}</li>" for note in view.result.notes)
        listing += f'<ul class="mw-feature-notes">{notes}</ul>'
    link = (
        f'<a class="mw-history-link" data-testid="feature-history" href="{esc(history(view.name))}">'
        "history across executions</a>"
        if history is not None
        else ""
    )
    return (
        f'<section class="{classes}" {attributes}>'
        f'<header class="mw-feature-head"><h4>{esc(view.name)}</h4>'
        f'<span class="mw-types">{_types(view)}</span>{chips}{link}</header>'
        f'<div class="mw-feature-body"><div class="mw-feature-numbers">{_facts(view)}{_summary(view)}</div>'
        f'<figure class="mw-figure">{_chart(view)}</figure></div>{listing}</section>'
    )


def _types(view: FeatureView) -> str:
    baseline = view.baseline.inferred_type if view.baseline else None
    current = view.current.inferred_type if view.current else None
    if view.result is not None:
        baseline, current = view.result.baseline_type or baseline, view.result.current_type or current
    if baseline is None:
        return f'<span class="mw-tag">not in baseline</span> {esc(current or "Unknown")}'
    if current is None:
        return (
            f'{esc(baseline)} <span class="mw-tag">not in current data</span>'
            if view.profiled
            else esc(baseline)
        )
    if baseline == current:
        return esc(baseline)
    return f'{esc(baseline)} → <span class="mw-changed">{esc(current)}</span>'


def _completeness(feature: FeatureStatistics | None) -> float | None:
    if feature is None or feature.num_present + feature.num_missing == 0:
        return None
    return feature.num_present / (feature.num_present + feature.num_missing)


def _facts(view: FeatureView) -> str:
    result = view.result
    baseline = result.baseline_completeness if result else None
    current = result.completeness if result else None
    baseline = baseline if baseline is not None else _completeness(view.baseline)
    current = current if current is not None else _completeness(view.current)
    facts = [
        ("Completeness", f'{percent(current)} <span class="mw-muted">(baseline {percent(baseline)})</span>')
    ]
    if result is not None and result.type_match is not None:
        facts.append(("Type match", percent(result.type_match)))
    if result is not None and result.domain_match is not None:
        facts.append(("In baseline domain", percent(result.domain_match)))
    if result is not None and result.distance is not None and math.isfinite(result.distance):
        facts.append((f"Drift · {esc(result.method or 'distance')}", _gauge(result)))
    rows = "".join(f"<dt>{term}</dt><dd>{value}</dd>" for term, value in facts)
    return f'<dl class="mw-facts">{rows}</dl>'


def _exceeds(result: FeatureResult) -> bool:
    if result.distance is None or result.threshold is None:
        return False
    if result.method in P_VALUE_METHODS:
        return result.distance < result.threshold
    return result.distance > result.threshold


def _severity(result: FeatureResult | None) -> float:
    """distance ÷ threshold (threshold ÷ p-value for χ²): above 1 means drift; for sorting."""
    if result is None or result.distance is None or not math.isfinite(result.distance):
        return 0.0
    if not result.threshold:
        return result.distance
    if result.method in P_VALUE_METHODS:
        return result.threshold / max(result.distance, 1e-12)
    return result.distance / result.threshold


def _gauge(result: FeatureResult) -> str:
    """A bar for the distance with a tick at the threshold; the text says which side is bad."""
    distance, threshold = result.distance or 0.0, result.threshold
    p_value = result.method in P_VALUE_METHODS
    scale = 1.0 if p_value else max(distance, threshold or 0.0) * 1.25 or 1.0
    sign = ("<" if p_value else ">") if _exceeds(result) else ("≥" if p_value else "≤")
    label = f"{'p = ' if p_value else ''}{number(distance)}"
    if threshold is not None:
        label += f" {sign} threshold {number(threshold)}"
    mark = (
        f'<span class="mw-gauge-mark" style="left:{threshold / scale * 100:.1f}%"></span>'
        if threshold is not None
        else ""
    )
    state = " mw-over" if _exceeds(result) else ""
    return (
        f'<span class="mw-gauge{state}" role="img" aria-label="{esc(label)}">'
        f'<span class="mw-gauge-fill" style="width:{min(distance / scale, 1.0) * 100:.1f}%"></span>'
        f"{mark}</span>"
        f' <span class="mw-gauge-text">{esc(label)}</span>'
    )


def _summary(view: FeatureView) -> str:
    """The side-by-side numbers behind the chart: counts, then moments or distinct values."""
    sides = [
        (side, feature) for side, feature in zip(SIDES, (view.baseline, view.current), strict=True) if feature
    ]
    if not sides:
        return ""
    rows: list[tuple[str, list[str]]] = [
        ("present", [number(f.num_present) for _, f in sides]),
        ("missing", [number(f.num_missing) for _, f in sides]),
    ]
    if any(f.numerical for _, f in sides):
        for label, key in (("mean", "mean"), ("std dev", "std_dev"), ("min", "min"), ("max", "max")):
            rows.append(
                (label, [number(getattr(f.numerical, key)) if f.numerical else "–" for _, f in sides])
            )
    if any(f.string for _, f in sides):
        rows.append(
            ("distinct", [number(round(f.string.distinct_count)) if f.string else "–" for _, f in sides])
        )
    head = "".join(f'<th scope="col">{side}</th>' for side, _ in sides)
    body = "".join(
        f'<tr><th scope="row">{label}</th>{"".join(f"<td>{cell}</td>" for cell in cells)}</tr>'
        for label, cells in rows
    )
    return f'<table class="mw-summary"><thead><tr><td></td>{head}</tr></thead><tbody>{body}</tbody></table>'


def _chart(view: FeatureView) -> str:
    features = (view.baseline, view.current)
    numbers = [feature.numerical if feature else None for feature in features]
    caption = f"Distribution of {view.name}"
    if any(numbers):
        integral = all(f.inferred_type == "Integral" for f in features if f is not None and f.numerical)
        histogram = common_histogram(numbers, integral=integral)
        if histogram is not None and any(side is not None for side in histogram.fractions):
            return histogram_svg(histogram, caption) + _gaps(features, histogram.fractions, "numeric values")
    strings = [feature.string if feature else None for feature in features]
    shares = top_categories(strings)
    if shares is not None:
        return categories_svg(shares, caption) + _gaps(features, shares.fractions, "category counts")
    distinct = [
        f.string.distinct_count for f in features if f and f.string and f.num_present and not f.string.buckets
    ]
    if distinct:
        return (
            f'<p class="mw-muted">No chart: about {number(round(max(distinct)))} distinct values, '
            "too many to keep category counts.</p>"
        )
    return '<p class="mw-muted">No chart: the statistics hold no values.</p>'


def _gaps(features: tuple[FeatureStatistics | None, ...], drawn: list, kind: str) -> str:
    """Say why a side that exists is not on the chart (a type change, no values in the window)."""
    missing = [
        f"{side} has no {kind} ({feature.inferred_type})"
        for side, feature, shares in zip(SIDES, features, drawn, strict=True)
        if feature is not None and shares is None
    ]
    return f'<figcaption class="mw-muted">{esc("; ".join(missing))}</figcaption>' if missing else ""
