"""Observability rules (OB...)."""

from __future__ import annotations

import shlex
from typing import Any

from auditor.rules.observability import (
    alarms_have_actions,
    cloudwatch_dashboard_exists,
    ecs_container_insights_enabled,
    ecs_services_have_alarms,
    ecs_task_definition_logging,
    lambda_errors_alarmed,
    lambda_logs_collected,
    log_group_retention_set,
    logs_insights_queries_saved,
)

from auditor.engine.model import Status
from auditor.snapshot.cloudwatch import (
    Alarm,
    AlarmDimension,
    CloudWatchSection,
    Dashboard,
    LogGroup,
    LogsSection,
    QueryDefinition,
)
from auditor.snapshot.ecs import (
    ContainerDefinition,
    EcsCluster,
    EcsSection,
    EcsService,
    TaskDefinition,
)
from auditor.snapshot.lambda_ import LambdaFunction, LambdaSection
from tests.rules.helpers import (
    ACCOUNT_ID,
    REGION,
    command,
    evidence,
    failing,
    make_snapshot,
    passing,
    results,
    statuses,
)

CLUSTER_ARN = f"arn:aws:ecs:{REGION}:123456789012:cluster/ops"


def cluster(name: str, insights: str) -> EcsCluster:
    return EcsCluster(
        arn=f"arn:aws:ecs:{REGION}:123456789012:cluster/{name}",
        name=name,
        region=REGION,
        status="ACTIVE",
        container_insights=insights,
    )


def service(name: str, **kw: object) -> EcsService:
    fields: dict[str, object] = {
        "arn": f"arn:aws:ecs:{REGION}:123456789012:service/ops/{name}",
        "name": name,
        "region": REGION,
        "cluster_arn": CLUSTER_ARN,
        "status": "ACTIVE",
        "launch_type": "FARGATE",
        "task_definition_arn": "td",
        "desired_count": 1,
    }
    fields.update(kw)
    return EcsService.model_validate(fields)


def alarm(
    name: str,
    *,
    dims: dict[str, str] | None = None,
    metric: str = "CPUUtilization",
    namespace: str = "AWS/ECS",
    actions: tuple[str, ...] = ("arn:aws:sns:x:1:t",),
    enabled: bool = True,
) -> Alarm:
    return Alarm(
        name=name,
        arn=f"arn:aws:cloudwatch:{REGION}:123456789012:alarm:{name}",
        region=REGION,
        namespace=namespace,
        metric_name=metric,
        dimensions=tuple(AlarmDimension(name=k, value=v) for k, v in (dims or {}).items()),
        actions_enabled=enabled,
        alarm_actions=actions,
    )


def function(name: str) -> LambdaFunction:
    return LambdaFunction(
        arn=f"arn:aws:lambda:{REGION}:123456789012:function:{name}",
        name=name,
        region=REGION,
        runtime="python3.12",
        role_arn="arn:aws:iam::123456789012:role/r",
    )


def test_ob001_flags_clusters_without_insights() -> None:
    snap = make_snapshot(
        ecs=EcsSection(
            clusters=(
                cluster("pass-enabled", "enabled"),
                cluster("pass-enhanced", "enhanced"),
                cluster("fail-off", "disabled"),
                cluster("fail-unset", ""),
            )
        )
    )
    assert failing(ecs_container_insights_enabled, snap) == {"fail-off", "fail-unset"}
    assert passing(ecs_container_insights_enabled, snap) == {"pass-enabled", "pass-enhanced"}
    assert (
        evidence(ecs_container_insights_enabled, snap, "fail-unset") == "containerInsights is unset"
    )
    assert command(ecs_container_insights_enabled, snap, "fail-off") == (
        "aws ecs update-cluster --cluster fail-off "
        "--settings name=containerInsights,value=enabled --region us-west-2"
    )


def test_ob001_unknown_when_ecs_not_collected() -> None:
    snap = make_snapshot(gaps={"ecs": "access_denied"})
    assert statuses(ecs_container_insights_enabled, snap) == {Status.UNKNOWN}


def test_ob001_hostile_name_is_shell_quoted_in_the_command() -> None:
    snap = make_snapshot(ecs=EcsSection(clusters=(cluster("fail-x; rm -rf /", "disabled"),)))
    cmd = command(ecs_container_insights_enabled, snap, "fail-x; rm -rf /")
    assert "--cluster 'fail-x; rm -rf /' " in cmd


def test_ob002_dashboard_exists_pass_and_fail() -> None:
    with_one = make_snapshot(
        cloudwatch=CloudWatchSection(
            dashboards=(Dashboard(name="pass-ops", arn="arn:d", region=REGION),)
        )
    )
    assert passing(cloudwatch_dashboard_exists, with_one) == {"account"}
    assert failing(cloudwatch_dashboard_exists, make_snapshot()) == {"account"}
    assert "pass-ops" in evidence(cloudwatch_dashboard_exists, with_one, "account")


def test_ob003_services_without_alarm_fail() -> None:
    snap = make_snapshot(
        ecs=EcsSection(services=(service("pass-alarmed"), service("fail-silent"))),
        cloudwatch=CloudWatchSection(
            alarms=(alarm("cpu", dims={"ClusterName": "ops", "ServiceName": "pass-alarmed"}),)
        ),
    )
    assert failing(ecs_services_have_alarms, snap) == {"fail-silent"}
    assert passing(ecs_services_have_alarms, snap) == {"pass-alarmed"}
    assert "--dimensions Name=ClusterName,Value=ops Name=ServiceName,Value=fail-silent" in command(
        ecs_services_have_alarms, snap, "fail-silent"
    )


def test_ob004_lambda_without_errors_alarm_fails() -> None:
    snap = make_snapshot(
        lambda_=LambdaSection(functions=(function("pass-fn"), function("fail-fn"))),
        cloudwatch=CloudWatchSection(
            alarms=(
                alarm(
                    "e", dims={"FunctionName": "pass-fn"}, metric="Errors", namespace="AWS/Lambda"
                ),
                # a duration alarm does not count as an errors alarm
                alarm(
                    "d", dims={"FunctionName": "fail-fn"}, metric="Duration", namespace="AWS/Lambda"
                ),
            )
        ),
    )
    assert failing(lambda_errors_alarmed, snap) == {"fail-fn"}
    assert passing(lambda_errors_alarmed, snap) == {"pass-fn"}


def test_ob005_alarms_without_actions_fail() -> None:
    snap = make_snapshot(
        cloudwatch=CloudWatchSection(
            alarms=(
                alarm("pass-notifies"),
                alarm("fail-no-action", actions=()),
                alarm("fail-disabled", enabled=False),
            )
        )
    )
    assert failing(alarms_have_actions, snap) == {"fail-no-action", "fail-disabled"}
    assert passing(alarms_have_actions, snap) == {"pass-notifies"}


def test_ob006_saved_queries() -> None:
    group = LogGroup(name="/ecs/app", arn="arn:lg", region=REGION, retention_days=30)
    with_query = make_snapshot(
        logs=LogsSection(
            log_groups=(group,),
            query_definitions=(QueryDefinition(id="q", name="pass-errors", region=REGION),),
        )
    )
    without = make_snapshot(logs=LogsSection(log_groups=(group,)))
    assert passing(logs_insights_queries_saved, with_query) == {"account"}
    assert failing(logs_insights_queries_saved, without) == {"account"}
    # no log group at all: nothing to query, no result
    assert statuses(logs_insights_queries_saved, make_snapshot()) == set()


# --- foundation: workload logs (OB013-OB015; OB013 and OB014 were AL007 and AL008)


def task_definition(
    family: str, *containers: ContainerDefinition, revision: int = 1
) -> TaskDefinition:
    return TaskDefinition(
        arn=f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:task-definition/{family}:{revision}",
        family=family,
        revision=revision,
        region=REGION,
        status="ACTIVE",
        containers=containers,
    )


def container(name: str, driver: str = "awslogs") -> ContainerDefinition:
    return ContainerDefinition(name=name, image=f"{name}:1", log_driver=driver)


def log_group(name: str, retention: int | None) -> LogGroup:
    return LogGroup(
        name=name,
        arn=f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{name}",
        region=REGION,
        retention_days=retention,
    )


# ------------------------------------------------------------------ OB013


def test_ob013_flags_containers_without_log_configuration() -> None:
    snap = make_snapshot(
        ecs=EcsSection(
            task_definitions=(
                task_definition("pass-web", container("web"), container("envoy", "awsfirelens")),
                task_definition(
                    "fail-worker", container("worker"), container("sidecar", ""), revision=3
                ),
                task_definition("fail-bare", container("app", "")),
            )
        )
    )
    assert passing(ecs_task_definition_logging, snap) == {"pass-web:1"}
    assert failing(ecs_task_definition_logging, snap) == {"fail-worker:3", "fail-bare:1"}
    assert evidence(ecs_task_definition_logging, snap, "fail-worker:3") == (
        "container(s) without a log configuration: sidecar"
    )
    cmd = command(ecs_task_definition_logging, snap, "fail-worker:3")
    argv = shlex.split(cmd)  # well-formed shell
    assert argv[:5] == [
        "aws",
        "ecs",
        "describe-task-definition",
        "--task-definition",
        "fail-worker:3",
    ]
    assert argv[argv.index("jq") + 1 : argv.index("jq") + 4] == [
        "--arg",
        "group",
        "/ecs/fail-worker",
    ]
    program = argv[argv.index("jq") + 7]
    assert program.startswith("{family, taskRoleArn")
    assert '"awslogs-group": $group' in program
    assert cmd.endswith(
        "aws ecs register-task-definition --cli-input-json file://taskdef.json --region us-west-2"
    )


# ------------------------------------------------------------------ OB014


def log_groups_snapshot() -> Any:
    return make_snapshot(
        logs=LogsSection(
            log_groups=(
                log_group("pass-30-days", 30),
                log_group("pass-1-year", 365),
                log_group("fail-forever", None),
            )
        )
    )


def test_ob014_flags_log_groups_that_never_expire() -> None:
    snap = log_groups_snapshot()
    assert passing(log_group_retention_set, snap) == {"pass-30-days", "pass-1-year"}
    assert failing(log_group_retention_set, snap) == {"fail-forever"}
    assert command(log_group_retention_set, snap, "fail-forever") == (
        "aws logs put-retention-policy --log-group-name fail-forever --retention-in-days 365 "
        "--region us-west-2"
    )


def test_ob014_threshold_override() -> None:
    snap = log_groups_snapshot()
    assert failing(log_group_retention_set, snap, min_retention_days=90) == {
        "pass-30-days",
        "fail-forever",
    }
    fixes = {
        r.resource_name: r.remediation_cmd
        for r in results(log_group_retention_set, snap, min_retention_days=100)
    }
    # The smallest retention CloudWatch Logs accepts at or above the minimum.
    assert "--retention-in-days 120 " in fixes["pass-30-days"]
    assert {r.evidence for r in results(log_group_retention_set, snap, min_retention_days=100)} >= {
        "retention is 30 days (minimum 100)"
    }


def test_ob015_functions_without_a_log_group_fail() -> None:
    snap = make_snapshot(
        lambda_=LambdaSection(functions=(function("pass-logs"), function("fail-never-logged"))),
        logs=LogsSection(
            log_groups=(
                log_group("/aws/lambda/pass-logs", 30),
                # a look-alike: the name of the function, not its log group
                log_group("fail-never-logged", 30),
            )
        ),
    )
    assert passing(lambda_logs_collected, snap) == {"pass-logs"}
    assert failing(lambda_logs_collected, snap) == {"fail-never-logged"}
    assert evidence(lambda_logs_collected, snap, "fail-never-logged") == (
        "no log group /aws/lambda/fail-never-logged: the function has never logged"
    )
    assert command(lambda_logs_collected, snap, "fail-never-logged") == (
        "aws iam attach-role-policy --role-name r --policy-arn "
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    )


def test_ob015_unknown_when_logs_not_collected() -> None:
    snap = make_snapshot(
        lambda_=LambdaSection(functions=(function("f"),)), gaps={"logs": "access_denied"}
    )
    assert statuses(lambda_logs_collected, snap) == {Status.UNKNOWN}
