"""Readers: datasets (CSV, JSON Lines, Parquet) → Arrow record batches."""

from modelwatch.readers.dataset import (
    Chunk,
    DatasetFormat,
    DatasetSpec,
    iter_batches,
    list_files,
    plan_chunks,
    read_chunk,
)

__all__ = ["Chunk", "DatasetFormat", "DatasetSpec", "iter_batches", "list_files", "plan_chunks", "read_chunk"]
