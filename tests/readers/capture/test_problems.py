from __future__ import annotations

import json
import pickle
from datetime import timedelta
from pathlib import Path

from modelwatch.readers.capture.problems import Problems

from .captures import FEATURES, T0, capture_file, json_text, read, record

GOOD = record("1,2,3", "0")


def examples(result: object, kind: str) -> list[str]:
    return [example.split(": ", 1)[0].rsplit("/", 1)[-1] for example in result.problems.examples[kind]]  # type: ignore[attr-defined]


def test_bad_lines_are_counted_with_file_and_line_and_skipped(tmp_path: Path) -> None:
    lines = [
        GOOD,
        "this is not json\n",
        "\n",
        '["a list"]\n',
        GOOD,
        json.dumps({"eventMetadata": {"inferenceTime": "2026-03-01T10:01:00Z"}}) + "\n",
        GOOD[: len(GOOD) // 2],  # the writer died mid-line
    ]
    file = capture_file(tmp_path, T0, lines)
    name = file.rsplit("/", 1)[-1]
    rows, result = read([file], feature_names=FEATURES)
    assert len(rows) == 2
    assert result.problems.counts == {
        "not JSON": 1,
        "not a capture record": 1,
        "truncated line": 1,
        "missing captureData": 1,
    }
    assert examples(result, "not JSON") == [f"{name}:2"]
    assert examples(result, "not a capture record") == [f"{name}:4"]
    assert examples(result, "missing captureData") == [f"{name}:6"]
    assert examples(result, "truncated line") == [f"{name}:7"]
    assert result.records.in_window == 3
    assert result.records.skipped == 1


def test_only_the_rejected_block_is_read_line_by_line(tmp_path: Path, monkeypatch: object) -> None:
    from modelwatch.readers.capture import decode

    monkeypatch.setattr(decode, "BLOCK_SIZE", 4 * len(GOOD))  # type: ignore[attr-defined]
    lines = [GOOD] * 12 + ["{broken\n"] + [GOOD] * 12
    file = capture_file(tmp_path, T0, lines)
    rows, result = read([file], feature_names=FEATURES)
    assert len(rows) == 24
    assert examples(result, "not JSON") == [f"{file.rsplit('/', 1)[-1]}:13"]


def test_a_bad_inference_time(tmp_path: Path) -> None:
    bad = GOOD.replace('"inferenceTime":"2026-03-01T10:01:00Z"', '"inferenceTime":"yesterday"')
    local = GOOD.replace("2026-03-01T10:01:00Z", "2026-03-01T10:01:00")  # zone-less: UTC
    offset = GOOD.replace("2026-03-01T10:01:00Z", "2026-03-01T12:01:00+02:00")
    file = capture_file(tmp_path, T0, [GOOD, bad, local, offset])
    rows, result = read([file], feature_names=FEATURES)
    assert len(rows) == 3
    assert result.problems.counts == {"bad inferenceTime": 1}
    assert examples(result, "bad inferenceTime") == [f"{file.rsplit('/', 1)[-1]}:2"]


def test_payload_problems(tmp_path: Path) -> None:
    lines = [
        GOOD,
        record("1,2", "0"),  # 3 fields where the baseline wants 4
        record("1,2,3,4", "0"),
        record("1,2,3\n4,5,6", "0"),
        record("not base64!", encoding_in="BASE64", type_in="text/csv").replace(
            base_64("not base64!"), "not base64!"
        ),
        record("\x00\x01", encoding_in="BASE64", type_in="image/png"),
        record("{oops", "0", encoding_in="JSON"),
        record("", "0"),
        GOOD,
    ]
    file = capture_file(tmp_path, T0, lines)
    rows, result = read([file], feature_names=FEATURES)
    assert len(rows) == 2
    assert result.problems.counts == {
        "wrong field count": 2,
        "input/output row count mismatch": 1,
        "bad base64": 1,
        "unsupported content type": 1,
        "unparsable payload": 1,
        "empty payload": 1,
    }
    assert examples(result, "wrong field count") == [f"{file.rsplit('/', 1)[-1]}:{line}" for line in (2, 3)]
    assert examples(result, "input/output row count mismatch") == [f"{file.rsplit('/', 1)[-1]}:4"]
    assert examples(result, "bad base64") == [f"{file.rsplit('/', 1)[-1]}:5"]
    assert examples(result, "unsupported content type") == [f"{file.rsplit('/', 1)[-1]}:6"]
    assert examples(result, "unparsable payload") == [f"{file.rsplit('/', 1)[-1]}:7"]
    assert result.records.skipped == 7


def test_a_wrong_field_count_line_of_a_batch_drops_only_that_row(tmp_path: Path) -> None:
    file = capture_file(tmp_path, T0, [record("1,2,3\n4,5\n6,7,8", "0\n1\n2")] + [GOOD] * 3)
    rows, result = read([file], feature_names=FEATURES)
    assert [row["a"] for row in rows] == ["1", "6", "1", "1", "1"]
    assert result.problems.counts == {"wrong field count": 1}
    assert result.records.skipped == 0


def test_capture_and_baseline_widths_that_cannot_match(tmp_path: Path) -> None:
    file = capture_file(tmp_path, T0, [GOOD, GOOD])
    rows, result = read([file], feature_names=["label", "a"])
    assert rows == []
    assert result.problems.counts == {"wrong field count": 2}
    assert result.problems.examples["wrong field count"][0].endswith(
        ":1: 3 input fields and 1 output fields, but the baseline has 2 features"
    )


def test_payloads_cut_at_the_capture_limit_are_skipped(tmp_path: Path) -> None:
    document = json.loads(GOOD)
    document["captureData"]["endpointInput"].update(truncated=True, originalSizeBytes=10**7)
    file = capture_file(tmp_path, T0, [GOOD, json_text(document) + "\n"])
    rows, result = read([file], feature_names=FEATURES)
    assert len(rows) == 1
    assert result.problems.counts == {"truncated payload": 1}


def test_examples_are_capped_and_summarised() -> None:
    problems = Problems(max_examples=2)
    for line in range(5):
        problems.add("not JSON", f"f.jsonl:{line}", "bad")
    problems.add("bad base64", "f.jsonl:9")
    assert problems.total == 6
    assert problems.to_dict() == {
        "not JSON": {"count": 5, "examples": ["f.jsonl:0: bad", "f.jsonl:1: bad"]},
        "bad base64": {"count": 1, "examples": ["f.jsonl:9"]},
    }
    assert problems.summary_lines() == [
        "5 × not JSON (e.g. f.jsonl:0: bad; f.jsonl:1: bad)",
        "1 × bad base64 (e.g. f.jsonl:9)",
    ]


def test_out_of_window_bad_records_are_not_counted(tmp_path: Path) -> None:
    late = record("1,2", "0", moment=T0 + timedelta(hours=2))
    file = capture_file(tmp_path, T0, [GOOD, late])
    rows, result = read([file], feature_names=FEATURES)
    assert len(rows) == 1
    assert result.problems.total == 0


def base_64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


def test_text_that_is_not_utf8_is_a_bad_line(tmp_path: Path) -> None:
    good_accent = record("1,é,3", "0")
    broken = GOOD.replace("1,2,3", "1,2,3\udcff").encode("utf-8", "surrogateescape")
    file = Path(capture_file(tmp_path, T0, [GOOD, good_accent]))
    file.write_bytes(file.read_bytes() + broken)
    rows, result = read([str(file)], feature_names=FEATURES)
    assert [row["b"] for row in rows] == ["2", "é"]
    assert result.problems.counts == {"not JSON": 1}
    assert examples(result, "not JSON") == [f"{file.name}:3"]


def test_reads_of_separate_files_merge(tmp_path: Path) -> None:
    first = capture_file(tmp_path, T0, [GOOD, "bad\n", "bad\n"])
    second = capture_file(tmp_path, T0 + timedelta(minutes=1), ["bad\n", GOOD, GOOD])
    _, together = read(sorted([first, second]), feature_names=FEATURES, max_examples=2)
    _, one = read([first], feature_names=FEATURES, max_examples=2)
    _, other = read([second], feature_names=FEATURES, max_examples=2)
    one.problems.merge(other.problems)
    one.records.merge(other.records)
    assert one.problems.counts == {"not JSON": 3}
    assert [example.split(": ")[0] for example in one.problems.examples["not JSON"]] == [
        f"{first}:2",
        f"{first}:3",
    ]
    assert one.problems.to_dict() == together.problems.to_dict()
    assert one.records == together.records


def test_problems_travel_between_processes() -> None:
    problems = Problems(max_examples=1)
    problems.add("not JSON", "f.jsonl:3", "bad")
    copy = pickle.loads(pickle.dumps(problems))
    copy.add("not JSON", "f.jsonl:4")
    assert copy.to_dict() == {"not JSON": {"count": 2, "examples": ["f.jsonl:3: bad"]}}
