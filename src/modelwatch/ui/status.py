"""A status as a badge: an icon and words as well as a colour, the same on every page.

The icons are characters common fonts have (Debian's chromium, with DejaVu only, draws each of them):
one missing from the reader's fonts shows as an empty box.
"""

from __future__ import annotations

from modelwatch.ui.text import esc

_STATUS = {
    "Completed": ("completed", "✓", "Completed"),
    "CompletedWithViolations": ("violations", "⚠", "Completed with violations"),
    "Failed": ("failed", "✕", "Failed"),
    "Pending": ("running", "…", "Pending"),
    "InProgress": ("running", "▶", "In progress"),
    "Stopping": ("stopped", "■", "Stopping"),
    "Stopped": ("stopped", "■", "Stopped"),
    "Scheduled": ("completed", "↻", "Scheduled"),
}


def status_badge(status: str, testid: str | None = None) -> str:
    slug, icon, label = _STATUS.get(status, ("other", "•", status))
    hook = f' data-testid="{testid}"' if testid else ""
    return (
        f'<span class="mw-badge mw-status-{slug}"{hook}><span aria-hidden="true">{icon}</span> '
        f"{esc(label)}</span>"
    )
