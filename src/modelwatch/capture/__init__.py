"""Capture: record a model endpoint's live traffic as SageMaker-format capture files."""

from modelwatch.capture.middleware import CaptureWSGIMiddleware, capture_middleware, capture_wsgi_middleware
from modelwatch.capture.writer import CaptureStats, CaptureWriter

__all__ = [
    "CaptureStats",
    "CaptureWSGIMiddleware",
    "CaptureWriter",
    "capture_middleware",
    "capture_wsgi_middleware",
]
