"""Secrets Manager: metadata and resource policies. Never a secret value."""

from __future__ import annotations

from datetime import datetime

from auditor.snapshot.base import JsonDoc, Model, Section


class Secret(Model):
    arn: str
    name: str
    region: str
    description: str = ""
    kms_key_id: str = ""
    rotation_enabled: bool
    rotation_lambda_arn: str = ""
    rotation_days: int | None = None
    rotation_schedule: str = ""
    created: datetime | None = None
    last_changed: datetime | None = None
    last_rotated: datetime | None = None
    #: None when AWS reports no access (moto never sets it).
    last_accessed: datetime | None = None
    #: None when the secret has no resource policy.
    policy: JsonDoc | None = None
    tags: dict[str, str] = {}


class SecretsSection(Section):
    secrets: tuple[Secret, ...] = ()
