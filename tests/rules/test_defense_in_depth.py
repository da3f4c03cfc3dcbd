"""Defense in Depth rules (DD...)."""

from __future__ import annotations

import json
import shlex
from typing import Any

from auditor.rules.defense_in_depth import (
    default_security_group_closed,
    ebs_encryption_by_default,
    ecr_scan_on_push,
    rds_backup_retention,
    rds_deletion_protection_enabled,
    rds_storage_encrypted,
    vpc_flow_logs_enabled,
)

from auditor.engine.model import Status
from auditor.snapshot.ec2 import (
    Ec2RegionSettings,
    Ec2Section,
    FlowLog,
    SecurityGroup,
    SgRule,
    Vpc,
)
from auditor.snapshot.ecr import EcrSection, RegistryScanning, RegistryScanRule, Repository
from auditor.snapshot.rds import DbCluster, DbInstance, RdsSection
from tests.rules.helpers import (
    ACCOUNT_ID,
    REGION,
    command,
    db_cluster,
    db_instance,
    evidence,
    failing,
    fix_line,
    make_snapshot,
    passing,
    results,
    statuses,
)

OTHER_REGION = "eu-west-1"

# ---------------------------------------------------------------- factories


def rds(*dbs: DbInstance | DbCluster) -> Any:
    return make_snapshot(
        rds=RdsSection(
            instances=tuple(d for d in dbs if isinstance(d, DbInstance)),
            clusters=tuple(d for d in dbs if isinstance(d, DbCluster)),
        )
    )


def vpc(vid: str, region: str = REGION, default: bool = False) -> Vpc:
    return Vpc(id=vid, region=region, cidr="10.0.0.0/16", is_default=default)


def flow_log(
    resource: str,
    traffic: str = "ALL",
    status: str = "ACTIVE",
    deliver: str = "SUCCESS",
    region: str = REGION,
) -> FlowLog:
    return FlowLog(
        id=f"fl-{resource}",
        region=region,
        resource_id=resource,
        traffic_type=traffic,
        status=status,
        destination_type="s3",
        deliver_status=deliver,
    )


def default_sg(
    vpc_id: str, ingress: tuple[SgRule, ...], egress: tuple[SgRule, ...]
) -> SecurityGroup:
    return SecurityGroup(
        id=f"sg-{vpc_id}",
        region=REGION,
        name="default",
        description="default VPC security group",
        vpc_id=vpc_id,
        ingress=ingress,
        egress=egress,
    )


def repo(name: str, scan_on_push: bool, region: str = REGION) -> Repository:
    return Repository(
        arn=f"arn:aws:ecr:{region}:{ACCOUNT_ID}:repository/{name}",
        name=name,
        region=region,
        uri=f"{ACCOUNT_ID}.dkr.ecr.{region}.amazonaws.com/{name}",
        scan_on_push=scan_on_push,
        tag_mutability="MUTABLE",
        has_lifecycle_policy=False,
    )


# ------------------------------------------------------------------ DD001


def test_dd001_flags_unencrypted_instances_and_clusters() -> None:
    snap = rds(
        db_instance("pass-encrypted", kms_key_id="arn:aws:kms:us-west-2:1:key/k"),
        db_instance("fail-plain", storage_encrypted=False),
        db_cluster("pass-aurora", member_ids=("aurora-1",)),
        # A member is judged through its cluster, whatever its own flags say.
        db_instance("aurora-1", cluster_id="pass-aurora", storage_encrypted=False),
        db_cluster("fail-aurora-plain", storage_encrypted=False),
        # Its cluster was not collected: judged on its own.
        db_instance("fail-orphan-member", cluster_id="elsewhere", storage_encrypted=False),
    )
    assert failing(rds_storage_encrypted, snap) == {
        "fail-plain",
        "fail-aurora-plain",
        "fail-orphan-member",
    }
    assert passing(rds_storage_encrypted, snap) == {"pass-encrypted", "pass-aurora"}
    assert "key/k" in evidence(rds_storage_encrypted, snap, "pass-encrypted")


def test_dd001_command_snapshots_instances_and_clusters() -> None:
    snap = rds(
        db_instance("fail-plain", storage_encrypted=False),
        db_cluster("fail-aurora-plain", storage_encrypted=False),
    )
    assert fix_line(command(rds_storage_encrypted, snap, "fail-plain")) == (
        "aws rds create-db-snapshot --db-instance-identifier fail-plain "
        "--db-snapshot-identifier fail-plain-pre-encryption --region us-west-2"
    )
    assert fix_line(command(rds_storage_encrypted, snap, "fail-aurora-plain")) == (
        "aws rds create-db-cluster-snapshot --db-cluster-identifier fail-aurora-plain "
        "--db-cluster-snapshot-identifier fail-aurora-plain-pre-encryption --region us-west-2"
    )


def test_dd001_unknown_when_rds_not_collected() -> None:
    assert statuses(rds_storage_encrypted, make_snapshot(gaps={"rds": "access_denied"})) == {
        Status.UNKNOWN
    }


# ------------------------------------------------------------------ DD002


def test_dd002_flags_databases_without_deletion_protection() -> None:
    snap = rds(
        db_instance("pass-protected"),
        db_instance("fail-unprotected", deletion_protection=False),
        db_cluster("fail-cluster", deletion_protection=False),
        db_cluster("pass-cluster"),
        # Aurora members report no protection of their own: the cluster's counts.
        db_instance("member", cluster_id="pass-cluster", deletion_protection=False),
    )
    assert failing(rds_deletion_protection_enabled, snap) == {"fail-unprotected", "fail-cluster"}
    assert passing(rds_deletion_protection_enabled, snap) == {"pass-protected", "pass-cluster"}
    assert command(rds_deletion_protection_enabled, snap, "fail-cluster") == (
        "aws rds modify-db-cluster --db-cluster-identifier fail-cluster --deletion-protection "
        "--apply-immediately --region us-west-2"
    )
    assert command(rds_deletion_protection_enabled, snap, "fail-unprotected").startswith(
        "aws rds modify-db-instance --db-instance-identifier fail-unprotected "
    )


# ------------------------------------------------------------------ DD003


def backups_snapshot() -> Any:
    return rds(
        db_instance("pass-7-days", backup_retention_days=7),
        db_instance("pass-35-days", backup_retention_days=35),
        db_instance("fail-1-day", backup_retention_days=1),
        db_instance("fail-off", backup_retention_days=0),
        db_cluster("fail-aurora-1-day", backup_retention_days=1),
    )


def test_dd003_flags_short_or_missing_backups() -> None:
    snap = backups_snapshot()
    assert failing(rds_backup_retention, snap) == {"fail-1-day", "fail-off", "fail-aurora-1-day"}
    assert passing(rds_backup_retention, snap) == {"pass-7-days", "pass-35-days"}
    assert evidence(rds_backup_retention, snap, "fail-1-day") == (
        "backup retention is 1 day(s) (minimum 7)"
    )
    assert evidence(rds_backup_retention, snap, "fail-off") == (
        "automated backups are off (retention 0 days)"
    )
    assert command(rds_backup_retention, snap, "fail-aurora-1-day") == (
        "aws rds modify-db-cluster --db-cluster-identifier fail-aurora-1-day "
        "--backup-retention-period 7 --apply-immediately --region us-west-2"
    )


def test_dd003_threshold_override() -> None:
    snap = backups_snapshot()
    assert failing(rds_backup_retention, snap, min_retention_days=14) == {
        "pass-7-days",
        "fail-1-day",
        "fail-off",
        "fail-aurora-1-day",
    }
    # Backups off always fail, even with the lowest minimum.
    assert failing(rds_backup_retention, snap, min_retention_days=1) == {"fail-off"}
    fixes = {
        r.resource_name: r.remediation_cmd
        for r in results(rds_backup_retention, snap, min_retention_days=60)
    }
    # RDS keeps at most 35 days: the command never asks for more.
    assert "--backup-retention-period 35 " in fixes["pass-7-days"]


# ------------------------------------------------------------------ DD004


def test_dd004_flags_vpcs_without_usable_flow_logs() -> None:
    snap = make_snapshot(
        regions=(REGION, OTHER_REGION),
        ec2=Ec2Section(
            vpcs=(
                vpc("pass-all"),
                vpc("pass-reject"),
                vpc("fail-none"),
                vpc("fail-accept-only"),
                vpc("fail-delivery"),
                vpc("fail-subnet-only"),
                vpc("fail-other-region-log", region=OTHER_REGION),
            ),
            flow_logs=(
                flow_log("pass-all"),
                flow_log("pass-reject", traffic="REJECT"),
                flow_log("fail-accept-only", traffic="ACCEPT"),
                flow_log("fail-delivery", deliver="FAILED"),
                flow_log("subnet-in-fail-subnet-only"),
                # Same id, wrong region: does not cover the VPC.
                flow_log("fail-other-region-log", region=REGION),
            ),
        ),
    )
    assert failing(vpc_flow_logs_enabled, snap) == {
        "fail-none",
        "fail-accept-only",
        "fail-delivery",
        "fail-subnet-only",
        "fail-other-region-log",
    }
    assert passing(vpc_flow_logs_enabled, snap) == {"pass-all", "pass-reject"}
    assert evidence(vpc_flow_logs_enabled, snap, "fail-none") == "no flow log"
    assert evidence(vpc_flow_logs_enabled, snap, "fail-accept-only") == (
        "flow log fl-fail-accept-only records ACCEPT traffic only"
    )
    assert fix_line(command(vpc_flow_logs_enabled, snap, "fail-other-region-log")) == (
        "aws ec2 create-flow-logs --resource-type VPC --resource-ids fail-other-region-log "
        "--traffic-type ALL --log-destination-type s3 "
        f"--log-destination arn:aws:s3:::vpc-flow-logs-{ACCOUNT_ID} --region eu-west-1"
    )


# ------------------------------------------------------------------ DD005


def test_dd005_flags_default_groups_with_rules() -> None:
    self_ref = SgRule(
        protocol="-1", from_port=None, to_port=None, source_group_id="sg-vpc-fail-stock"
    )
    out = SgRule(protocol="-1", from_port=None, to_port=None, cidr="0.0.0.0/0")
    snap = make_snapshot(
        ec2=Ec2Section(
            security_groups=(
                default_sg("vpc-fail-stock", (self_ref,), (out,)),
                default_sg("vpc-fail-egress", (), (out,)),
                default_sg("vpc-pass-closed", (), ()),
                # Not a default group: out of scope however open.
                SecurityGroup(
                    id="sg-web",
                    region=REGION,
                    name="web",
                    description="web",
                    vpc_id="vpc-pass-closed",
                    ingress=(),
                    egress=(out,),
                ),
            )
        )
    )
    assert failing(default_security_group_closed, snap) == {
        "default (vpc-fail-stock)",
        "default (vpc-fail-egress)",
    }
    assert passing(default_security_group_closed, snap) == {"default (vpc-pass-closed)"}
    assert evidence(default_security_group_closed, snap, "default (vpc-fail-stock)") == (
        "sg-vpc-fail-stock has 1 inbound and 1 outbound rule(s)"
    )
    argv = shlex.split(command(default_security_group_closed, snap, "default (vpc-fail-stock)"))
    assert argv[:5] == [
        "aws",
        "ec2",
        "revoke-security-group-ingress",
        "--group-id",
        "sg-vpc-fail-stock",
    ]
    first, second = (
        argv.index("--ip-permissions"),
        len(argv) - 1 - argv[::-1].index("--ip-permissions"),
    )
    assert json.loads(argv[first + 1]) == [
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-vpc-fail-stock"}]}
    ]
    assert json.loads(argv[second + 1]) == [
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    ]
    assert "revoke-security-group-egress" in argv


# ------------------------------------------------------------------ DD006


def test_dd006_flags_regions_without_ebs_encryption_by_default() -> None:
    snap = make_snapshot(
        regions=(REGION, OTHER_REGION),
        ec2=Ec2Section(
            region_settings=(
                Ec2RegionSettings(region=REGION, ebs_encryption_by_default=True),
                Ec2RegionSettings(region=OTHER_REGION, ebs_encryption_by_default=False),
            )
        ),
    )
    assert passing(ebs_encryption_by_default, snap) == {f"account/{REGION}"}
    assert failing(ebs_encryption_by_default, snap) == {f"account/{OTHER_REGION}"}
    assert command(ebs_encryption_by_default, snap, f"account/{OTHER_REGION}") == (
        "aws ec2 enable-ebs-encryption-by-default --region eu-west-1"
    )


def test_dd006_gapped_region_is_unknown_not_failed() -> None:
    snap = make_snapshot(
        regions=(REGION, OTHER_REGION),
        gaps={f"ec2@{OTHER_REGION}": "access_denied"},
        ec2=Ec2Section(
            region_settings=(Ec2RegionSettings(region=REGION, ebs_encryption_by_default=True),)
        ),
    )
    assert {(r.region, r.status) for r in results(ebs_encryption_by_default, snap)} == {
        (REGION, Status.PASS),
        (OTHER_REGION, Status.UNKNOWN),
    }


# ------------------------------------------------------------------ DD007


def test_dd007_repository_setting_under_basic_scanning() -> None:
    snap = make_snapshot(
        ecr=EcrSection(
            repositories=(repo("pass-scans", True), repo("fail-no-scan", False)),
            registry_scanning=(RegistryScanning(region=REGION, scan_type="BASIC"),),
        )
    )
    assert passing(ecr_scan_on_push, snap) == {"pass-scans"}
    assert failing(ecr_scan_on_push, snap) == {"fail-no-scan"}
    assert command(ecr_scan_on_push, snap, "fail-no-scan") == (
        "aws ecr put-image-scanning-configuration --repository-name fail-no-scan "
        "--image-scanning-configuration scanOnPush=true --region us-west-2"
    )


def test_dd007_registry_rules_and_their_filters() -> None:
    snap = make_snapshot(
        regions=(REGION, OTHER_REGION),
        ecr=EcrSection(
            repositories=(
                repo("pass-prod-api", False),
                repo("fail-dev-api", False),
                repo("pass-any", False, region=OTHER_REGION),
                repo("fail-ignored-setting", True, region=OTHER_REGION),
            ),
            registry_scanning=(
                RegistryScanning(
                    region=REGION,
                    scan_type="BASIC",
                    rule_frequencies=("SCAN_ON_PUSH",),
                    rules=(RegistryScanRule(frequency="SCAN_ON_PUSH", filters=("pass-prod-*",)),),
                ),
                # Enhanced scanning ignores repository settings: only rules count.
                RegistryScanning(
                    region=OTHER_REGION,
                    scan_type="ENHANCED",
                    rule_frequencies=("CONTINUOUS_SCAN",),
                    rules=(RegistryScanRule(frequency="CONTINUOUS_SCAN", filters=("pass-*",)),),
                ),
            ),
        ),
    )
    assert passing(ecr_scan_on_push, snap) == {"pass-prod-api", "pass-any"}
    assert failing(ecr_scan_on_push, snap) == {"fail-dev-api", "fail-ignored-setting"}
    assert evidence(ecr_scan_on_push, snap, "fail-ignored-setting") == (
        "enhanced scanning is on and no registry rule matches the repository"
    )


def test_dd007_registry_without_rule_details_covers_every_repository() -> None:
    snap = make_snapshot(
        ecr=EcrSection(
            repositories=(repo("pass-a", False), repo("pass-b", False)),
            registry_scanning=(
                RegistryScanning(
                    region=REGION, scan_type="BASIC", rule_frequencies=("SCAN_ON_PUSH",)
                ),
            ),
        )
    )
    assert passing(ecr_scan_on_push, snap) == {"pass-a", "pass-b"}
    assert failing(ecr_scan_on_push, snap) == set()


def test_dd004_dd005_skip_unused_default_vpcs_only() -> None:
    from auditor.rules.defense_in_depth import default_security_group_closed, vpc_flow_logs_enabled

    from auditor.snapshot.ec2 import Ec2Section, Instance, SecurityGroup, SgRule, Vpc

    def vpc(vid: str, default: bool) -> Vpc:
        return Vpc(id=vid, region="us-west-2", cidr="172.31.0.0/16", is_default=default)

    def default_sg(gid: str, vid: str) -> SecurityGroup:
        out = SgRule(protocol="-1", from_port=None, to_port=None, cidr="0.0.0.0/0")
        return SecurityGroup(
            id=gid,
            region="us-west-2",
            name="default",
            description="default",
            vpc_id=vid,
            ingress=(),
            egress=(out,),
        )

    used = Instance(
        id="i-1",
        region="us-west-2",
        state="running",
        instance_type="t3.micro",
        image_id="ami-1",
        vpc_id="vpc-fail-used-default",
        subnet_id="subnet-1",
        private_ip="10.0.0.1",
    )
    snap = make_snapshot(
        ec2=Ec2Section(
            vpcs=(vpc("vpc-unused-default", True), vpc("vpc-fail-used-default", True)),
            security_groups=(
                default_sg("sg-unused", "vpc-unused-default"),
                default_sg("sg-used", "vpc-fail-used-default"),
            ),
            instances=(used,),
        )
    )
    assert failing(vpc_flow_logs_enabled, snap) == {"vpc-fail-used-default"}
    assert failing(default_security_group_closed, snap) == {"default (vpc-fail-used-default)"}
    assert passing(vpc_flow_logs_enabled, snap) == set()
