"""RDS collector against moto's in-process mock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from auditor.collect import collect
from auditor.collect.rds import collect_rds
from auditor.snapshot import CollectionStatus, Snapshot
from auditor.snapshot.rds import DbCluster, DbInstance, DbSubnetGroup, RdsSection
from tests.conftest import REGION

ACCOUNT = "123456789012"
KMS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
PASSWORD = "not-a-real-password-1"  # moto only


@dataclass(frozen=True)
class Db:
    vpc: str
    subnets: tuple[str, str]
    sg: str
    default_sg: str


@pytest.fixture
def db(setup: Any) -> Db:
    ec2, rds = setup("ec2"), setup("rds")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    a = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.10.0/24", AvailabilityZone="us-west-2a")
    b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.11.0/24", AvailabilityZone="us-west-2b")
    subnets = (a["Subnet"]["SubnetId"], b["Subnet"]["SubnetId"])
    sg = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    rds.create_db_subnet_group(
        DBSubnetGroupName="private-db",
        DBSubnetGroupDescription="private subnets",
        SubnetIds=list(subnets),
    )
    rds.create_db_instance(
        DBInstanceIdentifier="trading-db",
        DBInstanceClass="db.t4g.micro",
        Engine="postgres",
        EngineVersion="16.3",
        AllocatedStorage=20,
        MasterUsername="trader",
        MasterUserPassword=PASSWORD,
        DBSubnetGroupName="private-db",
        VpcSecurityGroupIds=[sg],
        Port=5432,
        PubliclyAccessible=False,
        StorageEncrypted=True,
        KmsKeyId=KMS_KEY,
        DeletionProtection=True,
        BackupRetentionPeriod=7,
        EnableIAMDatabaseAuthentication=True,
        MultiAZ=True,
        AutoMinorVersionUpgrade=False,
        EnableCloudwatchLogsExports=["postgresql"],
        Tags=[{"Key": "env", "Value": "prod"}],
    )
    rds.create_db_instance(
        DBInstanceIdentifier="legacy-mysql",
        DBInstanceClass="db.t3.micro",
        Engine="mysql",
        EngineVersion="8.0.35",
        AllocatedStorage=20,
        MasterUsername="admin1",
        MasterUserPassword=PASSWORD,
        PubliclyAccessible=True,
        StorageEncrypted=False,
        BackupRetentionPeriod=0,
    )
    rds.create_db_cluster(
        DBClusterIdentifier="analytics",
        Engine="aurora-postgresql",
        EngineVersion="15.4",
        MasterUsername="analyst",
        MasterUserPassword=PASSWORD,
        DBSubnetGroupName="private-db",
        VpcSecurityGroupIds=[sg],
        StorageEncrypted=True,
        KmsKeyId=KMS_KEY,
        DeletionProtection=False,
        BackupRetentionPeriod=3,
        EnableIAMDatabaseAuthentication=True,
        Tags=[{"Key": "team", "Value": "data"}],
    )
    rds.create_db_instance(
        DBInstanceIdentifier="analytics-1",
        DBClusterIdentifier="analytics",
        DBInstanceClass="db.r6g.large",
        Engine="aurora-postgresql",
    )
    default_vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])
    default_sg = ec2.describe_security_groups(
        Filters=[
            {"Name": "group-name", "Values": ["default"]},
            {"Name": "vpc-id", "Values": [default_vpc["Vpcs"][0]["VpcId"]]},
        ]
    )["SecurityGroups"][0]["GroupId"]
    return Db(vpc=vpc, subnets=subnets, sg=sg, default_sg=default_sg)


@pytest.fixture
def section(aws: Any, db: Db) -> RdsSection:
    return collect_rds(aws, REGION)


def _instances(section: RdsSection) -> dict[str, DbInstance]:
    return {i.id: i for i in section.instances}


def test_private_encrypted_postgres(section: RdsSection, db: Db) -> None:
    host = "trading-db.aaaaaaaaaa.us-west-2.rds.amazonaws.com"  # moto's fixed endpoint shape
    assert _instances(section)["trading-db"] == DbInstance(
        id="trading-db",
        arn=f"arn:aws:rds:{REGION}:{ACCOUNT}:db:trading-db",
        region=REGION,
        engine="postgres",
        engine_version="16.3",
        instance_class="db.t4g.micro",
        status="available",
        publicly_accessible=False,
        storage_encrypted=True,
        kms_key_id=KMS_KEY,
        deletion_protection=True,
        backup_retention_days=7,
        iam_auth=True,
        multi_az=True,
        auto_minor_version_upgrade=False,
        subnet_group=DbSubnetGroup(name="private-db", vpc_id=db.vpc, subnet_ids=db.subnets),
        security_group_ids=(db.sg,),
        endpoint_address=host,
        port=5432,
        cluster_id="",
        cloudwatch_log_exports=("postgresql",),
        tags={"env": "prod"},
    )


def test_public_unencrypted_mysql(section: RdsSection, db: Db) -> None:
    legacy = _instances(section)["legacy-mysql"]
    assert (legacy.engine, legacy.engine_version) == ("mysql", "8.0.35")
    assert legacy.publicly_accessible is True
    assert legacy.storage_encrypted is False
    assert legacy.kms_key_id == ""
    assert (legacy.deletion_protection, legacy.backup_retention_days) == (False, 0)
    assert (legacy.iam_auth, legacy.multi_az, legacy.auto_minor_version_upgrade) == (
        False,
        False,
        True,
    )
    # moto gives an instance created without a subnet group none (AWS uses the default VPC's).
    assert legacy.subnet_group is None
    assert legacy.security_group_ids == (db.default_sg,)
    assert legacy.port == 3306
    assert legacy.tags == {}


def test_aurora_cluster_and_member(section: RdsSection, db: Db) -> None:
    (cluster,) = section.clusters
    group = DbSubnetGroup(name="private-db", vpc_id=db.vpc, subnet_ids=db.subnets)
    # moto answers a placeholder KMS key id, not the key it was given.
    assert cluster.kms_key_id
    assert cluster.endpoint_address.startswith("analytics.cluster-")
    assert cluster.model_copy(update={"endpoint_address": "", "kms_key_id": ""}) == DbCluster(
        id="analytics",
        arn=f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:analytics",
        region=REGION,
        engine="aurora-postgresql",
        engine_version="15.4",
        status="available",
        storage_encrypted=True,
        deletion_protection=False,
        backup_retention_days=3,
        iam_auth=True,
        publicly_accessible=False,
        subnet_group_name="private-db",
        subnet_group=group,
        security_group_ids=(db.sg,),
        member_ids=("analytics-1",),
        multi_az=False,
        port=5432,
        tags={"team": "data"},
    )

    member = _instances(section)["analytics-1"]
    assert (member.cluster_id, member.engine, member.storage_encrypted) == (
        "analytics",
        "aurora-postgresql",
        True,
    )
    # moto leaves the member's DBSubnetGroup out; the collector places it by its cluster.
    assert member.subnet_group == group
    assert member.security_group_ids == (db.sg,)


def test_subnet_group_embedded_in_the_instance_wins() -> None:
    from auditor.collect.rds import _instance

    cluster_group = DbSubnetGroup(name="from-cluster", vpc_id="vpc-1", subnet_ids=("subnet-c",))
    raw = {
        "DBInstanceIdentifier": "m1",
        "DBClusterIdentifier": "c1",
        "DBSubnetGroup": {
            "DBSubnetGroupName": "own",
            "VpcId": "vpc-1",
            "Subnets": [{"SubnetIdentifier": "subnet-a"}, {"SubnetIdentifier": "subnet-b"}],
        },
        "Endpoint": {"Address": "m1.example", "Port": 5432},
    }
    instance = _instance(raw, REGION, {"c1": cluster_group})
    assert instance.subnet_group == DbSubnetGroup(
        name="own", vpc_id="vpc-1", subnet_ids=("subnet-a", "subnet-b")
    )
    assert (instance.endpoint_address, instance.port) == ("m1.example", 5432)
    # A DB still being created has no endpoint yet.
    creating = _instance(
        {"DBInstanceIdentifier": "new", "DBInstanceStatus": "creating"}, REGION, {}
    )
    assert (creating.endpoint_address, creating.port, creating.subnet_group) == ("", None, None)


def test_every_page_of_instances(aws: Any, setup: Any) -> None:
    rds = setup("rds")
    names = {f"db-{n:02d}" for n in range(25)}
    for name in names:
        rds.create_db_instance(
            DBInstanceIdentifier=name,
            DBInstanceClass="db.t3.micro",
            Engine="postgres",
            AllocatedStorage=20,
            MasterUsername="admin1",
            MasterUserPassword=PASSWORD,
        )
    client = aws("rds", REGION)
    real = client.get_paginator

    def small_pages(name: str) -> Any:  # RDS pages hold 20 to 100 records
        paginator = real(name)
        paginate = paginator.paginate
        paginator.paginate = lambda **kw: paginate(**kw, PaginationConfig={"PageSize": 20})
        return paginator

    client.get_paginator = small_pages
    section = collect_rds(aws, REGION)
    assert {i.id for i in section.instances} == names
    assert section.clusters == ()
    calls = {op.operation: op.calls for op in aws.recorder.operations()}
    assert calls["DescribeDBInstances"] == 2


def test_runner_collects_ec2_and_rds_into_a_round_tripping_snapshot(aws: Any, db: Db) -> None:
    snap = collect(aws, [REGION], ["ec2", "rds"])
    assert snap.status("ec2", REGION) is CollectionStatus.OK
    assert snap.status("rds", REGION) is CollectionStatus.OK
    assert {i.id for i in snap.rds.instances} == {"trading-db", "legacy-mysql", "analytics-1"}
    assert db.vpc in {v.id for v in snap.ec2.vpcs}
    again = Snapshot.model_validate_json(snap.model_dump_json())
    assert again == snap
