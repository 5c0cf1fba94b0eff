"""The REST API of ``modelwatch server``: endpoints, baselines, schedules and executions under ``/api/v1``.

`create_app` builds a FastAPI application on an open store; the server adds the scheduler and dashboard
around it. OpenAPI is served at ``/docs`` and ``/openapi.json``.
"""

from modelwatch.service.api.app import create_app
from modelwatch.service.api.settings import ApiSettings

__all__ = ["ApiSettings", "create_app"]
