from __future__ import annotations

from pathlib import Path

import pytest

from modelwatch.errors import ModelwatchError
from modelwatch.readers.capture import load_preprocessor

from .captures import FEATURES, T0, capture_file, json_text, read, record


def script(tmp_path: Path, source: str) -> str:
    path = tmp_path / "preprocessor.py"
    path.write_text(source)
    return str(path)


def captured(tmp_path: Path, count: int = 3) -> str:
    lines = [record(f"{i},{i * 10},x", f"0.{i}", inference_id=f"id-{i}") for i in range(count)]
    return capture_file(tmp_path / "capture", T0, lines)


def test_handler_with_the_record_reads_both_attribute_spellings(tmp_path: Path) -> None:
    preprocessor = load_preprocessor(
        script(
            tmp_path,
            """
def preprocess_handler(inference_record):
    old = inference_record.event_data.endpointInput
    new = inference_record.endpoint_input
    assert old.encoding == new.encoding == "CSV" and new.observedContentType == "text/csv"
    assert new.mode == "INPUT" and inference_record.endpoint_output.mode == "OUTPUT"
    assert inference_record.event_version == "0"
    metadata = inference_record.event_metadata
    assert inference_record.as_dict()["eventMetadata"]["inferenceId"] == metadata.inference_id
    a, b, c = new.data.split(",")
    label = float(inference_record.endpoint_output.data)
    return {"a": int(a), "b": float(b), "c": c, "label": label, "id": metadata.inference_id,
            "time": metadata.event_time}
""",
        )
    )
    rows, result = read([captured(tmp_path)], feature_names=FEATURES, preprocessor=preprocessor)
    assert rows[1] == {
        "label": 0.1,
        "a": 1,
        "b": 10.0,
        "c": "x",
        "id": "id-1",
        "time": "2026-03-01T10:01:00Z",
    }
    assert result.problems.total == 0
    assert not result.matched_by_position


def test_handler_with_a_logger_returning_lists_and_drops(tmp_path: Path) -> None:
    preprocessor = load_preprocessor(
        script(
            tmp_path,
            """
def preprocess_handler(inference_record, logger):
    logger.info("seen %s", inference_record.event_metadata.event_id)
    i = int(inference_record.endpoint_input.data.split(",")[0])
    if i == 0:
        return []
    return [{"a": i}, {"a": i * 100}]
""",
        )
    )
    rows, result = read([captured(tmp_path)], preprocessor=preprocessor)
    assert rows == [{"a": 1}, {"a": 100}, {"a": 2}, {"a": 200}]
    assert result.records.dropped == 1
    assert result.records.skipped == 0
    assert result.records.rows == 4


def test_unknown_keys_are_matched_by_position_in_lexicographic_order(tmp_path: Path) -> None:
    preprocessor = load_preprocessor(
        script(
            tmp_path,
            """
def preprocess_handler(inference_record):
    a, b, c = inference_record.endpoint_input.data.split(",")
    return {"f1": a, "f2": b, "f3": c, "f0": inference_record.endpoint_output.data}
""",
        )
    )
    rows, result = read([captured(tmp_path, 1)], feature_names=FEATURES, preprocessor=preprocessor)
    assert rows == [{"label": "0.0", "a": "0", "b": "0", "c": "x"}]
    assert result.matched_by_position


def test_a_handler_that_fails_on_some_records(tmp_path: Path) -> None:
    preprocessor = load_preprocessor(
        script(
            tmp_path,
            """
def preprocess_handler(inference_record):
    i = int(inference_record.endpoint_input.data.split(",")[0])
    if i == 1:
        raise ValueError("cannot handle\\nrecord one")
    if i == 2:
        return "not rows"
    return {"a": i}
""",
        )
    )
    file = captured(tmp_path)
    rows, result = read([file], preprocessor=preprocessor)
    assert rows == [{"a": 0}]
    assert result.problems.counts == {"preprocessor error": 2}
    name = file.rsplit("/", 1)[-1]
    assert [example.rsplit("/", 1)[-1] for example in result.problems.examples["preprocessor error"]] == [
        f"{name}:2: ValueError: cannot handle record one",
        f"{name}:3: returned str, expected a dict or a list of dicts",
    ]


def test_a_handler_that_fails_on_every_record_stops_the_read(tmp_path: Path) -> None:
    preprocessor = load_preprocessor(script(tmp_path, "def preprocess_handler(record):\n    return 1 / 0\n"))
    with pytest.raises(
        ModelwatchError, match=r"^preprocessor failed on every record: .*:1: ZeroDivisionError"
    ):
        read([captured(tmp_path)], preprocessor=preprocessor)


def test_records_the_preprocessor_sees_include_json_payloads(tmp_path: Path) -> None:
    preprocessor = load_preprocessor(
        script(
            tmp_path,
            """
import json
def preprocess_handler(inference_record):
    return json.loads(inference_record.endpoint_input.data)["instances"]
""",
        )
    )
    line = record(json_text({"instances": [{"a": 1}, {"a": 2}]}), encoding_in="JSON")
    rows, _ = read([capture_file(tmp_path, T0, [line])], preprocessor=preprocessor)
    assert rows == [{"a": 1}, {"a": 2}]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("def handler(record):\n    return {}\n", "no preprocess_handler"),
        ("def preprocess_handler(:\n", r"preprocessor.py:1: syntax error"),
        ("import not_a_module_anywhere\n", "failed on loading: ModuleNotFoundError"),
        ("def preprocess_handler():\n    return {}\n", "must take"),
        ("preprocess_handler = 3\n", "no preprocess_handler"),
    ],
)
def test_bad_scripts_are_one_line_errors(tmp_path: Path, source: str, message: str) -> None:
    with pytest.raises(ModelwatchError, match=message) as error:
        load_preprocessor(script(tmp_path, source))
    assert "\n" not in str(error.value)


def test_a_missing_script(tmp_path: Path) -> None:
    with pytest.raises(ModelwatchError, match="cannot read the preprocessor script"):
        load_preprocessor(str(tmp_path / "nope.py"))
