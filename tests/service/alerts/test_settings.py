"""`Schedule.alert_settings`: defaults, the round trip, and one-line errors for what breaks the schema."""

from __future__ import annotations

from typing import Any

import pytest

from modelwatch.service.alerts_settings import AlertSettings, AlertSettingsError, Webhook, WebhookFormat
from modelwatch.service.store import ExecutionStatus


def test_defaults_and_round_trip() -> None:
    assert AlertSettings.from_dict({}) == AlertSettings(
        frozenset({ExecutionStatus.COMPLETED_WITH_VIOLATIONS, ExecutionStatus.FAILED}), ()
    )
    stored = {
        "on": ["Failed", "Stopped"],
        "webhooks": [
            {"url": "https://hooks.example.com/a", "headers": {"X-Token": "t"}},
            {"url": "http://chat.local/b", "format": "slack"},
        ],
    }
    settings = AlertSettings.from_dict(stored)
    assert settings.webhooks == (
        Webhook("https://hooks.example.com/a", WebhookFormat.JSON, {"X-Token": "t"}),
        Webhook("http://chat.local/b", WebhookFormat.SLACK, {}),
    )
    assert AlertSettings.from_dict(settings.to_dict()) == settings
    assert settings.to_dict()["on"] == ["Failed", "Stopped"]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ([], "alert settings: must be an object"),
        ({"webhook": []}, "alert settings: unknown key 'webhook'; expected on, webhooks"),
        ({"on": "Failed"}, "alert settings: 'on' must be a list of statuses"),
        ({"on": ["InProgress"]}, "alert settings: 'on': 'InProgress' is not one of Completed, "),
        ({"webhooks": {"url": "x"}}, "alert settings: 'webhooks' must be a list"),
        (
            {"webhooks": [{"url": "ftp://host/x"}]},
            "alert settings: webhooks[0]: 'url' must be an http or https",
        ),
        ({"webhooks": [{"format": "json"}]}, "alert settings: webhooks[0]: 'url' must be an http or https"),
        (
            {"webhooks": [{"url": "https://h/" + "x" * 2048}]},
            "alert settings: webhooks[0]: 'url' is longer than",
        ),
        (
            {"webhooks": [{"url": "https://h/x", "format": "xml"}]},
            "webhooks[0]: 'format' must be one of json, slack",
        ),
        (
            {"webhooks": [{"url": "https://h/x", "headers": {"A": 1}}]},
            "webhooks[0]: 'headers' must map names to",
        ),
        ({"webhooks": [{"url": "https://h/x", "retries": 3}]}, "webhooks[0]: unknown key 'retries'"),
        (
            {"webhooks": [{"url": "https://h/x"}, {"url": "https://h/x", "format": "slack"}]},
            "alert settings: webhook URL https://h/x is given more than once",
        ),
    ],
)
def test_invalid_settings_are_refused(settings: Any, message: str) -> None:
    with pytest.raises(AlertSettingsError) as raised:
        AlertSettings.from_dict(settings)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)
