"""Exactly once under contention: racing claimers, whether threads or separate server processes, each window
is won by exactly one of them. The stores are opened concurrently on an empty database too, so the racing
migrations are covered as well.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from modelwatch.service.store import (
    Baseline,
    Endpoint,
    Schedule,
    Store,
    claim_window,
    count_executions,
    open_store,
)

WINDOWS = 40
CLAIMERS = 4
W0 = datetime(2026, 3, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _add_schedule(store: Store) -> int:
    with store.session() as session:
        schedule = Schedule(
            name="contended",
            endpoint=Endpoint(name="endpoint", capture_uri="/capture"),
            baseline=Baseline(name="baseline", statistics_uri="/s.json", constraints_uri="/c.json"),
            cron_expression="0 * * * *",
        )
        session.add(schedule)
        session.flush()
        return schedule.id


def _claim_all(store: Store, schedule_id: int, owner: str, seed: int) -> list[int]:
    """Claim every window, in an order of this claimer's own, so claimers collide all along the way."""
    order = list(range(WINDOWS))
    random.Random(seed).shuffle(order)
    lease = timedelta(minutes=5)
    return [hour for hour in order if claim_window(store, schedule_id, *_window(hour), owner, lease)]


def _window(hour: int) -> tuple[datetime, datetime]:
    return W0 + hour * HOUR, W0 + (hour + 1) * HOUR


def _assert_each_window_won_once(wins: list[list[int]]) -> None:
    counts = Counter(hour for won in wins for hour in won)
    assert counts == Counter(range(WINDOWS)), "every window claimed exactly once"


def test_threads_claim_each_window_once(store_url: str, tmp_path: Path) -> None:
    opened, go = threading.Barrier(CLAIMERS + 1, timeout=30), threading.Barrier(CLAIMERS + 1, timeout=30)
    schedule: list[int] = []
    wins: list[list[int]] = [[] for _ in range(CLAIMERS)]
    errors: list[BaseException] = []

    def claimer(index: int) -> None:
        try:
            store = open_store(store_url, tmp_path)
            opened.wait()
            go.wait()
            wins[index] = _claim_all(store, schedule[0], f"thread-{index}", index)
            store.close()
        except BaseException as error:  # reported by the test below, not lost in the thread
            errors.append(error)
            opened.abort()
            go.abort()

    threads = [threading.Thread(target=claimer, args=(index,)) for index in range(CLAIMERS)]
    for thread in threads:
        thread.start()
    try:
        opened.wait()
        main = open_store(store_url, tmp_path)
        schedule.append(_add_schedule(main))
        go.wait()
    except threading.BrokenBarrierError:
        pass  # a claimer failed: its error is asserted below
    finally:
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    _assert_each_window_won_once(wins)
    assert count_executions(main) == WINDOWS
    main.close()


# The directory this module is imported from (by its package name), so the processes import it alike.
_IMPORT_ROOT = Path(__file__).resolve().parents[len(__name__.split(".")) - 1]
_PROCESS = """
import json, sys, time
from pathlib import Path

sys.path.insert(0, {root!r})

from modelwatch.service.store import open_store
from {module} import _claim_all

store = open_store(sys.argv[1], Path(sys.argv[2]))
print("ready", flush=True)
schedule_id, go_at = sys.stdin.readline().split()
time.sleep(max(0.0, float(go_at) - time.time()))
print(json.dumps(_claim_all(store, int(schedule_id), sys.argv[3], int(sys.argv[4]))), flush=True)
"""


def test_server_processes_sharing_postgresql_claim_each_window_once(
    postgres_url: str, tmp_path: Path
) -> None:
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _PROCESS.format(module=__name__, root=str(_IMPORT_ROOT)),
                postgres_url,
                str(tmp_path),
                f"server-{index}",
                str(index),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for index in range(2)
    ]
    try:
        for process in processes:
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "ready"
        main = open_store(postgres_url, tmp_path)
        schedule_id = _add_schedule(main)
        go_at = time.time() + 0.2
        for process in processes:  # both wait on their stdin, then for the same instant
            assert process.stdin is not None
            process.stdin.write(f"{schedule_id} {go_at}\n")
            process.stdin.flush()
        wins = [process.communicate(timeout=60)[0] for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    assert [process.returncode for process in processes] == [0, 0]
    _assert_each_window_won_once([json.loads(output) for output in wins])
    assert count_executions(main) == WINDOWS
    main.close()


def test_threads_open_a_new_sqlite_store_together(tmp_path: Path) -> None:
    """Switching a new file to WAL is not covered by SQLite's busy timeout: opening must wait for it."""
    for trial in range(10):
        folder = tmp_path / str(trial)
        errors: list[BaseException] = []

        def open_and_close(folder: Path = folder, errors: list[BaseException] = errors) -> None:
            try:
                open_store(None, folder).close()
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=open_and_close) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == [], f"trial {trial}"
