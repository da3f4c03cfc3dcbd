"""Audit Logging: every action leaves a record that can be trusted, kept and searched.

CloudTrail is the record of the control plane; its trails must cover every
region and every management event, be tamper-evident, encrypted, searchable
and out of public reach. Workload logs (ECS containers, CloudWatch log
groups) and the detective services (GuardDuty, AWS Config, IAM Access
Analyzer) complete the picture.

Honesty about what was not seen: a multi-region trail homed in a region that
was not scanned is visible only as a "shadow" (its status is unknown), and a
trail bucket owned by another account cannot be read. Rules give no verdict
on those (no PASS, no FAIL) rather than guess; see each rule's text.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator, Mapping
from typing import Any

from auditor.analysis.fixfiles import config_bucket_policy, create_bucket_line
from auditor.engine.model import Check, Principle, Severity, ShellText, rule
from auditor.snapshot import Snapshot
from auditor.snapshot.cloudtrail import ShadowTrail, Trail, TrailBucket

_SIDES = {"All": frozenset({"read", "write"}), "ReadOnly": frozenset({"read"}),
          "WriteOnly": frozenset({"write"})}  # fmt: skip
_FULL_MANAGEMENT_SELECTOR: dict[str, Any] = {
    "Name": "Management events",
    "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}],
}


# ----------------------------------------------------------------- helpers


def _home(snap: Snapshot) -> str:
    return snap.regions[0] if snap.regions else "us-east-1"


def _values(raw: Any) -> list[str]:
    if isinstance(raw, list | tuple):
        return [str(v) for v in raw]
    return [] if raw is None else [str(raw)]


def _field_selectors(selector: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    raw = selector.get("FieldSelectors")
    if not isinstance(raw, list):
        return []
    return [f for f in raw if isinstance(f, Mapping)]


def _is_management(selector: Mapping[str, Any]) -> bool:
    return any(
        f.get("Field") == "eventCategory" and "Management" in _values(f.get("Equals"))
        for f in _field_selectors(selector)
    )


def _side(value: str) -> str:
    return "read" if value.lower() == "true" else "write"


def management_capture(trail: Trail) -> tuple[bool, str]:
    """Does the trail capture every read and write management event? And how it does.

    Advanced selectors (when present they replace basic ones): a management
    selector counts for the sides its ``readOnly`` field allows, and not at
    all when it filters on anything else (``eventSource``, ...). Basic
    selectors: ``ReadWriteType`` gives the sides; a selector excluding event
    sources (e.g. ``kms.amazonaws.com``) does not capture everything.
    """
    covered: set[str] = set()
    notes: list[str] = []
    if trail.advanced_event_selectors:
        for sel in trail.advanced_event_selectors:
            if not _is_management(sel):
                continue
            fields = _field_selectors(sel)
            name = str(sel.get("Name") or "unnamed")
            others = sorted({str(f.get("Field")) for f in fields} - {"eventCategory", "readOnly"})
            if others:
                notes.append(f"selector {name!r} filters on {', '.join(others)}")
                continue
            sides = {"read", "write"}
            for f in fields:
                if f.get("Field") != "readOnly":
                    continue
                equals, not_equals = _values(f.get("Equals")), _values(f.get("NotEquals"))
                if equals:
                    sides &= {_side(v) for v in equals}
                sides -= {_side(v) for v in not_equals}
            if sides != {"read", "write"}:
                notes.append(f"selector {name!r} takes {'/'.join(sorted(sides)) or 'no'} events")
            covered |= sides
    else:
        for basic in trail.event_selectors:
            if not basic.include_management_events:
                continue
            if basic.exclude_management_event_sources:
                excluded = ", ".join(basic.exclude_management_event_sources)
                notes.append(f"excludes {excluded}")
                continue
            rw = _SIDES.get(basic.read_write_type, frozenset())
            if rw != _SIDES["All"]:
                notes.append(f"{basic.read_write_type} management events only")
            covered |= rw
    if covered == {"read", "write"}:
        return True, f"trail {trail.name} captures all read and write management events"
    if not notes:
        return False, f"trail {trail.name} has no selector for management events"
    return False, f"trail {trail.name} management events: {'; '.join(notes)}"


def _selector_fix(trail: Trail) -> dict[str, str]:
    """The ``put-event-selectors`` flag and JSON that capture every management event."""
    if trail.advanced_event_selectors:
        keep = [dict(s) for s in trail.advanced_event_selectors if not _is_management(s)]
        return {
            "flag": "--advanced-event-selectors",
            "selectors": json.dumps([*keep, _FULL_MANAGEMENT_SELECTOR], separators=(",", ":")),
        }
    return {
        "flag": "--event-selectors",
        "selectors": json.dumps(
            [{"ReadWriteType": "All", "IncludeManagementEvents": True}], separators=(",", ":")
        ),
    }


def _elsewhere(t: Trail, snap: Snapshot) -> bool:
    """Owned by another account: an organization trail seen from a member account.

    Such a trail records this account's events, but only its owner can change
    it: no command is suggested for it here, and it is judged in its owner's scan.
    """
    return bool(t.owner_account_id) and t.owner_account_id != snap.account_id


def _own_trails(snap: Snapshot) -> list[Trail]:
    return [t for t in snap.cloudtrail.trails if not _elsewhere(t, snap)]


def _logging_multi_region(snap: Snapshot) -> list[Trail]:
    return sorted(
        (t for t in snap.cloudtrail.trails if t.is_multi_region and t.is_logging),
        key=lambda t: t.arn,
    )


def _unseen_multi_region(snap: Snapshot) -> list[str]:
    """Multi-region trails homed in a region that was not scanned (status unknown)."""
    seen = {t.arn for t in snap.cloudtrail.trails}
    return sorted(
        {
            s.name
            for s in snap.cloudtrail.shadow_trails
            if (s.is_multi_region or s.is_organization_trail)
            and s.arn not in seen
            and s.home_region not in snap.regions
            and s.is_logging is None
        }
    )


def _read_shadows(snap: Snapshot) -> list[ShadowTrail]:
    """Organization trails homed in a region that was not scanned, whose status was read."""
    seen = {t.arn for t in snap.cloudtrail.trails}
    out: dict[str, ShadowTrail] = {}
    for s in snap.cloudtrail.shadow_trails:
        if s.arn not in seen and s.is_logging is not None:
            out.setdefault(s.arn, s)
    return [out[arn] for arn in sorted(out)]


def _whose(name: str, owner: str, snap: Snapshot) -> str:
    if owner and owner != snap.account_id:
        return f"organization trail {name} of account {owner}"
    return f"trail {name}"


def _trail_state(t: Trail | ShadowTrail, snap: Snapshot) -> str:
    scope = "multi-region" if t.is_multi_region else "single-region"
    foreign = t.owner_account_id not in ("", snap.account_id)
    owner = f", organization trail of account {t.owner_account_id}" if foreign else ""
    return f"{t.name}: {scope}, {'logging' if t.is_logging else 'stopped'}{owner}"


# ------------------------------------------------------------ CloudTrail


@rule(
    id="AL001",
    slug="cloudtrail-multi-region-logging",
    title="A multi-region CloudTrail trail is logging",
    action="Turn on a logging multi-region CloudTrail trail",
    principle=Principle.AUDIT_LOGGING,
    severity=Severity.CRITICAL,
    needs=("cloudtrail",),
    effort_minutes=30,
    monthly_cost_usd=1,
    remediation_cmd=(
        "aws cloudtrail create-trail --name {trail} --s3-bucket-name {bucket} "
        "--is-multi-region-trail --enable-log-file-validation --region {home} ; "
        "aws cloudtrail update-trail --name {trail} --is-multi-region-trail --region {home} "
        "&& aws cloudtrail start-logging --name {trail} --region {home}"
    ),
    frameworks={"cis": ["3.1"], "fsbp": ["CloudTrail.1"]},
)
def cloudtrail_multi_region_logging(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    The account has at least one CloudTrail trail that is multi-region (or an
    organization trail, which is multi-region) and is logging. An
    account-level check. When no such trail was seen but a multi-region trail
    is homed in a region that was not scanned, its status is unknown and the
    rule gives no verdict (scan that region to get one); an organization
    trail's status is read from any region, so it counts. In a member account
    an organization trail owned by the management (or delegated
    administrator) account counts: it records this account's events. The
    command only ever names a trail of this account (or a new one): an
    organization trail can be changed only by its owner.

    ## Why it matters
    CloudTrail is the record of who did what through the AWS API. Without a
    trail covering every region, activity in a region nobody watches (a
    favourite of attackers mining crypto) leaves no durable trace, and the
    90-day event history cannot be queried across regions or kept.

    ## Remediation
    The command creates the trail (or, when a trail of that name exists, makes
    it multi-region) and starts it; `create-trail` reports an error when the
    trail already exists, and the rest still runs. The bucket needs the
    CloudTrail bucket policy first (`AWSCloudTrailAclCheck` and
    `AWSCloudTrailWrite` statements). The first copy of management events is
    free; S3 storage is typically under 1 USD a month.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html#cloudtrail-1
    - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
    """
    good = sorted(_logging_multi_region(snap), key=lambda t: _elsewhere(t, snap))
    if good:
        t = good[0]
        what = _whose(t.name, t.owner_account_id, snap)
        yield Check.account(
            ok=True, evidence=f"{what} (home {t.home_region}) is multi-region and logging"
        )
        return
    shadows = _read_shadows(snap)
    for s in shadows:
        if s.is_logging and s.is_multi_region:
            what = _whose(s.name, s.owner_account_id, snap)
            yield Check.account(
                ok=True,
                evidence=f"{what} (home {s.home_region}, status read in {s.region}) "
                "is multi-region and logging",
            )
            return
    if _unseen_multi_region(snap):
        return  # a trail covers the account but its status was not collected: no verdict
    trails = sorted(snap.cloudtrail.trails, key=lambda t: (not t.is_multi_region, t.arn))
    # Only a trail of this account can be changed from it: never propose an
    # update-trail on an organization trail owned by another account.
    own = sorted(_own_trails(snap), key=lambda t: (not t.is_multi_region, t.arn))
    fields = {"trail": "account-trail", "home": _home(snap),
              "bucket": f"aws-cloudtrail-logs-{snap.account_id}"}  # fmt: skip
    own_shadows = [t for t in shadows if t.owner_account_id in ("", snap.account_id)]
    if own:
        best = own[0]
        fields = {"trail": best.name, "home": best.home_region or best.region,
                  "bucket": best.s3_bucket}  # fmt: skip
    elif own_shadows:  # this account's stopped organization trail, homed elsewhere
        fields = {**fields, "trail": own_shadows[0].name, "home": own_shadows[0].home_region}
    states = [_trail_state(t, snap) for t in trails] + [_trail_state(t, snap) for t in shadows]
    if states:
        evidence = "no multi-region trail is logging (" + "; ".join(states[:3]) + ")"
    else:
        evidence = "no CloudTrail trail exists"
    yield Check.account(ok=False, evidence=evidence, **fields)


@rule(
    id="AL002",
    slug="cloudtrail-log-file-validation",
    title="CloudTrail trails validate their log files",
    action="Turn on log file validation for {target}",
    principle=Principle.AUDIT_LOGGING,
    severity=Severity.MEDIUM,
    needs=("cloudtrail",),
    effort_minutes=5,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws cloudtrail update-trail --name {name} --enable-log-file-validation --region {region}"
    ),
    frameworks={"cis": ["3.2"], "fsbp": ["CloudTrail.4"]},
)
def cloudtrail_log_file_validation(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every trail (judged in its home region) has log file validation on.
    A trail owned by another account (an organization trail seen from a
    member account) is judged in its owner's scan: this account cannot
    change it.

    ## Why it matters
    With validation, CloudTrail writes signed hourly digest files; `aws
    cloudtrail validate-logs` then proves whether any log file was modified or
    deleted after delivery. Without it, an intruder who reaches the bucket can
    edit the record of what they did and nobody can tell.

    ## Remediation
    One command per trail; free (the digests are a few KB an hour).

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html#cloudtrail-4
    - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html
    """
    for t in _own_trails(snap):
        yield Check.of(
            t,
            ok=t.log_file_validation,
            evidence="log file validation is " + ("on" if t.log_file_validation else "off"),
        )


@rule(
    id="AL003",
    slug="cloudtrail-kms-encrypted",
    title="CloudTrail trails encrypt logs with a KMS key",
    action="Encrypt the logs of {target} with a KMS key",
    principle=Principle.AUDIT_LOGGING,
    severity=Severity.MEDIUM,
    needs=("cloudtrail",),
    effort_minutes=30,
    monthly_cost_usd=1,
    remediation_cmd=(
        "aws cloudtrail update-trail --name {name} --kms-key-id {key} --region {region}"
    ),
    frameworks={"cis": ["3.5"], "fsbp": ["CloudTrail.2"]},
)
def cloudtrail_kms_encrypted(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every trail delivers its log files encrypted with a KMS key (SSE-KMS).
    A trail owned by another account (an organization trail seen from a
    member account) is judged in its owner's scan.

    ## Why it matters
    With the default S3 encryption, anyone who can read the bucket can read
    the trail. With a KMS key, reading also needs `kms:Decrypt` on that key:
    a second, separately granted and separately logged permission that keeps
    the audit record private even from broad S3 readers.

    ## Remediation
    Create a customer managed key whose policy lets CloudTrail use it
    (`kms:GenerateDataKey*` for `cloudtrail.amazonaws.com` with the trail's
    `aws:SourceArn`, `kms:DescribeKey`) and lets log readers decrypt; then
    point the trail at it. The command names the alias `alias/cloudtrail`:
    create that alias or put your key's ARN. About 1 USD a month per key plus
    requests.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html#cloudtrail-2
    - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/encrypting-cloudtrail-log-files-with-aws-kms.html
    """
    for t in _own_trails(snap):
        if t.kms_key_id:
            yield Check.of(t, ok=True, evidence=f"log files encrypted with {t.kms_key_id}")
        else:
            yield Check.of(
                t,
                ok=False,
                evidence="no KMS key: log files use S3 default encryption",
                key="alias/cloudtrail",
            )


@rule(
    id="AL004",
    slug="cloudtrail-cloudwatch-logs",
    title="CloudTrail trails deliver to CloudWatch Logs",
    action="Deliver {target} to CloudWatch Logs",
    principle=Principle.AUDIT_LOGGING,
    severity=Severity.LOW,
    needs=("cloudtrail",),
    effort_minutes=20,
    monthly_cost_usd=1,
    remediation_cmd=(
        "aws cloudtrail update-trail --name {name} --cloud-watch-logs-log-group-arn "
        "{log_group_arn} --cloud-watch-logs-role-arn {role_arn} --region {region}"
    ),
    frameworks={"fsbp": ["CloudTrail.5"]},
)
def cloudtrail_cloudwatch_logs(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every trail sends its events to a CloudWatch Logs log group and its last
    delivery there did not fail. A trail owned by another account (an
    organization trail seen from a member account) is judged in its owner's
    scan.

    ## Why it matters
    In S3 the trail is an archive; in CloudWatch Logs it can be searched with
    Logs Insights within minutes and watched by metric filters and alarms
    (root sign-in, IAM changes, console sign-in without MFA, security group
    changes). Without it nobody is told when those happen.

    ## Remediation
    Create a log group (with a retention period) and a role that
    `cloudtrail.amazonaws.com` can assume with `logs:CreateLogStream` and
    `logs:PutLogEvents` on it, then point the trail at both. The command names
    `aws-cloudtrail-logs-<account>` and `CloudTrailRoleForCloudWatchLogs`:
    create them or put yours. Ingestion is 0.50 USD per GB, typically about a
    dollar a month for a small account's management events.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html#cloudtrail-5
    - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html
    """
    account, partition = snap.account_id, snap.partition
    for t in _own_trails(snap):
        fields = {
            "log_group_arn": t.cloudwatch_logs_log_group_arn
            or (
                f"arn:{partition}:logs:{t.region}:{account}:log-group:"
                f"aws-cloudtrail-logs-{account}:*"
            ),
            "role_arn": t.cloudwatch_logs_role_arn
            or f"arn:{partition}:iam::{account}:role/CloudTrailRoleForCloudWatchLogs",
        }
        group = t.cloudwatch_logs_log_group_arn
        if not group:
            yield Check.of(t, ok=False, evidence="no CloudWatch Logs log group", **fields)
        elif t.latest_cloudwatch_logs_delivery_error:
            yield Check.of(
                t,
                ok=False,
                evidence=(
                    "delivery to CloudWatch Logs fails: "
                    f"{t.latest_cloudwatch_logs_delivery_error[:120]}"
                ),
                **fields,
            )
        else:
            name = group.split(":log-group:", 1)[-1].removesuffix(":*")
            yield Check.of(t, ok=True, evidence=f"delivers to log group {name}", **fields)


@rule(
    id="AL005",
    slug="cloudtrail-management-events-captured",
    title="The multi-region trail captures every management event",
    action="Log every management event in {target}",
    principle=Principle.AUDIT_LOGGING,
    severity=Severity.HIGH,
    needs=("cloudtrail",),
    effort_minutes=10,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws cloudtrail put-event-selectors --trail-name {trail} {flag} {selectors} --region {home}"
    ),
    frameworks={"cis": ["3.1"], "fsbp": ["CloudTrail.1"]},
)
def cloudtrail_management_events_captured(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    At least one logging multi-region trail captures all management events:
    both read and write, with no event source excluded (such as
    `kms.amazonaws.com` or `rdsdata.amazonaws.com`), through basic event
    selectors (`ReadWriteType: All`, `IncludeManagementEvents: true`) or
    advanced ones (`eventCategory = Management` with no other filter). An
    account-level check; when no multi-region trail is logging, AL001 reports
    that and this rule gives no verdict, and when the only logging trails are
    another account's organization trails, their selectors are judged in
    their owner's scan (no verdict here).

    ## Why it matters
    A trail that drops read events hides reconnaissance (`List*`, `Describe*`,
    `GetSecretValue`); one that drops write events hides changes; excluding
    KMS hides every decryption. Investigations need the whole record.

    ## Remediation
    Put a selector capturing every management event. For a trail with
    advanced selectors the command keeps its data-event selectors and replaces
    the management ones; for basic selectors it replaces all of them, so
    re-add any data-event selectors the trail had. The first copy of
    management events is free.

    ## References
    - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-management-events-with-cloudtrail.html
    - https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html#cloudtrail-1
    """
    candidates = _logging_multi_region(snap)
    if not candidates:
        return
    verdicts = [(t, *management_capture(t)) for t in candidates]
    for _, full, how in verdicts:
        if full:
            yield Check.account(ok=True, evidence=how)
            return
    fixable = [v for v in verdicts if not _elsewhere(v[0], snap)]
    if not fixable:
        return  # only another account's organization trail: judged in its owner's scan
    t, _, how = fixable[0]
    yield Check.account(
        ok=False, evidence=how, trail=t.name, home=t.home_region or t.region, **_selector_fix(t)
    )


def _exposure(bucket: TrailBucket) -> tuple[bool, str]:
    """(publicly readable, what the bucket's settings say)."""
    missing = [
        label
        for label, on in (
            ("BlockPublicAcls", bucket.block_public_acls),
            ("IgnorePublicAcls", bucket.ignore_public_acls),
            ("BlockPublicPolicy", bucket.block_public_policy),
            ("RestrictPublicBuckets", bucket.restrict_public_buckets),
        )
        if not on
    ]
    if bucket.policy_is_public and not bucket.restrict_public_buckets:
        return True, "bucket policy is public and RestrictPublicBuckets is off"
    if not missing:
        return False, "public access block is complete"
    policy = (
        "policy is public but RestrictPublicBuckets neutralises it"
        if (bucket.policy_is_public)
        else "policy is not public"
    )
    return False, f"{policy}; public access block lacks {', '.join(missing)}"


@rule(
    id="AL006",
    slug="cloudtrail-bucket-not-public",
    title="CloudTrail buckets are not publicly accessible",
    action="Block public access to the CloudTrail bucket {target}",
    principle=Principle.AUDIT_LOGGING,
    severity=Severity.CRITICAL,
    needs=("cloudtrail",),
    effort_minutes=15,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws s3api put-public-access-block --bucket {name} --public-access-block-configuration "
        "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,"
        "RestrictPublicBuckets=true"
    ),
    frameworks={"fsbp": ["CloudTrail.6"]},
)
def cloudtrail_bucket_not_public(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    The S3 bucket of every trail does not have a public bucket policy left
    effective (`GetBucketPolicyStatus` says public and the bucket's
    `RestrictPublicBuckets` is off). The bucket's public access block
    settings are reported in the evidence. Not judged: buckets the scanning
    account cannot read (another account's, e.g. an organization trail's, or
    access denied) give no verdict; bucket ACLs and the account-level public
    access block are not collected, so an incomplete bucket-level block alone
    is not a FAIL.

    ## Why it matters
    The trail is a map of the account: every role, resource, IP address and
    call. A public trail bucket hands it to anyone, and if writes or deletes
    are public too, lets them rewrite history.

    ## Remediation
    Turn on all four public access block settings for the bucket: that
    neutralises a public policy at once and CloudTrail keeps writing (it is a
    service principal). Then remove the public statement from the policy.

    ## References
    - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
    - https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
    """
    users: dict[str, list[str]] = {}
    buckets: dict[str, TrailBucket] = {}
    for t in snap.cloudtrail.trails:
        if t.bucket is None:
            continue
        users.setdefault(t.bucket.name, []).append(t.name)
        buckets.setdefault(t.bucket.name, t.bucket)
    for name in sorted(buckets):
        bucket = buckets[name]
        if not bucket.collected:
            continue  # not readable from this account: no verdict (see the rule text)
        public, how = _exposure(bucket)
        trails = ", ".join(sorted(users[name]))
        yield Check.of(bucket, ok=not public, evidence=f"{how} (trail {trails})")


# ----------------------------------------------------- threat detection


@rule(
    id="AL009",
    slug="guardduty-enabled",
    title="GuardDuty is enabled in every scanned region",
    action="Enable GuardDuty",
    principle=Principle.AUDIT_LOGGING,
    severity=Severity.HIGH,
    needs=("guardduty",),
    effort_minutes=5,
    monthly_cost_usd=4,
    remediation_cmd="aws guardduty create-detector --enable --region {region}",
    frameworks={"fsbp": ["GuardDuty.1"]},
)
def guardduty_enabled(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    In every scanned region, a GuardDuty detector exists and is `ENABLED`.
    A region-level check.

    ## Why it matters
    Logs only help if someone reads them. GuardDuty reads CloudTrail, VPC
    flow and DNS logs continuously and reports credential misuse, crypto
    mining, calls from known-bad addresses and reconnaissance, with no agent
    and no log pipeline to run. Attackers go to the regions nobody watches.

    ## Remediation
    One command per region (a disabled detector is re-enabled with `aws
    guardduty update-detector --detector-id <id> --enable`). Priced by volume
    of events analysed: typically a few USD a month per region for a small
    account; the first 30 days are free and show the estimate.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/guardduty-controls.html#guardduty-1
    - https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_settingup.html
    """
    for region in snap.regions:
        detectors = [d for d in snap.guardduty.detectors if d.region == region]
        enabled = [d for d in detectors if d.status == "ENABLED"]
        if enabled:
            evidence, ok = f"detector {enabled[0].id} is ENABLED", True
        elif detectors:
            evidence, ok = f"detector {detectors[0].id} is {detectors[0].status}", False
        else:
            evidence, ok = "no GuardDuty detector", False
        yield Check.account(ok=ok, evidence=evidence, region=region)


@rule(
    id="AL010",
    slug="config-recorder-recording",
    title="AWS Config records configuration changes in every scanned region",
    action="Turn on AWS Config recording",
    principle=Principle.AUDIT_LOGGING,
    severity=Severity.MEDIUM,
    needs=("config",),
    effort_minutes=20,
    monthly_cost_usd=3,
    remediation_cmd=(
        "aws configservice put-configuration-recorder --configuration-recorder {recorder} "
        "--recording-group allSupported=true,includeGlobalResourceTypes=true --region {region}\n"
        "{delivery}"
        "aws configservice start-configuration-recorder --configuration-recorder-name "
        "{recorder_name} --region {region}"
    ),
    frameworks={"cis": ["3.3"], "fsbp": ["Config.1"]},
)
def config_recorder_recording(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    In every scanned region, an AWS Config configuration recorder exists and
    is recording. A region-level check; the evidence says whether it records
    all supported resource types (CIS asks for all, with global types in one
    region) or a selection.

    ## Why it matters
    CloudTrail says who called what; Config keeps what every resource looked
    like before and after, and since when. It answers "was this bucket ever
    public?" or "which security group rules existed last Tuesday?", and it is
    what Security Hub controls and Config rules evaluate.

    ## Remediation
    The command (re)defines the recorder to record everything, with the
    AWSServiceRoleForConfig service-linked role (`aws iam
    create-service-linked-role --aws-service-name config.amazonaws.com` if it
    does not exist), and starts it. A region without Config also needs a
    delivery channel before starting: `aws configservice put-delivery-channel
    --delivery-channel name=default,s3BucketName=<bucket>`. Priced per
    configuration item recorded: typically a few USD a month for a small
    account.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/config-controls.html#config-1
    - https://docs.aws.amazon.com/config/latest/developerguide/gs-cli.html
    """
    role = (
        f"arn:{snap.partition}:iam::{snap.account_id}:role/aws-service-role/"
        "config.amazonaws.com/AWSServiceRoleForConfig"
    )
    for region in snap.regions:
        recorders = [r for r in snap.config.recorders if r.region == region]
        recording = [r for r in recorders if r.recording]
        name = recorders[0].name if recorders else "default"
        bucket = f"config-{snap.account_id}-{region}"
        fields: dict[str, str] = {
            "recorder": f"name={name},roleARN={role}",
            "recorder_name": name,
            # a new recorder needs somewhere to deliver: a bucket Config may write to
            "delivery": ShellText(
                ""
                if recorders
                else f"{create_bucket_line(bucket, region)}\n"
                f"aws s3api put-bucket-policy --bucket {shlex.quote(bucket)} "
                f"--policy file://config-bucket-policy-{region}.json --region {shlex.quote(region)}\n"
                "aws configservice put-delivery-channel --delivery-channel "
                f"name=default,s3BucketName={shlex.quote(bucket)} --region {shlex.quote(region)}\n"
            ),
        }
        files = (
            {}
            if recorders
            else {
                f"config-bucket-policy-{region}.json": config_bucket_policy(
                    snap.partition, snap.account_id, bucket
                )
            }
        )
        if recording:
            r = recording[0]
            scope = "all supported resource types" if r.all_supported else "selected types only"
            yield Check.account(
                ok=True,
                evidence=f"recorder {r.name} is recording ({scope})",
                region=region,
                **fields,
            )
        elif recorders:
            yield Check.account(
                ok=False, evidence=f"recorder {name} is not recording", region=region, **fields
            )
        else:
            yield Check.account(
                ok=False, evidence="no configuration recorder", region=region, **fields
            ).with_files(files)


@rule(
    id="AL011",
    slug="access-analyzer-enabled",
    title="IAM Access Analyzer watches for external access in every scanned region",
    action="Create an IAM Access Analyzer",
    principle=Principle.AUDIT_LOGGING,
    severity=Severity.LOW,
    needs=("accessanalyzer",),
    effort_minutes=5,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws accessanalyzer create-analyzer --analyzer-name {analyzer} --type ACCOUNT "
        "--region {region}"
    ),
    frameworks={"cis": ["1.19"]},
)
def access_analyzer_enabled(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    In every scanned region, an IAM Access Analyzer external access analyzer
    (type `ACCOUNT` or `ORGANIZATION`) is `ACTIVE`. Unused-access analyzers do
    not count: they answer a different question. A region-level check.

    ## Why it matters
    Access Analyzer reads resource policies (S3 buckets, KMS keys, IAM role
    trusts, Lambda functions, secrets, queues...) and reports every one that
    grants access to someone outside the account, including public access,
    as soon as the policy changes.

    ## Remediation
    One command per region; external access analysis is free.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-28
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-getting-started.html
    """
    for region in snap.regions:
        analyzers = [a for a in snap.accessanalyzer.analyzers if a.region == region]
        external = [a for a in analyzers if a.type in ("ACCOUNT", "ORGANIZATION")]
        active = [a for a in external if a.status == "ACTIVE"]
        fields = {"analyzer": "external-access"}
        if active:
            a = active[0]
            yield Check.account(
                ok=True,
                evidence=f"analyzer {a.name} ({a.type}) is ACTIVE",
                region=region,
                **fields,
            )
        elif external:
            a = external[0]
            yield Check.account(
                ok=False, evidence=f"analyzer {a.name} is {a.status}", region=region, **fields
            )
        elif analyzers:
            yield Check.account(
                ok=False,
                evidence="only unused-access analyzers, none for external access",
                region=region,
                **fields,
            )
        else:
            yield Check.account(
                ok=False, evidence="no IAM Access Analyzer", region=region, **fields
            )
