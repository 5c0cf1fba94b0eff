"""report.js: it parses, and in jsdom (when node can load it) it filters, orders and sorts."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from report_inputs import BASELINE_ORDER, CURRENT_ONLY, HOSTILE, UNICODE, report_data

from modelwatch.ui.report import render_report_page, report_js


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_report_script_parses(tmp_path: Path) -> None:
    script = tmp_path / "report.js"
    script.write_text(report_js(), encoding="utf-8")
    subprocess.run(["node", "--check", str(script)], check=True, capture_output=True, timeout=60)


def _jsdom_available() -> bool:
    node = shutil.which("node")
    return (
        node is not None
        and subprocess.run(
            [node, "-e", "require('jsdom')"], check=False, capture_output=True, timeout=60
        ).returncode
        == 0
    )


@pytest.mark.skipif(not _jsdom_available(), reason="node with jsdom (NODE_PATH) is not installed")
def test_the_script_filters_orders_and_sorts(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text(render_report_page(report_data()), encoding="utf-8")
    script = Path(__file__).with_name("report_behaviour.js")
    run = subprocess.run(
        ["node", str(script), str(path)], capture_output=True, text=True, timeout=120, check=True
    )
    seen = json.loads(run.stdout)
    order = [*BASELINE_ORDER, CURRENT_ONLY]
    assert seen["errors"] == []
    assert seen["toolbarHidden"] is False
    assert seen["onlyViolating"] == {"names": [n for n in order if n != UNICODE], "shown": "6 of 7 shown"}
    assert seen["search"] == [UNICODE]
    assert seen["driftOrder"][:3] == ["plan", "income", HOSTILE], (
        "by distance ÷ threshold (χ²: threshold ÷ p)"
    )
    assert seen["baselineOrder"] == order
    assert seen["checksAscending"]["ariaSort"] == "ascending"
    assert seen["checksAscending"]["checks"] == sorted(seen["checksAscending"]["checks"])
    assert seen["checksDescending"]["checks"] == sorted(seen["checksAscending"]["checks"], reverse=True)
