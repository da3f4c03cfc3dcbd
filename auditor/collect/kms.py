"""KMS: ListKeys, DescribeKey per key, GetKeyRotationStatus for keys that can rotate.

A key whose policy does not let the scanner describe it (or read its
rotation) is kept with the error code: the rule answers UNKNOWN for it.
Any other error fails the unit (a gap).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from auditor.collect.common import error_code, fan_out, paginate
from auditor.collect.session import ClientFactory
from auditor.snapshot.kms import KmsKey, KmsSection

_UNREADABLE = frozenset({"AccessDeniedException", "AccessDenied", "NotFoundException"})


def _key(kms: Any, listed: dict[str, Any], region: str) -> KmsKey:
    key_id, arn = listed["KeyId"], listed.get("KeyArn", "")
    try:
        meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
        key = KmsKey(
            id=key_id,
            arn=meta.get("Arn", arn),
            region=region,
            manager=meta.get("KeyManager", ""),
            key_spec=meta.get("KeySpec", meta.get("CustomerMasterKeySpec", "")),
            state=meta.get("KeyState", ""),
            origin=meta.get("Origin", ""),
        )
        if not key.rotatable:
            return key
        status = kms.get_key_rotation_status(KeyId=key_id)
        return key.model_copy(update={"rotation_enabled": bool(status["KeyRotationEnabled"])})
    except ClientError as exc:
        code = error_code(exc)
        if code not in _UNREADABLE:
            raise
        return KmsKey(id=key_id, arn=arn, region=region, error_code=code)


def collect_kms(clients: ClientFactory, region: str) -> KmsSection:
    kms = clients("kms", region)
    listed = paginate(kms, "list_keys", "Keys")
    keys = fan_out(lambda k: _key(kms, k, region), listed)
    return KmsSection(keys=tuple(sorted(keys, key=lambda k: k.id)))
