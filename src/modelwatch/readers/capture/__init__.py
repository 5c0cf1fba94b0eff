"""Capture readers: SageMaker capture files of a time window → Arrow record batches for the profiler."""

from modelwatch.readers.capture.layout import Position
from modelwatch.readers.capture.listing import CaptureFile, capture_files, list_capture_files
from modelwatch.readers.capture.preprocessor import Preprocessor, load_preprocessor
from modelwatch.readers.capture.problems import Problems
from modelwatch.readers.capture.reader import (
    CaptureRows,
    PreprocessorFailedError,
    ReadOptions,
    RecordCounts,
    read_capture_rows,
)

__all__ = [
    "CaptureFile",
    "CaptureRows",
    "Position",
    "Preprocessor",
    "PreprocessorFailedError",
    "Problems",
    "ReadOptions",
    "RecordCounts",
    "capture_files",
    "list_capture_files",
    "load_preprocessor",
    "read_capture_rows",
]
