"""A Python client of the modelwatch server's REST API (``/api/v1``), used by the CLI's server commands.

`Client` has one attribute per collection (``endpoints``, ``baselines``, ``schedules``, ``executions``)
with a method per route; responses are the server's JSON as typed dictionaries (`modelwatch.client.types`).
"""

from modelwatch.client.client import Client
from modelwatch.client.transport import ClientError

__all__ = ["Client", "ClientError"]
