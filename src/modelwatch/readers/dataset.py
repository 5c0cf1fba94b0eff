"""A training dataset as a stream of Arrow record batches, in chunks that processes read on their own.

`plan_chunks` runs once (it lists the files and finds split points); each `Chunk` is small and
picklable, so an engine can send it to a worker process, which calls `read_chunk`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import pyarrow as pa

from modelwatch.readers.csv import plan_csv, read_csv
from modelwatch.readers.files import dataset_format, list_files
from modelwatch.readers.jsonl import plan_json, read_json
from modelwatch.readers.parquet import plan_parquet, read_parquet
from modelwatch.readers.spec import Chunk, DatasetFormat, DatasetSpec

__all__ = ["Chunk", "DatasetFormat", "DatasetSpec", "iter_batches", "list_files", "plan_chunks", "read_chunk"]

_PLANNERS: dict[DatasetFormat, Callable[[DatasetSpec, Sequence[str], int], list[Chunk]]] = {
    "csv": plan_csv,
    "json": plan_json,
    "parquet": plan_parquet,
}
_READERS: dict[DatasetFormat, Callable[[DatasetSpec, Chunk], Iterator[pa.RecordBatch]]] = {
    "csv": read_csv,
    "json": read_json,
    "parquet": read_parquet,
}


def plan_chunks(spec: DatasetSpec, target_bytes: int = 64 * 2**20) -> list[Chunk]:
    """The dataset's chunks, in order: about `target_bytes` each, big files split."""
    files = list_files(spec)
    return _PLANNERS[dataset_format(spec, files)](spec, files, target_bytes)


def read_chunk(spec: DatasetSpec, chunk: Chunk) -> Iterator[pa.RecordBatch]:
    """The record batches of one chunk; memory stays bounded by the chunk size, not the file size."""
    return _READERS[dataset_format(spec, [chunk.file])](spec, chunk)


def iter_batches(spec: DatasetSpec) -> Iterator[pa.RecordBatch]:
    """Every record batch of the dataset, chunk after chunk, in this process."""
    for chunk in plan_chunks(spec):
        yield from read_chunk(spec, chunk)
