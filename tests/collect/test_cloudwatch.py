"""CloudWatch collector against moto's in-process mock."""

from __future__ import annotations

from typing import Any

from moto.cloudwatch.models import cloudwatch_backends

from auditor.collect.cloudwatch import collect_cloudwatch
from auditor.snapshot.cloudwatch import Alarm, AlarmDimension, AlarmMetric, CloudWatchSection
from tests.collect.canned import serve
from tests.conftest import REGION

DEFAULT_ACCOUNT_ID = "123456789012"  # moto's account

TOPIC = f"arn:aws:sns:{REGION}:{DEFAULT_ACCOUNT_ID}:alerts"
ALARM_ARN = f"arn:aws:cloudwatch:{REGION}:{DEFAULT_ACCOUNT_ID}:alarm:"


def _metric_alarm(setup: Any, name: str, region: str = REGION, **extra: Any) -> None:
    params: dict[str, Any] = {
        "AlarmName": name,
        "Namespace": "AWS/Lambda",
        "MetricName": "Errors",
        "Statistic": "Sum",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": 1,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    }
    params.update(extra)
    setup("cloudwatch", region).put_metric_alarm(**params)


def test_none_exist(aws: Any) -> None:
    assert collect_cloudwatch(aws, REGION) == CloudWatchSection()


def test_collects_dashboards(aws: Any, setup: Any) -> None:
    setup("cloudwatch").put_dashboard(DashboardName="ops", DashboardBody='{"widgets": []}')

    (dashboard,) = collect_cloudwatch(aws, REGION).dashboards

    assert (dashboard.name, dashboard.region) == ("ops", REGION)
    assert dashboard.arn == f"arn:aws:cloudwatch::{DEFAULT_ACCOUNT_ID}:dashboard/ops"
    assert dashboard.last_modified is not None
    assert dashboard.last_modified.tzinfo is not None


def test_metric_alarm_dimensions_actions_and_state(aws: Any, setup: Any) -> None:
    _metric_alarm(
        setup,
        "bridge-errors",
        Dimensions=[{"Name": "FunctionName", "Value": "query-bridge"}],
        AlarmActions=[TOPIC],
        OKActions=[TOPIC],
    )
    setup("cloudwatch").set_alarm_state(
        AlarmName="bridge-errors", StateValue="ALARM", StateReason="test"
    )

    (alarm,) = collect_cloudwatch(aws, REGION).alarms

    assert alarm == Alarm(
        name="bridge-errors",
        arn=ALARM_ARN + "bridge-errors",
        region=REGION,
        kind="metric",
        namespace="AWS/Lambda",
        metric_name="Errors",
        dimensions=(AlarmDimension(name="FunctionName", value="query-bridge"),),
        actions_enabled=True,
        alarm_actions=(TOPIC,),
        ok_actions=(TOPIC,),
        insufficient_data_actions=(),
        state="ALARM",
    )


def test_alarm_with_actions_disabled_and_none_set(aws: Any, setup: Any) -> None:
    _metric_alarm(setup, "silent", ActionsEnabled=False)

    (alarm,) = collect_cloudwatch(aws, REGION).alarms

    assert alarm.actions_enabled is False
    assert (alarm.alarm_actions, alarm.ok_actions, alarm.insufficient_data_actions) == ((), (), ())
    assert alarm.state == "OK"  # moto's initial state; AWS starts at INSUFFICIENT_DATA


def test_metric_math_alarm_keeps_the_metrics_it_reads(aws: Any, setup: Any) -> None:
    service = [{"Name": "ClusterName", "Value": "ops"}, {"Name": "ServiceName", "Value": "api"}]
    setup("cloudwatch").put_metric_alarm(
        AlarmName="ecs-pressure",
        EvaluationPeriods=1,
        Threshold=90,
        ComparisonOperator="GreaterThanThreshold",
        Metrics=[
            {"Id": "e", "Expression": "MAX([cpu, mem])", "ReturnData": True},
            {
                "Id": "cpu",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/ECS",
                        "MetricName": "CPUUtilization",
                        "Dimensions": service,
                    },
                    "Period": 60,
                    "Stat": "Average",
                },
                "ReturnData": False,
            },
            {
                "Id": "mem",
                "MetricStat": {
                    "Metric": {"Namespace": "AWS/ECS", "MetricName": "MemoryUtilization"},
                    "Period": 60,
                    "Stat": "Average",
                },
                "ReturnData": False,
            },
        ],
    )

    (alarm,) = collect_cloudwatch(aws, REGION).alarms

    assert (alarm.kind, alarm.namespace, alarm.metric_name, alarm.dimensions) == (
        "metric",
        "",
        "",
        (),
    )
    dims = tuple(AlarmDimension(name=d["Name"], value=d["Value"]) for d in service)
    assert alarm.query_metrics == (
        AlarmMetric(namespace="AWS/ECS", metric_name="CPUUtilization", dimensions=dims),
        AlarmMetric(namespace="AWS/ECS", metric_name="MemoryUtilization"),
    )


def test_composite_alarms_are_collected(aws: Any, setup: Any) -> None:
    _metric_alarm(setup, "errors")
    # boto3 has no PutCompositeAlarm in moto 5.2; its backend stores composites as rule alarms.
    cloudwatch_backends[DEFAULT_ACCOUNT_ID][REGION].put_metric_alarm(
        name="service-down",
        namespace="",
        metric_name="",
        comparison_operator="",
        evaluation_periods=0,
        period=0,
        threshold=0.0,
        statistic="",
        description="",
        dimensions=[],
        alarm_actions=[TOPIC],
        rule='ALARM("errors")',
    )

    alarms = {a.name: a for a in collect_cloudwatch(aws, REGION).alarms}

    assert alarms["errors"].kind == "metric"
    assert alarms["errors"].alarm_rule == ""
    composite = alarms["service-down"]
    assert composite == Alarm(
        name="service-down",
        arn=ALARM_ARN + "service-down",
        region=REGION,
        kind="composite",
        alarm_rule='ALARM("errors")',
        alarm_actions=(TOPIC,),
        state="OK",
    )


def test_only_the_asked_region(aws: Any, setup: Any) -> None:
    _metric_alarm(setup, "east", region="us-east-1")
    _metric_alarm(setup, "west")

    assert [a.name for a in collect_cloudwatch(aws, REGION).alarms] == ["west"]
    assert [a.region for a in collect_cloudwatch(aws, "us-east-1").alarms] == ["us-east-1"]


def test_describe_alarms_asks_for_both_alarm_types(aws: Any) -> None:
    # Without AlarmTypes AWS returns metric alarms only.
    calls = serve(
        aws("cloudwatch", REGION),
        "DescribeAlarms",
        lambda _: {"MetricAlarms": [], "CompositeAlarms": []},
    )
    collect_cloudwatch(aws, REGION)
    assert [sorted(c.get("AlarmTypes", [])) for c in calls] == [["CompositeAlarm", "MetricAlarm"]]
