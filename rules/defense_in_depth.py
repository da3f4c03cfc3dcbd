"""Defense in Depth: a second line holds when the first one fails.

Encryption at rest, deletion protection and backups limit what a leaked
credential or a mistaken command can destroy or read; flow logs, a closed
default security group and image scanning catch or prevent what the first
line lets through.

RDS: an Aurora (or Multi-AZ DB cluster) member's encryption, deletion
protection and backups are its cluster's settings, so members of a cluster
present in the snapshot are judged through the cluster only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.analysis.fixfiles import create_bucket_line
from auditor.analysis.iam.resource_policy import insecure_transport_denial
from auditor.analysis.network import ip_permissions, is_unused_default_vpc
from auditor.engine.model import Check, Principle, Severity, ShellText, rule
from auditor.snapshot import Snapshot
from auditor.snapshot.ecr import RegistryScanning
from auditor.snapshot.rds import DbCluster, DbInstance

#: RDS accepts backup retention periods up to 35 days.
RDS_MAX_BACKUP_RETENTION_DAYS = 35


# ----------------------------------------------------------------- helpers


def _standalone_instances(snap: Snapshot) -> Iterator[DbInstance]:
    """Instances judged on their own: not members of a cluster present in the snapshot."""
    clusters = {(c.region, c.id) for c in snap.rds.clusters}
    for db in snap.rds.instances:
        if not (db.cluster_id and (db.region, db.cluster_id) in clusters):
            yield db


def _databases(snap: Snapshot) -> Iterator[tuple[DbCluster | DbInstance, str]]:
    """Every database judged for storage settings, with its CLI noun
    (``db-instance`` or ``db-cluster``)."""
    for cluster in snap.rds.clusters:
        yield cluster, "db-cluster"
    for db in _standalone_instances(snap):
        yield db, "db-instance"


def _wildcard(pattern: str, name: str) -> bool:
    """ECR repository filters: ``WILDCARD`` patterns where only ``*`` is special."""
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, name) is not None


def _registry_rule_matches(
    config: RegistryScanning, repo: str, frequencies: tuple[str, ...]
) -> bool:
    """Does a registry scanning rule with one of ``frequencies`` apply to ``repo``?

    Snapshots without per-rule filters (``rules`` empty) fall back on the
    rule frequencies alone: such a rule is taken to cover every repository.
    """
    if not config.rules:
        return any(f in frequencies for f in config.rule_frequencies)
    return any(
        r.frequency in frequencies and (not r.filters or any(_wildcard(f, repo) for f in r.filters))
        for r in config.rules
    )


# ------------------------------------------------------------------- rules


@rule(
    id="DD001",
    slug="rds-storage-encrypted",
    title="RDS databases are encrypted at rest",
    action="Encrypt {target} at rest",
    principle=Principle.DEFENSE_IN_DEPTH,
    severity=Severity.HIGH,
    needs=("rds",),
    effort_minutes=120,
    monthly_cost_usd=0,
    remediation_cmd=(
        "# Encryption cannot be switched on in place: snapshot, copy the snapshot encrypted, "
        "restore it and move the application over. The cut-over (downtime) is your decision; "
        "the first step:\n"
        "aws rds create-{snapshot_kind}-snapshot --{kind}-identifier {name} "
        "--{snapshot_kind}-snapshot-identifier {snapshot} --region {region}"
    ),
    frameworks={"cis": ["2.2.1"], "fsbp": ["RDS.3", "RDS.27"]},
)
def rds_storage_encrypted(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every DB cluster, and every DB instance outside a cluster, has storage
    encryption on (`StorageEncrypted`). Its automated backups, snapshots and
    read replicas inherit the setting.

    ## Why it matters
    Without it, the data files, backups and snapshots are readable by anyone
    who gets hold of them: a snapshot shared by mistake, copied to another
    account, or a volume handled outside the database. With a KMS key, every
    read also needs `kms:Decrypt`, a second, separately audited permission.

    ## Remediation
    Encryption cannot be switched on in place. The command takes a snapshot
    (step one); then copy it with a KMS key (`aws rds copy-db-snapshot
    --kms-key-id alias/aws/rds ...`, or for a cluster restore with
    `restore-db-cluster-from-snapshot --kms-key-id ...`), restore a new
    database from the encrypted copy with the same subnet group, security
    groups and parameter group, switch the application's endpoint, and delete
    the old database once verified. Plan a write freeze or a short outage.
    The AWS managed key is free; a customer managed key costs 1 USD a month.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/rds-controls.html#rds-3
    - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html
    """
    for db, kind in _databases(snap):
        fields = {
            "kind": kind,
            "snapshot_kind": "db-cluster" if kind == "db-cluster" else "db",
            "snapshot": f"{db.id}-pre-encryption",
        }
        if db.storage_encrypted:
            key = f" with {db.kms_key_id}" if db.kms_key_id else ""
            yield Check.of(db, ok=True, evidence=f"storage encrypted{key}", **fields)
        else:
            yield Check.of(db, ok=False, evidence="StorageEncrypted is false", **fields)


@rule(
    id="DD002",
    slug="rds-deletion-protection-enabled",
    title="RDS databases have deletion protection",
    action="Turn on deletion protection for {target}",
    principle=Principle.DEFENSE_IN_DEPTH,
    severity=Severity.MEDIUM,
    needs=("rds",),
    effort_minutes=5,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws rds modify-{kind} --{kind}-identifier {name} --deletion-protection "
        "--apply-immediately --region {region}"
    ),
    frameworks={"fsbp": ["RDS.7", "RDS.8"]},
)
def rds_deletion_protection_enabled(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every DB cluster, and every DB instance outside a cluster, has deletion
    protection on.

    ## Why it matters
    One `delete-db-instance` call (a script with the wrong identifier, an
    infrastructure-as-code change that replaces the database, a compromised
    credential) otherwise destroys the database. With the flag on, deleting
    takes a deliberate second step.

    ## Remediation
    One command, applied immediately, no downtime. To delete the database
    later, turn the flag off first.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/rds-controls.html#rds-8
    - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_DeleteInstance.html
    """
    for db, kind in _databases(snap):
        yield Check.of(
            db,
            ok=db.deletion_protection,
            evidence="deletion protection is " + ("on" if db.deletion_protection else "off"),
            kind=kind,
        )


@rule(
    id="DD003",
    slug="rds-backup-retention",
    title="RDS databases keep automated backups long enough",
    action="Keep automated backups of {target} longer",
    principle=Principle.DEFENSE_IN_DEPTH,
    severity=Severity.MEDIUM,
    needs=("rds",),
    effort_minutes=5,
    monthly_cost_usd=1,
    remediation_cmd=(
        "aws rds modify-{kind} --{kind}-identifier {name} --backup-retention-period {days} "
        "--apply-immediately --region {region}"
    ),
    frameworks={"fsbp": ["RDS.11"]},
)
def rds_backup_retention(snap: Snapshot, min_retention_days: int = 7) -> Iterator[Check]:
    """
    ## What it checks
    Every DB cluster, and every DB instance outside a cluster, keeps automated
    backups for at least `min_retention_days` days (default 7). Backups off
    (retention 0) always fail. Tune it in the config file, e.g.
    `DD003: {min_retention_days: 14}`.

    ## Why it matters
    Automated backups give point-in-time recovery. Without them, or with one
    day of them, corruption or a bad migration noticed after a weekend cannot
    be undone.

    ## Remediation
    One command. Turning backups on from 0 happens immediately and takes a
    first snapshot (brief I/O suspension on single-AZ instances). Backup
    storage up to the size of the database is free; beyond that it is about
    0.095 USD per GB-month.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/rds-controls.html#rds-11
    - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.html
    """
    days = str(min(max(min_retention_days, 1), RDS_MAX_BACKUP_RETENTION_DAYS))
    for db, kind in _databases(snap):
        have = db.backup_retention_days
        if have == 0:
            evidence = "automated backups are off (retention 0 days)"
        else:
            evidence = f"backup retention is {have} day(s) (minimum {min_retention_days})"
        yield Check.of(
            db, ok=have >= min_retention_days and have > 0, evidence=evidence, kind=kind, days=days
        )


@rule(
    id="DD004",
    slug="vpc-flow-logs-enabled",
    title="VPCs have flow logs",
    action="Turn on flow logs for {target}",
    principle=Principle.DEFENSE_IN_DEPTH,
    severity=Severity.MEDIUM,
    needs=("ec2",),
    effort_minutes=15,
    monthly_cost_usd=2,
    remediation_cmd=(
        "{bucket_setup}\n"
        "aws ec2 create-flow-logs --resource-type VPC --resource-ids {id} --traffic-type ALL "
        "--log-destination-type s3 --log-destination {destination} --region {region}"
    ),
    frameworks={"cis": ["3.7"], "fsbp": ["EC2.6"]},
)
def vpc_flow_logs_enabled(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every VPC has an active flow log on the VPC itself that records rejected
    traffic (traffic type `ALL` or `REJECT`) and whose delivery is not
    failing. Default VPCs nothing runs in (no interface, instance, database,
    function or service) are skipped, as Prowler does by default: they carry
    no traffic, and deleting them is better still.

    ## Why it matters
    Flow logs are the only record of who talked to what inside the network:
    without them an investigation cannot tell whether a compromised task
    reached the database, or where data went. Rejected connections also show
    scanning and misconfigured security groups.

    ## Remediation
    The command sends all traffic records to an S3 bucket named
    `vpc-flow-logs-<account>` (create it first, or put your log bucket's ARN
    instead); S3 delivery needs no IAM role. Cost is per GB of records:
    about 0.25 USD/GB to S3 (0.50 USD/GB to CloudWatch Logs), typically a few
    dollars a month for a small VPC. Use `--traffic-type REJECT` to pay less.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-6
    - https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3.html
    """
    bucket = f"vpc-flow-logs-{snap.account_id}"
    destination = f"arn:{snap.partition}:s3:::{bucket}"
    home = snap.regions[0] if snap.regions else "us-east-1"
    # the bucket the logs go to, created by the same fix (AWS adds the delivery policy)
    setup = ShellText(create_bucket_line(bucket, home))
    for vpc in snap.ec2.vpcs:
        if is_unused_default_vpc(snap, vpc.id):
            continue
        logs = [f for f in snap.ec2.flow_logs if f.resource_id == vpc.id and f.region == vpc.region]
        good = [
            f
            for f in logs
            if f.status == "ACTIVE"
            and f.traffic_type in ("ALL", "REJECT")
            and f.deliver_status != "FAILED"
        ]
        label = " (default VPC)" if vpc.is_default else ""
        if good:
            f = good[0]
            yield Check.of(
                vpc,
                ok=True,
                evidence=f"flow log {f.id} records {f.traffic_type} traffic to {f.destination_type}",
                destination=destination,
                bucket_setup=setup,
            )
            continue
        if not logs:
            evidence = f"no flow log{label}"
        else:
            f = logs[0]
            if f.status != "ACTIVE":
                evidence = f"flow log {f.id} is {f.status or 'not active'}{label}"
            elif f.deliver_status == "FAILED":
                evidence = f"flow log {f.id} fails to deliver{label}"
            else:
                evidence = f"flow log {f.id} records {f.traffic_type} traffic only{label}"
        yield Check.of(
            vpc, ok=False, evidence=evidence, destination=destination, bucket_setup=setup
        )


@rule(
    id="DD005",
    slug="default-security-group-closed",
    title="Default security groups allow no traffic",
    action="Remove every rule from the default security group {target}",
    principle=Principle.DEFENSE_IN_DEPTH,
    severity=Severity.MEDIUM,
    needs=("ec2",),
    effort_minutes=30,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws ec2 revoke-security-group-ingress --group-id {id} --ip-permissions {ingress} "
        "--region {region} ; aws ec2 revoke-security-group-egress --group-id {id} "
        "--ip-permissions {egress} --region {region}"
    ),
    frameworks={"cis": ["5.5"], "fsbp": ["EC2.2"]},
)
def default_security_group_closed(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    The `default` security group of every VPC has no inbound and no outbound
    rule. (AWS creates it allowing all traffic between its members and all
    outbound traffic.) The default group of an unused default VPC is skipped,
    like its flow logs (DD004).

    ## Why it matters
    Anything launched without an explicit security group lands in the default
    group and can then talk to everything else there and to the internet.
    Closing it makes "forgot to choose a group" fail safe, and forces every
    workload to get a purpose-made group.

    ## Remediation
    First move any resource still using the default group to its own group
    (check with `aws ec2 describe-network-interfaces --filters
    Name=group-id,Values=<sg>`). Then revoke its rules: the command revokes
    exactly the inbound and outbound rules found (one of the two calls
    reports an error when that direction is already empty). The default group
    itself cannot be deleted.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-2
    - https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html
    """
    for sg in snap.ec2.security_groups:
        if sg.name != "default" or not sg.vpc_id or is_unused_default_vpc(snap, sg.vpc_id):
            continue
        rules = len(sg.ingress) + len(sg.egress)
        # Every default group is named "default": name it by its VPC so reports can tell.
        yield Check(
            resource_id=sg.id,
            ok=rules == 0,
            evidence=(
                f"{sg.id} has {len(sg.ingress)} inbound and {len(sg.egress)} outbound rule(s)"
                if rules
                else f"{sg.id} has no rules"
            ),
            region=sg.region,
            name=f"default ({sg.vpc_id})",
            fields={"ingress": ip_permissions(sg.ingress), "egress": ip_permissions(sg.egress)},
        )


@rule(
    id="DD006",
    slug="ebs-encryption-by-default",
    title="EBS encryption by default is on in every region",
    action="Turn on EBS encryption by default",
    principle=Principle.DEFENSE_IN_DEPTH,
    severity=Severity.MEDIUM,
    needs=("ec2",),
    effort_minutes=5,
    monthly_cost_usd=0,
    remediation_cmd="aws ec2 enable-ebs-encryption-by-default --region {region}",
    frameworks={"cis": ["5.1.1"], "fsbp": ["EC2.7"]},
)
def ebs_encryption_by_default(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    In every scanned region, the account setting "EBS encryption by default"
    is on.

    ## Why it matters
    With the setting on, every new EBS volume and snapshot copy in the region
    is encrypted, whoever creates it and however (console, CLI, an AMI, an
    autoscaling group). Without it, one template that forgets
    `Encrypted: true` leaves data readable from an unencrypted snapshot.

    ## Remediation
    One command per region; it affects new volumes only and is free with the
    AWS managed key. Existing unencrypted volumes need a snapshot and an
    encrypted copy.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-7
    - https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html
    """
    for setting in snap.ec2.region_settings:
        on = setting.ebs_encryption_by_default
        yield Check.account(
            ok=on,
            evidence="EBS encryption by default is " + ("on" if on else "off"),
            region=setting.region,
        )


@rule(
    id="DD007",
    slug="ecr-scan-on-push",
    title="ECR repositories scan images on push",
    action="Turn on image scanning on push for {target}",
    principle=Principle.DEFENSE_IN_DEPTH,
    severity=Severity.MEDIUM,
    needs=("ecr",),
    effort_minutes=5,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws ecr put-image-scanning-configuration --repository-name {name} "
        "--image-scanning-configuration scanOnPush=true --region {region}"
    ),
    frameworks={"fsbp": ["ECR.1"]},
)
def ecr_scan_on_push(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every ECR repository's images are scanned when pushed. With the region's
    registry on basic scanning: the repository's `scanOnPush`, or a registry
    scan-on-push rule whose filter matches the repository. With enhanced
    scanning (Amazon Inspector), AWS ignores the repository setting: a
    registry rule matching the repository must scan on push or continuously.

    ## Why it matters
    Images carry operating system packages and libraries with known
    vulnerabilities. Scanning on push reports them before the image runs,
    while fixing is a rebuild rather than an incident.

    ## Remediation
    One command per repository (basic scanning is free). Under enhanced
    scanning, add a registry rule instead: `aws ecr
    put-registry-scanning-configuration --scan-type ENHANCED --rules
    '[{"scanFrequency":"SCAN_ON_PUSH","repositoryFilters":[{"filter":"*","filterType":"WILDCARD"}]}]'`
    (Amazon Inspector pricing, about 0.09 USD per image scanned).

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/ecr-controls.html#ecr-1
    - https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html
    """
    registries = {config.region: config for config in snap.ecr.registry_scanning}
    for repo in snap.ecr.repositories:
        config = registries.get(repo.region)
        enhanced = config is not None and config.scan_type == "ENHANCED"
        wanted = ("SCAN_ON_PUSH", "CONTINUOUS_SCAN") if enhanced else ("SCAN_ON_PUSH",)
        rule_match = config is not None and _registry_rule_matches(config, repo.name, wanted)
        if rule_match:
            kind = "enhanced" if enhanced else "basic"
            yield Check.of(repo, ok=True, evidence=f"a registry {kind} scanning rule covers it")
        elif enhanced:
            yield Check.of(
                repo,
                ok=False,
                evidence="enhanced scanning is on and no registry rule matches the repository",
            )
        elif repo.scan_on_push:
            yield Check.of(repo, ok=True, evidence="scanOnPush is on for the repository")
        else:
            yield Check.of(
                repo, ok=False, evidence="scanOnPush is off and no registry rule scans on push"
            )


_BPA_ALL_ON = (
    "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true"
)


@rule(
    id="DD008",
    slug="s3-account-block-public-access",
    title="S3 Block Public Access is on for the whole account",
    action="Block public access to S3 for the whole account",
    principle=Principle.DEFENSE_IN_DEPTH,
    severity=Severity.MEDIUM,
    needs=("s3",),
    effort_minutes=10,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws s3control put-public-access-block --account-id {account} "
        f"--public-access-block-configuration {_BPA_ALL_ON}"
    ),
    frameworks={"fsbp": ["S3.1"]},
)
def s3_account_block_public_access(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    The account-level S3 Block Public Access settings have all four switches
    on: `BlockPublicAcls`, `IgnorePublicAcls`, `BlockPublicPolicy` and
    `RestrictPublicBuckets`. No setting at all counts as all four off.

    ## Why it matters
    The account-level switches hold for every bucket, present and future,
    whatever its own policy or ACL says: one mistaken `"Principal": "*"` or a
    `public-read` ACL cannot publish data. It is the guardrail under every
    bucket-level setting.

    ## Remediation
    One command for the account. First check that no bucket is meant to be
    public (a static website behind CloudFront uses an origin access
    control, not a public bucket).

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-1
    - https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
    """
    for account in snap.s3.account:
        bpa = account.block_public_access
        if bpa is None:
            yield Check.account(
                ok=None, evidence=f"account settings could not be read ({account.error_code})"
            )
        elif bpa.all_on:
            yield Check.account(ok=True, evidence="all four account-level switches are on")
        else:
            yield Check.account(ok=False, evidence=f"off at account level: {', '.join(bpa.off)}")


@rule(
    id="DD009",
    slug="s3-buckets-block-public-access",
    title="Every S3 bucket is covered by Block Public Access",
    action="Block public access to the S3 bucket {target}",
    principle=Principle.DEFENSE_IN_DEPTH,
    severity=Severity.HIGH,
    needs=("s3",),
    effort_minutes=5,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws s3api put-public-access-block --bucket {name} "
        f"--public-access-block-configuration {_BPA_ALL_ON}"
    ),
    frameworks={"cis": ["2.1.4"]},
)
def s3_buckets_block_public_access(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every bucket has all four Block Public Access switches on, either in its
    own settings or through the account-level settings (a switch holds when
    it is on at either level). A bucket whose settings cannot be read is
    UNKNOWN.

    ## Why it matters
    A bucket without the switches is one policy or ACL edit away from being
    readable (or writable) by anyone on the internet; public buckets are
    among the most common causes of cloud data leaks.

    ## Remediation
    Turn the switches on for the bucket (one command), or for the whole
    account (DD008), after checking nothing relies on public access.

    ## References
    - CIS AWS Foundations Benchmark v5.0.0, 2.1.4
    - https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
    """
    accounts = [a.block_public_access for a in snap.s3.account]
    account = accounts[0] if accounts else None
    for bucket in snap.s3.buckets:
        own = bucket.block_public_access
        if own is None:
            yield Check.of(
                bucket, ok=None, evidence=f"settings could not be read ({bucket.error_code})"
            )
            continue
        if own.all_on:
            yield Check.of(bucket, ok=True, evidence="all four switches are on for the bucket")
            continue
        off = [name for name in own.off if account is None or name in account.off]
        if not off:
            yield Check.of(bucket, ok=True, evidence="the account-level switches cover it")
        elif account is None and snap.s3.account:
            yield Check.of(
                bucket,
                ok=None,
                evidence=f"off for the bucket: {', '.join(off)}; account settings unreadable",
            )
        else:
            yield Check.of(bucket, ok=False, evidence=f"off at both levels: {', '.join(off)}")


@rule(
    id="DD010",
    slug="kms-customer-keys-rotate",
    title="Customer managed KMS keys rotate automatically",
    action="Turn on automatic rotation for the KMS key {target}",
    principle=Principle.DEFENSE_IN_DEPTH,
    severity=Severity.MEDIUM,
    needs=("kms",),
    effort_minutes=5,
    monthly_cost_usd=0,
    remediation_cmd="aws kms enable-key-rotation --key-id {id} --region {region}",
    frameworks={"cis": ["3.6"], "fsbp": ["KMS.4"]},
)
def kms_customer_keys_rotate(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every enabled customer managed symmetric KMS key whose material KMS
    generated has automatic rotation on. AWS managed keys (rotated by AWS),
    asymmetric and HMAC keys, imported or external key material, and disabled
    keys or keys pending deletion cannot rotate automatically and are not
    judged. A key the scanner may not describe is UNKNOWN.

    ## Why it matters
    Rotation limits how much data one key version protects and how long a
    leaked or copied key version stays useful. It is transparent: old data
    still decrypts, nothing needs re-encrypting.

    ## Remediation
    One command per key (yearly rotation by default; a rotation period of
    90 to 2560 days can be set with `--rotation-period-in-days`). Each
    rotated version adds about 1 USD a month for the first two rotations.

    ## References
    - CIS AWS Foundations Benchmark v5.0.0, 3.6
    - https://docs.aws.amazon.com/securityhub/latest/userguide/kms-controls.html#kms-4
    - https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html
    """
    for key in snap.kms.keys:
        if key.error_code:
            yield Check.of(key, ok=None, evidence=f"key could not be read ({key.error_code})")
        elif key.rotatable:
            on = bool(key.rotation_enabled)
            yield Check.of(key, ok=on, evidence="automatic rotation is " + ("on" if on else "off"))


@rule(
    id="DD011",
    slug="s3-buckets-require-tls",
    title="S3 bucket policies refuse requests over plain HTTP",
    action="Require TLS in the bucket policy of {target}",
    principle=Principle.DEFENSE_IN_DEPTH,
    severity=Severity.MEDIUM,
    needs=("s3",),
    effort_minutes=10,
    monthly_cost_usd=0,
    remediation_cmd=(
        "# Your decision: put-bucket-policy replaces the whole policy. Add the "
        "DenyInsecureTransport statement (see the rule's Remediation) to the current "
        "policy, printed here, then put the merged policy back:\n"
        "aws s3api get-bucket-policy --bucket {name} --query Policy --output text"
    ),
    frameworks={"cis": ["2.1.1"], "fsbp": ["S3.5"]},
)
def s3_buckets_require_tls(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every bucket's policy has a statement that denies any principal
    (`"Principal": "*"`) object reads and writes (`s3:GetObject` and
    `s3:PutObject`, e.g. through `s3:*`) under the condition
    `"Bool": {"aws:SecureTransport": "false"}`. A bucket without a policy
    fails; a bucket or policy that cannot be read is UNKNOWN.

    ## Why it matters
    S3 accepts plain HTTP unless the bucket policy refuses it. A client or
    SDK configured with an `http://` endpoint then sends data, and the
    request's credentials' signature, in clear text across every network in
    between.

    ## Remediation
    Add this statement to the bucket policy (merge it with any existing
    statements; `put-bucket-policy` replaces the whole policy), with the
    bucket's name:

        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
         "Action": "s3:*",
         "Resource": ["arn:aws:s3:::BUCKET", "arn:aws:s3:::BUCKET/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}}

    ## References
    - CIS AWS Foundations Benchmark v5.0.0, 2.1.1
    - https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-5
    """
    for bucket in snap.s3.buckets:
        if bucket.block_public_access is None or bucket.policy_error:
            code = bucket.error_code or bucket.policy_error
            yield Check.of(bucket, ok=None, evidence=f"policy could not be read ({code})")
        elif bucket.policy is None:
            yield Check.of(bucket, ok=False, evidence="no bucket policy: plain HTTP is accepted")
        elif denial := insecure_transport_denial(bucket.policy):
            yield Check.of(bucket, ok=True, evidence=f"statement {denial.label} denies plain HTTP")
        else:
            yield Check.of(
                bucket, ok=False, evidence="no policy statement denies aws:SecureTransport false"
            )
