"""RDS: DB instances and clusters with their network placement.

``DescribeDBInstances``/``DescribeDBClusters`` also list DocumentDB and
Neptune resources (same API); ``engine`` tells them apart. For an Aurora
cluster member, encryption, backups, deletion protection and IAM
authentication are the cluster's settings: judge members through
:class:`DbCluster` (``cluster_id`` links them).
"""

from __future__ import annotations

from auditor.snapshot.base import Model, Section


class DbSubnetGroup(Model):
    name: str
    vpc_id: str
    subnet_ids: tuple[str, ...]


class DbInstance(Model):
    id: str
    arn: str
    region: str
    engine: str
    engine_version: str
    instance_class: str
    status: str
    publicly_accessible: bool
    storage_encrypted: bool
    kms_key_id: str = ""
    deletion_protection: bool
    backup_retention_days: int
    iam_auth: bool
    multi_az: bool
    auto_minor_version_upgrade: bool = True
    #: None when the instance is outside a VPC subnet group (EC2-Classic era).
    subnet_group: DbSubnetGroup | None = None
    security_group_ids: tuple[str, ...] = ()
    endpoint_address: str = ""
    port: int | None = None
    cluster_id: str = ""
    #: Log types exported to CloudWatch Logs (``postgresql``, ``audit``, ``error``...).
    cloudwatch_log_exports: tuple[str, ...] = ()
    tags: dict[str, str] = {}


class DbCluster(Model):
    id: str
    arn: str
    region: str
    engine: str
    engine_version: str
    status: str
    storage_encrypted: bool
    kms_key_id: str = ""
    deletion_protection: bool
    backup_retention_days: int
    iam_auth: bool
    #: Reported for Multi-AZ DB clusters; Aurora's is per member instance.
    publicly_accessible: bool = False
    subnet_group_name: str = ""
    #: The subnet group named by ``subnet_group_name`` (None when it was not found).
    subnet_group: DbSubnetGroup | None = None
    security_group_ids: tuple[str, ...] = ()
    member_ids: tuple[str, ...] = ()
    multi_az: bool = False
    endpoint_address: str = ""
    port: int | None = None
    cloudwatch_log_exports: tuple[str, ...] = ()
    tags: dict[str, str] = {}


class RdsSection(Section):
    instances: tuple[DbInstance, ...] = ()
    clusters: tuple[DbCluster, ...] = ()
