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
        ("DB_PASSWORD", "hunter2-but-longer", True, "name:PASSWORD"),
        ("STRIPE_WEBHOOK", "whsec_" + "x1Y2z3" * 5, True, "value:stripe-key"),
        ("STRIPE_PUBLISHABLE_KEY", "pk_live_" + "4eC39HqLyjWDarjtT1zdp7dc", False, ""),
        ("API_TOKEN", "abc", False, ""),  # three characters are no credential
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


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("AUTHOR", "jane"),
        ("AUTH_MODE", "cognito"),
        ("OAUTH_ISSUER", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab12Cd34E"),
        ("NEXTAUTH_URL", "https://app.example.com/api/auth"),
        ("DATABASE_URL", "postgres://app@db.internal:5432/app"),
        ("PWD", "/app"),
        ("ACCESS_KEY_MAX_AGE", "90"),
        ("SECRETS_PREFIX", "prod/"),
        ("TOKEN_TTL", "15m"),
        ("GIT_SHA", "3f786850e387550fdab836ed7e6dc881de23001b"),
    ],
)
def test_defect_url_and_author_called_secrets(name: str, value: str) -> None:
    """Substring names (AUTH in AUTHOR) and URL entropy made each of these a HIGH finding."""
    assert not classify_env(name, value).looks_secret


def test_names_are_matched_word_by_word() -> None:
    from auditor.collect.secrets_shape import secret_head

    assert secret_head("DB_PASSWORD") == "PASSWORD"
    assert secret_head("dbPassword") == "PASSWORD"
    assert secret_head("STRIPE_SECRET_KEY") == "SECRET_KEY"
    assert secret_head("SECRET_KEY_BASE") == "SECRET_KEY"
    assert secret_head("API_KEY_2") == "API_KEY"
    assert secret_head("DB_PWD") == "PWD"
    for benign in ("PWD", "AUTHOR", "NEXTAUTH_URL", "CACHE_KEY", "TOKEN_TTL", "PASSWORD_FILE"):
        assert secret_head(benign) == "", benign


def test_a_known_format_wins_over_a_benign_name() -> None:
    env = classify_env("BUILD_ID", "AKIA" + "ABCDEFGHIJKLMNOP")
    assert (env.looks_secret, env.reason) == (True, "value:aws-access-key-id")
