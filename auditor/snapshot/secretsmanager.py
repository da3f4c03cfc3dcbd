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
    #: When AWS will next rotate the secret (None when rotation is off).
    next_rotation: datetime | None = None
    created: datetime | None = None
    last_changed: datetime | None = None
    last_rotated: datetime | None = None
    #: None when AWS reports no access (moto never sets it).
    last_accessed: datetime | None = None
    #: None when the secret has no resource policy.
    policy: JsonDoc | None = None
    #: The AWS service that manages the secret (e.g. ``rds`` for an RDS-managed
    #: master password, which that service rotates); "" for secrets you own.
    owning_service: str = ""
    #: Set on a replica: the region of the primary secret.
    primary_region: str = ""
    tags: dict[str, str] = {}


class SecretsSection(Section):
    secrets: tuple[Secret, ...] = ()
