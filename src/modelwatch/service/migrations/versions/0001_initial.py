"""Initial schema: endpoints, baselines, schedules, executions and alert deliveries.

Frozen copies of the column types (DateTime with time zone, statuses as VARCHAR(32)), not the model classes,
so later model changes cannot rewrite history; the test suite checks head still equals the models.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """The five tables of the first store, as `service.store.models` defines them."""
    op.create_table(
        "baselines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("statistics_uri", sa.String(length=2048), nullable=True),
        sa.Column("constraints_uri", sa.String(length=2048), nullable=True),
        sa.Column("dataset_uri", sa.String(length=2048), nullable=True),
        sa.Column("dataset_options", sa.JSON(), nullable=False),
        sa.Column("job_status", sa.String(length=32), nullable=True),
        sa.Column("failure_reason", sa.String(length=1024), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(statistics_uri IS NOT NULL AND constraints_uri IS NOT NULL) OR dataset_uri IS NOT NULL",
            name=op.f("ck_baselines_documents_or_dataset"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_baselines")),
        sa.UniqueConstraint("name", name=op.f("uq_baselines_name")),
    )
    op.create_table(
        "endpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("capture_uri", sa.String(length=2048), nullable=False),
        sa.Column("storage_options", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_endpoints")),
        sa.UniqueConstraint("name", name=op.f("uq_endpoints_name")),
    )
    op.create_table(
        "schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("endpoint_id", sa.Integer(), nullable=False),
        sa.Column("baseline_id", sa.Integer(), nullable=False),
        sa.Column("cron_expression", sa.String(length=256), nullable=False),
        sa.Column("start_offset", sa.String(length=32), nullable=False),
        sa.Column("end_offset", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("failure_reason", sa.String(length=1024), nullable=True),
        sa.Column("alert_settings", sa.JSON(), nullable=False),
        sa.Column("max_runtime_seconds", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["baseline_id"],
            ["baselines.id"],
            name=op.f("fk_schedules_baseline_id_baselines"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["endpoints.id"],
            name=op.f("fk_schedules_endpoint_id_endpoints"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
        sa.UniqueConstraint("name", name=op.f("uq_schedules_name")),
    )
    op.create_index(op.f("ix_schedules_baseline_id"), "schedules", ["baseline_id"], unique=False)
    op.create_index(op.f("ix_schedules_endpoint_id"), "schedules", ["endpoint_id"], unique=False)
    op.create_table(
        "executions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_seconds", sa.Double(), nullable=True),
        sa.Column("violation_count", sa.Integer(), nullable=True),
        sa.Column("exit_message", sa.String(length=1024), nullable=True),
        sa.Column("failure_reason", sa.String(length=1024), nullable=True),
        sa.Column("report_uri", sa.String(length=2048), nullable=True),
        sa.Column("lease_owner", sa.String(length=128), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedules.id"],
            name=op.f("fk_executions_schedule_id_schedules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_executions")),
        sa.UniqueConstraint(
            "schedule_id",
            "window_start",
            "window_end",
            name=op.f("uq_executions_schedule_id_window_start_window_end"),
        ),
    )
    op.create_index(
        op.f("ix_executions_status_lease_expires_at"),
        "executions",
        ["status", "lease_expires_at"],
        unique=False,
    )
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("execution_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=2048), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=1024), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["execution_id"],
            ["executions.id"],
            name=op.f("fk_alert_deliveries_execution_id_executions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_deliveries")),
        sa.UniqueConstraint("execution_id", "target", name=op.f("uq_alert_deliveries_execution_id_target")),
    )


def downgrade() -> None:
    """Drop everything (children first)."""
    op.drop_table("alert_deliveries")
    op.drop_index(op.f("ix_executions_status_lease_expires_at"), table_name="executions")
    op.drop_table("executions")
    op.drop_index(op.f("ix_schedules_endpoint_id"), table_name="schedules")
    op.drop_index(op.f("ix_schedules_baseline_id"), table_name="schedules")
    op.drop_table("schedules")
    op.drop_table("endpoints")
    op.drop_table("baselines")
