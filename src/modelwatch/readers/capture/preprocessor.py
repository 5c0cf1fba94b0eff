"""SageMaker record preprocessors: `preprocess_handler(inference_record[, logger])` from a script.

The handler returns a dict (one row), a list of dicts (many rows) or `[]` (drop the record, which is
how custom sampling is done); `None` values are missing. As in SageMaker, a row's columns are its
keys in lexicographic order, matched to the baseline by position; but when every key is a baseline
feature name, columns are matched by name.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from modelwatch.errors import ModelwatchError, one_line
from modelwatch.readers.capture.layout import Layout
from modelwatch.readers.capture.record import InferenceRecord
from modelwatch.scripts import load_function

HANDLER = "preprocess_handler"
logger = logging.getLogger("modelwatch.preprocessor")


class PreprocessorError(Exception):
    """The handler raised or returned something that is not rows; the record is skipped."""


@dataclass(frozen=True)
class Preprocessor:
    path: str
    handler: Callable[..., Any]
    takes_logger: bool

    def rows(self, record: InferenceRecord) -> list[dict[str, Any]]:
        try:
            result = self.handler(record, logger) if self.takes_logger else self.handler(record)
        except Exception as error:
            raise PreprocessorError(f"{type(error).__name__}: {one_line(error)}") from error
        if result is None:
            return []
        items = result if isinstance(result, list) else [result]
        if not all(isinstance(item, dict) for item in items):
            raise PreprocessorError(f"returned {type(result).__name__}, expected a dict or a list of dicts")
        return items


def load_preprocessor(path: str) -> Preprocessor:
    """Run the script (a local path or any fsspec URI) and take its `preprocess_handler`."""
    handler = load_function(path, HANDLER, "preprocessor")
    try:
        parameters = [
            parameter
            for parameter in inspect.signature(handler).parameters.values()
            if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        parameters = []
    if len(parameters) not in (1, 2):
        raise ModelwatchError(f"{path}: {HANDLER} must take (inference_record) or (inference_record, logger)")
    return Preprocessor(path, handler, len(parameters) == 2)


def named_row(row: dict[str, Any], layout: Layout) -> tuple[dict[str, Any], bool]:
    """The row under baseline names, and whether they were given by position (lexicographic key order)."""
    keys = sorted(row, key=str)
    features = layout.feature_names
    if not features or all(key in features for key in keys) or len(keys) != len(features):
        return {str(key): row[key] for key in keys}, False
    return {name: row[key] for name, key in zip(features, keys, strict=True)}, True
