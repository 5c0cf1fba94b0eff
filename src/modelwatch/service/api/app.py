"""Assembling the API: routers under ``/api/v1``, bearer auth, one error format, OpenAPI at ``/docs``;
the dashboard's pages beside it."""

from __future__ import annotations

from importlib.metadata import version

from fastapi import APIRouter, FastAPI, Security

from modelwatch.service.api import (
    routes_baselines,
    routes_endpoints,
    routes_executions,
    routes_runs,
    routes_schedules,
)
from modelwatch.service.api.auth import BearerAuth, bearer_scheme
from modelwatch.service.api.errors import install_error_handlers
from modelwatch.service.api.settings import ApiSettings
from modelwatch.service.dashboard import install_dashboard
from modelwatch.service.runner import Runner
from modelwatch.service.store import Store

API_V1 = "/api/v1"


def create_app(store: Store, settings: ApiSettings, runner: Runner | None = None) -> FastAPI:
    """The API on `store`. Routes are synchronous: FastAPI runs them in its thread pool, beside the loop.

    With a `runner`, schedules can also be run now on any window (``POST /schedules/{name}/runs``).
    """
    app = FastAPI(
        title="modelwatch",
        version=version("modelwatch"),
        summary="Endpoints, baselines, monitoring schedules and their executions",
        docs_url="/docs",
        openapi_url="/openapi.json",
        redoc_url=None,
    )
    app.state.store = store
    app.state.settings = settings
    app.state.runner = runner
    install_error_handlers(app)
    app.add_middleware(BearerAuth, settings=settings)
    api = APIRouter(prefix=API_V1, dependencies=[Security(bearer_scheme)])
    for module in (routes_endpoints, routes_baselines, routes_schedules, routes_executions):
        api.include_router(module.router)
    if runner is not None:
        api.include_router(routes_runs.router)
    app.include_router(api)
    install_dashboard(app)
    return app
