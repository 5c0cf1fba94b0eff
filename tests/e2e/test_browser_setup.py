"""Without chromium the browser tests skip, naming what to install, except under CI, where they fail."""

from __future__ import annotations

import pytest

from .browser import require_chromium


def test_missing_chromium_skips_locally_and_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        require_chromium({})
    with pytest.raises(pytest.fail.Exception, match="CI must install it"):
        require_chromium({"CI": "true"})
