"""KMS collector against moto's in-process mock."""

from __future__ import annotations

from typing import Any

from auditor.collect import collect
from auditor.collect.kms import collect_kms
from auditor.snapshot import CollectionStatus
from auditor.snapshot.kms import KmsSection
from tests.conftest import REGION
from tests.scenarios.reference import deny_access


def _calls(aws: Any) -> dict[str, int]:
    return {o.operation: o.calls for o in aws.recorder.operations()}


def test_no_key(aws: Any) -> None:
    assert collect_kms(aws, REGION) == KmsSection()
    assert _calls(aws) == {"ListKeys": 1}


def test_rotation_is_read_only_for_keys_that_can_rotate(aws: Any, setup: Any) -> None:
    kms = setup("kms")
    rotated = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=rotated)
    plain = kms.create_key()["KeyMetadata"]["KeyId"]
    signing = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    disabled = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=disabled)

    keys = {k.id: k for k in collect_kms(aws, REGION).keys}

    assert keys[rotated].rotation_enabled is True and keys[rotated].rotatable
    assert keys[plain].rotation_enabled is False and keys[plain].rotatable
    assert keys[signing].rotation_enabled is None and not keys[signing].rotatable
    assert keys[signing].key_spec == "RSA_2048"
    assert keys[disabled].state == "Disabled" and keys[disabled].rotation_enabled is None
    assert keys[plain].arn == f"arn:aws:kms:{REGION}:123456789012:key/{plain}"
    assert all(k.region == REGION and k.manager == "CUSTOMER" for k in keys.values())
    # one DescribeKey per key, GetKeyRotationStatus only for the two that can rotate
    assert _calls(aws) == {"ListKeys": 1, "DescribeKey": 4, "GetKeyRotationStatus": 2}


def test_a_key_that_cannot_be_described_is_kept_with_its_error(aws: Any, setup: Any) -> None:
    key_id = setup("kms").create_key()["KeyMetadata"]["KeyId"]
    aws.session.events.register("before-call.kms.DescribeKey", deny_access)

    (key,) = collect_kms(aws, REGION).keys

    assert (key.id, key.error_code, key.rotation_enabled) == (
        key_id,
        "AccessDeniedException",
        None,
    )


def test_a_denied_key_listing_is_a_gap_of_the_kms_unit(aws: Any, setup: Any) -> None:
    setup("kms").create_key()
    aws.session.events.register("before-call.kms.ListKeys", deny_access)

    snap = collect(aws, [REGION], ["kms"])

    (cov,) = [c for c in snap.coverage if c.service == "kms"]
    assert (cov.status, cov.region, cov.operation) == (
        CollectionStatus.ACCESS_DENIED,
        REGION,
        "ListKeys",
    )
    assert snap.kms == KmsSection()
