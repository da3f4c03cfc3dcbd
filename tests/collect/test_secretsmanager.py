"""Secrets Manager collector against moto's in-process mock."""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

import pytest

from auditor.collect.secretsmanager import _rotation_days, _secret, collect_secrets
from tests.conftest import REGION

PUBLIC_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": "*",
        }
    ],
}


def test_collects_rotation_policies_and_metadata(aws: Any, setup: Any) -> None:
    sm = setup("secretsmanager")
    sm.create_secret(
        Name="prod/db",
        Description="database master",
        SecretString='{"password": "x"}',
        KmsKeyId="alias/app",
        Tags=[{"Key": "env", "Value": "prod"}],
    )
    # Rotation rules only: a RotationLambdaARN would make moto try to run the function in Docker.
    sm.rotate_secret(
        SecretId="prod/db", RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False
    )
    sm.create_secret(Name="prod/api", SecretString="x")
    sm.put_resource_policy(SecretId="prod/api", ResourcePolicy=json.dumps(PUBLIC_POLICY))

    section = collect_secrets(aws, REGION)

    by_name = {s.name: s for s in section.secrets}
    assert list(by_name) == ["prod/api", "prod/db"]
    db, api = by_name["prod/db"], by_name["prod/api"]
    assert db.region == REGION
    assert db.rotation_enabled and db.rotation_days == 30
    assert db.rotation_lambda_arn == ""
    assert db.kms_key_id == "alias/app"
    assert db.description == "database master"
    assert db.tags == {"env": "prod"}
    assert db.policy is None
    assert db.created is not None and db.created.tzinfo is UTC
    assert db.last_rotated is not None and db.next_rotation is not None
    assert db.last_accessed is None  # moto never sets LastAccessedDate

    assert not api.rotation_enabled and api.rotation_days is None
    assert api.last_rotated is None
    assert api.policy == PUBLIC_POLICY
    assert api.tags == {}


def test_secret_value_never_enters_the_snapshot(aws: Any, setup: Any) -> None:
    canary = "canary-7f3b9c1e-do-not-store"
    setup("secretsmanager").create_secret(Name="leak-check", SecretString=canary)
    setup("secretsmanager").create_secret(
        Name="leak-check-binary", SecretBinary=canary.encode() + b"-bin"
    )

    section = collect_secrets(aws, REGION)

    assert {s.name for s in section.secrets} == {"leak-check", "leak-check-binary"}
    dumped = section.model_dump_json()
    assert canary not in dumped
    ops = {key.split(":")[1] for key in aws.recorder.seen() if key.startswith("secretsmanager:")}
    assert ops == {"ListSecrets", "GetResourcePolicy"}


def test_paginates_all_secrets(aws: Any, setup: Any) -> None:
    sm = setup("secretsmanager")
    for i in range(105):  # ListSecrets pages hold 100 at most
        sm.create_secret(Name=f"s-{i:03d}", SecretString="x")
    section = collect_secrets(aws, REGION)
    assert len(section.secrets) == 105
    calls = {op.operation: op.calls for op in aws.recorder.operations()}
    assert calls == {"ListSecrets": 2, "GetResourcePolicy": 105}


def test_empty_region(aws: Any) -> None:
    assert collect_secrets(aws, REGION).secrets == ()


@pytest.mark.parametrize(
    ("rules", "days"),
    [
        ({"AutomaticallyAfterDays": 7}, 7),
        ({"ScheduleExpression": "rate(10 days)"}, 10),
        ({"ScheduleExpression": "rate(1 day)"}, 1),
        ({"ScheduleExpression": "cron(0 16 1,15 * ? *)"}, None),
        ({}, None),
    ],
)
def test_rotation_days_from_rules(rules: dict[str, Any], days: int | None) -> None:
    assert _rotation_days(rules) == days


def test_parses_api_fields_moto_leaves_out() -> None:
    raw = {
        "ARN": "arn:aws:secretsmanager:us-west-2:123456789012:secret:rds!db-1-AbCdEf",
        "Name": "rds!db-1",
        "RotationEnabled": True,
        "RotationLambdaARN": "arn:aws:lambda:us-west-2:123456789012:function:rotate",
        "RotationRules": {"AutomaticallyAfterDays": 7, "ScheduleExpression": "rate(7 days)"},
        "OwningService": "rds",
        "PrimaryRegion": "us-east-1",
    }
    secret = _secret(raw, REGION, None)
    assert secret.owning_service == "rds"
    assert secret.primary_region == "us-east-1"
    assert secret.rotation_schedule == "rate(7 days)"
    assert secret.rotation_lambda_arn.endswith(":function:rotate")
