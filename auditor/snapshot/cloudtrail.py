"""CloudTrail: trails, their status, selectors and the trail bucket's exposure."""

from __future__ import annotations

from datetime import datetime

from auditor.snapshot.base import JsonDoc, Model, Section


class EventSelector(Model):
    read_write_type: str
    include_management_events: bool
    exclude_management_event_sources: tuple[str, ...] = ()
    data_resource_types: tuple[str, ...] = ()


class TrailBucket(Model):
    """The S3 bucket a trail delivers to, as seen from the scanning account.

    ``collected`` is False when the bucket could not be read (another
    account's bucket, or access denied); then ``error_code`` says why.
    """

    name: str
    collected: bool
    error_code: str = ""
    block_public_acls: bool = False
    ignore_public_acls: bool = False
    block_public_policy: bool = False
    restrict_public_buckets: bool = False
    policy_is_public: bool = False

    @property
    def public_access_blocked(self) -> bool:
        return all(
            (
                self.block_public_acls,
                self.ignore_public_acls,
                self.block_public_policy,
                self.restrict_public_buckets,
            )
        )


def arn_account(arn: str) -> str:
    """The account id field of an ARN ("" when there is none)."""
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 else ""


class Trail(Model):
    arn: str
    name: str
    region: str
    home_region: str
    is_multi_region: bool
    is_organization_trail: bool
    log_file_validation: bool
    include_global_service_events: bool
    kms_key_id: str = ""
    s3_bucket: str
    cloudwatch_logs_log_group_arn: str = ""
    cloudwatch_logs_role_arn: str = ""
    is_logging: bool
    latest_delivery_time: datetime | None = None
    latest_delivery_error: str = ""
    #: Last successful delivery to CloudWatch Logs (None: never, or not configured).
    latest_cloudwatch_logs_delivery_time: datetime | None = None
    latest_cloudwatch_logs_delivery_error: str = ""
    event_selectors: tuple[EventSelector, ...] = ()
    advanced_event_selectors: tuple[JsonDoc, ...] = ()
    bucket: TrailBucket | None = None

    @property
    def owner_account_id(self) -> str:
        """The account that owns the trail (from its ARN). An organization trail seen
        from a member account belongs to the management (or delegated) account."""
        return arn_account(self.arn)


class ShadowTrail(Model):
    """A trail visible in ``region`` whose home is another region.

    A multi-region (or organization) trail appears in every region but is
    collected in full only in its home region (as a :class:`Trail`). When the
    home region was not scanned, this record still says the region is covered
    by a trail whose status is unknown, so rules can answer UNKNOWN instead of
    reporting a missing trail.
    """

    arn: str
    name: str
    region: str
    home_region: str
    is_multi_region: bool
    is_organization_trail: bool
    #: Read (``GetTrailStatus`` on the ARN, from this region) for organization trails
    #: only; None when not read. A member account may not scan the home region of its
    #: organization's trail: the status still says whether the account is recorded.
    is_logging: bool | None = None

    @property
    def owner_account_id(self) -> str:
        return arn_account(self.arn)


class CloudTrailSection(Section):
    trails: tuple[Trail, ...] = ()
    shadow_trails: tuple[ShadowTrail, ...] = ()
