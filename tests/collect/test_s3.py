"""S3 collector (account and bucket Block Public Access) against moto's in-process mock."""

from __future__ import annotations

from typing import Any

from auditor.collect import collect
from auditor.collect.s3 import collect_s3
from auditor.snapshot import CollectionStatus
from auditor.snapshot.s3 import BlockPublicAccess, S3AccountSettings, S3Bucket, S3Section
from tests.conftest import REGION
from tests.scenarios.reference import deny_access

ACCOUNT = "123456789012"
ALL = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
ALL_ON = BlockPublicAccess(
    block_public_acls=True,
    ignore_public_acls=True,
    block_public_policy=True,
    restrict_public_buckets=True,
)


def _calls(aws: Any) -> dict[str, int]:
    return {o.operation: o.calls for o in aws.recorder.operations()}


def test_no_bucket_and_no_account_setting(aws: Any) -> None:
    assert collect_s3(aws, REGION) == S3Section(
        account=(S3AccountSettings(block_public_access=BlockPublicAccess()),), buckets=()
    )
    assert _calls(aws) == {"ListBuckets": 1, "GetCallerIdentity": 1, "GetPublicAccessBlock": 1}


def test_buckets_in_two_regions_with_and_without_switches(aws: Any, setup: Any) -> None:
    west = setup("s3")
    west.create_bucket(Bucket="locked", CreateBucketConfiguration={"LocationConstraint": REGION})
    west.put_public_access_block(Bucket="locked", PublicAccessBlockConfiguration=ALL)
    setup("s3", "us-east-1").create_bucket(Bucket="open")
    setup("s3control").put_public_access_block(
        AccountId=ACCOUNT, PublicAccessBlockConfiguration={"BlockPublicPolicy": True}
    )

    section = collect_s3(aws, REGION)

    assert section.account == (
        S3AccountSettings(block_public_access=BlockPublicAccess(block_public_policy=True)),
    )
    assert section.buckets == (
        S3Bucket(
            name="locked",
            arn="arn:aws:s3:::locked",
            region=REGION,
            block_public_access=ALL_ON,
        ),
        S3Bucket(
            name="open",
            arn="arn:aws:s3:::open",
            region="us-east-1",  # GetBucketLocation answers None there
            block_public_access=BlockPublicAccess(),
        ),
    )


def test_a_bucket_that_cannot_be_read_is_kept_with_its_error(aws: Any, setup: Any) -> None:
    setup("s3").create_bucket(
        Bucket="theirs", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    aws.session.events.register("before-call.s3.GetBucketLocation", _denied_s3)

    (bucket,) = collect_s3(aws, REGION).buckets

    assert bucket == S3Bucket(
        name="theirs",
        arn="arn:aws:s3:::theirs",
        region="",
        block_public_access=None,
        error_code="AccessDenied",
    )


def test_a_denied_bucket_listing_is_a_gap_of_the_s3_unit_only(aws: Any, setup: Any) -> None:
    setup("s3").create_bucket(
        Bucket="data-bucket", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    aws.session.events.register("before-call.s3.ListBuckets", deny_access)

    snap = collect(aws, [REGION], ["s3", "ec2"])

    coverage = {c.service: c for c in snap.coverage if c.service in ("s3", "ec2")}
    denied = coverage["s3"]
    assert (denied.status, denied.operation, denied.error_code) == (
        CollectionStatus.ACCESS_DENIED,
        "ListBuckets",
        "AccessDeniedException",
    )
    assert denied.region == "global"
    assert coverage["ec2"].status is CollectionStatus.OK
    assert snap.s3 == S3Section()


def _denied_s3(**_: Any) -> tuple[Any, dict[str, Any]]:
    from botocore.awsrequest import AWSResponse

    parsed = {
        "Error": {"Code": "AccessDenied", "Message": "Access Denied (test)"},
        "ResponseMetadata": {"HTTPStatusCode": 403, "RetryAttempts": 0},
    }
    return AWSResponse("https://denied.invalid/", 403, {}, None), parsed


def test_the_bucket_policy_is_read_as_a_document(aws: Any, setup: Any) -> None:
    import json

    s3 = setup("s3")
    s3.create_bucket(Bucket="with-policy", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.create_bucket(Bucket="no-policy", CreateBucketConfiguration={"LocationConstraint": REGION})
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": ["arn:aws:s3:::with-policy", "arn:aws:s3:::with-policy/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    s3.put_bucket_policy(Bucket="with-policy", Policy=json.dumps(doc))

    buckets = {b.name: b for b in collect_s3(aws, REGION).buckets}

    assert buckets["with-policy"].policy == doc
    assert (buckets["no-policy"].policy, buckets["no-policy"].policy_error) == (None, "")
