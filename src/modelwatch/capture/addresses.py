"""Command-line addresses: the upstream URL and HOST:PORT listeners, checked with one-line errors."""

from __future__ import annotations

from urllib.parse import urlsplit

from modelwatch.errors import ModelwatchError


def parse_upstream(url: str) -> tuple[str, str]:
    """`http://host:port/base` → (origin, base path without trailing slash); one-line error if bad."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ModelwatchError(f"--upstream: expected an http:// or https:// URL, got {url!r}")
    if parts.query or parts.fragment:
        raise ModelwatchError(f"--upstream: the URL must not have a query or fragment: {url!r}")
    return f"{parts.scheme}://{parts.netloc}", parts.path.rstrip("/")


def parse_address(text: str, option: str) -> tuple[str, int]:
    """`HOST:PORT` or `[IPv6]:PORT` → (host, port)."""
    host, separator, port = text.rpartition(":")
    if not separator or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ModelwatchError(f"{option}: expected HOST:PORT, got {text!r}")
    return host.strip("[]"), int(port)
