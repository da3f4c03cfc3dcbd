"""S3: account and bucket Block Public Access (one global unit: S3 lists every bucket at once).

``ListBuckets`` lists the account's buckets in every region; per bucket,
``GetBucketLocation`` and ``GetPublicAccessBlock`` and ``GetBucketPolicy``. The account-level
settings come from S3 Control's ``GetPublicAccessBlock`` (its account id from
``sts:GetCallerIdentity``). "No configuration" is data (all switches off),
not a gap; a bucket or account setting that cannot be read (access denied,
deleted meanwhile) is recorded with its error code, and the rules answer
UNKNOWN for it. A denied ``ListBuckets`` fails the unit: a gap.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from auditor.collect.cloudtrail import BUCKET_UNREADABLE_CODES
from auditor.collect.common import error_code, fan_out
from auditor.collect.session import ClientFactory
from auditor.snapshot.s3 import BlockPublicAccess, S3AccountSettings, S3Bucket, S3Section

_NOT_CONFIGURED = "NoSuchPublicAccessBlockConfiguration"
#: Account-level reads that leave the setting unknown instead of failing the unit.
_ACCOUNT_UNREADABLE = frozenset({"AccessDenied", "AccessDeniedException"})


def _bpa(raw: dict[str, Any]) -> BlockPublicAccess:
    return BlockPublicAccess(
        block_public_acls=bool(raw.get("BlockPublicAcls", False)),
        ignore_public_acls=bool(raw.get("IgnorePublicAcls", False)),
        block_public_policy=bool(raw.get("BlockPublicPolicy", False)),
        restrict_public_buckets=bool(raw.get("RestrictPublicBuckets", False)),
    )


def _region(location: str | None) -> str:
    # GetBucketLocation answers None for us-east-1 and "EU" for the oldest eu-west-1 buckets.
    if not location:
        return "us-east-1"
    return "eu-west-1" if location == "EU" else location


def _bucket(s3: Any, name: str, partition: str) -> S3Bucket:
    arn = f"arn:{partition}:s3:::{name}"
    try:
        region = _region(s3.get_bucket_location(Bucket=name).get("LocationConstraint"))
        try:
            raw = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
        except ClientError as exc:
            if error_code(exc) != _NOT_CONFIGURED:
                raise
            raw = {}
    except ClientError as exc:
        code = error_code(exc)
        if code not in BUCKET_UNREADABLE_CODES:
            raise
        return S3Bucket(name=name, arn=arn, region="", block_public_access=None, error_code=code)
    policy, policy_error = _policy(s3, name)
    return S3Bucket(
        name=name,
        arn=arn,
        region=region,
        block_public_access=_bpa(raw),
        policy=policy,
        policy_error=policy_error,
    )


def _policy(s3: Any, name: str) -> tuple[dict[str, Any] | None, str]:
    """(the bucket policy, "") or (None, "") without one, or (None, error code) unreadable."""
    try:
        text = s3.get_bucket_policy(Bucket=name)["Policy"]
    except ClientError as exc:
        code = error_code(exc)
        if code == "NoSuchBucketPolicy":
            return None, ""
        if code in BUCKET_UNREADABLE_CODES:
            return None, code
        raise
    try:
        doc = json.loads(text)
    except ValueError:
        return None, "InvalidPolicyJson"
    return (doc, "") if isinstance(doc, dict) else (None, "InvalidPolicyJson")


def _account(clients: ClientFactory, region: str) -> S3AccountSettings:
    account_id = clients("sts", region).get_caller_identity()["Account"]
    try:
        raw = clients("s3control", region).get_public_access_block(AccountId=account_id)
    except ClientError as exc:
        code = error_code(exc)
        if code == _NOT_CONFIGURED:
            return S3AccountSettings(block_public_access=BlockPublicAccess())
        if code in _ACCOUNT_UNREADABLE:
            return S3AccountSettings(block_public_access=None, error_code=code)
        raise
    return S3AccountSettings(block_public_access=_bpa(raw["PublicAccessBlockConfiguration"]))


def collect_s3(clients: ClientFactory, region: str) -> S3Section:
    s3 = clients("s3", region)
    listed = s3.list_buckets()
    names = sorted(b["Name"] for b in listed.get("Buckets", []))
    partition = (
        "aws-cn"
        if region.startswith("cn-")
        else ("aws-us-gov" if region.startswith("us-gov-") else "aws")
    )
    buckets = fan_out(lambda name: _bucket(s3, name, partition), names)
    return S3Section(account=(_account(clients, region),), buckets=tuple(buckets))
