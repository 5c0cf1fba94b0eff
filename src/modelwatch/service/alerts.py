"""Webhook alerts for finished executions, each sent at most once per (execution, target).

When an execution ends in a status its schedule alerts on (`alerts_settings`, by default
CompletedWithViolations and Failed), `AlertSender.deliver` POSTs one body to each of the schedule's webhooks:
JSON or Slack-compatible, both documented in `alerts_body`.

Exactly one sender owns each delivery. It first inserts the `AlertDelivery` row for (execution, target), and
the unique constraint turns a second insert into a no-op (``ON CONFLICT DO NOTHING``): whoever inserted the
row sends, everyone else skips. So calling `deliver` twice, from two threads or from two servers sharing a
store, never sends an alert twice. The price is at-most-once: a server that dies between the insert and
the POST leaves the row Pending with its attempts so far, visible but not resent.

Each attempt is recorded on the row (attempts, last error, status). A 2xx answer delivers. Connection errors,
timeouts, 408, 429 and 5xx are retried with exponential back-off (base delay, then twice that, …) up to
`attempts`; any other answer (a 4xx, a redirect) will not improve by retrying, so the delivery gives up.
A delivered row keeps the error of its last failed attempt, if any, as a trace of the retries.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from modelwatch import storage
from modelwatch.analysis import VIOLATIONS_FILE
from modelwatch.errors import ModelwatchError
from modelwatch.formats.violations import ConstraintViolations, Violation
from modelwatch.service.alerts_body import alert_body, report_url, slack_body
from modelwatch.service.alerts_settings import AlertSettings, Webhook, WebhookFormat
from modelwatch.service.store import (
    AlertDelivery,
    DeliveryStatus,
    Execution,
    ExecutionStatus,
    Schedule,
    Store,
)
from modelwatch.service.store.models import REASON_LENGTH

logger = logging.getLogger(__name__)

_RETRIED_CODES = frozenset({408, 429})
_USER_AGENT = "modelwatch-alerts"


class AlertSender:
    """Sends the alerts of finished executions; one instance serves a whole server (it keeps no state).

    `storage_options` are for reading the reports (their violations), as for the collector in `metrics`.
    """

    def __init__(
        self,
        store: Store,
        public_base_url: str | None,
        attempts: int = 5,
        base_delay: timedelta = timedelta(seconds=1),
        timeout: float = 10,
        sleep: Callable[[float], None] = time.sleep,
        *,
        storage_options: Mapping[str, Any] | None = None,
    ) -> None:
        if attempts < 1:
            raise ValueError(f"attempts must be at least 1, got {attempts}")
        self.store = store
        self.public_base_url = public_base_url
        self.attempts = attempts
        self.base_delay = base_delay
        self.timeout = timeout
        self.sleep = sleep
        self.storage_options = storage_options

    def deliver(self, execution_id: int) -> list[AlertDelivery]:
        """Send the alerts of the execution that no one has claimed yet; the deliveries this call made.

        Returns an empty list when the execution's status does not alert, the schedule has no webhooks, or
        every target was already claimed. Invalid alert settings are an AlertSettingsError: they should
        have been refused when the schedule was saved.
        """
        with self.store.session() as session:
            execution = session.get(Execution, execution_id)
            if execution is None:
                raise LookupError(f"no execution {execution_id}")
            schedule = session.get_one(Schedule, execution.schedule_id)
            settings = AlertSettings.from_dict(schedule.alert_settings)
            names = (schedule.name, schedule.endpoint.name)
        if execution.status not in settings.on or not settings.webhooks:
            return []
        owned = [
            (hook, row) for hook in settings.webhooks if (row := self._claim(execution_id, hook)) is not None
        ]
        if not owned:
            return []
        body = alert_body(
            execution, *names, self._violations(execution), report_url(self.public_base_url, execution_id)
        )
        slack = slack_body(body)
        with httpx.Client(timeout=self.timeout, headers={"User-Agent": _USER_AGENT}) as client:
            return [
                self._send(client, hook, row, slack if hook.format is WebhookFormat.SLACK else body)
                for hook, row in owned
            ]

    def _claim(self, execution_id: int, hook: Webhook) -> AlertDelivery | None:
        """Insert the delivery row, committed before anything is sent; None if another sender has it."""
        with self.store.session() as session:
            insert = postgresql.insert if _dialect(session) == "postgresql" else sqlite.insert
            return session.scalars(
                insert(AlertDelivery)
                .values(
                    execution_id=execution_id,
                    target=hook.url,
                    status=DeliveryStatus.PENDING,
                    attempts=0,
                    created_at=self.store.clock(),
                )
                .on_conflict_do_nothing(index_elements=["execution_id", "target"])
                .returning(AlertDelivery)
            ).one_or_none()

    def _violations(self, execution: Execution) -> list[Violation]:
        """The report's violations; none (and a warning) when the report cannot be read."""
        if execution.status != ExecutionStatus.COMPLETED_WITH_VIOLATIONS or execution.report_uri is None:
            return []
        location = storage.join(execution.report_uri, VIOLATIONS_FILE)
        try:
            return ConstraintViolations.from_dict(
                storage.read_json(location, self.storage_options), location
            ).violations
        except ModelwatchError as error:
            logger.warning("execution %s: alert sent without its violations: %s", execution.id, error)
            return []

    def _send(
        self, client: httpx.Client, hook: Webhook, row: AlertDelivery, body: dict[str, Any]
    ) -> AlertDelivery:
        attempt = 0
        while True:
            attempt += 1
            error, retry = _post(client, hook, body)
            if error is None:
                return self._record(row, attempt, DeliveryStatus.DELIVERED)
            if attempt == self.attempts or not retry:
                logger.warning("alert of execution %s to %s failed: %s", row.execution_id, hook.url, error)
                return self._record(row, attempt, DeliveryStatus.FAILED, error)
            row = self._record(row, attempt, DeliveryStatus.PENDING, error)
            self.sleep((self.base_delay * 2 ** (attempt - 1)).total_seconds())

    def _record(
        self, row: AlertDelivery, attempt: int, status: DeliveryStatus, error: str | None = None
    ) -> AlertDelivery:
        values: dict[str, Any] = {"attempts": attempt, "status": status}
        if error is not None:
            values["last_error"] = error[:REASON_LENGTH]
        if status is DeliveryStatus.DELIVERED:
            values["delivered_at"] = self.store.clock()
        with self.store.session() as session:
            session.execute(update(AlertDelivery).where(AlertDelivery.id == row.id).values(**values))
            return session.get_one(AlertDelivery, row.id, populate_existing=True)


def _post(client: httpx.Client, hook: Webhook, body: dict[str, Any]) -> tuple[str | None, bool]:
    """One POST: (None, _) when delivered, else (the error on one line, whether a retry may succeed)."""
    try:
        response = client.post(hook.url, json=body, headers=dict(hook.headers))
    except httpx.TransportError as error:
        text = " ".join(str(error).split())
        return f"{type(error).__name__}: {text}" if text else type(error).__name__, True
    if response.is_success:
        return None, False
    detail = " ".join(response.text.split())[:200]
    error = f"HTTP {response.status_code}" + (f": {detail}" if detail else "")
    return error, response.status_code in _RETRIED_CODES or response.status_code >= 500


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name
