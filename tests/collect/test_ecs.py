"""ECS collector against moto's in-process mock."""

from __future__ import annotations

from typing import Any

from auditor.collect.ecs import collect_ecs
from tests.conftest import REGION


def _task_def(setup: Any, family: str, **container: Any) -> str:
    ecs = setup("ecs")
    base = {
        "name": "app",
        "image": f"123456789012.dkr.ecr.{REGION}.amazonaws.com/{family}:latest",
        "memory": 512,
    }
    base.update(container)
    out = ecs.register_task_definition(family=family, containerDefinitions=[base])
    return str(out["taskDefinition"]["taskDefinitionArn"])


def test_collects_clusters_services_and_used_task_definitions(aws: Any, setup: Any) -> None:
    ecs = setup("ecs")
    ec2 = setup("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    ecs.create_cluster(
        clusterName="ops-pipeline-cluster",
        settings=[{"name": "containerInsights", "value": "disabled"}],
    )
    td = _task_def(
        setup,
        "dispatcher",
        logConfiguration={"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/dispatcher"}},
        secrets=[
            {
                "name": "DB_PASSWORD",
                "valueFrom": "arn:aws:secretsmanager:us-west-2:123456789012:secret:db",
            }
        ],
    )
    ecs.create_service(
        cluster="ops-pipeline-cluster",
        serviceName="dispatcher-service",
        taskDefinition=td,
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": [subnet],
                "securityGroups": [sg],
                "assignPublicIp": "DISABLED",
            }
        },
    )

    section = collect_ecs(aws, REGION)

    (cluster,) = section.clusters
    assert (cluster.name, cluster.container_insights) == ("ops-pipeline-cluster", "disabled")
    (service,) = section.services
    assert service.name == "dispatcher-service"
    assert service.assign_public_ip == "DISABLED"
    (task,) = section.task_definitions
    assert task.arn == td
    (container,) = task.containers
    assert container.log_driver == "awslogs" and container.log_group == "/ecs/dispatcher"
    assert [s.name for s in container.secrets] == ["DB_PASSWORD"]


def test_latest_revision_per_family_only(aws: Any, setup: Any) -> None:
    for _ in range(3):
        _task_def(setup, "worker")
    section = collect_ecs(aws, REGION)
    assert [(t.family, t.revision) for t in section.task_definitions] == [("worker", 3)]


def test_env_values_are_classified_and_never_kept(aws: Any, setup: Any) -> None:
    canary = "AKIAZZZZCANARY123456"
    _task_def(
        setup,
        "leaky",
        environment=[
            {"name": "AWS_ACCESS_KEY_ID", "value": canary},
            {"name": "LOG_LEVEL", "value": "info"},
        ],
    )
    section = collect_ecs(aws, REGION)
    env = {e.name: e for e in section.task_definitions[0].containers[0].environment}
    assert env["AWS_ACCESS_KEY_ID"].looks_secret
    assert env["AWS_ACCESS_KEY_ID"].reason == "value:aws-access-key-id"
    assert not env["LOG_LEVEL"].looks_secret
    assert canary not in section.model_dump_json()


def test_circuit_breaker_is_parsed_from_the_api_shape() -> None:
    # moto 5.2 drops deploymentConfiguration, so the parser is tested on AWS's documented shape.
    from auditor.collect.ecs import _service

    raw = {
        "serviceArn": "arn:aws:ecs:us-west-2:1:service/c/s",
        "serviceName": "s",
        "deploymentConfiguration": {
            "deploymentCircuitBreaker": {"enable": True, "rollback": False}
        },
    }
    service = _service(raw, REGION)
    assert service.circuit_breaker_enabled is True
    assert service.circuit_breaker_rollback is False


def test_each_task_definition_is_described_once(aws: Any, setup: Any) -> None:
    ecs = setup("ecs")
    ecs.create_cluster(clusterName="c")
    for family in ("a", "b"):
        _task_def(setup, family)
        arn = _task_def(setup, family)  # revision 2 is the latest and the one in use
        ecs.create_service(
            cluster="c", serviceName=f"{family}-svc", taskDefinition=arn, desiredCount=1
        )
    section = collect_ecs(aws, REGION)
    assert sorted((t.family, t.revision) for t in section.task_definitions) == [("a", 2), ("b", 2)]
    calls = {op.operation: op.calls for op in aws.recorder.operations() if op.service == "ecs"}
    assert calls["DescribeTaskDefinition"] == 2


def test_container_privilege_settings_and_network_mode_are_collected(aws: Any, setup: Any) -> None:
    # What LP030-LP032 judge (FSBP ECS.4, ECS.1, ECS.5), as the API returns it.
    ecs = setup("ecs")
    ecs.register_task_definition(
        family="host-agent",
        networkMode="host",
        containerDefinitions=[
            {
                "name": "agent",
                "image": "agent:1",
                "memory": 256,
                "privileged": True,
                "readonlyRootFilesystem": True,
                "user": "0:0",
            },
            {"name": "plain", "image": "plain:1", "memory": 256},
        ],
    )
    section = collect_ecs(aws, REGION)
    (td,) = section.task_definitions
    assert td.network_mode == "host"
    agent, plain = td.containers
    assert (agent.privileged, agent.readonly_root_filesystem, agent.user) == (True, True, "0:0")
    assert (plain.privileged, plain.readonly_root_filesystem, plain.user) == (False, False, "")
