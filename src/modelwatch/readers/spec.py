"""What a dataset is (`DatasetSpec`) and the unit of work a worker process reads (`Chunk`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

DatasetFormat = Literal["csv", "json", "parquet"]
FORMATS: tuple[DatasetFormat, ...] = ("csv", "json", "parquet")


@dataclass(frozen=True)
class DatasetSpec:
    """A training dataset: a file, a folder or a glob, as a local path or any fsspec URI."""

    uri: str
    format: DatasetFormat | None = None
    header: bool = True
    storage_options: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Chunk:
    """A piece of one data file that a worker process reads on its own.

    `start`/`stop` are a half-open byte range for CSV and JSON Lines, a row-group range for
    Parquet. Text chunks always begin at a record boundary.
    """

    file: str
    start: int
    stop: int
    first_line: int | None = None
    """Physical 1-based line number of `start`; None when only counted on demand (JSON Lines)."""
    columns: tuple[str, ...] = ()
    """The column names of a CSV chunk."""
