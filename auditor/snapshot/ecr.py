"""ECR: repositories and the registry scanning configuration."""

from __future__ import annotations

from auditor.snapshot.base import Model, Section


class Repository(Model):
    arn: str
    name: str
    region: str
    uri: str
    scan_on_push: bool
    #: ``MUTABLE`` or ``IMMUTABLE`` (or the ``*_WITH_EXCLUSION`` variants).
    tag_mutability: str
    encryption_type: str = "AES256"
    has_lifecycle_policy: bool


class RegistryScanning(Model):
    region: str
    #: ``BASIC`` or ``ENHANCED``.
    scan_type: str
    #: Scan frequencies of the registry's rules, e.g. ``SCAN_ON_PUSH``.
    rule_frequencies: tuple[str, ...] = ()


class EcrSection(Section):
    repositories: tuple[Repository, ...] = ()
    registry_scanning: tuple[RegistryScanning, ...] = ()
