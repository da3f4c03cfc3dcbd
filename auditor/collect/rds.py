"""RDS: DB instances and clusters, with their subnet groups and security groups."""

from __future__ import annotations

from typing import Any

from auditor.collect.common import paginate, tags_dict
from auditor.collect.session import ClientFactory
from auditor.snapshot.rds import DbCluster, DbInstance, DbSubnetGroup, RdsSection


def subnet_group(raw: dict[str, Any]) -> DbSubnetGroup:
    return DbSubnetGroup(
        name=raw.get("DBSubnetGroupName", ""),
        vpc_id=raw.get("VpcId", ""),
        subnet_ids=tuple(
            s["SubnetIdentifier"] for s in raw.get("Subnets", []) if s.get("SubnetIdentifier")
        ),
    )


def _security_group_ids(raw: dict[str, Any]) -> tuple[str, ...]:
    return tuple(
        g["VpcSecurityGroupId"]
        for g in raw.get("VpcSecurityGroups", [])
        if g.get("VpcSecurityGroupId")
    )


def _port(value: Any) -> int | None:
    return None if value is None else int(value)


def _instance(
    raw: dict[str, Any], region: str, cluster_groups: dict[str, DbSubnetGroup]
) -> DbInstance:
    endpoint = raw.get("Endpoint") or {}
    cluster_id = raw.get("DBClusterIdentifier", "")
    group = raw.get("DBSubnetGroup")
    return DbInstance(
        id=raw["DBInstanceIdentifier"],
        arn=raw.get("DBInstanceArn", ""),
        region=region,
        engine=raw.get("Engine", ""),
        engine_version=raw.get("EngineVersion", ""),
        instance_class=raw.get("DBInstanceClass", ""),
        status=raw.get("DBInstanceStatus", ""),
        publicly_accessible=bool(raw.get("PubliclyAccessible", False)),
        storage_encrypted=bool(raw.get("StorageEncrypted", False)),
        kms_key_id=raw.get("KmsKeyId", ""),
        deletion_protection=bool(raw.get("DeletionProtection", False)),
        backup_retention_days=int(raw.get("BackupRetentionPeriod", 0)),
        iam_auth=bool(raw.get("IAMDatabaseAuthenticationEnabled", False)),
        multi_az=bool(raw.get("MultiAZ", False)),
        auto_minor_version_upgrade=bool(raw.get("AutoMinorVersionUpgrade", True)),
        # A cluster member placed by its cluster: fall back on the cluster's group.
        subnet_group=subnet_group(group) if group else cluster_groups.get(cluster_id),
        security_group_ids=_security_group_ids(raw),
        endpoint_address=endpoint.get("Address", ""),
        port=_port(endpoint.get("Port", raw.get("DbInstancePort"))),
        cluster_id=cluster_id,
        cloudwatch_log_exports=tuple(raw.get("EnabledCloudwatchLogsExports", [])),
        tags=tags_dict(raw.get("TagList")),
    )


def _cluster(raw: dict[str, Any], region: str, groups: dict[str, DbSubnetGroup]) -> DbCluster:
    group_name = raw.get("DBSubnetGroup", "")
    return DbCluster(
        id=raw["DBClusterIdentifier"],
        arn=raw.get("DBClusterArn", ""),
        region=region,
        engine=raw.get("Engine", ""),
        engine_version=raw.get("EngineVersion", ""),
        status=raw.get("Status", ""),
        storage_encrypted=bool(raw.get("StorageEncrypted", False)),
        kms_key_id=raw.get("KmsKeyId", ""),
        deletion_protection=bool(raw.get("DeletionProtection", False)),
        backup_retention_days=int(raw.get("BackupRetentionPeriod", 0)),
        iam_auth=bool(raw.get("IAMDatabaseAuthenticationEnabled", False)),
        publicly_accessible=bool(raw.get("PubliclyAccessible", False)),
        subnet_group_name=group_name,
        subnet_group=groups.get(group_name),
        security_group_ids=_security_group_ids(raw),
        member_ids=tuple(
            m["DBInstanceIdentifier"]
            for m in raw.get("DBClusterMembers", [])
            if m.get("DBInstanceIdentifier")
        ),
        multi_az=bool(raw.get("MultiAZ", False)),
        endpoint_address=raw.get("Endpoint", ""),
        port=_port(raw.get("Port")),
        cloudwatch_log_exports=tuple(raw.get("EnabledCloudwatchLogsExports", [])),
        tags=tags_dict(raw.get("TagList")),
    )


def collect_rds(clients: ClientFactory, region: str) -> RdsSection:
    rds = clients("rds", region)
    groups = {
        g.name: g
        for g in (
            subnet_group(raw)
            for raw in paginate(rds, "describe_db_subnet_groups", "DBSubnetGroups")
        )
    }
    clusters = [
        _cluster(raw, region, groups) for raw in paginate(rds, "describe_db_clusters", "DBClusters")
    ]
    cluster_groups = {c.id: c.subnet_group for c in clusters if c.subnet_group is not None}
    instances = [
        _instance(raw, region, cluster_groups)
        for raw in paginate(rds, "describe_db_instances", "DBInstances")
    ]
    return RdsSection(instances=tuple(instances), clusters=tuple(clusters))
