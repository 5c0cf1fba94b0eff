"""The alert settings of a schedule (`Schedule.alert_settings`): which outcomes alert, and where to.

Schema (every key optional; ``{}`` sends nothing)::

    {
      "on": ["CompletedWithViolations", "Failed"],
      "webhooks": [
        {"url": "https://hooks.example.com/modelwatch", "format": "json",
         "headers": {"Authorization": "Bearer ..."}},
        {"url": "https://hooks.slack.com/services/T0/B0/XXXX", "format": "slack"}
      ]
    }

- ``on``: the final execution statuses that send an alert, among Completed, CompletedWithViolations, Failed
  and Stopped; default CompletedWithViolations and Failed.
- ``webhooks``: each an ``http``/``https`` ``url`` (unique within the schedule: it identifies the delivery),
  a body ``format`` (``json``, the default, or ``slack``) and extra request ``headers`` (strings).

Unknown keys are refused rather than ignored, so a typo (``"webhook"``) does not silently send nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from modelwatch.errors import ModelwatchError
from modelwatch.service.store import ExecutionStatus
from modelwatch.service.store.executions import FINAL_STATUSES
from modelwatch.service.store.models import URI_LENGTH

DEFAULT_ON = frozenset({ExecutionStatus.COMPLETED_WITH_VIOLATIONS, ExecutionStatus.FAILED})


class AlertSettingsError(ModelwatchError):
    """Alert settings that do not follow the schema; the message is one line naming the key."""


class WebhookFormat(StrEnum):
    JSON = "json"
    SLACK = "slack"


@dataclass(frozen=True)
class Webhook:
    url: str
    format: WebhookFormat = WebhookFormat.JSON
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertSettings:
    on: frozenset[ExecutionStatus] = DEFAULT_ON
    webhooks: tuple[Webhook, ...] = ()

    @classmethod
    def from_dict(cls, data: Any) -> AlertSettings:
        """Parse and check settings as stored; AlertSettingsError for anything off the schema."""
        document = _mapping(data, "alert settings", {"on", "webhooks"})
        on = DEFAULT_ON if "on" not in document else _statuses(document["on"])
        webhooks = document.get("webhooks", [])
        if not isinstance(webhooks, list):
            raise AlertSettingsError("alert settings: 'webhooks' must be a list")
        parsed = tuple(_webhook(entry, f"webhooks[{index}]") for index, entry in enumerate(webhooks))
        urls = [webhook.url for webhook in parsed]
        repeated = sorted({url for url in urls if urls.count(url) > 1})
        if repeated:
            raise AlertSettingsError(f"alert settings: webhook URL {repeated[0]} is given more than once")
        return cls(on, parsed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "on": sorted(status.value for status in self.on),
            "webhooks": [
                {"url": hook.url, "format": hook.format.value, "headers": dict(hook.headers)}
                for hook in self.webhooks
            ],
        }


def _mapping(data: Any, where: str, keys: set[str]) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise AlertSettingsError(f"{where}: must be an object")
    unknown = sorted(set(data) - keys)
    if unknown:
        raise AlertSettingsError(f"{where}: unknown key {unknown[0]!r}; expected {', '.join(sorted(keys))}")
    return data


def _statuses(data: Any) -> frozenset[ExecutionStatus]:
    allowed = sorted(status.value for status in FINAL_STATUSES)
    if not isinstance(data, list):
        raise AlertSettingsError("alert settings: 'on' must be a list of statuses")
    for item in data:
        if item not in allowed:
            raise AlertSettingsError(f"alert settings: 'on': {item!r} is not one of {', '.join(allowed)}")
    return frozenset(ExecutionStatus(item) for item in data)


def _webhook(data: Any, where: str) -> Webhook:
    entry = _mapping(data, f"alert settings: {where}", {"url", "format", "headers"})
    url = entry.get("url")
    parts = urlsplit(url) if isinstance(url, str) else None
    if url is None or parts is None or parts.scheme not in {"http", "https"} or not parts.hostname:
        raise AlertSettingsError(f"alert settings: {where}: 'url' must be an http or https URL")
    if len(url) > URI_LENGTH:
        raise AlertSettingsError(f"alert settings: {where}: 'url' is longer than {URI_LENGTH} characters")
    formats = [member.value for member in WebhookFormat]
    kind = entry.get("format", WebhookFormat.JSON.value)
    if kind not in formats:
        raise AlertSettingsError(f"alert settings: {where}: 'format' must be one of {', '.join(formats)}")
    headers = entry.get("headers", {})
    if not isinstance(headers, Mapping) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in headers.items()
    ):
        raise AlertSettingsError(f"alert settings: {where}: 'headers' must map names to strings")
    return Webhook(url, WebhookFormat(kind), dict(headers))
