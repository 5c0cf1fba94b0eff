"""Capturing to S3 (moto's server on loopback), including the store going down mid-run."""

from __future__ import annotations

import logging
import time

import httpx
import pytest

from modelwatch.capture import CaptureWriter
from modelwatch.capture.metrics import ProxyMetrics
from modelwatch.capture.proxy import CaptureProxy

from .conftest import S3Server, read_s3_records
from .servers import Upstream, serve_proxy_in_thread


def test_files_land_in_sagemaker_layout_on_s3(s3_server: S3Server) -> None:
    with CaptureWriter(
        f"s3://{s3_server.bucket}/datacapture", "churn", storage_options=s3_server.storage_options()
    ) as writer:
        for index in range(10):
            writer.write(f"{index},1", "0.5", input_content_type="text/csv", output_content_type="text/csv")
    keys = [item["Key"] for item in s3_server.client().list_objects_v2(Bucket=s3_server.bucket)["Contents"]]
    assert len(keys) == 1
    assert keys[0].startswith("datacapture/churn/AllTraffic/")
    assert len(keys[0].split("/")) == 8
    assert [record.endpoint_input.data for record in read_s3_records(s3_server) if record.endpoint_input] == [
        f"{index},1" for index in range(10)
    ]


def test_missing_bucket_is_a_one_line_error_at_start(s3_server: S3Server) -> None:
    from modelwatch.errors import ModelwatchError

    with pytest.raises(
        ModelwatchError, match="s3://no-such-bucket/x/demo/AllTraffic: cannot write"
    ) as caught:
        CaptureWriter("s3://no-such-bucket/x", "demo", storage_options=s3_server.storage_options())
    assert "\n" not in str(caught.value)


@pytest.mark.slow
def test_store_down_mid_run_keeps_serving_counts_drops_and_keeps_records(
    s3_server: S3Server, upstream: tuple[str, Upstream], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="modelwatch.capture")
    upstream_url, _ = upstream
    writer = CaptureWriter(
        f"s3://{s3_server.bucket}/datacapture",
        "demo",
        storage_options=s3_server.storage_options(),
        roll_interval_seconds=0.5,
        queue_size=50,
    )
    proxy = CaptureProxy(upstream_url, writer, ProxyMetrics(writer))
    sent: dict[str, list[str]] = {"before": [], "during": [], "after": []}
    with serve_proxy_in_thread(proxy) as url, httpx.Client() as client:

        def send(phase: str, count: int, pause: float = 0.0) -> None:
            for index in range(count):
                inference_id = f"{phase}-{index}"
                response = client.post(url + "/echo", content=b"{}", headers={"x-inference-id": inference_id})
                assert response.status_code == 200
                sent[phase].append(inference_id)
                time.sleep(pause)

        send("before", 20)
        assert writer.flush()
        s3_server.stop()
        send("during", 300, pause=0.005)
        assert writer.stats.dropped > 0
        assert writer.stats.upload_errors > 0
        s3_server.start()
        assert writer.flush(timeout=30)  # the writer has caught up with the store again
        send("after", 20)
        writer.close(timeout=30)
    stats = writer.stats
    drop_lines = [record.message for record in caplog.records if "capture: dropped" in record.message]
    assert 1 <= len(drop_lines) <= 3  # the first drop at once, then at most one line per 10 s, then at close
    assert "because the capture queue is full" in drop_lines[0]
    captured = {record.event_metadata.inference_id for record in read_s3_records(s3_server)}
    assert set(sent["before"]) <= captured
    assert set(sent["after"]) <= captured
    assert stats.captured == len(captured)
    assert stats.captured + stats.dropped == sum(len(ids) for ids in sent.values())
