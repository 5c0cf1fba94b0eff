"""What the API is configured with, apart from the store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, kw_only=True)
class ApiSettings:
    """Tokens per role and the data directory.

    Auth is enabled as soon as any token is configured; then every ``/api`` route needs a bearer token,
    a read token (or an admin token) for reading and an admin token for writing. Report files are served
    only from below `data_dir`, so an execution whose report lies elsewhere cannot be used to read the disk.
    """

    data_dir: Path
    admin_tokens: frozenset[str] = frozenset()
    read_tokens: frozenset[str] = frozenset()

    @property
    def auth_enabled(self) -> bool:
        return bool(self.admin_tokens or self.read_tokens)
