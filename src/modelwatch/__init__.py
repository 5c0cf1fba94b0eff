"""modelwatch: monitor machine-learning models in production."""

from modelwatch.baseline import BaselineResult, suggest_baseline
from modelwatch.errors import ModelwatchError

__all__ = ["BaselineResult", "ModelwatchError", "suggest_baseline"]
