"""`/login`: paste an API token; the server keeps it in an HttpOnly cookie and pages use its role."""

from __future__ import annotations

from modelwatch.ui.layout import Viewer, page
from modelwatch.ui.text import esc


def render_login(next_path: str, error: str | None, viewer: Viewer) -> str:
    problem = ""
    if error:
        problem = f'<p class="mw-form-error" data-testid="form-error" role="alert">{esc(error)}</p>'
    body = (
        "<h1>Sign in</h1>"
        "<p>This server needs an API token: an admin token may change schedules, a read token may look.</p>"
        '<form class="mw-form" method="post" action="/login" data-testid="login-form">'
        f'<input type="hidden" name="next" value="{esc(next_path)}">'
        '<label class="mw-field"><span>Token</span>'
        '<input name="token" type="password" autocomplete="current-password" required autofocus></label>'
        f'<p><button type="submit" class="mw-button">Sign in</button></p>{problem}</form>'
    )
    return page("login", "Sign in", body, viewer)
