"""Two servers, in separate processes, ticking at the same instant on one store: each window runs once."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from modelwatch.service.store import ExecutionStatus, Store
from service.store.conftest import store_url  # noqa: F401 (SQLite, then the throwaway PostgreSQL)

from .conftest import DAY, MakeSchedule
from .helpers import executions

SERVERS = 2
_IMPORT_ROOT = Path(__file__).resolve().parents[len(__name__.split(".")) - 1]
_SERVER = """
import json, sys, time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, {root!r})

from modelwatch.service.runner import Runner, RunnerSettings
from modelwatch.service.store import open_store
from {conftest} import Clock

clock = Clock(datetime.fromisoformat(sys.argv[3]))
data_dir = Path(sys.argv[2])
runner = Runner(open_store(sys.argv[1], data_dir, clock=clock), RunnerSettings(sys.argv[4], data_dir), clock)
print("ready", flush=True)
time.sleep(max(0.0, float(sys.stdin.readline()) - time.time()))
print(json.dumps(runner.tick()), flush=True)
"""


def test_two_servers_run_each_window_exactly_once(
    store_url: str,  # noqa: F811 (the imported fixture, injected by pytest)
    store: Store,
    make_schedule: MakeSchedule,
    tmp_path: Path,
) -> None:
    schedule_id = make_schedule()
    now = DAY.replace(hour=13, minute=5)  # the 10:00 to 13:00 fire times are due: four windows
    script = _SERVER.format(root=str(_IMPORT_ROOT), conftest=__name__.rpartition(".")[0] + ".conftest")
    servers = [
        subprocess.Popen(
            [sys.executable, "-c", script, store_url, str(tmp_path), now.isoformat(), f"server-{index}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for index in range(SERVERS)
    ]
    try:
        for server in servers:
            assert server.stdout is not None
            assert server.stdout.readline().strip() == "ready"
        go_at = time.time() + 0.2
        outputs = [server.communicate(f"{go_at}\n", timeout=120)[0] for server in servers]
    finally:
        for server in servers:
            if server.poll() is None:
                server.kill()
                server.wait()
    assert [server.returncode for server in servers] == [0] * SERVERS

    ran = [execution_id for output in outputs for execution_id in json.loads(output)]
    rows = executions(store, schedule_id)
    per_window = Counter((row.window_start, row.window_end) for row in rows)
    assert per_window == Counter({(DAY.replace(hour=h), DAY.replace(hour=h + 1)): 1 for h in range(9, 13)})
    assert sorted(ran) == sorted(row.id for row in rows), "every execution was run by one server, once"
    assert {row.attempts for row in rows} == {1}
    assert {row.status for row in rows} <= {
        ExecutionStatus.COMPLETED,
        ExecutionStatus.COMPLETED_WITH_VIOLATIONS,
    }
