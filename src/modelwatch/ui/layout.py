"""The dashboard's chrome around every page: head with the shipped assets, navigation, who is signed in.

Pages load their CSS and JS from `/assets/` with a digest of the file's content in the URL, so the
server can let browsers keep them for a year and a new release is fetched at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from modelwatch.ui.text import esc

ASSETS = ("report.css", "dashboard.css", "report.js", "dashboard.js", "favicon.svg")
ICON = "favicon.svg"
NAVIGATION = (("overview", "/", "Overview"), ("schedules", "/schedules", "Schedules"))
NAVIGATION += (("baselines", "/baselines", "Baselines"),)
_SECTION = {"schedule": "schedules", "execution": "schedules", "feature-history": "schedules"}
_SECTION |= {"baseline": "baselines"}


@dataclass(frozen=True)
class Viewer:
    """Who looks at the page: with auth disabled, anyone may do anything (as with the API)."""

    auth_enabled: bool
    role: str | None
    """"admin" or "read" when signed in; None when auth is disabled or before signing in."""
    can_run: bool = True
    """Whether the server has a runner, so that schedules can be run now."""

    @property
    def may_write(self) -> bool:
        return not self.auth_enabled or self.role == "admin"

    def refusal(self) -> str | None:
        """Why a write is disabled for this viewer, for a button's title; None when it is allowed."""
        if self.may_write:
            return None
        return "signed in with a read token: this needs an admin token"


@cache
def asset_text(name: str) -> str:
    return resources.files("modelwatch.ui").joinpath("assets", name).read_text(encoding="utf-8")


@cache
def asset_digest(name: str) -> str:
    return hashlib.sha256(asset_text(name).encode()).hexdigest()[:12]


def asset_url(name: str) -> str:
    return f"/assets/{name}?v={asset_digest(name)}"


def page(name: str, title: str, body: str, viewer: Viewer, crumbs: tuple[tuple[str, str], ...] = ()) -> str:
    """A whole document: `<main data-testid="page-{name}">` holding `body`, under the navigation."""
    styles = "".join(
        f'<link rel="stylesheet" href="{asset_url(asset)}">' for asset in ASSETS if asset.endswith(".css")
    )
    scripts = "".join(
        f'<script src="{asset_url(asset)}" defer></script>' for asset in ASSETS if asset.endswith(".js")
    )
    icon = f'<link rel="icon" type="image/svg+xml" href="{asset_url(ICON)}">'
    trail = "".join(f'<a href="{esc(href)}">{esc(label)}</a> / ' for href, label in crumbs)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        f"<title>{esc(title)} — modelwatch</title>{icon}{styles}{scripts}</head>"
        f"<body>{_navigation(name, viewer)}"
        f'<main class="mw-page" data-testid="page-{esc(name)}">'
        f"{f'<p class=mw-crumbs>{trail}</p>' if trail else ''}{body}</main></body></html>\n"
    )


def _navigation(name: str, viewer: Viewer) -> str:
    current = _SECTION.get(name, name)
    links = "".join(
        f'<a href="{href}"{" aria-current=page" if key == current else ""}>{label}</a>'
        for key, href, label in NAVIGATION
    )
    account = ""
    if viewer.auth_enabled and viewer.role is not None:
        account = (
            f'<span class="mw-account" data-testid="account">signed in · {esc(viewer.role)} '
            '<form method="post" action="/logout"><button type="submit">Sign out</button></form></span>'
        )
    return (
        '<header class="mw-top"><nav class="mw-nav" data-testid="nav" aria-label="Dashboard">'
        f'<a class="mw-home" href="/">modelwatch</a>{links}</nav>{account}</header>'
    )
