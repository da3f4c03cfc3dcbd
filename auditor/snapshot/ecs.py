"""ECS: clusters, services and the task definitions they run."""

from __future__ import annotations

from auditor.snapshot.base import EnvVar, Model, Section


class EcsCluster(Model):
    arn: str
    name: str
    region: str
    status: str
    #: ``enabled``, ``enhanced``, ``disabled`` or "" when the setting is absent.
    container_insights: str
    #: ``NONE``, ``DEFAULT`` or ``OVERRIDE`` ("" when unset = DEFAULT).
    execute_command_logging: str = ""
    execute_command_log_group: str = ""
    execute_command_s3_bucket: str = ""
    active_services: int = 0
    running_tasks: int = 0
    tags: dict[str, str] = {}


class EcsService(Model):
    arn: str
    name: str
    region: str
    cluster_arn: str
    status: str
    launch_type: str
    task_definition_arn: str
    desired_count: int
    #: ``ENABLED``, ``DISABLED`` or "" for services without awsvpc networking.
    assign_public_ip: str = ""
    subnet_ids: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] = ()
    enable_execute_command: bool = False
    circuit_breaker_enabled: bool = False
    circuit_breaker_rollback: bool = False
    deployment_controller: str = "ECS"
    tags: dict[str, str] = {}


class SecretRef(Model):
    """A container secret: the variable name and where its value comes from."""

    name: str
    value_from: str


class ContainerDefinition(Model):
    name: str
    image: str
    environment: tuple[EnvVar, ...] = ()
    secrets: tuple[SecretRef, ...] = ()
    log_driver: str = ""
    log_group: str = ""
    privileged: bool = False
    readonly_root_filesystem: bool = False
    user: str = ""
    essential: bool = True


class TaskDefinition(Model):
    arn: str
    family: str
    revision: int
    region: str
    status: str
    task_role_arn: str = ""
    execution_role_arn: str = ""
    network_mode: str = ""
    requires_compatibilities: tuple[str, ...] = ()
    containers: tuple[ContainerDefinition, ...] = ()


class EcsSection(Section):
    clusters: tuple[EcsCluster, ...] = ()
    services: tuple[EcsService, ...] = ()
    #: Revisions used by services plus the latest ACTIVE revision of each family.
    task_definitions: tuple[TaskDefinition, ...] = ()
