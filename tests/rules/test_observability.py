"""Observability rules (OB...)."""

from __future__ import annotations

from auditor.rules.observability import (
    alarms_have_actions,
    cloudtrail_changes_alarmed,
    cloudwatch_dashboard_exists,
    console_signin_without_mfa_alarmed,
    ecs_container_insights_enabled,
    ecs_services_have_alarms,
    iam_policy_changes_alarmed,
    lambda_errors_alarmed,
    logs_insights_queries_saved,
    root_usage_alarmed,
    security_group_changes_alarmed,
    unauthorized_api_calls_alarmed,
)

from auditor.engine.model import Status
from auditor.snapshot.cloudtrail import CloudTrailSection, Trail
from auditor.snapshot.cloudwatch import (
    Alarm,
    AlarmDimension,
    CloudWatchSection,
    Dashboard,
    LogGroup,
    LogsSection,
    MetricFilter,
    MetricTransformation,
    QueryDefinition,
)
from auditor.snapshot.ecs import EcsCluster, EcsSection, EcsService
from auditor.snapshot.lambda_ import LambdaFunction, LambdaSection
from tests.rules.helpers import REGION, command, evidence, failing, make_snapshot, passing, statuses

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


TRAIL_GROUP = "CloudTrail/ops"


def trail(*, cw: bool = True) -> Trail:
    return Trail(
        arn="arn:aws:cloudtrail:us-west-2:123456789012:trail/ops",
        name="ops",
        region=REGION,
        home_region=REGION,
        is_multi_region=True,
        is_organization_trail=False,
        log_file_validation=True,
        include_global_service_events=True,
        s3_bucket="b",
        is_logging=True,
        cloudwatch_logs_log_group_arn=(
            f"arn:aws:logs:{REGION}:123456789012:log-group:{TRAIL_GROUP}:*" if cw else ""
        ),
    )


CIS_CASES = [
    (
        unauthorized_api_calls_alarmed,
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
    ),
    (
        console_signin_without_mfa_alarmed,
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }',
    ),
    (root_usage_alarmed, '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS }'),
    (
        iam_policy_changes_alarmed,
        "{($.eventName=PutRolePolicy)||($.eventName=AttachRolePolicy)||($.eventName=CreatePolicy)}",
    ),
    (
        cloudtrail_changes_alarmed,
        "{($.eventName=UpdateTrail)||($.eventName=DeleteTrail)||($.eventName=StopLogging)}",
    ),
    (
        security_group_changes_alarmed,
        "{($.eventName=AuthorizeSecurityGroupIngress)||($.eventName=RevokeSecurityGroupIngress)}",
    ),
]


def _cis_snapshot(pattern: str, *, alarmed: bool, cw: bool = True, group: str = TRAIL_GROUP):
    mf = MetricFilter(
        name="cis",
        region=REGION,
        log_group=group,
        pattern=pattern,
        metrics=(MetricTransformation(namespace="CIS", name="m"),),
    )
    alarms = (alarm("cis-alarm", metric="m", namespace="CIS"),) if alarmed else ()
    return make_snapshot(
        cloudtrail=CloudTrailSection(trails=(trail(cw=cw),)),
        logs=LogsSection(metric_filters=(mf,)),
        cloudwatch=CloudWatchSection(alarms=alarms),
    )


def _check_cis_edge_cases(rule, pattern: str) -> None:  # type: ignore[no-untyped-def]
    # right filter, wrong log group (not the trail's): fails
    assert failing(rule, _cis_snapshot(pattern, alarmed=True, group="other")) == {"account"}
    # trail not delivering to CloudWatch Logs: fails with that reason
    no_cw = _cis_snapshot(pattern, alarmed=True, cw=False)
    assert failing(rule, no_cw) == {"account"}
    assert "CloudWatch Logs" in evidence(rule, no_cw, "account")
    # a filter for something else does not count
    assert failing(rule, _cis_snapshot("{ $.eventName = Nothing }", alarmed=True)) == {"account"}


def test_ob007_unauthorized_api_calls_pass_fail() -> None:
    rule, pattern = CIS_CASES[0]
    assert passing(rule, _cis_snapshot(pattern, alarmed=True)) == {"account"}
    assert failing(rule, _cis_snapshot(pattern, alarmed=False)) == {"account"}
    _check_cis_edge_cases(rule, pattern)


def test_ob008_console_signin_without_mfa_pass_fail() -> None:
    rule, pattern = CIS_CASES[1]
    assert passing(rule, _cis_snapshot(pattern, alarmed=True)) == {"account"}
    assert failing(rule, _cis_snapshot(pattern, alarmed=False)) == {"account"}
    _check_cis_edge_cases(rule, pattern)


def test_ob009_root_usage_pass_fail() -> None:
    rule, pattern = CIS_CASES[2]
    assert passing(rule, _cis_snapshot(pattern, alarmed=True)) == {"account"}
    assert failing(rule, _cis_snapshot(pattern, alarmed=False)) == {"account"}
    _check_cis_edge_cases(rule, pattern)


def test_ob010_iam_policy_changes_pass_fail() -> None:
    rule, pattern = CIS_CASES[3]
    assert passing(rule, _cis_snapshot(pattern, alarmed=True)) == {"account"}
    assert failing(rule, _cis_snapshot(pattern, alarmed=False)) == {"account"}
    _check_cis_edge_cases(rule, pattern)


def test_ob011_cloudtrail_changes_pass_fail() -> None:
    rule, pattern = CIS_CASES[4]
    assert passing(rule, _cis_snapshot(pattern, alarmed=True)) == {"account"}
    assert failing(rule, _cis_snapshot(pattern, alarmed=False)) == {"account"}
    _check_cis_edge_cases(rule, pattern)


def test_ob012_security_group_changes_pass_fail() -> None:
    rule, pattern = CIS_CASES[5]
    assert passing(rule, _cis_snapshot(pattern, alarmed=True)) == {"account"}
    assert failing(rule, _cis_snapshot(pattern, alarmed=False)) == {"account"}
    _check_cis_edge_cases(rule, pattern)


def test_cis_monitors_are_silent_without_any_trail() -> None:
    assert statuses(root_usage_alarmed, make_snapshot()) == set()
