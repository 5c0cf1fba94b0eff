"""500 features render in well under a second (bound generous for slow CI machines)."""

from __future__ import annotations

import time

import numpy as np
import pyarrow as pa
from html_tree import parse_page
from report_inputs import profile, report_data

from modelwatch.checks.results import CheckResults, FeatureResult
from modelwatch.formats.violations import Violation
from modelwatch.ui.report import render_report_page

FEATURES = 500
ROWS = 2500
"""Past the sketch's k (2048), so numeric columns carry several compactor levels."""


def wide_table(shift: float, seed: int) -> dict[str, pa.Array]:
    rng = np.random.default_rng(seed)
    columns: dict[str, pa.Array] = {}
    for index in range(FEATURES):
        if index % 2:
            columns[f"category_{index}"] = pa.array(rng.choice([f"c{k}" for k in range(25)], ROWS))
        else:
            columns[f"number_{index}"] = pa.array(rng.normal(shift * (index % 7), 1 + index % 3, ROWS))
    return columns


def test_five_hundred_features_render_quickly() -> None:
    baseline, current = profile(wide_table(0.0, 1)), profile(wide_table(0.3, 2))
    sketch = baseline.features[0].numerical.sketch  # type: ignore[union-attr]
    assert sketch is not None
    assert len(sketch.data) > 1, "numeric columns should carry weighted levels"
    features, violations = [], []
    for index, feature in enumerate(baseline.features):
        kind = "Robust" if feature.numerical else "LInfinity"
        distance = 0.05 * (index % 7)
        found = [Violation(feature.name, "baseline_drift_check", f"distance: {distance} exceeds 0.1")]
        found = found if distance > 0.1 else []
        violations += found
        features.append(
            FeatureResult(
                feature.name,
                feature.inferred_type,
                feature.inferred_type,
                1.0,
                1.0,
                1.0,
                distance,
                0.1,
                kind,
                found,
            )
        )
    data = report_data(baseline=baseline, current=current, results=CheckResults(features, violations))

    started = time.perf_counter()
    page = render_report_page(data)
    elapsed = time.perf_counter() - started

    print(f"\n{FEATURES} features rendered in {elapsed * 1000:.0f} ms, {len(page) / 1e6:.1f} MB")
    assert elapsed < 3.0
    tags = parse_page(page).tags
    assert [tag for tag, _ in tags].count("svg") == FEATURES
    assert sum(1 for _, attributes in tags if attributes.get("data-testid") == "feature") == FEATURES
