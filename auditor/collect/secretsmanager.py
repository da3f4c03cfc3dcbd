"""Secrets Manager: secret metadata (rotation, dates, KMS key, tags) and resource policies.

Only ``ListSecrets`` and ``GetResourcePolicy`` are called. A secret's value is
never requested: ``GetSecretValue`` is not called here, and the session's
read-only guard refuses it anyway.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from auditor.collect.common import (
    as_datetime,
    error_code,
    paginate,
    per_resource,
    policy_doc,
    tags_dict,
)
from auditor.collect.session import ClientFactory
from auditor.snapshot.base import JsonDoc
from auditor.snapshot.secretsmanager import Secret, SecretsSection

_RATE_DAYS = re.compile(r"^\s*rate\(\s*(\d+)\s+days?\s*\)\s*$", re.IGNORECASE)


def _utc(value: Any) -> datetime | None:
    """botocore gives epoch timestamps in local time: store them in UTC (deterministic JSON)."""
    moment = as_datetime(value)
    return moment.astimezone(UTC) if moment is not None else None


def _rotation_days(rules: dict[str, Any]) -> int | None:
    """The rotation interval in days: AWS's computed value, else a ``rate(N days)`` schedule."""
    days = rules.get("AutomaticallyAfterDays")
    if days is not None:
        return int(days)
    match = _RATE_DAYS.match(str(rules.get("ScheduleExpression", "")))
    return int(match.group(1)) if match else None


def _secret(raw: dict[str, Any], region: str, policy: JsonDoc | None) -> Secret:
    rules = raw.get("RotationRules") or {}
    return Secret(
        arn=raw["ARN"],
        name=raw["Name"],
        region=region,
        description=raw.get("Description", ""),
        kms_key_id=raw.get("KmsKeyId", ""),
        rotation_enabled=bool(raw.get("RotationEnabled", False)),
        rotation_lambda_arn=raw.get("RotationLambdaARN", "") or "",
        rotation_days=_rotation_days(rules),
        rotation_schedule=rules.get("ScheduleExpression", ""),
        next_rotation=_utc(raw.get("NextRotationDate")),
        created=_utc(raw.get("CreatedDate")),
        last_changed=_utc(raw.get("LastChangedDate")),
        last_rotated=_utc(raw.get("LastRotatedDate")),
        last_accessed=_utc(raw.get("LastAccessedDate")),
        policy=policy,
        owning_service=raw.get("OwningService", ""),
        primary_region=raw.get("PrimaryRegion", ""),
        tags=tags_dict(raw.get("Tags")),
    )


def collect_secrets(clients: ClientFactory, region: str) -> SecretsSection:
    sm = clients("secretsmanager", region)
    # Secrets scheduled for deletion are left out (ListSecrets' default): they
    # can no longer be read and are not part of the running architecture.
    listed: list[dict[str, Any]] = paginate(sm, "list_secrets", "SecretList")

    def policy(raw: dict[str, Any]) -> JsonDoc | None:
        try:
            answer = sm.get_resource_policy(SecretId=raw["ARN"])
        except ClientError as exc:
            # Deleted between ListSecrets and now: it has no policy any more.
            if error_code(exc) != "ResourceNotFoundException":
                raise
            return None
        return policy_doc(answer.get("ResourcePolicy"))

    # A failed call costs only its secret (gapped, policy unknown).
    policies = per_resource(policy, listed, lambda raw: str(raw["ARN"]))
    secrets = [_secret(raw, region, doc) for raw, doc in zip(listed, policies, strict=True)]
    return SecretsSection(secrets=tuple(sorted(secrets, key=lambda s: s.name)))
