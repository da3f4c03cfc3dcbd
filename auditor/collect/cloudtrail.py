"""CloudTrail: trails homed in the region, their status, event selectors, and the trail bucket.

A multi-region trail shows up in every region; it is collected in full only
in its home region, so each trail is reported once. The copies seen in other
regions ("shadow trails") are kept as light :class:`ShadowTrail` records; for
an organization trail the shadow also gets its status (``GetTrailStatus`` on
the ARN works from any of its regions and from member accounts), so a member
account that does not scan the trail's home region still knows it is recorded.

The trail bucket is read with S3 ``GetPublicAccessBlock`` and
``GetBucketPolicyStatus``. A bucket the scanning account cannot read (another
account's, e.g. an organization trail's, or access denied) is recorded as
``TrailBucket(collected=False)``: it must not turn all of CloudTrail into a gap.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from auditor.collect.common import as_datetime, error_code, fan_out, per_resource
from auditor.collect.session import ClientFactory
from auditor.snapshot.cloudtrail import (
    CloudTrailSection,
    EventSelector,
    ShadowTrail,
    Trail,
    TrailBucket,
)

#: S3 answers meaning "this bucket is not ours to read", recorded per bucket.
BUCKET_UNREADABLE_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "AllAccessDisabled",
        "NoSuchBucket",
        "PermanentRedirect",
        "AuthorizationHeaderMalformed",
    }
)


def _utc(value: Any) -> datetime | None:
    """botocore gives epoch timestamps in local time: store them in UTC (deterministic JSON)."""
    moment = as_datetime(value)
    return moment.astimezone(UTC) if moment is not None else None


def _selector(raw: dict[str, Any]) -> EventSelector:
    return EventSelector(
        read_write_type=raw.get("ReadWriteType", "All"),
        include_management_events=bool(raw.get("IncludeManagementEvents", True)),
        exclude_management_event_sources=tuple(raw.get("ExcludeManagementEventSources", [])),
        data_resource_types=tuple(d["Type"] for d in raw.get("DataResources", []) if "Type" in d),
    )


def _trail(
    raw: dict[str, Any],
    region: str,
    status: dict[str, Any],
    selectors: dict[str, Any],
    bucket: TrailBucket | None,
) -> Trail:
    return Trail(
        arn=raw["TrailARN"],
        name=raw["Name"],
        region=region,
        home_region=raw.get("HomeRegion", region),
        is_multi_region=bool(raw.get("IsMultiRegionTrail", False)),
        is_organization_trail=bool(raw.get("IsOrganizationTrail", False)),
        log_file_validation=bool(raw.get("LogFileValidationEnabled", False)),
        include_global_service_events=bool(raw.get("IncludeGlobalServiceEvents", False)),
        kms_key_id=raw.get("KmsKeyId", ""),
        s3_bucket=raw.get("S3BucketName", ""),
        cloudwatch_logs_log_group_arn=raw.get("CloudWatchLogsLogGroupArn", ""),
        cloudwatch_logs_role_arn=raw.get("CloudWatchLogsRoleArn", ""),
        is_logging=bool(status.get("IsLogging", False)),
        latest_delivery_time=_utc(status.get("LatestDeliveryTime")),
        latest_delivery_error=status.get("LatestDeliveryError", ""),
        latest_cloudwatch_logs_delivery_time=_utc(status.get("LatestCloudWatchLogsDeliveryTime")),
        latest_cloudwatch_logs_delivery_error=status.get("LatestCloudWatchLogsDeliveryError", ""),
        event_selectors=tuple(_selector(s) for s in selectors.get("EventSelectors", [])),
        advanced_event_selectors=tuple(
            dict(s) for s in selectors.get("AdvancedEventSelectors", [])
        ),
        bucket=bucket,
    )


#: Answers to ``GetTrailStatus`` on a shadow organization trail meaning "not readable from here".
SHADOW_STATUS_UNREADABLE_CODES = frozenset(
    {
        "TrailNotFoundException",
        "AccessDeniedException",
        "CloudTrailARNInvalidException",
        "UnsupportedOperationException",
        "OperationNotPermittedException",
    }
)


def _shadow_status(cloudtrail: Any, raw: dict[str, Any]) -> bool | None:
    """Whether a shadow organization trail is logging (its ARN works from any of its
    regions, and from member accounts); None for other shadows or when unreadable."""
    if not raw.get("IsOrganizationTrail"):
        return None
    try:
        return bool(cloudtrail.get_trail_status(Name=raw["TrailARN"]).get("IsLogging", False))
    except ClientError as exc:
        if error_code(exc) not in SHADOW_STATUS_UNREADABLE_CODES:
            raise
        return None


def _shadow(raw: dict[str, Any], region: str, is_logging: bool | None = None) -> ShadowTrail:
    return ShadowTrail(
        arn=raw["TrailARN"],
        name=raw["Name"],
        region=region,
        home_region=raw.get("HomeRegion", ""),
        is_multi_region=bool(raw.get("IsMultiRegionTrail", False)),
        is_organization_trail=bool(raw.get("IsOrganizationTrail", False)),
        is_logging=is_logging,
    )


def trail_bucket(s3: Any, name: str) -> TrailBucket:
    """The public exposure of a trail bucket, or ``collected=False`` when it cannot be read."""
    try:
        try:
            block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
        except ClientError as exc:
            if error_code(exc) != "NoSuchPublicAccessBlockConfiguration":
                raise
            block = {}
        try:
            status = s3.get_bucket_policy_status(Bucket=name).get("PolicyStatus", {})
        except ClientError as exc:
            if error_code(exc) != "NoSuchBucketPolicy":
                raise
            status = {}
    except ClientError as exc:
        code = error_code(exc)
        if code not in BUCKET_UNREADABLE_CODES:
            raise
        return TrailBucket(name=name, collected=False, error_code=code)
    return TrailBucket(
        name=name,
        collected=True,
        block_public_acls=bool(block.get("BlockPublicAcls", False)),
        ignore_public_acls=bool(block.get("IgnorePublicAcls", False)),
        block_public_policy=bool(block.get("BlockPublicPolicy", False)),
        restrict_public_buckets=bool(block.get("RestrictPublicBuckets", False)),
        policy_is_public=bool(status.get("IsPublic", False)),
    )


def collect_cloudtrail(clients: ClientFactory, region: str) -> CloudTrailSection:
    cloudtrail = clients("cloudtrail", region)
    s3 = clients("s3", region)
    # One call returns the trails homed here and the shadows of trails homed elsewhere.
    listed = cloudtrail.describe_trails(includeShadowTrails=True).get("trailList", [])
    own = [t for t in listed if t.get("HomeRegion", region) == region]
    shadows = [
        _shadow(t, region, _shadow_status(cloudtrail, t))
        for t in listed
        if t.get("HomeRegion", region) != region
    ]

    def details(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        arn = raw["TrailARN"]
        status = dict(cloudtrail.get_trail_status(Name=arn))
        selectors = dict(cloudtrail.get_event_selectors(TrailName=arn))
        return status, selectors

    # A failed call costs only its trail (gapped; status and selectors unknown).
    answers = [a or ({}, {}) for a in per_resource(details, own, lambda t: str(t["TrailARN"]))]
    # Several trails may share a bucket: read each bucket once.
    names = sorted({t["S3BucketName"] for t in own if t.get("S3BucketName")})
    buckets = dict(zip(names, fan_out(lambda name: trail_bucket(s3, name), names), strict=True))

    trails = [
        _trail(raw, region, status, selectors, buckets.get(raw.get("S3BucketName", "")))
        for raw, (status, selectors) in zip(own, answers, strict=True)
    ]
    return CloudTrailSection(
        trails=tuple(sorted(trails, key=lambda t: t.arn)),
        shadow_trails=tuple(sorted(shadows, key=lambda t: t.arn)),
    )
