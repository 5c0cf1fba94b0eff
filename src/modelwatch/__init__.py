"""modelwatch: monitor machine-learning models in production."""

from modelwatch.analysis import AnalysisResult, analyze
from modelwatch.baseline import BaselineResult, suggest_baseline
from modelwatch.capture import CaptureWriter, capture_middleware, capture_wsgi_middleware
from modelwatch.documents import read_constraints, read_statistics, read_violations
from modelwatch.errors import ModelwatchError

__all__ = [
    "AnalysisResult",
    "BaselineResult",
    "CaptureWriter",
    "ModelwatchError",
    "analyze",
    "capture_middleware",
    "capture_wsgi_middleware",
    "read_constraints",
    "read_statistics",
    "read_violations",
    "suggest_baseline",
]
