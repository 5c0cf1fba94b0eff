"""Every monitoring_config knob, set globally and in every override spelling, at its boundary.

Baselines are made by our baseline job from real profiles; a threshold exactly at the observed
value raises no violation and the next float past it does. In an override, the global block holds
the opposite setting, so the test also shows that the override wins.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from checks_builders import DISTRIBUTION_KEYS, PLACES, baseline, check, feature, kinds, profile, with_setting

from modelwatch.checks import FeatureResult

RNG = np.random.default_rng(7)
BASE = profile(
    n=[str(value) for value in range(1200)],
    s=["a", "b", "c"] * 400,
    x=RNG.normal(0.0, 1.0, 1200),
)
CURRENT = profile(
    n=[str(value) for value in range(840)] + [f"{value}.5" for value in range(360)],
    s=["a"] * 350 + ["b"] * 300 + ["c"] * 250 + ["z"] * 300,
    x=RNG.normal(0.5, 1.0, 1200),
)
STATISTICS, DOCUMENT = baseline(BASE)

Reader = Callable[[FeatureResult], float | None]
BOUNDARIES: list[tuple[str, str, str, Reader, float]] = [
    # key, feature, check type, observed number, direction in which a threshold starts to fire
    ("datatype_check_threshold", "n", "data_type_check", lambda r: r.type_match, math.inf),
    ("domain_content_threshold", "s", "categorical_values_check", lambda r: r.domain_match, math.inf),
    ("comparison_threshold", "x", "baseline_drift_check", lambda r: r.distance, -math.inf),
    ("categorical_comparison_threshold", "s", "baseline_drift_check", lambda r: r.distance, -math.inf),
]


def _places(key: str) -> list[str]:
    return [place for place in PLACES if place != "nested_override" or key in DISTRIBUTION_KEYS]


def _set(document: dict[str, Any], name: str, key: str, value: Any, place: str, global_value: Any) -> Any:
    """Constraints with `value` at `place`; an override sits over a global `global_value`."""
    if place != "global":
        document = with_setting(document, name, key, global_value, "global").to_dict()
    return with_setting(document, name, key, value, place)


@pytest.mark.parametrize(
    ("key", "name", "kind", "read", "direction", "place"),
    [(*boundary, place) for boundary in BOUNDARIES for place in _places(boundary[0])],
)
def test_threshold_boundary(
    key: str, name: str, kind: str, read: Reader, direction: float, place: str
) -> None:
    observed = read(feature(check(STATISTICS, DOCUMENT, CURRENT), name))
    assert observed is not None
    assert 0 < observed < 1
    past = float(np.nextafter(observed, direction))
    at_threshold = check(STATISTICS, _set(DOCUMENT, name, key, observed, place, past), CURRENT)
    assert kind not in kinds(at_threshold, name)
    past_threshold = check(STATISTICS, _set(DOCUMENT, name, key, past, place, observed), CURRENT)
    assert kinds(past_threshold, name).count(kind) == 1
    assert read(feature(past_threshold, name)) == observed


@pytest.mark.parametrize("place", _places("comparison_threshold"))
def test_chi_square_fires_when_the_p_value_is_below_the_threshold(place: str) -> None:
    document = with_setting(DOCUMENT, "s", "categorical_drift_method", "ChiSquared", "global").to_dict()
    results = check(STATISTICS, document, CURRENT)
    p_value = feature(results, "s").distance
    assert feature(results, "s").method == "ChiSquared"
    assert p_value is not None
    assert 0 < p_value < 1
    above = float(np.nextafter(p_value, math.inf))
    key = "categorical_comparison_threshold"
    at_threshold = check(STATISTICS, _set(document, "s", key, p_value, place, above), CURRENT)
    assert "baseline_drift_check" not in kinds(at_threshold, "s")
    below_threshold = check(STATISTICS, _set(document, "s", key, above, place, p_value), CURRENT)
    assert "baseline_drift_check" in kinds(below_threshold, "s")


@pytest.mark.parametrize("place", _places("comparison_method"))
@pytest.mark.parametrize(("method", "global_method"), [("Simple", "Robust"), ("Robust", "Simple")])
def test_comparison_method(method: str, global_method: str, place: str) -> None:
    results = check(
        STATISTICS, _set(DOCUMENT, "x", "comparison_method", method, place, global_method), CURRENT
    )
    simple = check(STATISTICS, _set(DOCUMENT, "x", "comparison_method", "Simple", "global", None), CURRENT)
    distance, simple_distance = feature(results, "x").distance, feature(simple, "x").distance
    assert feature(results, "x").method == method
    assert distance is not None
    assert simple_distance is not None
    if method == "Simple":
        assert distance == simple_distance
    else:
        assert distance == pytest.approx(simple_distance - 1.8 * math.sqrt(2 / 1200))


@pytest.mark.parametrize("place", _places("categorical_drift_method"))
@pytest.mark.parametrize(
    ("method", "global_method"), [("ChiSquared", "LInfinity"), ("LInfinity", "ChiSquared")]
)
def test_categorical_drift_method(method: str, global_method: str, place: str) -> None:
    constraints = _set(DOCUMENT, "s", "categorical_drift_method", method, place, global_method)
    result = feature(check(STATISTICS, constraints, CURRENT), "s")
    assert result.method == method
    assert result.threshold == 0.1
    assert result.distance is not None


@pytest.mark.parametrize("place", _places("perform_comparison"))
def test_perform_comparison_disabled_skips_drift(place: str) -> None:
    results = check(
        STATISTICS, _set(DOCUMENT, "x", "perform_comparison", "Disabled", place, "Enabled"), CURRENT
    )
    skipped = feature(results, "x")
    assert (skipped.distance, skipped.method, skipped.threshold) == (None, None, None)
    assert "baseline_drift_check" not in kinds(results, "x")
    assert skipped.notes == ["baseline_drift_check: perform_comparison is Disabled"]
    enabled = check(
        STATISTICS, _set(DOCUMENT, "x", "perform_comparison", "Enabled", place, "Disabled"), CURRENT
    )
    assert kinds(enabled, "x") == ["baseline_drift_check"]


@pytest.mark.parametrize("place", _places("evaluate_constraints"))
def test_evaluate_constraints_disabled_keeps_numbers_drops_violations(place: str) -> None:
    enabled = check(STATISTICS, DOCUMENT, CURRENT)
    assert kinds(enabled, "s") == ["baseline_drift_check", "categorical_values_check"]
    constraints = _set(DOCUMENT, "s", "evaluate_constraints", "Disabled", place, "Enabled")
    results = check(STATISTICS, constraints, CURRENT)
    disabled, before = feature(results, "s"), feature(enabled, "s")
    assert disabled.violations == []
    assert (disabled.distance, disabled.domain_match, disabled.type_match) == (
        before.distance,
        before.domain_match,
        before.type_match,
    )
    assert "evaluate_constraints is Disabled" in disabled.notes[-1]
    others = [v for v in results.violations if v.feature_name != "s"]
    if place == "global":
        assert results.violations == []
    else:
        assert others == [v for v in enabled.violations if v.feature_name != "s"]
        assert others
        only_s = check(
            STATISTICS, _set(DOCUMENT, "s", "evaluate_constraints", "Enabled", place, "Disabled"), CURRENT
        )
        assert only_s.violations == feature(enabled, "s").violations


@pytest.mark.parametrize("place", _places("emit_metrics"))
def test_emit_metrics(place: str) -> None:
    results = check(STATISTICS, _set(DOCUMENT, "x", "emit_metrics", "Disabled", place, "Enabled"), CURRENT)
    assert results.emit_metrics["x"] is False
    assert not any(name.endswith("_x") for name in results.metrics())
    assert results.emit_metrics["n"] is (place != "global")
    assert ("feature_non_null_n" in results.metrics()) is (place != "global")
    enabled = check(STATISTICS, _set(DOCUMENT, "x", "emit_metrics", "Enabled", place, "Disabled"), CURRENT)
    assert enabled.metrics()["feature_baseline_drift_x"] == feature(enabled, "x").distance


def test_completeness_boundary() -> None:
    base = profile(v=[1.0] * 10)
    current = profile(v=[1.0] * 8 + [None] * 2)
    statistics, document = baseline(base)
    for completeness, fires in ((0.8, False), (float(np.nextafter(0.8, 1.0)), True)):
        document["features"][0]["completeness"] = completeness
        results = check(statistics, document, current)
        assert feature(results, "v").completeness == 0.8
        assert ("completeness_check" in kinds(results, "v")) is fires
