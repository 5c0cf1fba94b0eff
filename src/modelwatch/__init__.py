"""modelwatch: monitor machine-learning models in production."""

from modelwatch.baseline import BaselineResult, suggest_baseline
from modelwatch.capture import CaptureWriter, capture_middleware, capture_wsgi_middleware
from modelwatch.errors import ModelwatchError

__all__ = [
    "BaselineResult",
    "CaptureWriter",
    "ModelwatchError",
    "capture_middleware",
    "capture_wsgi_middleware",
    "suggest_baseline",
]
