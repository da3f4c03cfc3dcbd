"""Secrets Management rules (SM...)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from auditor.rules.secrets_management import (
    ecs_task_definitions_no_plaintext_secrets,
    lambda_environments_no_plaintext_secrets,
    secret_policies_not_public,
    secrets_in_use,
    secrets_rotated_recently,
    secrets_rotation_enabled,
)

from auditor.engine.model import Status
from auditor.snapshot import EnvVar
from auditor.snapshot.ecs import ContainerDefinition, EcsSection, SecretRef, TaskDefinition
from auditor.snapshot.lambda_ import LambdaFunction, LambdaSection
from auditor.snapshot.secretsmanager import Secret, SecretsSection
from tests.rules.helpers import (
    ACCOUNT_ID,
    NOW,
    REGION,
    command,
    evidence,
    failing,
    fix_line,
    make_snapshot,
    passing,
    statuses,
)

HOSTILE = "x; rm -rf /"

# ----------------------------------------------------------------- factories


def days_ago(n: int) -> datetime:
    return NOW - timedelta(days=n)


def secret(name: str, **kw: Any) -> Secret:
    fields: dict[str, Any] = {
        "arn": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT_ID}:secret:{name}-AbCdEf",
        "name": name,
        "region": REGION,
        "rotation_enabled": False,
        "created": days_ago(10),
    }
    fields.update(kw)
    return Secret.model_validate(fields)


def secrets(*items: Secret) -> Any:
    return make_snapshot(secretsmanager=SecretsSection(secrets=items))


def plain(name: str, reason: str = "name") -> EnvVar:
    return EnvVar(name=name, looks_secret=True, reason=reason)


def setting(name: str) -> EnvVar:
    return EnvVar(name=name, looks_secret=False)


def reference(name: str) -> EnvVar:
    return EnvVar(name=name, looks_secret=False, is_reference=True)


# ------------------------------------------------------------------ rotation


def test_sm001_flags_secrets_without_rotation() -> None:
    snap = secrets(
        secret("fail-manual"),
        secret("pass-rotating", rotation_enabled=True, rotation_days=30),
        secret("pass-rds-managed", rotation_enabled=True, owning_service="rds"),
        secret("replica-of-manual", primary_region="us-east-1"),
    )
    assert failing(secrets_rotation_enabled, snap) == {"fail-manual"}
    assert passing(secrets_rotation_enabled, snap) == {"pass-rotating", "pass-rds-managed"}
    assert evidence(secrets_rotation_enabled, snap, "pass-rotating") == (
        "rotation enabled every 30 days"
    )


def test_sm001_command_is_filled_and_quoted() -> None:
    snap = secrets(secret(HOSTILE))
    decision, cmd = command(secrets_rotation_enabled, snap, HOSTILE).splitlines()
    # the rotation function is the user's decision: said in words, and the placeholder
    # makes the shell fail (a redirect from a file that does not exist), never run blind
    assert decision.startswith("# Your decision: the Lambda function that rotates")
    assert cmd == (
        "aws secretsmanager rotate-secret --secret-id 'x; rm -rf /'"
        " --rotation-lambda-arn <ROTATION_LAMBDA_ARN>"
        f" --rotation-rules AutomaticallyAfterDays=30 --region {REGION}"
    )


def test_sm001_unknown_when_secretsmanager_not_collected() -> None:
    snap = make_snapshot(gaps={"secretsmanager": "access_denied"})
    assert statuses(secrets_rotation_enabled, snap) == {Status.UNKNOWN}


def _aging() -> Any:
    return secrets(
        secret(
            "fail-stale", rotation_enabled=True, last_rotated=days_ago(120), created=days_ago(400)
        ),
        secret("fail-never-rotated", created=days_ago(91)),
        secret(
            "pass-recent", rotation_enabled=True, last_rotated=days_ago(45), created=days_ago(400)
        ),
        secret("pass-young", created=days_ago(20)),
        secret("no-dates", created=None),
    )


def test_sm002_flags_secrets_not_rotated_in_90_days() -> None:
    snap = _aging()
    assert failing(secrets_rotated_recently, snap) == {"fail-stale", "fail-never-rotated"}
    assert passing(secrets_rotated_recently, snap) == {"pass-recent", "pass-young"}
    assert evidence(secrets_rotated_recently, snap, "fail-never-rotated") == (
        "never rotated; created 91 days ago (limit 90)"
    )
    assert command(secrets_rotated_recently, snap, "fail-stale") == (
        f"aws secretsmanager rotate-secret --secret-id fail-stale --region {REGION}"
    )


def test_sm002_threshold_override() -> None:
    assert failing(secrets_rotated_recently, _aging(), max_age_days=30) == {
        "fail-stale",
        "fail-never-rotated",
        "pass-recent",
    }


# ------------------------------------------------------------------- unused


def _usage() -> Any:
    return secrets(
        secret("fail-idle", last_accessed=days_ago(100), created=days_ago(400)),
        secret("fail-never-read-old", created=days_ago(200)),
        secret("pass-read-recently", last_accessed=days_ago(3), created=days_ago(400)),
        secret("pass-never-read-young", created=days_ago(40)),
        secret("no-dates", created=None),
    )


def test_sm003_flags_secrets_unused_for_90_days() -> None:
    snap = _usage()
    assert failing(secrets_in_use, snap) == {"fail-idle", "fail-never-read-old"}
    assert passing(secrets_in_use, snap) == {"pass-read-recently", "pass-never-read-young"}
    assert evidence(secrets_in_use, snap, "fail-never-read-old") == (
        "no access recorded since creation 200 days ago (limit 90)"
    )
    assert command(secrets_in_use, snap, "fail-idle") == (
        "aws secretsmanager delete-secret --secret-id fail-idle"
        f" --recovery-window-in-days 30 --region {REGION}"
    )


def test_sm003_threshold_override() -> None:
    assert failing(secrets_in_use, _usage(), max_unused_days=30) == {
        "fail-idle",
        "fail-never-read-old",
        "pass-never-read-young",
    }


# ----------------------------------------------------------------- policies


def _policy(principal: Any, **extra: Any) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Read",
                "Effect": "Allow",
                "Principal": principal,
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
                **extra,
            }
        ],
    }


def test_sm004_flags_secret_policies_open_to_anyone() -> None:
    snap = secrets(
        secret("fail-star", policy=_policy("*")),
        secret("fail-aws-star", policy=_policy({"AWS": "*"})),
        secret(
            "fail-tls-only",
            policy=_policy("*", Condition={"Bool": {"aws:SecureTransport": "true"}}),
        ),
        secret(
            "pass-org",
            policy=_policy("*", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}),
        ),
        secret(
            "pass-endpoint",
            policy=_policy("*", Condition={"StringEquals": {"aws:SourceVpce": "vpce-0abc"}}),
        ),
        secret("pass-named", policy=_policy({"AWS": f"arn:aws:iam::{ACCOUNT_ID}:role/app"})),
        secret("pass-no-policy"),
        secret("fail-replica", primary_region="us-east-1", policy=_policy("*")),
    )
    assert failing(secret_policies_not_public, snap) == {
        "fail-star",
        "fail-aws-star",
        "fail-tls-only",
        "fail-replica",
    }
    assert passing(secret_policies_not_public, snap) == {
        "pass-org",
        "pass-endpoint",
        "pass-named",
        "pass-no-policy",
    }
    assert evidence(secret_policies_not_public, snap, "fail-star") == (
        "policy statement Read lets any AWS principal use the secret"
    )
    assert command(secret_policies_not_public, snap, "fail-star") == (
        f"aws secretsmanager delete-resource-policy --secret-id fail-star --region {REGION}"
    )


# -------------------------------------------------------------- environments


def task_definition(family: str, *containers: ContainerDefinition) -> TaskDefinition:
    return TaskDefinition(
        arn=f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:task-definition/{family}:3",
        family=family,
        revision=3,
        region=REGION,
        status="ACTIVE",
        containers=containers,
    )


def container(name: str, *env: EnvVar, secrets_: tuple[SecretRef, ...] = ()) -> ContainerDefinition:
    return ContainerDefinition(name=name, image="img:1", environment=env, secrets=secrets_)


def test_sm005_flags_plaintext_secrets_in_task_definitions() -> None:
    ref = SecretRef(name="DB_PASSWORD", value_from="arn:aws:secretsmanager:us-west-2:1:secret:db")
    snap = make_snapshot(
        ecs=EcsSection(
            task_definitions=(
                task_definition(
                    "fail-api",
                    container(
                        "app", setting("LOG_LEVEL"), plain("DB_PASSWORD", "name+value:high-entropy")
                    ),
                    container("sidecar", plain("DD_API_KEY")),
                ),
                task_definition(
                    "fail-aws-key", container("app", plain("CONFIG", "value:aws-access-key-id"))
                ),
                task_definition(
                    "pass-secrets",
                    container(
                        "app", setting("DB_HOST"), reference("DB_SECRET_ARN"), secrets_=(ref,)
                    ),
                ),
                task_definition("pass-empty"),
            )
        )
    )
    assert failing(ecs_task_definitions_no_plaintext_secrets, snap) == {
        "fail-api:3",
        "fail-aws-key:3",
    }
    assert passing(ecs_task_definitions_no_plaintext_secrets, snap) == {
        "pass-secrets:3",
        "pass-empty:3",
    }
    text = evidence(ecs_task_definitions_no_plaintext_secrets, snap, "fail-api:3")
    assert text == (
        "plaintext secret in environment: container app DB_PASSWORD (name+value:high-entropy),"
        " container sidecar DD_API_KEY (name)"
    )
    assert fix_line(command(ecs_task_definitions_no_plaintext_secrets, snap, "fail-api:3")) == (
        "aws secretsmanager create-secret --name fail-api/DB_PASSWORD"
        f" --secret-string file://secret-value.txt --region {REGION}"
    )


def _function(name: str, *env: EnvVar) -> LambdaFunction:
    return LambdaFunction(
        arn=f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}",
        name=name,
        region=REGION,
        runtime="python3.12",
        role_arn=f"arn:aws:iam::{ACCOUNT_ID}:role/r",
        environment=env,
    )


def test_sm006_flags_plaintext_secrets_in_lambda_environments() -> None:
    snap = make_snapshot(
        **{
            "lambda": LambdaSection(
                functions=(
                    _function(
                        "fail-token", setting("STAGE"), plain("GITHUB_TOKEN", "value:github-token")
                    ),
                    _function("pass-reference", reference("DB_SECRET_ARN"), setting("DB_HOST")),
                    _function("pass-no-env"),
                    _function(HOSTILE, plain("PASSWORD")),
                )
            )
        }
    )
    assert failing(lambda_environments_no_plaintext_secrets, snap) == {"fail-token", HOSTILE}
    assert passing(lambda_environments_no_plaintext_secrets, snap) == {
        "pass-reference",
        "pass-no-env",
    }
    assert evidence(lambda_environments_no_plaintext_secrets, snap, "fail-token") == (
        "plaintext secret in environment: GITHUB_TOKEN (value:github-token)"
    )
    assert fix_line(command(lambda_environments_no_plaintext_secrets, snap, HOSTILE)) == (
        "aws secretsmanager create-secret --name 'x; rm -rf //PASSWORD'"
        f" --secret-string file://secret-value.txt --region {REGION}"
    )
