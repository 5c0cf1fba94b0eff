"""A local URL nothing listens on, for connection-refused cases."""

from __future__ import annotations

import socket


def closed_port_url() -> str:
    """Bind a port, then close it: connecting to it is refused (the port is not reused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"
