"""`CaptureWriter`: the one writer behind the proxy, the middlewares and direct calls.

A request that is sampled has its record encoded as a JSON line in its own thread (a few µs for an
inference-sized record) and appended to a bounded queue (`_textkernels.LineQueue`: no lock and no
thread wake-up per request). A background thread wakes every 20 ms, takes what piled up and appends
it, joined, to the file of the current roll window: on a local store written to disk at once under a
hidden temporary name and renamed into place when the window ends (or the file reaches the size
limit), on other stores held in memory and uploaded whole then. If the store fails, the thread
retries that upload with backoff while the queue absorbs new records; once the queue is full new
records are dropped, counted and logged, and requests go on unaffected. `close()` (which the proxy
calls on SIGTERM, the ASGI middleware at lifespan shutdown, and interpreter exit) uploads everything
still held. A `kill -9` loses the current window (on a local store its records stay in the hidden
file) and the queue.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from modelwatch import _textkernels, storage
from modelwatch.capture.defaults import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_QUEUE_SIZE,
    DEFAULT_ROLL_INTERVAL_SECONDS,
)
from modelwatch.capture.exchange import Exchange, Sampler, parse_capture_modes
from modelwatch.capture.files import (
    DEFAULT_VARIANT,
    OpenCaptureFile,
    capture_file_uri,
    check_writable,
    roll_window,
    window_end,
)
from modelwatch.capture.records import RecordEncoder
from modelwatch.formats.capture import ContentTypes

logger = logging.getLogger("modelwatch.capture")

_MAX_RETRY_SLEEP = 5.0
_POLL_SECONDS = 0.02


@dataclass(frozen=True)
class CaptureStats:
    submitted: int
    captured: int
    dropped: int
    bytes_written: int
    files_written: int
    upload_errors: int
    queue_depth: int


_open_writers: weakref.WeakSet[CaptureWriter] = weakref.WeakSet()


class CaptureWriter:
    """Write SageMaker-format capture files under `{destination}/{endpoint}/{variant}/`."""

    def __init__(
        self,
        destination: str,
        endpoint: str,
        variant: str = DEFAULT_VARIANT,
        *,
        storage_options: storage.StorageOptions | None = None,
        sampling_percentage: float = 100.0,
        capture: str | Iterable[str] = ("input", "output"),
        content_types: ContentTypes | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        roll_interval_seconds: float = DEFAULT_ROLL_INTERVAL_SECONDS,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        drop_log_interval_seconds: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.prefix = storage.join(destination, endpoint, variant)
        self.storage_options = dict(storage_options or {})
        self.sampler = Sampler(sampling_percentage)
        self.should_capture = self.sampler.sample
        """The sampling draw for one request."""
        self.modes = parse_capture_modes(capture)
        self.content_types = content_types or ContentTypes()
        self.max_body_bytes = max_body_bytes
        self.roll_interval = roll_interval_seconds
        self.max_file_bytes = max_file_bytes
        self.clock = clock
        self._drop_log_interval = drop_log_interval_seconds
        check_writable(self.prefix, self.storage_options)

        self._wake = threading.Event()
        self._flush_requests: list[threading.Event] = []
        self._stopping = False
        self._lock = threading.Lock()
        self._captured = self._dropped = 0
        self._bytes_written = self._files_written = self._upload_errors = 0
        self._drops_unlogged = 0
        self._last_drop_log: float | None = None
        self._give_up_at: float | None = None
        self._file: OpenCaptureFile | None = None
        self._encoder = RecordEncoder(self.modes, self.content_types, max_body_bytes)
        self._queue = _textkernels.LineQueue(self._encoder.lines, queue_size)
        self.put = self._queue.put
        """`put(*fields)`, an Exchange's fields in its order: queue a common record (bodies whole,
        declared as text, UTF-8) in one C call, for the proxy's C code; False for anything else, which
        then goes to `submit(Exchange(*fields))`."""
        self._thread = threading.Thread(target=self._run, name="modelwatch-capture-writer", daemon=True)
        self._thread.start()
        _open_writers.add(self)

    def __enter__(self) -> CaptureWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def write(
        self,
        input: bytes | str | None,
        output: bytes | str | None,
        *,
        input_content_type: str = "application/json",
        output_content_type: str = "application/json",
        inference_id: str | None = None,
        custom_attributes: str | None = None,
        inference_time: float | None = None,
    ) -> bool:
        """Capture one invocation (sampled); True if it was queued. Never blocks, never raises."""
        if not self.should_capture():
            return False
        input_body = _as_bytes(input)
        output_body = _as_bytes(output)
        return self.submit(
            Exchange(
                inference_time=self.clock() if inference_time is None else inference_time,
                input_body=input_body,
                input_size=len(input_body),
                input_content_type=input_content_type,
                output_body=output_body,
                output_size=len(output_body),
                output_content_type=output_content_type,
                inference_id=inference_id,
                custom_attributes=custom_attributes,
            )
        )

    def submit(self, exchange: Exchange) -> bool:
        """Encode an already sampled exchange and queue its line; a full queue (or a closed writer)
        drops it.

        The record is encoded here, in the caller's thread, not on the writer thread: with raw
        exchanges queued, the writer thread held the GIL for every record it encoded, and on a
        busy machine a request waited for the GIL while the OS had the writer thread descheduled
        (the proxy's p99 at 2,500 req/s: 166-434 ms, against 14-45 ms with capture off).
        """
        queue = self._queue
        if not queue.closed and len(queue) < queue.limit:  # else nothing to encode
            try:
                line = self._encoder.line(exchange)
                moment = float(exchange.inference_time)
            except Exception:
                logger.exception("capture: cannot encode a record; it is dropped")
                self._count_dropped(1, "of an unexpected error")
                return False
            if queue.append(line, moment):
                return True
        self._count_dropped(1, "the writer is closed" if queue.closed else "the capture queue is full")
        return False

    def flush(self, timeout: float = 30.0) -> bool:
        """Upload everything queued so far, even mid-window; True if done within `timeout`."""
        if not self._thread.is_alive():
            return False
        done = threading.Event()
        with self._lock:
            self._flush_requests.append(done)
        self._wake.set()
        return done.wait(timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Upload everything held, retrying a failing store for up to `timeout` seconds."""
        if self._queue.closed:
            return
        self._queue.closed = True
        self._give_up_at = time.monotonic() + timeout
        self._stopping = True
        self._wake.set()
        self._thread.join(max(0.0, self._give_up_at - time.monotonic()) + 1.0)
        with self._lock:
            lost = self._drops_unlogged
            self._drops_unlogged = 0
        if lost:
            logger.warning("capture: dropped %d records (%d in total)", lost, self._dropped)
        stats = self.stats
        logger.info(
            "capture: closed %s; %d records written in %d files, %d dropped",
            self.prefix,
            stats.captured,
            stats.files_written,
            stats.dropped,
        )
        _open_writers.discard(self)

    @property
    def stats(self) -> CaptureStats:
        with self._lock:
            return CaptureStats(
                submitted=self._queue.submitted,
                captured=self._captured,
                dropped=self._dropped,
                bytes_written=self._bytes_written,
                files_written=self._files_written,
                upload_errors=self._upload_errors,
                queue_depth=len(self._queue),
            )

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        """Wake every poll interval (or when asked), write what piled up, roll when a window ends."""
        while True:
            self._wake.wait(self._poll_timeout())
            self._wake.clear()
            stopping = self._stopping
            self._drain()
            with self._lock:
                flushes, self._flush_requests = self._flush_requests, []
            if flushes or stopping:
                self._roll()
                for done in flushes:
                    done.set()
            elif self._file is not None and self.clock() >= window_end(self._file.window, self.roll_interval):
                self._roll()
            if stopping:
                if self._queue:
                    self._count_dropped(len(self._queue), "they arrived while the writer was closing")
                return

    def _drain(self) -> None:
        """Move the queued lines into the open file: in one join while they all belong to it.

        One append per line held the GIL for about a microsecond and a half per record, time the
        event loop waited for; the join is a C loop. Lines that reach a new window or the size
        limit go one by one, to roll where they do.
        """
        lines, times = self._queue.take()
        if not lines:
            return
        current = self._file
        if (
            current is not None
            and max(times) < window_end(current.window, self.roll_interval)
            and current.size + sum(map(len, lines)) <= self.max_file_bytes
        ):
            current.append(lines)
            return
        for inference_time, line in zip(times, lines, strict=True):
            try:
                self._append(inference_time, line)
            except Exception:
                logger.exception("capture writer: unexpected error; the record is dropped")
                self._count_dropped(1, "of an unexpected error")

    def _poll_timeout(self) -> float:
        if self._file is None:
            return _POLL_SECONDS
        remaining = window_end(self._file.window, self.roll_interval) - self.clock()
        return min(max(remaining, 0.001), _POLL_SECONDS)

    def _append(self, inference_time: float, line: bytes) -> None:
        window = roll_window(inference_time, self.roll_interval)
        current = self._file
        if current is not None and (
            window > current.window or current.size + len(line) > self.max_file_bytes
        ):
            self._roll()
            current = None
        if current is None:
            current = self._file = OpenCaptureFile(
                capture_file_uri(self.prefix, inference_time), window, self.storage_options
            )
        current.append([line])

    def _roll(self) -> None:
        """Upload the open file, retrying until it succeeds or `close()`'s deadline passes."""
        file, self._file = self._file, None
        if file is None:
            return
        delay = 0.2
        while True:
            try:
                file.upload()
            except Exception as error:
                with self._lock:
                    self._upload_errors += 1
                logger.warning("capture: writing %s failed (%s); retrying", file.uri, error)
                give_up_at = self._give_up_at
                if give_up_at is not None and time.monotonic() >= give_up_at:
                    self._count_dropped(file.records, "the store could not be written before shutdown")
                    return
                wait = delay if give_up_at is None else min(delay, max(0.0, give_up_at - time.monotonic()))
                time.sleep(wait)
                delay = min(delay * 2, _MAX_RETRY_SLEEP)
                continue
            with self._lock:
                self._captured += file.records
                self._bytes_written += file.size
                self._files_written += 1
            return

    def _count_dropped(self, count: int, reason: str) -> None:
        """Count every drop; log the first at once, then at most one line per interval."""
        now = time.monotonic()
        with self._lock:
            self._dropped += count
            self._drops_unlogged += count
            last = self._last_drop_log
            if last is not None and now - last < self._drop_log_interval:
                return
            unlogged, self._drops_unlogged = self._drops_unlogged, 0
            self._last_drop_log = now
            total = self._dropped
        window = "" if last is None else f" in the last {now - last:.0f} s"
        logger.warning(
            "capture: dropped %d records%s because %s (%d in total)", unlogged, window, reason, total
        )


def _as_bytes(body: bytes | str | None) -> bytes:
    if body is None:
        return b""
    return body.encode("utf-8") if isinstance(body, str) else body


@atexit.register
def _close_open_writers() -> None:
    for writer in list(_open_writers):
        writer.close(timeout=10.0)
