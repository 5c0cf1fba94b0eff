"""Running the capture proxy: the proxy on uvloop, a side listener for metrics, a final flush."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import sys
from collections.abc import Callable

from modelwatch.capture.metrics import ProxyMetrics, start_metrics_server
from modelwatch.capture.proxy import CaptureProxy
from modelwatch.capture.writer import CaptureWriter
from modelwatch.errors import ModelwatchError

_SWITCH_INTERVAL_SECONDS = 0.001


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop where it exists (not on Windows): its transports cost a fraction of asyncio's."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def run_proxy(
    upstream: str,
    writer: CaptureWriter,
    listen: tuple[str, int],
    metrics_listen: tuple[str, int],
    timeout_seconds: float = 60.0,
) -> None:
    """Serve until SIGTERM/SIGINT, let requests in flight finish, then upload every record held."""
    metrics = ProxyMetrics(writer)
    proxy = CaptureProxy(upstream, writer, metrics, timeout_seconds=timeout_seconds)
    try:
        metrics_server = start_metrics_server(metrics, *metrics_listen)
    except OSError as error:
        writer.close()
        raise ModelwatchError(
            f"--metrics-listen {metrics_listen[0]}:{metrics_listen[1]}: {error.strerror}"
        ) from error
    try:
        with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
            runner.run(_serve(proxy, listen))
    finally:
        metrics_server.shutdown()
        writer.close()


async def _serve(proxy: CaptureProxy, listen: tuple[str, int]) -> None:
    try:
        await proxy.start(*listen)
    except OSError as error:
        raise ModelwatchError(f"--listen {listen[0]}:{listen[1]}: {error.strerror or error}") from error
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):  # Windows: Ctrl-C raises KeyboardInterrupt instead
            loop.add_signal_handler(signum, stop.set)
    # What start-up allocated (modules, the CLI, the metrics registry) lives as long as the process:
    # out of the collector's way, full collections only walk what requests allocate.
    gc.freeze()
    # The writer thread encodes in short slices, but an upload to an object store runs botocore's
    # pure Python: with the default 5 ms switch interval the event loop could wait that long for
    # the GIL on every switch; 1 ms bounds the wait a request can see.
    sys.setswitchinterval(_SWITCH_INTERVAL_SECONDS)
    await stop.wait()
    await proxy.stop()
