"""CloudTrail collector against moto's in-process mock."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from auditor.collect.cloudtrail import collect_cloudtrail, trail_bucket
from tests.conftest import REGION

FULL_BLOCK = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def _bucket(setup: Any, name: str, region: str = REGION) -> None:
    setup("s3", region).create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": region}
    )


def _scenario(setup: Any) -> None:
    ct = setup("cloudtrail")
    s3 = setup("s3")
    _bucket(setup, "org-audit-trail")
    s3.put_public_access_block(Bucket="org-audit-trail", PublicAccessBlockConfiguration=FULL_BLOCK)
    ct.create_trail(
        Name="main",
        S3BucketName="org-audit-trail",
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
        IncludeGlobalServiceEvents=True,
    )
    ct.start_logging(Name="main")
    # moto gives a new trail no selectors; AWS's default is all management events.
    ct.put_event_selectors(
        TrailName="main",
        EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True}],
    )
    _bucket(setup, "scratch-trail")
    ct.create_trail(Name="scratch", S3BucketName="scratch-trail")


def test_collects_trails_status_selectors_and_buckets(aws: Any, setup: Any) -> None:
    _scenario(setup)

    section = collect_cloudtrail(aws, REGION)

    by_name = {t.name: t for t in section.trails}
    assert set(by_name) == {"main", "scratch"}
    main, scratch = by_name["main"], by_name["scratch"]
    assert main.region == main.home_region == REGION
    assert main.is_multi_region and main.log_file_validation and main.is_logging
    assert main.include_global_service_events
    assert main.latest_delivery_time is not None
    assert [(s.read_write_type, s.include_management_events) for s in main.event_selectors] == [
        ("All", True)
    ]
    assert main.bucket is not None and main.bucket.collected
    assert main.bucket.name == "org-audit-trail"
    assert main.bucket.public_access_blocked
    assert not main.bucket.policy_is_public

    assert not scratch.is_multi_region and not scratch.log_file_validation
    assert not scratch.is_logging and scratch.latest_delivery_time is None
    assert scratch.event_selectors == ()
    assert scratch.bucket is not None and scratch.bucket.collected
    assert not scratch.bucket.public_access_blocked
    assert not any((scratch.bucket.block_public_acls, scratch.bucket.restrict_public_buckets))
    assert section.shadow_trails == ()


def test_multi_region_trail_is_reported_once_by_its_home_region(aws: Any, setup: Any) -> None:
    _scenario(setup)

    elsewhere = collect_cloudtrail(aws, "us-east-1")

    assert elsewhere.trails == ()
    (shadow,) = elsewhere.shadow_trails
    assert (shadow.name, shadow.region, shadow.home_region) == ("main", "us-east-1", REGION)
    assert shadow.is_multi_region


def test_organization_shadow_trails_have_their_status_read(aws: Any, setup: Any) -> None:
    _bucket(setup, "org-trail-bucket")
    ct = setup("cloudtrail")
    ct.create_trail(
        Name="org-trail",
        S3BucketName="org-trail-bucket",
        IsMultiRegionTrail=True,
        IsOrganizationTrail=True,
    )
    ct.start_logging(Name="org-trail")
    _scenario(setup)  # "main": multi-region, not an organization trail

    elsewhere = collect_cloudtrail(aws, "us-east-1")

    by_name = {s.name: s for s in elsewhere.shadow_trails}
    assert by_name["org-trail"].is_organization_trail
    assert by_name["org-trail"].is_logging is True
    assert by_name["main"].is_logging is None  # only organization trails are read
    calls = {op.operation: op.calls for op in aws.recorder.operations()}
    assert calls["GetTrailStatus"] == 1


def test_advanced_event_selectors(aws: Any, setup: Any) -> None:
    _bucket(setup, "adv-trail")
    ct = setup("cloudtrail")
    ct.create_trail(Name="adv", S3BucketName="adv-trail")
    advanced = {
        "Name": "management",
        "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}],
    }
    ct.put_event_selectors(TrailName="adv", AdvancedEventSelectors=[advanced])

    (trail,) = collect_cloudtrail(aws, REGION).trails

    assert trail.event_selectors == ()
    assert trail.advanced_event_selectors == (advanced,)


def test_unreadable_bucket_is_recorded_not_a_gap(aws: Any, setup: Any) -> None:
    _bucket(setup, "gone-trail")
    setup("cloudtrail").create_trail(Name="orphan", S3BucketName="gone-trail")
    setup("s3").delete_bucket(Bucket="gone-trail")

    (trail,) = collect_cloudtrail(aws, REGION).trails

    assert trail.bucket is not None
    assert (trail.bucket.collected, trail.bucket.error_code) == (False, "NoSuchBucket")
    assert not trail.bucket.public_access_blocked


def test_shared_bucket_is_read_once(aws: Any, setup: Any) -> None:
    _bucket(setup, "shared-trail")
    ct = setup("cloudtrail")
    ct.create_trail(Name="trail-a", S3BucketName="shared-trail")
    ct.create_trail(Name="trail-b", S3BucketName="shared-trail")

    section = collect_cloudtrail(aws, REGION)

    assert len(section.trails) == 2
    calls = {op.operation: op.calls for op in aws.recorder.operations()}
    assert calls["GetPublicAccessBlock"] == 1
    assert calls["GetBucketPolicyStatus"] == 1


class FakeS3:
    """S3 answers moto cannot give: access denied, a public policy, no policy."""

    def __init__(self, block: Any, status: Any) -> None:
        self.block, self.status = block, status

    @staticmethod
    def _answer(value: Any, operation: str) -> Any:
        if isinstance(value, str):
            raise ClientError({"Error": {"Code": value, "Message": value}}, operation)
        return value

    def get_public_access_block(self, Bucket: str) -> Any:
        return self._answer(self.block, "GetPublicAccessBlock")

    def get_bucket_policy_status(self, Bucket: str) -> Any:
        return self._answer(self.status, "GetBucketPolicyStatus")


def test_foreign_bucket_access_denied() -> None:
    bucket = trail_bucket(FakeS3("AccessDenied", "AccessDenied"), "org-trail-in-mgmt-account")
    assert (bucket.collected, bucket.error_code) == (False, "AccessDenied")


def test_denied_policy_status_marks_the_whole_bucket_uncollected() -> None:
    block = {"PublicAccessBlockConfiguration": FULL_BLOCK}
    bucket = trail_bucket(FakeS3(block, "AccessDenied"), "b")
    assert (bucket.collected, bucket.error_code) == (False, "AccessDenied")
    assert not bucket.public_access_blocked


def test_public_policy_and_missing_block() -> None:
    # moto 5.2 does not implement GetBucketPolicyStatus (it answers an empty status).
    bucket = trail_bucket(
        FakeS3("NoSuchPublicAccessBlockConfiguration", {"PolicyStatus": {"IsPublic": True}}), "b"
    )
    assert bucket.collected and bucket.policy_is_public
    assert not bucket.public_access_blocked


def test_no_bucket_policy_is_not_public() -> None:
    bucket = trail_bucket(
        FakeS3({"PublicAccessBlockConfiguration": FULL_BLOCK}, "NoSuchBucketPolicy"), "b"
    )
    assert bucket.collected and not bucket.policy_is_public and bucket.public_access_blocked


def test_other_s3_errors_propagate_to_the_runner() -> None:
    with pytest.raises(ClientError):
        trail_bucket(FakeS3("SlowDown", {}), "b")
