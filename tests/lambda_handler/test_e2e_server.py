"""The handler against moto's HTTP server (``AWS_ENDPOINT_URL``): the real HTTP path of
both sessions, the scanning one (guarded) and the storage one (S3 and SNS)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from auditor.lambda_handler.handler import handler
from tests.lambda_handler.helpers import (
    BUCKET,
    REGION,
    FakeContext,
    scheduler_event,
    stdout_records,
)


@pytest.mark.e2e
def test_handler_through_a_moto_server(
    moto_server: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import boto3

    session = boto3.Session(region_name=REGION)

    def client(service: str) -> Any:
        return session.client(service, region_name=REGION, endpoint_url=moto_server)  # type: ignore[call-overload]

    client("s3").create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    topic = client("sns").create_topic(Name="auditor-regressions")["TopicArn"]
    client("logs").create_log_group(logGroupName="/app/no-retention")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("AUDITOR_BUCKET", BUCKET)
    monkeypatch.setenv("AUDITOR_TOPIC_ARN", topic)
    monkeypatch.delenv("AUDITOR_TIME_MARGIN_SECONDS", raising=False)

    out = handler(scheduler_event(services="logs,lambda"), FakeContext(remaining_ms=120_000))
    emf, logs = stdout_records(capsys.readouterr().out)

    assert out["status"] == "complete" and out["verdict"] == "no_baseline"
    keys = client("s3").list_objects_v2(Bucket=BUCKET)["KeyCount"]
    assert keys == 6
    doc = json.loads(
        client("s3").get_object(Bucket=BUCKET, Key="latest/results.json")["Body"].read()
    )
    ob014 = [r for r in doc["results"] if r["rule_id"] == "OB014"]
    assert [(r["resource_name"], r["status"]) for r in ob014] == [("/app/no-retention", "FAIL")]
    assert any("Findings" in d for d in emf) and logs
