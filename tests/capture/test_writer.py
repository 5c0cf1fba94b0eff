"""CaptureWriter: sampling, pairing, rolling by window and size, concurrency, flushing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from modelwatch.capture import CaptureWriter
from modelwatch.errors import ModelwatchError

from .conftest import read_records


class FakeClock:
    def __init__(self, moment: datetime) -> None:
        self.now = moment.timestamp()

    def set(self, moment: datetime) -> None:
        self.now = moment.timestamp()

    def __call__(self) -> float:
        return self.now


def _eventually(condition: Callable[[], object], seconds: float = 5.0) -> None:
    """Wait until `condition()` holds (the writer thread works on its own time), for at most `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)


def _files(destination: Path) -> list[str]:
    return sorted(str(path.relative_to(destination)) for path in destination.rglob("*.jsonl"))


def test_sampling_20_percent_of_10000_is_within_binomial_bounds(tmp_path: Path) -> None:
    with CaptureWriter(str(tmp_path), "demo", sampling_percentage=20, queue_size=20_000) as writer:
        kept = sum(
            writer.write(f"{index}", f"{index * 2}", input_content_type="text/csv") for index in range(10_000)
        )
    # mean 2000, standard deviation 40: five deviations either side fail once in ~1.7 million runs
    assert 1800 <= kept <= 2200
    records = read_records(tmp_path)
    assert len(records) == kept
    for record in records:
        assert record.endpoint_input is not None
        assert record.endpoint_output is not None
        assert int(record.endpoint_output.data) == 2 * int(record.endpoint_input.data)


def test_zero_and_hundred_percent(tmp_path: Path) -> None:
    with CaptureWriter(str(tmp_path / "none"), "demo", sampling_percentage=0) as writer:
        assert not any(writer.write("1", "2") for _ in range(100))
    with CaptureWriter(str(tmp_path / "all"), "demo") as writer:
        assert all(writer.write("1", "2") for _ in range(100))
    assert len(read_records(tmp_path / "all")) == 100
    assert read_records(tmp_path / "none") == []


@pytest.mark.parametrize(("capture", "sides"), [("input", (True, False)), (["output"], (False, True))])
def test_capture_chooses_the_sides_kept(
    tmp_path: Path, capture: str | list[str], sides: tuple[bool, bool]
) -> None:
    with CaptureWriter(str(tmp_path), "demo", capture=capture) as writer:
        writer.write(b"1,2", b"3", input_content_type="text/csv", output_content_type="text/csv")
    (record,) = read_records(tmp_path)
    assert (record.endpoint_input is not None, record.endpoint_output is not None) == sides


def test_bad_options_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(ModelwatchError, match="--capture"):
        CaptureWriter(str(tmp_path), "demo", capture="both")
    with pytest.raises(ModelwatchError, match="sampling percentage"):
        CaptureWriter(str(tmp_path), "demo", sampling_percentage=101)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(ModelwatchError, match="cannot write capture files there") as caught:
        CaptureWriter(str(blocker / "capture"), "demo")
    assert "\n" not in str(caught.value)


def test_files_roll_at_minute_and_hour_boundaries(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2024, 12, 31, 23, 59, 58, 500_000, tzinfo=UTC))
    with CaptureWriter(str(tmp_path), "churn", clock=clock) as writer:
        for moment in (
            datetime(2024, 12, 31, 23, 59, 58, 500_000, tzinfo=UTC),
            datetime(2024, 12, 31, 23, 59, 59, 999_000, tzinfo=UTC),
            datetime(2025, 1, 1, 0, 0, 0, 100_000, tzinfo=UTC),
            datetime(2025, 1, 1, 0, 0, 59, tzinfo=UTC),
            datetime(2025, 1, 1, 0, 1, 0, tzinfo=UTC),
        ):
            clock.set(moment)
            writer.write("{}", "{}")
    files = _files(tmp_path)
    assert [name.rsplit("-", 5)[0] for name in files] == [
        "churn/AllTraffic/2024/12/31/23/59-58-500",
        "churn/AllTraffic/2025/01/01/00/00-00-100",
        "churn/AllTraffic/2025/01/01/00/01-00-000",
    ]
    counts = [len((tmp_path / name).read_text().splitlines()) for name in files]
    assert counts == [2, 2, 1]
    times = [record.event_metadata.inference_time for record in read_records(tmp_path)]
    assert times[0] == datetime(2024, 12, 31, 23, 59, 58, tzinfo=UTC)


def test_a_window_that_ends_without_new_records_is_written(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2025, 1, 1, 0, 0, 10, tzinfo=UTC))
    with CaptureWriter(str(tmp_path), "demo", clock=clock) as writer:
        writer.write("{}", "{}")
        time.sleep(0.3)
        assert _files(tmp_path) == []
        clock.set(datetime(2025, 1, 1, 0, 1, 0, tzinfo=UTC))
        _eventually(lambda: _files(tmp_path))
        assert len(_files(tmp_path)) == 1
        assert writer.stats.captured == 1


def test_files_roll_at_the_size_limit(tmp_path: Path) -> None:
    with CaptureWriter(str(tmp_path), "demo", max_file_bytes=2_000) as writer:
        for index in range(100):
            writer.write(json.dumps({"index": index}), "{}")
    sizes = [(tmp_path / name).stat().st_size for name in _files(tmp_path)]
    assert len(sizes) > 5
    assert max(sizes) <= 2_000
    assert len(read_records(tmp_path)) == 100


def test_threads_sharing_a_writer_lose_nothing(tmp_path: Path) -> None:
    with CaptureWriter(str(tmp_path), "demo", queue_size=50_000) as writer:

        def send(thread: int) -> None:
            for index in range(1_000):
                writer.write(f"{thread},{index}", "0", input_content_type="text/csv")

        threads = [threading.Thread(target=send, args=(thread,)) for thread in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    inputs = {record.endpoint_input.data for record in read_records(tmp_path) if record.endpoint_input}
    assert len(inputs) == 8_000
    assert writer.stats.dropped == 0


WRITER_PROCESS = """
import sys
from modelwatch.capture import CaptureWriter
with CaptureWriter(sys.argv[1], "demo", max_file_bytes=4_000) as writer:
    for index in range(500):
        writer.write(f"{sys.argv[2]},{index}", "0", input_content_type="text/csv")
"""


def test_writer_processes_on_one_destination_never_share_a_file(tmp_path: Path) -> None:
    processes = [
        subprocess.Popen([sys.executable, "-c", WRITER_PROCESS, str(tmp_path), str(number)])
        for number in range(4)
    ]
    assert [process.wait(60) for process in processes] == [0, 0, 0, 0]
    inputs = [record.endpoint_input.data for record in read_records(tmp_path) if record.endpoint_input]
    assert len(inputs) == len(set(inputs)) == 2_000
    assert not [path for path in tmp_path.rglob("*") if path.name.startswith(".")]


def test_flush_writes_mid_window_and_close_writes_the_rest(tmp_path: Path) -> None:
    writer = CaptureWriter(str(tmp_path), "demo")
    writer.write("1", "1")
    assert writer.flush()
    assert len(read_records(tmp_path)) == 1
    writer.write("2", "2")
    writer.close()
    assert len(read_records(tmp_path)) == 2
    assert not writer.write("3", "3")
    assert writer.stats.dropped == 1
    assert writer.stats.captured == 2


def _hidden(destination: Path) -> list[Path]:
    return list(destination.rglob(".*.tmp"))


def test_a_local_file_is_written_as_records_come_and_appears_whole_at_the_roll(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2025, 1, 1, 0, 0, 10, tzinfo=UTC))
    with CaptureWriter(str(tmp_path), "demo", clock=clock) as writer:
        for index in range(3):
            writer.write(f"{index}", "0", input_content_type="text/csv")
        _eventually(lambda: [path for path in _hidden(tmp_path) if len(path.read_bytes().splitlines()) == 3])
        (spooled,) = _hidden(tmp_path)
        assert len(spooled.read_bytes().splitlines()) == 3  # on disk already, under a hidden name
        assert _files(tmp_path) == []
        clock.set(datetime(2025, 1, 1, 0, 1, 0, tzinfo=UTC))
        _eventually(lambda: _files(tmp_path))
        assert len(_files(tmp_path)) == 1
        assert _hidden(tmp_path) == []
    assert [record.endpoint_input.data for record in read_records(tmp_path) if record.endpoint_input] == [
        "0",
        "1",
        "2",
    ]


def test_a_spooled_file_that_fails_is_written_whole_from_memory(tmp_path: Path) -> None:
    """A write error mid-window (the disk full, say): what the file held is read back, and the file
    still appears with every record, in order, and nothing hidden left behind."""
    writer = CaptureWriter(str(tmp_path), "demo")
    writer.write("1", "1")
    _eventually(lambda: writer._file is not None and writer._file.records == 1)
    open_file = writer._file
    assert open_file is not None
    assert open_file.spool is not None
    os.close(open_file.spool.descriptor)  # every later write fails with EBADF
    writer.write("2", "2")
    writer.write("3", "3")
    writer.close()
    assert [record.endpoint_input.data for record in read_records(tmp_path) if record.endpoint_input] == [
        "1",
        "2",
        "3",
    ]
    assert _hidden(tmp_path) == []
    assert writer.stats.captured == 3
