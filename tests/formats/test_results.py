"""modelwatch_results.json: the checks' numbers and notes, read back as the analysis had them."""

from __future__ import annotations

import json
import math

import pytest

from modelwatch.checks import CheckResults, FeatureResult
from modelwatch.formats.documents import DocumentError
from modelwatch.formats.results import AnalysisResults
from modelwatch.formats.violations import Violation


def test_every_number_and_note_survives_strict_json() -> None:
    drift = Violation("State", "baseline_drift_check", "Baseline drift distance: inf exceeds threshold: 0.1")
    features = [
        FeatureResult("State", "String", "String", 1.0, 0.98, 1.0, math.inf, 0.1, "LInfinity", [drift], 0.75),
        FeatureResult("Churn", "Integral", None, notes=["not in the current data: no drift check"]),
    ]
    document = AnalysisResults(["skipped: 2 × not JSON (e.g. a.jsonl:3)"], features).to_dict()
    text = json.dumps(document, allow_nan=False)
    kept = AnalysisResults.from_dict(json.loads(text))
    assert kept.notes == ["skipped: 2 × not JSON (e.g. a.jsonl:3)"]
    assert kept.check_results([drift]) == CheckResults(features, [drift])
    assert kept.features is not None
    assert kept.features[0].violations == [], "violations stay in constraint_violations.json"


def test_an_analysis_without_checks_has_no_features() -> None:
    kept = AnalysisResults.from_dict(json.loads(json.dumps(AnalysisResults(["no data"], None).to_dict())))
    assert kept.check_results([]) is None
    assert kept.notes == ["no data"]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], r"results\.json: the document should be a JSON object, found list"),
        ({"features": [{"name": "x", "distance": "far"}]}, r"features\[0\] \(x\) is malformed"),
        ({"features": [{"distance": 1.0}]}, r"features\[0\]\.name should be a string, found nothing"),
    ],
)
def test_a_malformed_document_is_a_one_line_error(document: object, message: str) -> None:
    with pytest.raises(DocumentError, match=message):
        AnalysisResults.from_dict(document, "results.json")
