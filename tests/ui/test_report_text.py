"""Formatting: percentages that never round a shortfall away, compact numbers, UTC windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest

from modelwatch.ui.text import esc, number, percent, percents, timestamp, window


@pytest.mark.parametrize(
    ("fraction", "text"),
    [
        (1.0, "100%"),
        (0.0, "0%"),
        (0.9996, "99.9%"),
        (0.99, "99.0%"),
        (0.0004, "0.04%"),
        (0.123, "12.3%"),
        (None, "–"),
    ],
)
def test_percent(fraction: float | None, text: str) -> None:
    assert percent(fraction) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1234567.0, "1,234,567"),
        (0.27115987, "0.2712"),
        (1234.5678, "1,235"),
        (119862.3, "119,900"),
        (53.5612, "53.56"),
        (-3.5, "-3.5"),
        (1.2e-5, "1.2e-05"),
        (3.2e9 + 0.5, "3.2e+09"),
        (float("nan"), "–"),
        (float("-inf"), "−∞"),
        (None, "–"),
    ],
)
def test_number(value: float | None, text: str) -> None:
    assert number(value) == text


def test_windows_are_shown_in_utc() -> None:
    start = datetime(2026, 11, 29, 11, tzinfo=timezone(timedelta(hours=1)))
    assert window(start, datetime(2026, 11, 29, 11)) == "2026-11-29 10:00 – 11:00 UTC"
    assert window(datetime(2026, 11, 29, 23, tzinfo=UTC), datetime(2026, 11, 30, 0, 0, 30, tzinfo=UTC)) == (
        "2026-11-29 23:00 UTC – 2026-11-30 00:00:30 UTC"
    )
    assert window(None, None) == "whole input"
    assert timestamp(None) == "–"


def test_escaping_covers_quotes_and_markup() -> None:
    assert esc("<a href='x'>\"&</a>") == "&lt;a href=&#x27;x&#x27;&gt;&quot;&amp;&lt;/a&gt;"


def test_percents_of_an_array_are_each_fractions_percent() -> None:
    edges = [0.0, 1.0, 1e-300, 0.0009999, 0.001, 0.5, 0.9995, 0.999999, 0.99999999999999, 1.5, -0.1, np.nan]
    fractions = np.concatenate([edges, np.random.default_rng(7).random(20_000)])
    assert percents(fractions) == [percent(float(fraction)) for fraction in fractions]
    assert percents(np.array([])) == []
