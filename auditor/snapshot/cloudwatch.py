"""CloudWatch and CloudWatch Logs: dashboards, alarms, log groups, filters, queries."""

from __future__ import annotations

from auditor.snapshot.base import Model, Section


class Dashboard(Model):
    name: str
    arn: str
    region: str


class AlarmDimension(Model):
    name: str
    value: str


class Alarm(Model):
    name: str
    arn: str
    region: str
    #: ``metric`` or ``composite``.
    kind: str = "metric"
    namespace: str = ""
    metric_name: str = ""
    dimensions: tuple[AlarmDimension, ...] = ()
    actions_enabled: bool = True
    alarm_actions: tuple[str, ...] = ()
    ok_actions: tuple[str, ...] = ()
    insufficient_data_actions: tuple[str, ...] = ()
    state: str = ""


class LogGroup(Model):
    name: str
    arn: str
    region: str
    #: None means "never expire".
    retention_days: int | None = None
    kms_key_id: str = ""
    stored_bytes: int = 0


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
    id: str
    name: str
    region: str
    log_group_names: tuple[str, ...] = ()
    query: str = ""


class CloudWatchSection(Section):
    dashboards: tuple[Dashboard, ...] = ()
    alarms: tuple[Alarm, ...] = ()


class LogsSection(Section):
    log_groups: tuple[LogGroup, ...] = ()
    metric_filters: tuple[MetricFilter, ...] = ()
    query_definitions: tuple[QueryDefinition, ...] = ()
