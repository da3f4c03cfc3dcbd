"""CloudWatch and CloudWatch Logs: dashboards, alarms, log groups, filters, queries."""

from __future__ import annotations

from datetime import datetime

from auditor.snapshot.base import Model, Section


class Dashboard(Model):
    """A CloudWatch dashboard.

    Dashboards are global: AWS lists the same dashboards in every region, so a
    multi-region snapshot holds one copy per scanned region (same ``arn``).
    """

    name: str
    arn: str
    region: str
    last_modified: datetime | None = None


class AlarmDimension(Model):
    name: str
    value: str


class AlarmMetric(Model):
    """A metric a metric-math alarm reads through one of its queries."""

    namespace: str
    metric_name: str
    dimensions: tuple[AlarmDimension, ...] = ()


class Alarm(Model):
    name: str
    arn: str
    region: str
    #: ``metric`` or ``composite``.
    kind: str = "metric"
    namespace: str = ""
    metric_name: str = ""
    dimensions: tuple[AlarmDimension, ...] = ()
    #: Metrics read by a metric-math alarm (its top-level namespace/metric are then empty).
    query_metrics: tuple[AlarmMetric, ...] = ()
    #: The rule expression of a composite alarm, e.g. ``ALARM("a") OR ALARM("b")``.
    alarm_rule: str = ""
    actions_enabled: bool = True
    alarm_actions: tuple[str, ...] = ()
    ok_actions: tuple[str, ...] = ()
    insufficient_data_actions: tuple[str, ...] = ()
    #: ``OK``, ``ALARM`` or ``INSUFFICIENT_DATA``.
    state: str = ""


class LogGroup(Model):
    name: str
    arn: str
    region: str
    #: None means "never expire".
    retention_days: int | None = None
    kms_key_id: str = ""
    stored_bytes: int = 0
    created: datetime | None = None


class MetricTransformation(Model):
    namespace: str
    name: str


class MetricFilter(Model):
    name: str
    region: str
    log_group: str
    pattern: str
    metrics: tuple[MetricTransformation, ...] = ()


class QueryDefinition(Model):
    """A saved CloudWatch Logs Insights query."""

    id: str
    name: str
    region: str
    log_group_names: tuple[str, ...] = ()
    query: str = ""
    #: ``CWLI``, ``SQL`` or ``PPL`` ("" when AWS does not say).
    query_language: str = ""


class CloudWatchSection(Section):
    dashboards: tuple[Dashboard, ...] = ()
    alarms: tuple[Alarm, ...] = ()


class LogsSection(Section):
    log_groups: tuple[LogGroup, ...] = ()
    metric_filters: tuple[MetricFilter, ...] = ()
    query_definitions: tuple[QueryDefinition, ...] = ()
