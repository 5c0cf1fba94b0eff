"""modelwatch: monitor machine-learning models in production.

The public names load on first use, so that importing one part (a worker process importing the
profiler, say) does not import them all: the capture proxy's HTTP stack alone takes a third of a second.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelwatch.lazy import lazy_attributes

if TYPE_CHECKING:
    from modelwatch.analysis import AnalysisResult, analyze
    from modelwatch.baseline import BaselineResult, suggest_baseline
    from modelwatch.capture import CaptureWriter, capture_middleware, capture_wsgi_middleware
    from modelwatch.documents import read_constraints, read_statistics, read_violations
    from modelwatch.errors import ModelwatchError

_MODULES = {
    "AnalysisResult": "modelwatch.analysis",
    "analyze": "modelwatch.analysis",
    "BaselineResult": "modelwatch.baseline",
    "suggest_baseline": "modelwatch.baseline",
    "CaptureWriter": "modelwatch.capture",
    "capture_middleware": "modelwatch.capture",
    "capture_wsgi_middleware": "modelwatch.capture",
    "read_constraints": "modelwatch.documents",
    "read_statistics": "modelwatch.documents",
    "read_violations": "modelwatch.documents",
    "ModelwatchError": "modelwatch.errors",
}

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


__getattr__ = lazy_attributes(__name__, globals(), _MODULES)
