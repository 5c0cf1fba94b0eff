"""The web dashboard: HTML pages and their assets, served by the API's app outside `/api/v1`."""

from __future__ import annotations

from fastapi import FastAPI

from modelwatch.service.dashboard import assets, pages, session
from modelwatch.service.dashboard.reports import Reports


def install_dashboard(app: FastAPI) -> None:
    """Mount the pages, the login and the assets on `app` (whose state has the store and settings)."""
    app.state.reports = Reports(app.state.settings.data_dir)
    app.add_exception_handler(session.LoginRequiredError, session.login_redirect)
    for module in (assets, session, pages):
        app.include_router(module.router)
