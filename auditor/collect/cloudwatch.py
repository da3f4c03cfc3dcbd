"""CloudWatch: dashboards and alarms (metric and composite)."""

from __future__ import annotations

from typing import Any

from auditor.collect.common import as_datetime, paginate
from auditor.collect.session import ClientFactory
from auditor.snapshot.cloudwatch import (
    Alarm,
    AlarmDimension,
    AlarmMetric,
    CloudWatchSection,
    Dashboard,
)


def _dimensions(raw: list[dict[str, Any]] | None) -> tuple[AlarmDimension, ...]:
    return tuple(AlarmDimension(name=d["Name"], value=str(d.get("Value", ""))) for d in raw or [])


def _query_metrics(queries: list[dict[str, Any]] | None) -> tuple[AlarmMetric, ...]:
    metrics: list[AlarmMetric] = []
    for query in queries or []:
        metric = query.get("MetricStat", {}).get("Metric")
        if metric:
            metrics.append(
                AlarmMetric(
                    namespace=metric.get("Namespace", ""),
                    metric_name=metric.get("MetricName", ""),
                    dimensions=_dimensions(metric.get("Dimensions")),
                )
            )
    return tuple(metrics)


def _alarm(raw: dict[str, Any], region: str, kind: str) -> Alarm:
    return Alarm(
        name=raw["AlarmName"],
        arn=raw["AlarmArn"],
        region=region,
        kind=kind,
        namespace=raw.get("Namespace", ""),
        metric_name=raw.get("MetricName", ""),
        dimensions=_dimensions(raw.get("Dimensions")),
        query_metrics=_query_metrics(raw.get("Metrics")),
        alarm_rule=raw.get("AlarmRule", ""),
        actions_enabled=bool(raw.get("ActionsEnabled", True)),
        alarm_actions=tuple(raw.get("AlarmActions", [])),
        ok_actions=tuple(raw.get("OKActions", [])),
        insufficient_data_actions=tuple(raw.get("InsufficientDataActions", [])),
        state=raw.get("StateValue", ""),
    )


def collect_cloudwatch(clients: ClientFactory, region: str) -> CloudWatchSection:
    cloudwatch = clients("cloudwatch", region)
    dashboards = tuple(
        Dashboard(
            name=d["DashboardName"],
            arn=d["DashboardArn"],
            region=region,
            last_modified=as_datetime(d.get("LastModified")),
        )
        for d in paginate(cloudwatch, "list_dashboards", "DashboardEntries")
    )
    # Without AlarmTypes, DescribeAlarms returns metric alarms only.
    alarms: list[Alarm] = []
    pages = cloudwatch.get_paginator("describe_alarms").paginate(
        AlarmTypes=["MetricAlarm", "CompositeAlarm"]
    )
    for page in pages:
        alarms.extend(_alarm(a, region, "metric") for a in page.get("MetricAlarms", []))
        alarms.extend(_alarm(a, region, "composite") for a in page.get("CompositeAlarms", []))
    return CloudWatchSection(dashboards=dashboards, alarms=tuple(alarms))
