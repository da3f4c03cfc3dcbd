"""CloudWatch Logs: log groups, metric filters and saved Logs Insights queries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from auditor.collect.common import paginate
from auditor.collect.session import ClientFactory
from auditor.snapshot.cloudwatch import (
    LogGroup,
    LogsSection,
    MetricFilter,
    MetricTransformation,
    QueryDefinition,
)

#: DescribeQueryDefinitions' largest page.
_QUERY_PAGE = 1000


def _millis(value: Any) -> datetime | None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def _log_group(raw: dict[str, Any], region: str) -> LogGroup:
    arn = raw.get("logGroupArn") or str(raw.get("arn", "")).removesuffix(":*")
    retention = raw.get("retentionInDays")
    return LogGroup(
        name=raw["logGroupName"],
        arn=arn,
        region=region,
        retention_days=int(retention) if retention is not None else None,
        kms_key_id=raw.get("kmsKeyId", ""),
        stored_bytes=int(raw.get("storedBytes", 0)),
        created=_millis(raw.get("creationTime")),
    )


def _metric_filter(raw: dict[str, Any], region: str) -> MetricFilter:
    return MetricFilter(
        name=raw["filterName"],
        region=region,
        log_group=raw.get("logGroupName", ""),
        pattern=raw.get("filterPattern", ""),
        metrics=tuple(
            MetricTransformation(namespace=m["metricNamespace"], name=m["metricName"])
            for m in raw.get("metricTransformations", [])
        ),
    )


def _query_definition(raw: dict[str, Any], region: str) -> QueryDefinition:
    return QueryDefinition(
        id=raw["queryDefinitionId"],
        name=raw.get("name", ""),
        region=region,
        log_group_names=tuple(raw.get("logGroupNames", [])),
        query=raw.get("queryString", ""),
        query_language=raw.get("queryLanguage", ""),
    )


def _query_definitions(logs: Any) -> list[dict[str, Any]]:
    """Every saved query: botocore has no paginator for DescribeQueryDefinitions."""
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"maxResults": _QUERY_PAGE}
    while True:
        page = logs.describe_query_definitions(**params)
        items.extend(page.get("queryDefinitions", []))
        token = page.get("nextToken")
        if not token or token == params.get("nextToken"):
            return items
        params["nextToken"] = token


def collect_logs(clients: ClientFactory, region: str) -> LogsSection:
    """Log groups and metric filters (the ``logs`` unit)."""
    logs = clients("logs", region)
    groups = paginate(logs, "describe_log_groups", "logGroups")
    filters = paginate(logs, "describe_metric_filters", "metricFilters")
    return LogsSection(
        log_groups=tuple(_log_group(g, region) for g in groups),
        metric_filters=tuple(_metric_filter(f, region) for f in filters),
    )


def collect_query_definitions(clients: ClientFactory, region: str) -> LogsSection:
    """Saved Logs Insights queries (the ``logs-queries`` unit, gapped on its own)."""
    queries = _query_definitions(clients("logs", region))
    return LogsSection(query_definitions=tuple(_query_definition(q, region) for q in queries))
