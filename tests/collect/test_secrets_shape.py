"""Environment values are judged by name and shape; only the verdict is kept."""

from __future__ import annotations

import pytest

from auditor.collect.secrets_shape import classify_env


@pytest.mark.parametrize(
    ("name", "value", "secret", "reason"),
    [
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", True, "value:aws-access-key-id"),
        ("STRIPE", "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc", True, "value:stripe-key"),
        ("DATABASE_URL", "postgres://app:s3cr3t-pw@db:5432/app", True, "value:url-with-password"),
        ("DB_PASSWORD", "hunter2-but-longer", True, "name+value:high-entropy"),
        ("API_TOKEN", "abc", True, "name"),
        ("LOG_LEVEL", "debug", False, ""),
        ("FEATURE_ENABLED", "true", False, ""),
        ("DB_PASSWORD_ARN", "x", False, ""),  # a pointer by name, whatever the value
        # generated CloudFormation names look random but are identifiers
        (
            "TOPIC_ARN",
            "arn:aws:sns:us-west-2:123456789012:auditor-RegressionTopic-1N3XQ7ZK9ABCD",
            False,
            "",
        ),
        ("SIGNING_SECRET", "arn:aws:iam::123456789012:role/x", False, ""),
    ],
)
def test_classification(name: str, value: str, secret: bool, reason: str) -> None:
    env = classify_env(name, value)
    assert (env.looks_secret, env.reason) == (secret, reason)
    assert value not in env.model_dump_json() or value in name


def test_secret_store_references_are_references() -> None:
    env = classify_env("DB_SECRET", "arn:aws:secretsmanager:us-west-2:1:secret:db-AbCd")
    assert env.is_reference
    assert not env.looks_secret
    assert classify_env("X", "{{resolve:secretsmanager:db}}").is_reference
