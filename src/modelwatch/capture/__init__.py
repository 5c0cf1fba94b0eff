"""Capture: record a model endpoint's live traffic as SageMaker-format capture files.

The public names load on first use: the `modelwatch` command imports the capture command's module
for every command, and the writer and middlewares it does not need cost 60 ms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelwatch.lazy import lazy_attributes

if TYPE_CHECKING:
    from modelwatch.capture.middleware import (
        CaptureWSGIMiddleware,
        capture_middleware,
        capture_wsgi_middleware,
    )
    from modelwatch.capture.writer import CaptureStats, CaptureWriter

_MODULES = {
    "CaptureStats": "modelwatch.capture.writer",
    "CaptureWriter": "modelwatch.capture.writer",
    "CaptureWSGIMiddleware": "modelwatch.capture.middleware",
    "capture_middleware": "modelwatch.capture.middleware",
    "capture_wsgi_middleware": "modelwatch.capture.middleware",
}

__all__ = [
    "CaptureStats",
    "CaptureWSGIMiddleware",
    "CaptureWriter",
    "capture_middleware",
    "capture_wsgi_middleware",
]

__getattr__ = lazy_attributes(__name__, globals(), _MODULES)
