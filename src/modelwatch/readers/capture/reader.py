"""Capture files of a window → Arrow record batches for the profiler, streamed file by file.

Per block: pyarrow.json decodes the records (`decode.py`), Arrow compute keeps the window, records
whose payloads are plain CSV are parsed in bulk (`csvgroup.py`, string columns, as the profiler
classifies text like Deequ), requests that are plain JSON objects too (`jsonbulk.py`, typed
columns), and everything else (serving protocols, BASE64, JSON Lines, a preprocessor) goes
record by record (`sides.py`, typed columns). Problems are counted as the
batches are consumed; `CaptureRows.problems` and `.records` are complete once they are.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from modelwatch.errors import ModelwatchError
from modelwatch.readers.capture import problems as kinds
from modelwatch.readers.capture.arrays import bools, whole
from modelwatch.readers.capture.csvgroup import csv_batch
from modelwatch.readers.capture.decode import RecordBlock, read_blocks
from modelwatch.readers.capture.jsonbulk import json_batch
from modelwatch.readers.capture.layout import Layout, Position, Side
from modelwatch.readers.capture.payloads import Row
from modelwatch.readers.capture.prefetch import prefetched
from modelwatch.readers.capture.preprocessor import Preprocessor, PreprocessorError, named_row
from modelwatch.readers.capture.problems import Problems
from modelwatch.readers.capture.record import InferenceRecord
from modelwatch.readers.capture.rows import paired_rows, rows_batch
from modelwatch.readers.capture.sides import PayloadProblemError, side_rows
from modelwatch.storage import StorageOptions

_PREFIX: dict[Side, str] = {"input": "endpointInput", "output": "endpointOutput"}


@dataclass
class ReadOptions:
    feature_names: list[str] | None = None
    """The baseline's feature names, in baseline order."""
    output_columns_position: Position = "start"
    preprocessor: Preprocessor | None = None
    max_examples: int = 5


class PreprocessorFailedError(ModelwatchError):
    """The preprocessor failed on every record it was given."""


@dataclass
class RecordCounts:
    read: int = 0
    """Records decoded from the files (any time)."""
    in_window: int = 0
    skipped: int = 0
    """Records in the window that gave no row because of a problem."""
    dropped: int = 0
    """Records the preprocessor dropped (returned `[]`)."""
    rows: int = 0

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    def merge(self, other: RecordCounts) -> None:
        """Add another read's counts (a worker process's share of the files)."""
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)


@dataclass
class CaptureRows:
    batches: Iterator[pa.RecordBatch]
    problems: Problems
    records: RecordCounts = field(default_factory=RecordCounts)
    matched_by_position: bool = False
    """True once CSV (or other positional) values were named by baseline position."""


def read_capture_rows(
    files: list[str],
    start: datetime,
    end: datetime,
    options: ReadOptions,
    storage_options: StorageOptions | None = None,
) -> CaptureRows:
    """The rows of the records of `files` with an inferenceTime in [start, end), as a lazy stream."""
    result = CaptureRows(iter(()), Problems(options.max_examples))
    result.batches = _batches(files, _utc(start), _utc(end), options, result, storage_options)
    return result


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _batches(
    files: list[str],
    start: datetime,
    end: datetime,
    options: ReadOptions,
    result: CaptureRows,
    storage_options: StorageOptions | None,
) -> Iterator[pa.RecordBatch]:
    layout = Layout(
        tuple(options.feature_names) if options.feature_names else None, options.output_columns_position
    )
    calls = failures = 0
    first_failure = ""
    blocks = (
        block for file in files for block in read_blocks(file, start, end, result.problems, storage_options)
    )
    for read, block in prefetched(blocks):
        result.records.read += read
        result.records.in_window += block.table.num_rows
        produced = np.zeros(block.table.num_rows, dtype=np.int64)
        usable = _usable(block, result.problems)
        if options.preprocessor is not None:
            batch, dropped, failed = _preprocessed(
                block, usable, options.preprocessor, layout, result, produced
            )
            calls += int(usable.sum())
            failures += len(failed)
            first_failure = first_failure or (failed[0] if failed else "")
            result.records.dropped += dropped
            batches = [batch] if batch is not None else []
        else:
            batches = _decoded(block, usable, layout, result, produced)
            dropped = 0
        result.records.skipped += int((produced == 0).sum()) - dropped
        for batch in batches:
            result.records.rows += batch.num_rows
            yield batch
    if calls and failures == calls:
        raise PreprocessorFailedError(f"preprocessor failed on every record: {first_failure}")


def _column(block: RecordBlock, name: str) -> pa.Array:
    return whole(block.table.column(name))


def _usable(block: RecordBlock, problems: Problems) -> np.ndarray:
    """Records with a payload and none cut at the capture limit; the others are counted."""
    has = {side: _column(block, f"{prefix}.data").is_valid() for side, prefix in _PREFIX.items()}
    usable = bools(pc.or_(has["input"], has["output"]))
    capture = bools(_column(block, "captureData"))
    for index in np.flatnonzero(~usable):
        detail = "no captureData" if not capture[index] else "no endpointInput or endpointOutput data"
        problems.add(kinds.MISSING_CAPTURE_DATA, block.where(int(index)), detail)
    truncated = pc.or_kleene(
        _column(block, "endpointInput.truncated"), _column(block, "endpointOutput.truncated")
    )
    truncated = bools(truncated) & usable
    for index in np.flatnonzero(truncated):
        problems.add(kinds.TRUNCATED_PAYLOAD, block.where(int(index)), "cut at the capture size limit")
    return usable & ~truncated


def _decoded(
    block: RecordBlock, usable: np.ndarray, layout: Layout, result: CaptureRows, produced: np.ndarray
) -> list[pa.RecordBatch]:
    """CSV-only records in bulk, then JSON object requests in bulk, then the rest record by record."""
    pending = usable.copy()
    batches = _csv_groups(block, pending, layout, result, produced)
    batches += _json_group(block, pending, layout, result, produced)
    batches += _by_record(block, np.flatnonzero(pending), layout, result, produced)
    return batches


def _csv_groups(
    block: RecordBlock, pending: np.ndarray, layout: Layout, result: CaptureRows, produced: np.ndarray
) -> list[pa.RecordBatch]:
    """Records whose payloads are all CSV, by which sides they have; what the bulk path leaves
    (quoted line breaks) stays `pending`."""
    csv, present = {}, {}
    for side, prefix in _PREFIX.items():
        encoding = pc.utf8_upper(_column(block, f"{prefix}.encoding"))
        csv[side] = bools(pc.equal(encoding, "CSV"))
        present[side] = bools(_column(block, f"{prefix}.data").is_valid())
    groups: list[tuple[tuple[Side, ...], np.ndarray]] = [
        (("input", "output"), csv["input"] & present["input"] & csv["output"] & present["output"]),
        (("input",), csv["input"] & present["input"] & ~present["output"]),
        (("output",), csv["output"] & present["output"] & ~present["input"]),
    ]
    batches = []
    for sides, members in groups:
        records = np.flatnonzero(members & pending)
        if not len(records):
            continue
        table = block.table if len(records) == block.table.num_rows else block.table.take(records)
        where = partial(_where, block, records)
        batch, rows, deferred = csv_batch(table, sides, where, layout, result.problems)
        pending[records] = False
        pending[records[deferred]] = True
        produced[records] = rows
        if batch is not None:
            batches.append(batch)
            result.matched_by_position |= layout.feature_names is not None
    return batches


def _json_group(
    block: RecordBlock, pending: np.ndarray, layout: Layout, result: CaptureRows, produced: np.ndarray
) -> list[pa.RecordBatch]:
    records = np.flatnonzero(pending & _json_requests(block))
    if not len(records):
        return []
    bulk = json_batch(block.table.take(records), partial(_where, block, records), layout, result.problems)
    if bulk is None:
        return []
    batch, rows, positional = bulk
    pending[records] = False
    produced[records] = rows
    result.matched_by_position |= positional
    return [batch] if batch is not None else []


def _where(block: RecordBlock, records: np.ndarray, index: int) -> str:
    return block.where(int(records[index]))


def _by_record(
    block: RecordBlock, records: np.ndarray, layout: Layout, result: CaptureRows, produced: np.ndarray
) -> list[pa.RecordBatch]:
    if not len(records):
        return []
    table = block.table.take(records).to_pydict()
    rows = []
    for position, index in enumerate(records.tolist()):
        sides_rows: dict[Side, list[Row] | None] = {}
        try:
            for side, prefix in _PREFIX.items():
                data = table[f"{prefix}.data"][position]
                encoding = table[f"{prefix}.encoding"][position]
                content_type = table[f"{prefix}.observedContentType"][position]
                sides_rows[side] = None if data is None else side_rows(data, encoding, content_type, side)
            record_rows, positional = paired_rows(sides_rows["input"], sides_rows["output"], layout)
        except PayloadProblemError as problem:
            result.problems.add(problem.kind, block.where(index), problem.detail)
            continue
        result.matched_by_position |= positional
        produced[index] = len(record_rows)
        rows += record_rows
    return [rows_batch(rows, layout)] if rows else []


def _json_requests(block: RecordBlock) -> np.ndarray:
    """Records with a JSON request (not JSON Lines) and an output, if any, in CSV or JSON."""
    request = pc.utf8_upper(_column(block, "endpointInput.encoding"))
    response = pc.utf8_upper(_column(block, "endpointOutput.encoding"))
    lines = pc.match_substring_regex(
        _column(block, "endpointInput.observedContentType"), "json-?lines|ndjson|jsonl"
    )
    wanted = pc.and_(pc.equal(request, "JSON"), pc.invert(pc.fill_null(lines, False)))
    answer = pc.or_(
        pc.invert(_column(block, "endpointOutput.data").is_valid()),
        pc.is_in(response, pa.array(["CSV", "JSON"])),
    )
    return bools(pc.and_(wanted, answer))


def _preprocessed(
    block: RecordBlock,
    usable: np.ndarray,
    preprocessor: Preprocessor,
    layout: Layout,
    result: CaptureRows,
    produced: np.ndarray,
) -> tuple[pa.RecordBatch | None, int, list[str]]:
    """(batch, records dropped, failure messages) with the preprocessor called on every usable record."""
    rows = []
    dropped = 0
    failures = []
    for index in np.flatnonzero(usable):
        where = block.where(int(index))
        try:
            record_rows = preprocessor.rows(InferenceRecord(json.loads(block.line_text(int(index)))))
        except PreprocessorError as error:
            result.problems.add(kinds.PREPROCESSOR_ERROR, where, str(error))
            failures.append(f"{where}: {error}")
            continue
        if not record_rows:
            dropped += 1
            continue
        for row in record_rows:
            named, positional = named_row(row, layout)
            result.matched_by_position |= positional
            rows.append(named)
        produced[index] = len(record_rows)
    return (rows_batch(rows, layout) if rows else None), dropped, failures
