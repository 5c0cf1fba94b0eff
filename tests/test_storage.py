"""Locations: atomic writes, staged output directories, JSON documents, on disk and in memory://."""

from __future__ import annotations

import json
from pathlib import Path

import fsspec
import pytest

from modelwatch import storage
from modelwatch.errors import ModelwatchError


def test_atomic_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b.json"
    storage.atomic_write_bytes(str(target), b"{}")
    assert target.read_bytes() == b"{}"
    assert [path.name for path in target.parent.iterdir()] == ["b.json"]


def test_atomic_write_to_memory_store() -> None:
    storage.atomic_write_bytes("memory://bucket/x/y.bin", b"data")
    assert fsspec.filesystem("memory").cat_file("/bucket/x/y.bin") == b"data"


def fail_half_way(output: Path) -> None:
    with storage.staged_directory(str(output)) as staging:
        storage.write_json(storage.join(staging, "one.json"), {"n": 2})
        raise RuntimeError("the analysis failed half way")


def test_staged_directory_replaces_the_output_only_on_success(tmp_path: Path) -> None:
    output = tmp_path / "out"
    with storage.staged_directory(str(output)) as staging:
        storage.write_json(storage.join(staging, "one.json"), {"n": 1})
        assert not output.exists()
    assert storage.read_json(str(output / "one.json")) == {"n": 1}
    with pytest.raises(RuntimeError, match="half way"):
        fail_half_way(output)
    assert storage.read_json(str(output / "one.json")) == {"n": 1}
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out"]


def write_one(output: Path) -> None:
    with storage.staged_directory(str(output)) as staging:
        storage.write_json(storage.join(staging, "x.json"), {})


def test_an_unwritable_output_is_a_one_line_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ModelwatchError, match=r"file/out: cannot create the output directory"):
        write_one(blocker / "out")
    with pytest.raises(ModelwatchError, match=r"file: cannot write the output directory"):
        write_one(blocker)


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such file"), (b"{oops", "not valid JSON"), (b"\xff\xfe", "not valid JSON")],
    ids=["missing", "malformed", "not utf-8"],
)
def test_read_json_errors_name_the_file(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "doc.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ModelwatchError, match=rf"doc\.json: {message}"):
        storage.read_json(str(path))


def test_read_json_reads_what_the_standard_parser_reads(tmp_path: Path) -> None:
    """NaN, infinities, integers beyond 64 bits and UTF-16, which the fast parser refuses, still read."""
    path = tmp_path / "doc.json"
    path.write_bytes(b'{"mean": NaN, "max": Infinity, "min": -Infinity, "count": 123456789012345678901}')
    document = storage.read_json(str(path))
    assert document["mean"] != document["mean"]
    assert (document["max"], document["min"], document["count"]) == (
        float("inf"),
        float("-inf"),
        123456789012345678901,
    )
    path.write_bytes('{"name": "Día"}'.encode("utf-16"))
    assert storage.read_json(str(path)) == {"name": "Día"}


DOCUMENT = {
    "version": 0.0,
    "features": [{"name": "Día", "mean": 0.1, "sum": 1e16, "tiny": 5e-324, "count": 3, "ok": True}],
    "empty": [],
    "none": None,
    7: "a key that is not text",
}


def test_written_json_is_what_the_standard_writer_writes() -> None:
    """Indented by two, one value per line, ending in a newline, and read back to the same values."""
    written = storage.dumps_json(DOCUMENT)
    assert written.endswith(b"}\n")
    assert json.loads(written) == json.loads(json.dumps(DOCUMENT, indent=2))
    assert written.splitlines()[:3] == json.dumps(DOCUMENT, indent=2).encode().splitlines()[:3]
    huge = {"count": 123456789012345678901}
    assert json.loads(storage.dumps_json(huge)) == huge


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_written_json_refuses_what_is_not_json(value: float) -> None:
    with pytest.raises(ValueError, match="not JSON compliant"):
        storage.dumps_json({"features": [{"stats": [1.0, value]}]})
    with pytest.raises(ValueError, match="not JSON compliant"):
        storage.dumps_json({"mixed": [10**400, "text", None, [value]]})


def test_storage_options_nest_and_read_booleans() -> None:
    options = storage.parse_storage_options(
        ["client_kwargs.endpoint_url=http://127.0.0.1:9000", "anon=false", "key=AK"]
    )
    assert options == {"client_kwargs": {"endpoint_url": "http://127.0.0.1:9000"}, "anon": False, "key": "AK"}
    with pytest.raises(ModelwatchError, match="expected KEY=VALUE"):
        storage.parse_storage_options(["novalue"])
