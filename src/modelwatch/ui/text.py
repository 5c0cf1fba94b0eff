"""Escaping and number/time formatting shared by the report's HTML and SVG."""

from __future__ import annotations

import html
import math
import re
from datetime import UTC, datetime, timedelta

import numpy as np


def esc(value: object) -> str:
    """Text or attribute content, quotes included, so any feature name is safe anywhere."""
    return html.escape(str(value), quote=True)


def number(value: float | None) -> str:
    """Four significant digits, no exponent from 0.001 to a billion; an en dash for "no value"."""
    if value is None or math.isnan(value):
        return "–"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    magnitude = abs(value)
    if 1e3 <= magnitude < 1e9:
        return f"{round(value, 3 - math.floor(math.log10(magnitude))):,.0f}"
    if 1e-3 <= magnitude < 1e3:
        return f"{value:.4g}"
    return f"{value:.3g}"


def percent(fraction: float | None) -> str:
    """A fraction as a percentage that never rounds 99.96% up to a misleading 100%."""
    if fraction is None or math.isnan(fraction):
        return "–"
    value = fraction * 100
    if 0 < value < 100:
        text = f"{math.floor(value * 10) / 10:.1f}"
        return f"{text}%" if text not in ("0.0", "100.0") else f"{value:.3g}%"
    return f"{value:.0f}%"


def percents(fractions: np.ndarray) -> list[str]:
    """`percent` of each fraction, the common case (strictly between 0.1% and 100%) formatted in one
    C-level pass: a chart has thousands of them."""
    values = fractions * 100
    tenths = np.floor(values * 10) / 10
    plain = (values > 0) & (values < 100) & (tenths > 0) & (tenths < 100)
    texts = ("%.1f%%\0" * len(tenths) % tuple(tenths.tolist())).split("\0")
    for index in np.flatnonzero(~plain).tolist():
        texts[index] = percent(float(fractions[index]))
    return texts[: len(tenths)]


def timestamp(moment: datetime | None) -> str:
    """UTC, to the second when seconds matter; naive datetimes are taken as UTC."""
    if moment is None:
        return "–"
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    pattern = "%Y-%m-%d %H:%M:%S" if moment.second or moment.microsecond else "%Y-%m-%d %H:%M"
    return moment.strftime(pattern) + " UTC"


def window(start: datetime | None, end: datetime | None) -> str:
    """`2026-11-29 10:00 – 11:00 UTC` when both ends fall on the same day."""
    if start is None and end is None:
        return "whole input"
    first, last = timestamp(start), timestamp(end)
    if start is not None and end is not None and first[:10] == last[:10]:
        return f"{first.removesuffix(' UTC')} – {last[11:]}"
    return f"{first} – {last}"


def window_html(start: datetime | None, end: datetime | None) -> str:
    """`window` as HTML that wraps only between its two ends, never inside a date or a time."""
    parts = window(start, end).split(" – ")
    return " – ".join(f'<span class="mw-nobr">{esc(part)}</span>' for part in parts)


def path_html(text: str) -> str:
    """A path or URI as HTML that wraps only after a slash: each part unbreakable, a <wbr> after each "/"."""
    parts = re.split(r"(?<=/)", text)
    return "<wbr>".join(f'<span class="mw-nobr">{esc(part)}</span>' for part in parts if part)


def slash_breaks(text: str) -> str:
    """Prose naming paths (an error message) as HTML that may also wrap after each slash of a path."""
    return esc(text).replace("/", "/<wbr>")


def duration(span: timedelta) -> str:
    """A whole number of seconds in words: `1 h 30 min`, `2 d`, `45 s`."""
    seconds = int(span.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount} {unit}")
    return " ".join(parts) or "0 s"
