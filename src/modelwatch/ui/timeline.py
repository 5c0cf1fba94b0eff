"""Values over time as inline SVG: one `<g data-series=…>` per series, a point per execution.

A point whose value is unknown (a failed execution, a feature absent from a window) is still drawn, as a
hollow mark on the axis, so every execution stays visible; the line breaks there. A `threshold` series
is a dashed line. Each point's `<title>` gives its time and value; with `links`, points are links.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from modelwatch.ui.text import esc, number, timestamp

_LEFT, _RIGHT, _TOP, _BOTTOM = 52, 12, 10, 22


@dataclass
class Series:
    name: str
    """The `data-series` value and the legend's label."""
    values: Sequence[float | None]
    """One per moment of the chart; None where unknown."""
    dashed: bool = False


@dataclass
class Timeline:
    moments: Sequence[datetime]
    series: list[Series]
    links: Sequence[str] | None = None
    """Per moment, where a click on its point leads (an execution page)."""
    low: float | None = None
    """A fixed bottom for the value axis (0 for counts and shares); else the smallest value."""
    high: float | None = None
    labels: Callable[[float], str] = number
    notes: Sequence[str] = field(default_factory=list)
    """Per moment, a word added to each point's tooltip (an execution's status)."""


def timeline_svg(chart: Timeline, testid: str, caption: str, width: int = 1000, height: int = 200) -> str:
    plot_width, plot_height = width - _LEFT - _RIGHT, height - _TOP - _BOTTOM
    low, high = _value_range(chart)
    count = len(chart.moments)
    times = [moment.timestamp() for moment in chart.moments]
    first, last = (min(times), max(times)) if times else (0.0, 0.0)

    def x(index: int) -> float:
        if last == first:
            return _LEFT + plot_width / 2
        return _LEFT + (times[index] - first) / (last - first) * plot_width

    def y(value: float) -> float:
        return _TOP + plot_height - (value - low) / (high - low) * plot_height

    groups = [_axes(chart, low, high, width, height, x if count else None)]
    base = _TOP + plot_height
    for series in chart.series:
        segments: list[list[str]] = [[]]
        marks = []
        for index, value in enumerate(series.values):
            known = value is not None and math.isfinite(value)
            if not known:
                segments.append([])
            point_y = y(float(value)) if known else base  # type: ignore[arg-type]
            if known:
                segments[-1].append(f"{x(index):.1f},{point_y:.1f}")
            if series.dashed:
                continue
            tip = f"{timestamp(chart.moments[index])}: {series.name} "
            tip += chart.labels(float(value)) if known else "unknown"  # type: ignore[arg-type]
            if chart.notes:
                tip += f" ({chart.notes[index]})"
            mark = (
                f'<circle class="{"mw-point" if known else "mw-point mw-unknown"}" cx="{x(index):.1f}" '
                f'cy="{point_y:.1f}" r="3.5"><title>{esc(tip)}</title></circle>'
            )
            if chart.links is not None:
                mark = f'<a href="{esc(chart.links[index])}">{mark}</a>'
            marks.append(mark)
        lines = "".join(f'<polyline points="{" ".join(points)}"/>' for points in segments if len(points) > 1)
        kind = " mw-threshold" if series.dashed else ""
        groups.append(
            f'<g class="mw-line mw-line-{esc(series.name)}{kind}" data-series="{esc(series.name)}">'
            f"<title>{esc(series.name)}</title>{lines}{''.join(marks)}</g>"
        )
    return (
        f'<svg class="mw-chart mw-timeline" data-testid="{esc(testid)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img"><title>{esc(caption)}</title>{"".join(groups)}</svg>'
    )


def _value_range(chart: Timeline) -> tuple[float, float]:
    values = [
        value
        for series in chart.series
        for value in series.values
        if value is not None and math.isfinite(value)
    ]
    low = chart.low if chart.low is not None else min(values, default=0.0)
    high = max([*values, chart.high]) if chart.high is not None else max(values, default=1.0)
    if high <= low:
        spread = abs(low) * 0.1 or 1.0
        return (low, low + spread) if chart.low is not None else (low - spread, high + spread)
    if chart.low is None:
        low -= (high - low) * 0.08
    return low, high


def _axes(
    chart: Timeline, low: float, high: float, width: int, height: int, x: Callable[[int], float] | None
) -> str:
    base = height - _BOTTOM
    parts = [
        f'<line x1="{_LEFT}" y1="{base}" x2="{width - _RIGHT}" y2="{base}"/>',
        f'<line class="mw-grid" x1="{_LEFT}" y1="{_TOP}" x2="{width - _RIGHT}" y2="{_TOP}"/>',
        f'<text x="{_LEFT - 4}" y="{_TOP + 4}" text-anchor="end">{esc(chart.labels(high))}</text>',
        f'<text x="{_LEFT - 4}" y="{base}" text-anchor="end">{esc(chart.labels(low))}</text>',
    ]
    if x is not None and chart.moments:
        ends = [(0, "start"), (len(chart.moments) - 1, "end")] if len(chart.moments) > 1 else [(0, "middle")]
        parts += [
            f'<text x="{x(index):.1f}" y="{base + 15}" text-anchor="{anchor}">'
            f"{esc(timestamp(chart.moments[index]))}</text>"
            for index, anchor in ends
        ]
    return f'<g class="mw-axis">{"".join(parts)}</g>'
