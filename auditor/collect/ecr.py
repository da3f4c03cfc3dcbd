"""ECR: repositories (scanning, tag mutability, encryption, lifecycle) and registry scanning.

Never calls GetAuthorizationToken or anything that reads images.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from auditor.collect.common import error_code, paginate, per_resource
from auditor.collect.session import ClientFactory
from auditor.snapshot.ecr import EcrSection, RegistryScanning, RegistryScanRule, Repository


def _registry_scanning(raw: dict[str, Any], region: str) -> RegistryScanning:
    config = raw.get("scanningConfiguration", {})
    rules = tuple(
        RegistryScanRule(
            frequency=r.get("scanFrequency", ""),
            filters=tuple(f.get("filter", "") for f in r.get("repositoryFilters", [])),
        )
        for r in config.get("rules", [])
    )
    return RegistryScanning(
        region=region,
        scan_type=config.get("scanType", ""),
        rule_frequencies=tuple(r.frequency for r in rules),
        rules=rules,
    )


def collect_ecr(clients: ClientFactory, region: str) -> EcrSection:
    ecr = clients("ecr", region)
    repos: list[dict[str, Any]] = paginate(ecr, "describe_repositories", "repositories")

    def has_lifecycle_policy(repo: dict[str, Any]) -> bool:
        try:
            ecr.get_lifecycle_policy(
                registryId=repo["registryId"], repositoryName=repo["repositoryName"]
            )
        except ClientError as exc:
            if error_code(exc) != "LifecyclePolicyNotFoundException":
                raise
            return False
        return True

    # A failed call costs only its repository (gapped).
    lifecycle = per_resource(has_lifecycle_policy, repos, lambda r: str(r["repositoryArn"]))
    repositories = tuple(
        Repository(
            arn=raw["repositoryArn"],
            name=raw["repositoryName"],
            region=region,
            uri=raw.get("repositoryUri", ""),
            scan_on_push=bool(raw.get("imageScanningConfiguration", {}).get("scanOnPush", False)),
            tag_mutability=raw.get("imageTagMutability", ""),
            encryption_type=raw.get("encryptionConfiguration", {}).get("encryptionType", "AES256"),
            kms_key=raw.get("encryptionConfiguration", {}).get("kmsKey", ""),
            has_lifecycle_policy=bool(has_policy),
        )
        for raw, has_policy in zip(repos, lifecycle, strict=True)
    )
    scanning = _registry_scanning(ecr.get_registry_scanning_configuration(), region)
    return EcrSection(repositories=repositories, registry_scanning=(scanning,))
