"""ECR: repositories and the registry scanning configuration."""

from __future__ import annotations

from auditor.snapshot.base import Model, Section


class Repository(Model):
    arn: str
    name: str
    region: str
    uri: str
    #: The repository's own setting; registry scanning rules (below) can override it.
    scan_on_push: bool
    #: ``MUTABLE`` or ``IMMUTABLE`` (or the ``*_WITH_EXCLUSION`` variants).
    tag_mutability: str
    #: ``AES256``, ``KMS`` or ``KMS_DSSE``.
    encryption_type: str = "AES256"
    kms_key: str = ""
    has_lifecycle_policy: bool


class RegistryScanRule(Model):
    #: ``SCAN_ON_PUSH``, ``CONTINUOUS_SCAN`` or ``MANUAL``.
    frequency: str
    #: Repository name filters (``WILDCARD`` patterns such as ``*`` or ``prod-*``).
    filters: tuple[str, ...] = ()


class RegistryScanning(Model):
    region: str
    #: ``BASIC`` or ``ENHANCED``.
    scan_type: str
    #: Scan frequencies of the registry's rules, e.g. ``SCAN_ON_PUSH``.
    rule_frequencies: tuple[str, ...] = ()
    #: The registry's rules with the repositories each one applies to.
    rules: tuple[RegistryScanRule, ...] = ()


class EcrSection(Section):
    repositories: tuple[Repository, ...] = ()
    #: One per scanned region.
    registry_scanning: tuple[RegistryScanning, ...] = ()
