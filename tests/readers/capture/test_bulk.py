from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

from modelwatch.readers.capture import ReadOptions, read_capture_rows
from modelwatch.readers.capture import decode as decode_module

from .captures import END, START, T0, capture_file, json_text, record

NAMES = ["score", *(f"x{i}" for i in range(20))]


def generated(count: int, seed: int) -> tuple[list[str], list[dict[str, str]]]:
    """Capture lines over two hours and the rows the first hour must give, built independently."""
    rng = random.Random(seed)
    lines, expected = [], []
    for index in range(count):
        moment = T0 + timedelta(seconds=index * 7200 / count)
        batch = 1 if index % 50 else 3
        inputs = [
            [str(rng.randint(0, 99)) if rng.random() > 0.05 else "" for _ in range(20)] for _ in range(batch)
        ]
        outputs = [f"{rng.random():.4f}" for _ in range(batch)]
        lines.append(record("\n".join(map(",".join, inputs)), "\n".join(outputs), moment=moment))
        if START <= moment < END:
            for values, score in zip(inputs, outputs, strict=True):
                expected.append(
                    {"score": score, **{f"x{i}": value or None for i, value in enumerate(values)}}
                )
    return lines, expected


def test_twenty_thousand_records_in_bulk(tmp_path: Path, monkeypatch: object) -> None:
    monkeypatch.setattr(decode_module, "BLOCK_SIZE", 2**18)  # type: ignore[attr-defined]
    lines, expected = generated(20_000, seed=7)
    files = [capture_file(tmp_path, T0 + timedelta(minutes=part), lines[part::4]) for part in range(4)]
    result = read_capture_rows(sorted(files), START, END, ReadOptions(feature_names=NAMES))
    batches = list(result.batches)
    rows = [row for batch in batches for row in batch.to_pylist()]
    key = lambda row: tuple(row[name] or "" for name in NAMES)  # noqa: E731
    assert sorted(rows, key=key) == sorted(expected, key=key)
    assert result.records.read == 20_000
    assert result.records.in_window == 10_000
    assert result.records.rows == len(expected)
    assert result.problems.total == 0
    assert len(batches) > 4  # several blocks per file: streamed, not one table
    assert all(batch.schema.names == NAMES for batch in batches)


def test_flat_json_and_csv_records_mixed_in_one_file(tmp_path: Path) -> None:
    lines = []
    for index in range(2000):
        if index % 2:
            lines.append(record(f"{index},1", "0"))
        else:
            lines.append(
                record(
                    json_text({"a": index, "b": 1}),
                    json_text({"label": 1}),
                    encoding_in="JSON",
                    encoding_out="JSON",
                )
            )
    file = capture_file(tmp_path, T0, lines)
    result = read_capture_rows([file], START, END, ReadOptions(feature_names=["label", "a", "b"]))
    rows = [row for batch in result.batches for row in batch.to_pylist()]
    assert sorted(int(row["a"]) for row in rows) == list(range(2000))
    assert result.problems.total == 0
