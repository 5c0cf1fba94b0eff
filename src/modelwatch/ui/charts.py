"""Inline SVG charts: one `<g data-series=…>` per side drawn, a legend, and a `<title>` per bin.

Colours come from the stylesheet (`.mw-baseline`, `.mw-current`: blue and orange, readable with
every common colour-vision deficiency); the current side is also drawn differently (an outline over
the baseline's bars, or the lower bar of a pair), so the chart never relies on colour alone.
"""

from __future__ import annotations

import numpy as np

from modelwatch.ui.distributions import CategoryShares, Histogram
from modelwatch.ui.text import esc, number, percent, percents

SIDES = ("baseline", "current")
WIDTH = 380
_LEFT, _RIGHT, _TOP, _BOTTOM = 44, 10, 26, 30
_LABEL_WIDTH, _ROW, _BAR = 118, 22, 8


def histogram_svg(histogram: Histogram, caption: str) -> str:
    """Both sides' shares per common bin: baseline as bars, current as a step outline on top."""
    height = 170
    plot_width, plot_height = WIDTH - _LEFT - _RIGHT, height - _TOP - _BOTTOM
    edges = histogram.edges
    bins = len(edges) - 1
    peak = max(float(shares.max()) for shares in histogram.fractions if shares is not None) or 1.0
    x = (_LEFT + (edges - edges[0]) / (edges[-1] - edges[0]) * plot_width).tolist()
    base = _TOP + plot_height

    def top(shares: np.ndarray) -> list[float]:
        return (base - shares / peak * plot_height).tolist()

    parts = [_axes(peak, base, plot_width), _x_labels(histogram, x, base)]
    baseline, current = histogram.fractions
    if baseline is not None:
        heights, present = top(baseline), (baseline > 0).tolist()
        rects = "".join(
            f'<rect x="{x[i]:.1f}" y="{heights[i]:.1f}" width="{x[i + 1] - x[i]:.1f}" '
            f'height="{base - heights[i]:.1f}"/>'
            for i in range(bins)
            if present[i]
        )
        parts.append(f'<g class="mw-series mw-baseline" data-series="baseline">{rects}</g>')
    if current is not None:
        heights = top(current)
        steps = "".join(f"V{heights[i]:.1f}H{x[i + 1]:.1f}" for i in range(bins))
        parts.append(
            f'<g class="mw-series mw-current" data-series="current">'
            f'<path d="M{x[0]:.1f},{base:.1f}{steps}V{base:.1f}"/></g>'
        )
    parts.append(_bin_titles(histogram, x, base, plot_height))
    parts.append(_legend(histogram.fractions))
    return _svg("histogram", height, caption, "".join(parts))


def categories_svg(shares: CategoryShares, caption: str) -> str:
    """A pair of horizontal bars per category (baseline above, current below), then "other";
    one thicker bar per category when only one side exists."""
    labels = [*shares.labels, "other values"] if shares.other else list(shares.labels)
    height = _TOP + _ROW * len(labels) + 6
    plot_width = WIDTH - _LABEL_WIDTH - 52
    peak = max(float(side.max()) for side in shares.fractions if side is not None) or 1.0
    names = "".join(
        f'<text class="mw-label{" mw-other" if shares.other and row == len(labels) - 1 else ""}" '
        f'x="{_LABEL_WIDTH - 6}" y="{_TOP + row * _ROW + _BAR + 3}" text-anchor="end">'
        f"<title>{esc(label)}</title>{esc(_clip(label))}</text>"
        for row, label in enumerate(labels)
    )
    parts = [names]
    drawn = [
        (side, values) for side, values in zip(SIDES, shares.fractions, strict=True) if values is not None
    ]
    thickness = _BAR if len(drawn) == 2 else 2 * _BAR + 1
    escaped = [esc(label) for label in labels]
    for offset, (side, fractions) in enumerate(drawn):
        lengths = (fractions / peak * plot_width).tolist()
        bars = "".join(
            f'<rect x="{_LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{thickness}">'
            f"<title>{label} — {side}: {share}</title></rect>"
            f'<text class="mw-value" x="{_LABEL_WIDTH + length + 4:.1f}" y="{y + thickness - 1}">'
            f"{share}</text>"
            for y, label, length, share in zip(
                range(_TOP + offset * (_BAR + 1), _TOP + len(labels) * _ROW, _ROW),
                escaped,
                lengths,
                percents(fractions),
                strict=True,
            )
        )
        parts.append(f'<g class="mw-series mw-{side}" data-series="{side}">{bars}</g>')
    parts.append(_legend(shares.fractions))
    return _svg("categories", height, caption, "".join(parts))


def _svg(kind: str, height: int, caption: str, body: str) -> str:
    return (
        f'<svg class="mw-chart mw-{kind}" data-testid="distribution-chart" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'role="img"><title>{esc(caption)}</title>{body}</svg>'
    )


def _legend(fractions: list[np.ndarray | None]) -> str:
    items = []
    x = _LEFT
    for side, shares in zip(SIDES, fractions, strict=True):
        if shares is None:
            continue
        items.append(
            f'<rect class="mw-swatch mw-{side}" x="{x}" y="6" width="12" height="10"/>'
            f'<text x="{x + 16}" y="15">{side}</text>'
        )
        x += 86
    return f'<g class="mw-legend">{"".join(items)}</g>'


def _axes(peak: float, base: float, plot_width: float) -> str:
    return (
        f'<g class="mw-axis"><line x1="{_LEFT}" y1="{base:.1f}" x2="{_LEFT + plot_width}" y2="{base:.1f}"/>'
        f'<line class="mw-grid" x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT + plot_width}" y2="{_TOP}"/>'
        f'<text x="{_LEFT - 4}" y="{_TOP + 4}" text-anchor="end">{percent(peak)}</text>'
        f'<text x="{_LEFT - 4}" y="{base:.1f}" text-anchor="end">0</text></g>'
    )


def _x_labels(histogram: Histogram, x: list[float], base: float) -> str:
    """Both ends and the middle; every integer under its bin when there are few."""
    edges = histogram.edges
    bins = len(edges) - 1
    if histogram.integral and bins <= 13 and histogram.width == 1:
        values = [edge + 0.5 for edge in edges[:-1]]
        positions = [(x[i] + x[i + 1]) / 2 for i in range(bins)]
        anchors = ["middle"] * bins
    else:
        inset = 0.5 if histogram.integral else 0.0
        values = [edges[0] + inset, edges[bins // 2] + inset, edges[-1] - inset]
        positions = [x[0], x[bins // 2], x[-1]]
        anchors = ["start", "middle", "end"]
    labels = "".join(
        f'<text x="{position:.1f}" y="{base + 16:.1f}" text-anchor="{anchor}">{esc(number(value))}</text>'
        for value, position, anchor in zip(values, positions, anchors, strict=True)
    )
    return f'<g class="mw-axis">{labels}</g>'


def _bin_titles(histogram: Histogram, x: list[float], base: float, plot_height: float) -> str:
    """Invisible full-height targets whose tooltip gives every side's exact share of the bin."""
    edges = histogram.edges
    bins = len(edges) - 1
    if histogram.integral:
        firsts, lasts = (edges[:-1] + 0.5).tolist(), (edges[1:] - 0.5).tolist()
        where = [
            number(first) if first == last else f"{number(first)}–{number(last)}"
            for first, last in zip(firsts, lasts, strict=True)
        ]
    else:
        ends = [number(edge) for edge in edges.tolist()]
        where = [f"[{ends[i]}, {ends[i + 1]})" for i in range(bins)]
        where[-1] = where[-1][:-1] + "]"
    drawn = [
        (side, percents(shares))
        for side, shares in zip(SIDES, histogram.fractions, strict=True)
        if shares is not None
    ]
    shares = [", ".join(f"{side} {texts[i]}" for side, texts in drawn) for i in range(bins)]
    top, height = f"{base - plot_height:.1f}", f"{plot_height:.1f}"
    targets = "".join(
        f'<rect x="{x[i]:.1f}" y="{top}" width="{x[i + 1] - x[i]:.1f}" height="{height}">'
        f"<title>{where[i]}: {shares[i]}</title></rect>"
        for i in range(bins)
    )
    return f'<g class="mw-targets">{targets}</g>'


def _clip(label: str, limit: int = 18) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
