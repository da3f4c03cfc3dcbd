"""KMS key rotation rule (DD010)."""

from __future__ import annotations

from typing import Any

from auditor.rules.defense_in_depth import kms_customer_keys_rotate

from auditor.engine.model import Status
from auditor.snapshot.kms import KmsKey, KmsSection
from tests.rules.helpers import REGION, command, failing, make_snapshot, passing, statuses


def key(name: str, **kw: Any) -> KmsKey:
    fields: dict[str, Any] = {
        "id": name,
        "arn": f"arn:aws:kms:{REGION}:123456789012:key/{name}",
        "region": REGION,
        "manager": "CUSTOMER",
        "key_spec": "SYMMETRIC_DEFAULT",
        "state": "Enabled",
        "origin": "AWS_KMS",
    }
    fields.update(kw)
    return KmsKey(**fields)


def test_dd010_judges_only_keys_that_can_rotate() -> None:
    snap = make_snapshot(
        kms=KmsSection(
            keys=(
                key("pass-rotated", rotation_enabled=True),
                key("fail-not-rotated", rotation_enabled=False),
                key("aws-managed", manager="AWS"),
                key("signing", key_spec="RSA_2048"),
                key("imported", origin="EXTERNAL"),
                key("disabled", state="Disabled"),
                key("leaving", state="PendingDeletion"),
            )
        )
    )
    assert passing(kms_customer_keys_rotate, snap) == {"pass-rotated"}
    assert failing(kms_customer_keys_rotate, snap) == {"fail-not-rotated"}
    assert command(kms_customer_keys_rotate, snap, "fail-not-rotated") == (
        f"aws kms enable-key-rotation --key-id arn:aws:kms:{REGION}:123456789012:key/"
        f"fail-not-rotated --region {REGION}"
    )


def test_dd010_unknown_for_unreadable_keys_and_gaps() -> None:
    snap = make_snapshot(
        kms=KmsSection(keys=(KmsKey(id="k", arn="", region=REGION, error_code="AccessDenied"),))
    )
    assert statuses(kms_customer_keys_rotate, snap) == {Status.UNKNOWN}
    assert statuses(kms_customer_keys_rotate, make_snapshot(gaps={"kms": "access_denied"})) == {
        Status.UNKNOWN
    }
