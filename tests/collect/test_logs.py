"""CloudWatch Logs collector against moto's in-process mock.

moto 5.2 does not implement DescribeQueryDefinitions (nor PutQueryDefinition):
that one operation is answered with canned, shape-checked pages (see canned.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from auditor.collect import collect
from auditor.collect.logs import collect_logs, collect_query_definitions
from auditor.snapshot import CollectionStatus
from auditor.snapshot.cloudwatch import (
    LogGroup,
    LogsSection,
    MetricFilter,
    MetricTransformation,
    QueryDefinition,
)
from tests.collect.canned import client_error, serve
from tests.conftest import REGION

ACCOUNT = "123456789012"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
UNAUTHORISED = '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }'


def _no_queries(aws: Any) -> list[dict[str, Any]]:
    return serve(
        aws("logs", REGION), "DescribeQueryDefinitions", lambda _: {"queryDefinitions": []}
    )


def _query(n: int) -> dict[str, Any]:
    return {
        "queryDefinitionId": f"q-{n}",
        "name": f"errors/{n}",
        "queryString": "fields @timestamp, @message | filter @message like /ERROR/",
        "logGroupNames": ["/ecs/dispatcher"],
        "lastModified": 1_700_000_000_000,
    }


def test_none_exist(aws: Any) -> None:
    _no_queries(aws)
    assert collect_logs(aws, REGION) == LogsSection()


def test_log_groups_retention_and_kms(aws: Any, setup: Any) -> None:
    logs = setup("logs")
    logs.create_log_group(logGroupName="/ecs/dispatcher")
    logs.put_retention_policy(logGroupName="/ecs/dispatcher", retentionInDays=30)
    logs.create_log_group(logGroupName="/aws/lambda/query-bridge", kmsKeyId=KEY)
    _no_queries(aws)

    groups = {g.name: g for g in collect_logs(aws, REGION).log_groups}

    kept = groups["/ecs/dispatcher"]
    assert kept.created is not None
    assert kept.created.tzinfo is UTC
    assert abs((datetime.now(UTC) - kept.created).total_seconds()) < 300
    assert kept == LogGroup(
        name="/ecs/dispatcher",
        arn=f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/ecs/dispatcher",
        region=REGION,
        retention_days=30,
        kms_key_id="",
        stored_bytes=0,
        created=kept.created,
    )
    forever = groups["/aws/lambda/query-bridge"]
    assert forever.retention_days is None  # never expire
    assert forever.kms_key_id == KEY


def test_metric_filters(aws: Any, setup: Any) -> None:
    logs = setup("logs")
    logs.create_log_group(logGroupName="cloudtrail")
    logs.put_metric_filter(
        logGroupName="cloudtrail",
        filterName="unauthorised-api-calls",
        filterPattern=UNAUTHORISED,
        metricTransformations=[
            {"metricName": "UnauthorizedAPICalls", "metricNamespace": "CIS", "metricValue": "1"}
        ],
    )
    _no_queries(aws)

    assert collect_logs(aws, REGION).metric_filters == (
        MetricFilter(
            name="unauthorised-api-calls",
            region=REGION,
            log_group="cloudtrail",
            pattern=UNAUTHORISED,
            metrics=(MetricTransformation(namespace="CIS", name="UnauthorizedAPICalls"),),
        ),
    )


def test_query_definitions_are_paged_by_next_token(aws: Any) -> None:
    pages: dict[str | None, dict[str, Any]] = {
        None: {"queryDefinitions": [_query(1), _query(2)], "nextToken": "page-2"},
        "page-2": {"queryDefinitions": [{**_query(3), "queryLanguage": "CWLI"}]},
    }
    calls = serve(
        aws("logs", REGION), "DescribeQueryDefinitions", lambda p: pages[p.get("nextToken")]
    )

    queries = collect_query_definitions(aws, REGION).query_definitions

    assert calls == [{"maxResults": 1000}, {"maxResults": 1000, "nextToken": "page-2"}]
    assert [q.id for q in queries] == ["q-1", "q-2", "q-3"]
    assert queries[2] == QueryDefinition(
        id="q-3",
        name="errors/3",
        region=REGION,
        log_group_names=("/ecs/dispatcher",),
        query="fields @timestamp, @message | filter @message like /ERROR/",
        query_language="CWLI",
    )


def test_query_paging_stops_on_a_repeated_token(aws: Any) -> None:
    calls = serve(
        aws("logs", REGION),
        "DescribeQueryDefinitions",
        lambda _: {"queryDefinitions": [], "nextToken": "stuck"},
    )
    assert collect_query_definitions(aws, REGION).query_definitions == ()
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("AccessDeniedException", CollectionStatus.ACCESS_DENIED),
        ("ServiceUnavailableException", CollectionStatus.ERROR),
    ],
)
def test_a_failed_query_listing_gaps_only_the_queries_unit(
    aws: Any, setup: Any, code: str, status: CollectionStatus
) -> None:
    setup("logs").create_log_group(logGroupName="/ecs/dispatcher")
    serve(
        aws("logs", REGION),
        "DescribeQueryDefinitions",
        client_error("DescribeQueryDefinitions", code),
    )

    snap = collect(aws, [REGION], ["logs", "logs-queries"])

    coverage = {c.service: c for c in snap.coverage if c.service.startswith("logs")}
    assert coverage["logs"].status is CollectionStatus.OK
    cov = coverage["logs-queries"]
    assert (cov.region, cov.status, cov.operation, cov.error_code) == (
        REGION,
        status,
        "DescribeQueryDefinitions",
        code,
    )
    # log groups survive the failed query listing
    assert [g.name for g in snap.logs.log_groups] == ["/ecs/dispatcher"]
    assert snap.logs.query_definitions == ()
