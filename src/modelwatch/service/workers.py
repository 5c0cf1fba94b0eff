"""Work in a process of its own: spawned, in its own process group, one result back through a pipe.

Executions and baselining jobs run this way so that a crash, a hang or a memory blow-up cannot take the
server down, and so that killing the worker's process group also ends the engine's own worker processes.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from modelwatch.process import exit_quietly_at_interpreter_exit

POLL_SECONDS = 0.05
JOIN_SECONDS = 10.0

EXITED = object()
"""What `Worker.result` gives for a worker that ended without sending a result."""


class Worker:
    """A started worker process and the receiving end of its result pipe."""

    def __init__(self, target: Callable[[Any, Connection], None], job: Any, name: str) -> None:
        context = multiprocessing.get_context("spawn")
        self._receiver, sender = context.Pipe(duplex=False)
        self._process: BaseProcess = context.Process(target=target, args=(job, sender), name=name)
        self._process.start()
        sender.close()

    def ready(self) -> bool:
        """Whether the result (or the worker's end) has arrived; waits up to POLL_SECONDS."""
        return self._receiver.poll(POLL_SECONDS)

    def result(self) -> Any:
        """The worker's result, or `EXITED` when it ended without sending one (see `exit_code`)."""
        try:
            value = self._receiver.recv()
        except EOFError:
            self._process.join(JOIN_SECONDS)
            return EXITED
        self._process.join(JOIN_SECONDS)
        if self._process.is_alive():
            self.kill()
        return value

    @property
    def exit_code(self) -> int | None:
        return self._process.exitcode

    def kill(self) -> None:
        """End the worker and its process group (the group may not exist yet if it is killed very early)."""
        if self._process.pid is not None and hasattr(os, "killpg"):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._process.pid, signal.SIGKILL)
        self._process.kill()
        self._process.join()

    def close(self) -> None:
        self._receiver.close()


def become_worker() -> None:
    """First thing in a worker: leave without C++ teardown at exit, and lead a process group of its own."""
    exit_quietly_at_interpreter_exit()
    if hasattr(os, "setpgid"):
        os.setpgid(0, 0)
