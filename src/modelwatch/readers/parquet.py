"""Parquet datasets: typed batches, chunked by ranges of row groups."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import IO

import pyarrow as pa
import pyarrow.parquet as pq

from modelwatch.errors import ModelwatchError, one_line
from modelwatch.readers.arrow import flat_batches
from modelwatch.readers.files import file_size, open_file
from modelwatch.readers.spec import Chunk, DatasetSpec

BATCH_ROWS = 64 * 2**10


def plan_parquet(spec: DatasetSpec, files: Sequence[str], target_bytes: int) -> list[Chunk]:
    """Consecutive row groups grouped up to about `target_bytes` (uncompressed) per chunk."""
    chunks: list[Chunk] = []
    for file in files:
        if file_size(spec, file) == 0:
            continue
        with open_file(spec, file) as handle:
            metadata = _open(handle, file).metadata
        start, size = 0, 0
        for group in range(metadata.num_row_groups):
            size += metadata.row_group(group).total_byte_size
            if size >= target_bytes:
                chunks.append(Chunk(file, start, group + 1))
                start, size = group + 1, 0
        if start < metadata.num_row_groups:
            chunks.append(Chunk(file, start, metadata.num_row_groups))
    return chunks


def read_parquet(spec: DatasetSpec, chunk: Chunk) -> Iterator[pa.RecordBatch]:
    with open_file(spec, chunk.file) as handle:
        batches = _open(handle, chunk.file).iter_batches(
            batch_size=BATCH_ROWS, row_groups=range(chunk.start, chunk.stop), use_threads=False
        )
        try:
            for batch in batches:
                yield from flat_batches(batch)
        except (pa.ArrowException, OSError) as error:
            raise ModelwatchError(f"{chunk.file}: cannot read the Parquet data: {one_line(error)}") from error


def _open(handle: IO[bytes], file: str) -> pq.ParquetFile:
    try:
        return pq.ParquetFile(handle)
    except (pa.ArrowException, OSError) as error:
        raise ModelwatchError(f"{file}: not a readable Parquet file: {one_line(error)}") from error
