"""S3 rules: Block Public Access (DD008 account, DD009 every bucket), TLS only (DD011)."""

from __future__ import annotations

from auditor.rules.defense_in_depth import (
    s3_account_block_public_access,
    s3_buckets_block_public_access,
    s3_buckets_require_tls,
)

from auditor.engine.model import Status
from auditor.snapshot.s3 import BlockPublicAccess, S3AccountSettings, S3Bucket, S3Section
from tests.rules.helpers import command, evidence, failing, make_snapshot, passing, statuses

ALL_ON = BlockPublicAccess(
    block_public_acls=True,
    ignore_public_acls=True,
    block_public_policy=True,
    restrict_public_buckets=True,
)
OFF = BlockPublicAccess()
#: Policies blocked, ACLs not.
POLICY_ONLY = BlockPublicAccess(block_public_policy=True, restrict_public_buckets=True)
ACLS_ONLY = BlockPublicAccess(block_public_acls=True, ignore_public_acls=True)


def bucket(name: str, bpa: BlockPublicAccess | None, code: str = "") -> S3Bucket:
    return S3Bucket(
        name=name,
        arn=f"arn:aws:s3:::{name}",
        region="us-west-2" if bpa is not None else "",
        block_public_access=bpa,
        error_code=code,
    )


def s3(account: BlockPublicAccess | None, *buckets: S3Bucket, code: str = "") -> S3Section:
    return S3Section(
        account=(S3AccountSettings(block_public_access=account, error_code=code),),
        buckets=buckets,
    )


# DD008


def test_dd008_passes_with_all_four_account_switches() -> None:
    snap = make_snapshot(s3=s3(ALL_ON))
    assert passing(s3_account_block_public_access, snap) == {"account"}


def test_dd008_fails_when_any_switch_is_off_or_none_is_set() -> None:
    for settings in (OFF, POLICY_ONLY):
        snap = make_snapshot(s3=s3(settings))
        assert failing(s3_account_block_public_access, snap) == {"account"}
    snap = make_snapshot(s3=s3(POLICY_ONLY))
    assert evidence(s3_account_block_public_access, snap, "account") == (
        "off at account level: BlockPublicAcls, IgnorePublicAcls"
    )
    assert command(s3_account_block_public_access, snap, "account") == (
        "aws s3control put-public-access-block --account-id 123456789012 "
        "--public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,"
        "BlockPublicPolicy=true,RestrictPublicBuckets=true"
    )


def test_dd008_unknown_when_unreadable_or_not_collected() -> None:
    snap = make_snapshot(s3=s3(None, code="AccessDenied"))
    assert statuses(s3_account_block_public_access, snap) == {Status.UNKNOWN}
    assert statuses(
        s3_account_block_public_access, make_snapshot(gaps={"s3": "access_denied"})
    ) == {Status.UNKNOWN}


# DD009


def test_dd009_judges_each_bucket_at_both_levels() -> None:
    snap = make_snapshot(
        s3=s3(
            POLICY_ONLY,
            bucket("pass-own-switches", ALL_ON),
            bucket("pass-acls-here-policy-at-account", ACLS_ONLY),
            bucket("fail-nothing-here", OFF),
            bucket("fail-policy-twice", POLICY_ONLY),
        )
    )
    assert passing(s3_buckets_block_public_access, snap) == {
        "pass-own-switches",
        "pass-acls-here-policy-at-account",
    }
    assert failing(s3_buckets_block_public_access, snap) == {
        "fail-nothing-here",
        "fail-policy-twice",
    }
    assert evidence(s3_buckets_block_public_access, snap, "fail-policy-twice") == (
        "off at both levels: BlockPublicAcls, IgnorePublicAcls"
    )
    assert command(s3_buckets_block_public_access, snap, "fail-nothing-here").startswith(
        "aws s3api put-public-access-block --bucket fail-nothing-here "
    )


def test_dd009_account_switches_cover_every_bucket() -> None:
    snap = make_snapshot(s3=s3(ALL_ON, bucket("pass-a", OFF), bucket("pass-b", POLICY_ONLY)))
    assert passing(s3_buckets_block_public_access, snap) == {"pass-a", "pass-b"}
    assert failing(s3_buckets_block_public_access, snap) == set()


def test_dd009_unknown_when_a_bucket_or_the_account_cannot_be_read() -> None:
    snap = make_snapshot(s3=s3(OFF, bucket("other-account", None, "AccessDenied")))
    assert statuses(s3_buckets_block_public_access, snap) == {Status.UNKNOWN}
    snap = make_snapshot(s3=s3(None, bucket("pass-own", ALL_ON), bucket("half", POLICY_ONLY)))
    assert passing(s3_buckets_block_public_access, snap) == {"pass-own"}
    assert failing(s3_buckets_block_public_access, snap) == set()
    assert statuses(
        s3_buckets_block_public_access, make_snapshot(gaps={"s3": "access_denied"})
    ) == {Status.UNKNOWN}


# DD011

_TLS_DENY = {
    "Sid": "DenyInsecureTransport",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


def with_policy(name: str, *statements: dict[str, object], error: str = "") -> S3Bucket:
    policy = {"Version": "2012-10-17", "Statement": list(statements)} if statements else None
    return bucket(name, ALL_ON).model_copy(update={"policy": policy, "policy_error": error})


def test_dd011_passes_only_with_a_deny_on_insecure_transport() -> None:
    allow_ct = {
        "Sid": "AWSCloudTrailWrite",
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::b/*",
    }
    snap = make_snapshot(
        s3=s3(
            ALL_ON,
            with_policy("pass-deny-http", allow_ct, _TLS_DENY),
            with_policy(
                "pass-aws-star-list",
                {
                    **_TLS_DENY,
                    "Sid": "Tls",
                    "Principal": {"AWS": "*"},
                    "Action": ["s3:GetObject", "s3:PutObject"],
                    "Condition": {"BoolIfExists": {"aws:SecureTransport": ["false"]}},
                },
            ),
            bucket("fail-no-policy", ALL_ON),
            with_policy("fail-allow-only", allow_ct),
            with_policy(
                "fail-deny-for-one-role",
                {**_TLS_DENY, "Principal": {"AWS": "arn:aws:iam::1:role/x"}},
            ),
            with_policy(
                "fail-deny-true",
                {**_TLS_DENY, "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
            ),
            with_policy("fail-deny-delete-only", {**_TLS_DENY, "Action": "s3:DeleteObject"}),
        )
    )
    assert passing(s3_buckets_require_tls, snap) == {"pass-deny-http", "pass-aws-star-list"}
    assert failing(s3_buckets_require_tls, snap) == {
        "fail-no-policy",
        "fail-allow-only",
        "fail-deny-for-one-role",
        "fail-deny-true",
        "fail-deny-delete-only",
    }
    assert evidence(s3_buckets_require_tls, snap, "pass-deny-http") == (
        "statement DenyInsecureTransport denies plain HTTP"
    )


def test_dd011_unknown_when_the_policy_cannot_be_read() -> None:
    snap = make_snapshot(
        s3=s3(
            ALL_ON,
            with_policy("denied-policy", error="AccessDenied"),
            bucket("denied-bucket", None, "AccessDenied"),
        )
    )
    assert statuses(s3_buckets_require_tls, snap) == {Status.UNKNOWN}
