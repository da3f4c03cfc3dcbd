"""ECS: clusters (settings, exec configuration), services, and their task definitions."""

from __future__ import annotations

from typing import Any

from auditor.collect.common import chunks, paginate, per_resource, tags_dict
from auditor.collect.secrets_shape import classify_env
from auditor.collect.session import ClientFactory
from auditor.snapshot.ecs import (
    ContainerDefinition,
    EcsCluster,
    EcsSection,
    EcsService,
    SecretRef,
    TaskDefinition,
)


def _cluster(raw: dict[str, Any], region: str) -> EcsCluster:
    settings = {s["name"]: s.get("value", "") for s in raw.get("settings", [])}
    exec_cfg = raw.get("configuration", {}).get("executeCommandConfiguration", {})
    log_cfg = exec_cfg.get("logConfiguration", {})
    return EcsCluster(
        arn=raw["clusterArn"],
        name=raw["clusterName"],
        region=region,
        status=raw.get("status", ""),
        container_insights=settings.get("containerInsights", ""),
        execute_command_logging=exec_cfg.get("logging", ""),
        execute_command_log_group=log_cfg.get("cloudWatchLogGroupName", ""),
        execute_command_s3_bucket=log_cfg.get("s3BucketName", ""),
        active_services=int(raw.get("activeServicesCount", 0)),
        running_tasks=int(raw.get("runningTasksCount", 0)),
        tags=tags_dict(raw.get("tags"), "key", "value"),
    )


def _service(raw: dict[str, Any], region: str) -> EcsService:
    vpc = raw.get("networkConfiguration", {}).get("awsvpcConfiguration", {})
    breaker = raw.get("deploymentConfiguration", {}).get("deploymentCircuitBreaker", {})
    return EcsService(
        arn=raw["serviceArn"],
        name=raw["serviceName"],
        region=region,
        cluster_arn=raw.get("clusterArn", ""),
        status=raw.get("status", ""),
        launch_type=raw.get("launchType", ""),
        task_definition_arn=raw.get("taskDefinition", ""),
        desired_count=int(raw.get("desiredCount", 0)),
        assign_public_ip=vpc.get("assignPublicIp", ""),
        subnet_ids=tuple(vpc.get("subnets", [])),
        security_group_ids=tuple(vpc.get("securityGroups", [])),
        enable_execute_command=bool(raw.get("enableExecuteCommand", False)),
        circuit_breaker_enabled=bool(breaker.get("enable", False)),
        circuit_breaker_rollback=bool(breaker.get("rollback", False)),
        deployment_controller=raw.get("deploymentController", {}).get("type", "ECS"),
        tags=tags_dict(raw.get("tags"), "key", "value"),
    )


def _container(raw: dict[str, Any]) -> ContainerDefinition:
    log = raw.get("logConfiguration") or {}
    return ContainerDefinition(
        name=raw["name"],
        image=raw.get("image", ""),
        # Values are classified here and dropped: only names and verdicts are kept.
        environment=tuple(
            classify_env(e["name"], str(e.get("value", ""))) for e in raw.get("environment", [])
        ),
        secrets=tuple(
            SecretRef(name=s["name"], value_from=s["valueFrom"]) for s in raw.get("secrets", [])
        ),
        log_driver=log.get("logDriver", ""),
        log_group=log.get("options", {}).get("awslogs-group", ""),
        privileged=bool(raw.get("privileged", False)),
        readonly_root_filesystem=bool(raw.get("readonlyRootFilesystem", False)),
        user=raw.get("user", ""),
        essential=bool(raw.get("essential", True)),
    )


def _task_definition(raw: dict[str, Any], region: str) -> TaskDefinition:
    return TaskDefinition(
        arn=raw["taskDefinitionArn"],
        family=raw["family"],
        revision=int(raw["revision"]),
        region=region,
        status=raw.get("status", ""),
        task_role_arn=raw.get("taskRoleArn", ""),
        execution_role_arn=raw.get("executionRoleArn", ""),
        network_mode=raw.get("networkMode", ""),
        requires_compatibilities=tuple(raw.get("requiresCompatibilities", [])),
        containers=tuple(_container(c) for c in raw.get("containerDefinitions", [])),
    )


def collect_ecs(clients: ClientFactory, region: str) -> EcsSection:
    ecs = clients("ecs", region)
    cluster_arns = paginate(ecs, "list_clusters", "clusterArns")
    clusters: list[EcsCluster] = []
    services: list[EcsService] = []

    # A failed call costs only the clusters it was about (a resource gap each).
    def describe_clusters(batch: list[str]) -> list[EcsCluster]:
        described = ecs.describe_clusters(
            clusters=batch, include=["SETTINGS", "CONFIGURATIONS", "TAGS"]
        )
        return [_cluster(c, region) for c in described["clusters"]]

    batches = [list(b) for b in chunks(cluster_arns, 100)]
    for found in per_resource(describe_clusters, batches, list, concurrent=False):
        clusters.extend(found or [])

    def cluster_services(cluster: EcsCluster) -> list[EcsService]:
        service_arns = paginate(ecs, "list_services", "serviceArns", cluster=cluster.arn)
        out: list[EcsService] = []
        for batch in chunks(service_arns, 10):
            described = ecs.describe_services(
                cluster=cluster.arn, services=list(batch), include=["TAGS"]
            )
            out.extend(_service(s, region) for s in described["services"])
        return out

    for in_cluster in per_resource(cluster_services, clusters, lambda c: c.arn):
        services.extend(in_cluster or [])

    # The revisions services run, plus the latest ACTIVE revision of every family.
    # One paginated list gives every ACTIVE revision's ARN (family:revision), so
    # the latest revision of each family is known without describing it, and a
    # revision a service uses is described once, not once by ARN and once by family.
    latest: dict[str, tuple[int, str]] = {}
    for arn in paginate(ecs, "list_task_definitions", "taskDefinitionArns", status="ACTIVE"):
        family, _, revision = arn.rsplit("/", 1)[-1].rpartition(":")
        if revision.isdigit() and int(revision) > latest.get(family, (0, ""))[0]:
            latest[family] = (int(revision), arn)
    wanted = sorted(
        {s.task_definition_arn for s in services if s.task_definition_arn}
        | {arn for _, arn in latest.values()}
    )

    def describe(ref: str) -> dict[str, Any]:
        return dict(ecs.describe_task_definition(taskDefinition=ref)["taskDefinition"])

    seen: dict[str, TaskDefinition] = {}
    for raw in per_resource(describe, wanted, lambda ref: ref):
        if raw is None:  # recorded as a gap of that revision
            continue
        td = _task_definition(raw, region)
        seen.setdefault(td.arn, td)
    return EcsSection(
        clusters=tuple(clusters),
        services=tuple(services),
        task_definitions=tuple(sorted(seen.values(), key=lambda t: (t.family, t.revision))),
    )
