"""What an alert says: the JSON body of a webhook, and its Slack-compatible rendering.

The JSON body (``format: json``, version 1)::

    {
      "version": 1,
      "execution_id": 42,
      "schedule": "churn-hourly",
      "endpoint": "churn",
      "status": "CompletedWithViolations",        // or Failed, Completed, Stopped (as the schedule asks)
      "window_start": "2026-11-29T11:00:00Z",     // the analysed window [start, end), UTC
      "window_end": "2026-11-29T12:00:00Z",
      "exit_message": "CompletedWithViolations: Job completed successfully with 3 violations.",
      "failure_reason": null,                     // the one-line reason when Failed or Stopped
      "violation_count": 3,                       // null when the execution failed
      "violations": [                             // the first 20, as in constraint_violations.json
        {"feature_name": "Day Mins", "constraint_check_type": "baseline_drift_check",
         "description": "Numerical distance: 0.45 exceeds numerical threshold: 0.1"}
      ],
      "violations_omitted": 0,                    // how many more the report lists
      "report_url": "https://modelwatch.example.com/executions/42/report",  // null without a public URL
      "report_uri": "s3://bucket/reports/churn/churn-hourly/2026/11/29/12"  // where the report files are
    }

``format: slack`` posts ``{"text": ..., "blocks": [...]}`` (Slack's incoming-webhook payload; Mattermost
and Rocket.Chat accept it too): ``text`` is the one-line summary notifications show, the blocks add the
window, the message, the violations and a link to the report.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from modelwatch.formats.violations import Violation
from modelwatch.service.store import Execution

BODY_VERSION = 1
MAX_VIOLATIONS = 20
REPORT_PATH = "api/v1/executions/{execution_id}/files/report.html"
"""Where a server with a public base URL shows an execution's report, relative to that URL."""
_SLACK_TEXT_LIMIT = 3000
_SLACK_HEADER_LIMIT = 150


def report_url(public_base_url: str | None, execution_id: int) -> str | None:
    if public_base_url is None:
        return None
    return f"{public_base_url.rstrip('/')}/{REPORT_PATH.format(execution_id=execution_id)}"


def alert_body(
    execution: Execution, schedule: str, endpoint: str, violations: list[Violation], url: str | None
) -> dict[str, Any]:
    """The JSON body for `execution` (see the module docstring)."""
    shown = violations[:MAX_VIOLATIONS]
    return {
        "version": BODY_VERSION,
        "execution_id": execution.id,
        "schedule": schedule,
        "endpoint": endpoint,
        "status": execution.status.value,
        "window_start": _iso(execution.window_start),
        "window_end": _iso(execution.window_end),
        "exit_message": execution.exit_message,
        "failure_reason": execution.failure_reason,
        "violation_count": execution.violation_count,
        "violations": [violation.to_dict() for violation in shown],
        "violations_omitted": len(violations) - len(shown),
        "report_url": url,
        "report_uri": execution.report_uri,
    }


def slack_body(body: dict[str, Any]) -> dict[str, Any]:
    """The Slack rendering of a JSON body: the same facts, as mrkdwn blocks."""
    where = f"{body['endpoint']} / {body['schedule']}"
    count = body["violation_count"]
    outcome = body["status"] if count is None else f"{body['status']} ({count} violations)"
    summary = f"modelwatch: {where}: {outcome}"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(summary, _SLACK_HEADER_LIMIT)}},
        {
            "type": "section",
            "fields": [
                _mrkdwn(f"*Endpoint*\n{_escape(body['endpoint'])}"),
                _mrkdwn(f"*Schedule*\n{_escape(body['schedule'])}"),
                _mrkdwn(f"*Status*\n{_escape(body['status'])}"),
                _mrkdwn(f"*Window*\n{body['window_start']} – {body['window_end']}"),
            ],
        },
    ]
    message = body["failure_reason"] or body["exit_message"]
    if message:
        blocks.append({"type": "section", "text": _mrkdwn(_cut(_escape(message), _SLACK_TEXT_LIMIT))})
    if body["violations"]:
        lines = [
            f"• *{_escape(item['feature_name'])}* `{_escape(item['constraint_check_type'])}`: "
            f"{_escape(item['description'])}"
            for item in body["violations"]
        ]
        if body["violations_omitted"]:
            lines.append(f"… and {body['violations_omitted']} more in the report")
        blocks.append({"type": "section", "text": _mrkdwn(_cut("\n".join(lines), _SLACK_TEXT_LIMIT))})
    if body["report_url"]:
        blocks.append({"type": "section", "text": _mrkdwn(f"<{body['report_url']}|Open the report>")})
    return {"text": summary, "blocks": blocks}


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def _escape(text: str) -> str:
    """Slack's three control characters; everything else is shown as written."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
