"""Running the capture proxy: uvicorn for the proxy, a side listener for metrics, a final flush."""

from __future__ import annotations

import uvicorn

from modelwatch.capture.metrics import ProxyMetrics, start_metrics_server
from modelwatch.capture.proxy import CaptureProxy
from modelwatch.capture.writer import CaptureWriter
from modelwatch.errors import ModelwatchError


def proxy_server_config(app: CaptureProxy, host: str, port: int) -> uvicorn.Config:
    """No Server/Date headers of our own: the client gets the upstream's, unchanged."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="on",
        access_log=False,
        log_level="warning",
        server_header=False,
        date_header=False,
    )


def run_proxy(
    upstream: str,
    writer: CaptureWriter,
    listen: tuple[str, int],
    metrics_listen: tuple[str, int],
    timeout_seconds: float = 60.0,
) -> None:
    """Serve until SIGTERM/SIGINT, then upload every record still held by the writer."""
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
        uvicorn.Server(proxy_server_config(proxy, *listen)).run()  # a port in use: uvicorn says so, exits 1
    finally:
        metrics_server.shutdown()
        writer.close()
