"""Prometheus metrics and `/healthz` of the capture proxy, served on their own port.

A separate listener means the proxy never answers a path that belongs to the model: every request
on the proxy's port goes to the upstream.
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from modelwatch.capture.writer import CaptureWriter

LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_STATUS_CODES = 1000  # llhttp reads any three-digit status
_HISTOGRAM_SLOTS = len(LATENCY_BUCKETS) + 2  # the buckets, +Inf, the sum


class ProxyMetrics:
    """The proxy's request counts and latencies, plus the writer's counters read at scrape time.

    The counts live in one float64 array, `values`, that the event loop thread alone writes: the
    proxy's connections count each answered request into it in C (`_httpkernels.count_exchange`;
    prometheus_client's Histogram takes a lock per bucket and per sum, about 1.3 µs an observation,
    and counting in Python took three calls and 5,000 instructions a request). A scrape copies the
    array in one step, so what it reads is consistent.
    """

    def __init__(self, writer: CaptureWriter) -> None:
        self.registry = CollectorRegistry()
        self.writer = writer
        self.upstream_errors = 0
        self.values = array("d", bytes(8 * (_STATUS_CODES + 2 * _HISTOGRAM_SLOTS)))
        self.registry.register(_CountersCollector(self))

    def count_request(self, status: int) -> None:
        """A request answered by the proxy itself (400, 502, ...): its status only."""
        self.values[status] += 1

    def snapshot(self) -> MetricsSnapshot:
        values = self.values.tolist()
        histograms = [
            values[start : start + _HISTOGRAM_SLOTS]
            for start in (_STATUS_CODES, _STATUS_CODES + _HISTOGRAM_SLOTS)
        ]
        return MetricsSnapshot(
            {status: int(count) for status, count in enumerate(values[:_STATUS_CODES]) if count},
            *(LatencyHistogram([int(count) for count in slots[:-1]], slots[-1]) for slots in histograms),
        )


@dataclass(frozen=True)
class LatencyHistogram:
    """Counts per bucket of LATENCY_BUCKETS and one for +Inf, and the sum of the observations."""

    counts: list[int]
    total: float

    def metric(self, name: str, documentation: str) -> HistogramMetricFamily:
        cumulative, buckets = 0, []
        for bound, count in zip((*LATENCY_BUCKETS, float("inf")), self.counts, strict=True):
            cumulative += count
            buckets.append((floatToGoString(bound), cumulative))
        return HistogramMetricFamily(name, documentation, buckets=buckets, sum_value=self.total)


@dataclass(frozen=True)
class MetricsSnapshot:
    requests: dict[int, int]
    upstream_latency: LatencyHistogram
    added_latency: LatencyHistogram


class _CountersCollector(Collector):
    def __init__(self, metrics: ProxyMetrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily | HistogramMetricFamily]:
        snapshot = self.metrics.snapshot()
        requests = CounterMetricFamily(
            "modelwatch_capture_requests", "Requests answered by the proxy, by status code.", labels=["code"]
        )
        for status, count in sorted(snapshot.requests.items()):
            requests.add_metric([str(status)], count)
        yield requests
        yield CounterMetricFamily(
            "modelwatch_capture_upstream_errors",
            "Requests the upstream did not answer (502/504 sent to the client).",
            value=self.metrics.upstream_errors,
        )
        stats = self.metrics.writer.stats
        for name, help_text, value in (
            ("captured_records", "Records written to the store.", stats.captured),
            ("dropped_records", "Records dropped (queue full or store down at shutdown).", stats.dropped),
            ("written_bytes", "Bytes of capture files written.", stats.bytes_written),
            ("written_files", "Capture files written.", stats.files_written),
            ("store_errors", "Failed uploads to the store (each is retried).", stats.upload_errors),
        ):
            yield CounterMetricFamily(f"modelwatch_capture_{name}", help_text, value=value)
        yield GaugeMetricFamily(
            "modelwatch_capture_queue_depth", "Records waiting for the writer.", value=stats.queue_depth
        )
        yield snapshot.upstream_latency.metric(
            "modelwatch_capture_upstream_latency_seconds",
            "Time from forwarding a request to the end of the upstream's response.",
        )
        yield snapshot.added_latency.metric(
            "modelwatch_capture_added_latency_seconds",
            "Time the proxy adds to a request on top of the upstream's time.",
        )


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes every few seconds would flood the log."""


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def metrics_app(metrics: ProxyMetrics) -> Callable[..., Iterable[bytes]]:
    """WSGI app: `/metrics` (Prometheus text format) and `/healthz` (200 while the writer runs)."""
    prometheus = make_wsgi_app(metrics.registry)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            return prometheus(environ, start_response)
        if path == "/healthz":
            healthy = metrics.writer.alive
            start_response(
                "200 OK" if healthy else "503 Service Unavailable", [("Content-Type", "text/plain")]
            )
            return [b"ok\n" if healthy else b"capture writer stopped\n"]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found: try /metrics or /healthz\n"]

    return app


def start_metrics_server(metrics: ProxyMetrics, host: str, port: int) -> WSGIServer:
    """Serve the metrics app on a daemon thread; `server.shutdown()` stops it."""
    server = make_server(
        host, port, metrics_app(metrics), server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    threading.Thread(target=server.serve_forever, name="modelwatch-capture-metrics", daemon=True).start()
    return server
