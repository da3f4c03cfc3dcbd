"""ECR collector against moto's in-process mock."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from auditor.collect.ecr import collect_ecr
from auditor.snapshot.ecr import EcrSection, RegistryScanning, RegistryScanRule, Repository
from tests.collect.canned import client_error, serve
from tests.conftest import REGION

ACCOUNT = "123456789012"
LIFECYCLE = json.dumps(
    {
        "rules": [
            {
                "rulePriority": 1,
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "imageCountMoreThan",
                    "countNumber": 10,
                },
                "action": {"type": "expire"},
            }
        ]
    }
)


def _calls(aws: Any, operation: str) -> int:
    return sum(o.calls for o in aws.recorder.operations() if o.operation == operation)


def test_none_exist(aws: Any) -> None:
    assert collect_ecr(aws, REGION) == EcrSection(
        repositories=(),
        registry_scanning=(RegistryScanning(region=REGION, scan_type="BASIC"),),
    )


def test_repositories_settings_and_lifecycle(aws: Any, setup: Any) -> None:
    ecr = setup("ecr")
    ecr.create_repository(
        repositoryName="dispatcher",
        imageScanningConfiguration={"scanOnPush": True},
        imageTagMutability="IMMUTABLE",
    )
    ecr.put_lifecycle_policy(repositoryName="dispatcher", lifecyclePolicyText=LIFECYCLE)
    ecr.create_repository(
        repositoryName="team/bridge", encryptionConfiguration={"encryptionType": "KMS"}
    )

    repos = {r.name: r for r in collect_ecr(aws, REGION).repositories}

    assert repos["dispatcher"] == Repository(
        arn=f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/dispatcher",
        name="dispatcher",
        region=REGION,
        uri=f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/dispatcher",
        scan_on_push=True,
        tag_mutability="IMMUTABLE",
        encryption_type="AES256",
        kms_key="",
        has_lifecycle_policy=True,
    )
    bridge = repos["team/bridge"]
    assert (bridge.scan_on_push, bridge.tag_mutability, bridge.has_lifecycle_policy) == (
        False,
        "MUTABLE",
        False,
    )
    assert bridge.encryption_type == "KMS"
    assert bridge.kms_key.startswith(f"arn:aws:kms:{REGION}:{ACCOUNT}:key/")
    # One lifecycle lookup per repository; never a credential or image read.
    assert _calls(aws, "GetLifecyclePolicy") == 2
    assert _calls(aws, "GetAuthorizationToken") == 0


def test_enhanced_registry_scanning_rules(aws: Any, setup: Any) -> None:
    setup("ecr").put_registry_scanning_configuration(
        scanType="ENHANCED",
        rules=[
            {
                "scanFrequency": "CONTINUOUS_SCAN",
                "repositoryFilters": [{"filter": "prod-*", "filterType": "WILDCARD"}],
            },
            {
                "scanFrequency": "SCAN_ON_PUSH",
                "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}],
            },
        ],
    )

    assert collect_ecr(aws, REGION).registry_scanning == (
        RegistryScanning(
            region=REGION,
            scan_type="ENHANCED",
            rule_frequencies=("CONTINUOUS_SCAN", "SCAN_ON_PUSH"),
            rules=(
                RegistryScanRule(frequency="CONTINUOUS_SCAN", filters=("prod-*",)),
                RegistryScanRule(frequency="SCAN_ON_PUSH", filters=("*",)),
            ),
        ),
    )


def test_lifecycle_lookup_failures_other_than_not_found_propagate(aws: Any, setup: Any) -> None:
    # The runner turns this into a gap: "no policy" must not be assumed on AccessDenied.
    setup("ecr").create_repository(repositoryName="dispatcher")
    serve(
        aws("ecr", REGION),
        "GetLifecyclePolicy",
        client_error("GetLifecyclePolicy", "AccessDeniedException"),
    )
    with pytest.raises(ClientError, match="AccessDeniedException"):
        collect_ecr(aws, REGION)
