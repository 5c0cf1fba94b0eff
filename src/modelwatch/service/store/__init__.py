"""The server's SQL store: tables, opening (and migrating) a database, and the execution ledger.

SQLite in the data directory by default; PostgreSQL when several servers share one store.
"""

from modelwatch.service.store.database import Store, open_store
from modelwatch.service.store.executions import (
    ORPHAN_REASON,
    AnalysisOutcome,
    claim_window,
    count_executions,
    finish,
    list_executions,
    mark_orphans_failed,
    renew_lease,
    request_stop,
    stop_requested,
)
from modelwatch.service.store.models import (
    AlertDelivery,
    Baseline,
    DeliveryStatus,
    Endpoint,
    Execution,
    ExecutionStatus,
    JobStatus,
    Schedule,
    ScheduleStatus,
)

__all__ = [
    "ORPHAN_REASON",
    "AlertDelivery",
    "AnalysisOutcome",
    "Baseline",
    "DeliveryStatus",
    "Endpoint",
    "Execution",
    "ExecutionStatus",
    "JobStatus",
    "Schedule",
    "ScheduleStatus",
    "Store",
    "claim_window",
    "count_executions",
    "finish",
    "list_executions",
    "mark_orphans_failed",
    "open_store",
    "renew_lease",
    "request_stop",
    "stop_requested",
]
