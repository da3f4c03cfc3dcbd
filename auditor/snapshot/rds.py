"""RDS: DB instances and clusters with their network placement."""

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
    subnet_group: DbSubnetGroup | None = None
    security_group_ids: tuple[str, ...] = ()
    endpoint_address: str = ""
    port: int | None = None
    cluster_id: str = ""
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
    publicly_accessible: bool = False
    subnet_group_name: str = ""
    security_group_ids: tuple[str, ...] = ()
    member_ids: tuple[str, ...] = ()
    tags: dict[str, str] = {}


class RdsSection(Section):
    instances: tuple[DbInstance, ...] = ()
    clusters: tuple[DbCluster, ...] = ()
