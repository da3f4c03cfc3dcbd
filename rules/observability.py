"""Observability: can the operator see what the workload is doing, and be told when it breaks?"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.analysis.fixfiles import (
    DASHBOARD_NAME,
    TOPIC_SETUP,
    dashboard_body,
    query_definitions,
    topic_fields,
)
from auditor.engine.model import Check, Principle, Severity, Tier, rule
from auditor.snapshot import Snapshot
from auditor.snapshot.cloudwatch import Alarm

OB = Principle.OBSERVABILITY

#: The retention periods CloudWatch Logs accepts, in days.
LOG_RETENTION_VALUES: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
#: The retention the remediation suggests when no minimum is configured.
SUGGESTED_RETENTION_DAYS = 365


@rule(
    id="OB001",
    slug="ecs-container-insights-enabled",
    title="ECS clusters have Container Insights enabled",
    action="Enable Container Insights on {target}",
    principle=OB,
    severity=Severity.HIGH,
    needs=("ecs",),
    effort_minutes=5,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws ecs update-cluster --cluster {name} "
        "--settings name=containerInsights,value=enabled --region {region}"
    ),
    frameworks={"fsbp": ["ECS.12"]},
    tier=Tier.STANDARD,
)
def ecs_container_insights_enabled(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every ECS cluster has the `containerInsights` setting `enabled` or `enhanced`.

    ## Why it matters
    Without Container Insights there is no per-service CPU, memory and network
    view, no task restart tracking and no automatic dashboard: the first sign
    of a crash-looping service is a user noticing.

    ## Remediation
    One command per cluster, no code change. Metrics are billed as custom
    metrics beyond the free tier (a few USD a month for a small cluster).

    ## References
    - https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/ContainerInsights.html
    """
    for cluster in snap.ecs.clusters:
        yield Check.of(
            cluster,
            ok=cluster.container_insights in ("enabled", "enhanced"),
            evidence=f"containerInsights is {cluster.container_insights or 'unset'}",
        )


@rule(
    id="OB002",
    slug="cloudwatch-dashboard-exists",
    title="At least one CloudWatch dashboard exists",
    action="Create a CloudWatch dashboard for the account's services",
    principle=OB,
    severity=Severity.MEDIUM,
    needs=("cloudwatch",),
    effort_minutes=60,
    monthly_cost_usd=0,  # the first three dashboards are free
    remediation_cmd=(
        "aws cloudwatch put-dashboard --dashboard-name {dashboard} "
        "--dashboard-body file://{body} --region {region}"
    ),
    tier=Tier.STANDARD,
)
def cloudwatch_dashboard_exists(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    The account has at least one CloudWatch dashboard in the scanned regions.

    ## Why it matters
    A dashboard left open is how an operator notices drift (error rates, task
    counts, latency) before it becomes an incident; without one every question
    starts with a log search.

    ## Remediation
    Create a dashboard with the workload's health (task count, errors,
    latency) and its business metrics. The first three dashboards are free.

    ## References
    - https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Dashboards.html
    """
    names = sorted(d.name for d in snap.cloudwatch.dashboards)
    body = f"dashboard-{DASHBOARD_NAME}.json"
    check = Check.account(
        ok=bool(names),
        evidence=(
            f"{len(names)} dashboard(s): {', '.join(names[:5])}"
            if names
            else "no CloudWatch dashboard"
        ),
        dashboard=DASHBOARD_NAME,
        body=body,
    )
    yield check if names else check.with_files({body: dashboard_body(snap)})


def _alarmed_values(alarms: tuple[Alarm, ...], dimension: str) -> set[str]:
    return {d.value for a in alarms for d in a.dimensions if d.name == dimension}


@rule(
    id="OB003",
    slug="ecs-services-have-alarms",
    title="ECS services are covered by a CloudWatch alarm",
    action="Add a CloudWatch alarm for {target}",
    principle=OB,
    severity=Severity.MEDIUM,
    needs=("ecs", "cloudwatch"),
    effort_minutes=15,
    monthly_cost_usd=0.1,
    remediation_cmd=TOPIC_SETUP
    + (
        "aws cloudwatch put-metric-alarm --alarm-name {name}-cpu-high --namespace AWS/ECS "
        "--metric-name CPUUtilization --dimensions Name=ClusterName,Value={cluster} "
        "Name=ServiceName,Value={name} --statistic Average --period 300 --evaluation-periods 2 "
        "--threshold 80 --comparison-operator GreaterThanThreshold "
        "--alarm-actions {topic} --region {region}"
    ),
    tier=Tier.ADVANCED,
)
def ecs_services_have_alarms(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every ECS service has at least one CloudWatch alarm whose `ServiceName`
    dimension names it (in the same region).

    ## Why it matters
    A service that fails, scales to zero or saturates its CPU without an alarm
    fails silently. Alarms are what turn metrics into a page or a message.

    ## Remediation
    Add an alarm per service on CPU/memory utilisation or running task count,
    with an SNS action. Standard alarms cost USD 0.10 a month each.

    ## References
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cloudwatch-metrics.html
    """
    for service in snap.ecs.services:
        alarms = tuple(a for a in snap.cloudwatch.alarms if a.region == service.region)
        ok = service.name in _alarmed_values(alarms, "ServiceName")
        cluster = service.cluster_arn.rsplit("/", 1)[-1]
        yield Check.of(
            service,
            ok=ok,
            evidence="alarmed" if ok else f"no alarm has ServiceName={service.name}",
            cluster=cluster,
            **topic_fields(snap, service.region),
        )


@rule(
    id="OB004",
    slug="lambda-errors-alarmed",
    title="Lambda functions have an alarm on errors",
    action="Add an errors alarm for {target}",
    principle=OB,
    severity=Severity.MEDIUM,
    needs=("lambda", "cloudwatch"),
    effort_minutes=10,
    monthly_cost_usd=0.1,
    remediation_cmd=TOPIC_SETUP
    + (
        "aws cloudwatch put-metric-alarm --alarm-name {name}-errors --namespace AWS/Lambda "
        "--metric-name Errors --dimensions Name=FunctionName,Value={name} --statistic Sum "
        "--period 300 --evaluation-periods 1 --threshold 1 "
        "--comparison-operator GreaterThanOrEqualToThreshold --alarm-actions {topic} "
        "--region {region}"
    ),
    tier=Tier.ADVANCED,
)
def lambda_errors_alarmed(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every Lambda function has a CloudWatch alarm on its `Errors` (or
    `Throttles`) metric with a `FunctionName` dimension naming it.

    ## Why it matters
    Lambda failures are invisible unless someone looks: an alarm on errors is
    the minimum signal that a function stopped doing its job.

    ## Remediation
    One alarm per function on `Errors` with an SNS action.

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics.html
    """
    for fn in snap.lambda_.functions:
        ok = any(
            a.region == fn.region
            and a.metric_name in ("Errors", "Throttles")
            and any(d.name == "FunctionName" and d.value == fn.name for d in a.dimensions)
            for a in snap.cloudwatch.alarms
        )
        yield Check.of(
            fn,
            ok=ok,
            evidence="errors alarmed" if ok else f"no Errors alarm for FunctionName={fn.name}",
            **topic_fields(snap, fn.region),
        )


@rule(
    id="OB005",
    slug="alarms-have-actions",
    title="CloudWatch alarms notify someone",
    action="Give {target} an action that notifies someone",
    principle=OB,
    severity=Severity.LOW,
    needs=("cloudwatch",),
    effort_minutes=5,
    monthly_cost_usd=0,
    remediation_cmd=TOPIC_SETUP
    + (
        "# put-metric-alarm replaces the whole alarm: repeat its metric, statistic, period and "
        "threshold (aws cloudwatch describe-alarms --alarm-names {name} --region {region}), "
        "then add: --alarm-actions {topic}\n"
        "aws cloudwatch enable-alarm-actions --alarm-names {name} --region {region}"
    ),
    tier=Tier.ADVANCED,
)
def alarms_have_actions(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every alarm has actions enabled and at least one alarm action.

    ## Why it matters
    An alarm without an action changes colour in a console nobody watches.

    ## Remediation
    Add an SNS topic (email, chat or pager) as the alarm action.

    ## References
    - https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
    """
    for alarm in snap.cloudwatch.alarms:
        ok = alarm.actions_enabled and bool(alarm.alarm_actions)
        why = "actions disabled" if not alarm.actions_enabled else "no alarm action"
        yield Check.of(
            alarm,
            ok=ok,
            evidence="notifies " + ", ".join(alarm.alarm_actions[:2]) if ok else why,
            **topic_fields(snap, alarm.region),
        )


@rule(
    id="OB006",
    slug="logs-insights-queries-saved",
    title="Logs Insights queries are saved for the common questions",
    action="Save Logs Insights queries for the common questions",
    principle=OB,
    severity=Severity.MEDIUM,
    needs=("logs", "logs-queries"),
    effort_minutes=30,
    monthly_cost_usd=0,
    remediation_cmd=(
        "for q in query-*.json; do aws logs put-query-definition --cli-input-json "
        'file://"$q" --region {groups_region}; done'
    ),
    tier=Tier.STANDARD,
)
def logs_insights_queries_saved(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    At least one CloudWatch Logs Insights query definition is saved.

    ## Why it matters
    Tailing logs answers "what is happening now"; saved Insights queries
    answer "how often, since when, for whom" in seconds, and keep that
    knowledge in the account instead of in someone's shell history.

    ## Remediation
    Save the questions you ask repeatedly (errors by service, events by key).
    Queries cost USD 0.005 per GB scanned.

    ## References
    - https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AnalyzingLogData.html
    """
    if not snap.logs.log_groups:
        return  # nothing to query: not applicable
    names = sorted(q.name for q in snap.logs.query_definitions)
    region = sorted(g.region for g in snap.logs.log_groups)[0]
    check = Check.account(
        ok=bool(names),
        evidence=f"{len(names)} saved query(ies)" if names else "no saved Logs Insights query",
        groups_region=region,
    )
    yield check if names else check.with_files(query_definitions(snap, region))


# --- foundation: workload logs collected and kept


@rule(
    id="OB013",
    slug="ecs-task-definition-logging",
    title="ECS containers send their logs somewhere",
    action="Send the container logs of {target} to CloudWatch Logs",
    principle=OB,
    severity=Severity.MEDIUM,
    needs=("ecs",),
    effort_minutes=30,
    monthly_cost_usd=2,
    remediation_cmd=(
        "aws ecs describe-task-definition --task-definition {name} --region {region} "
        "--query taskDefinition --output json | jq --arg group {log_group} --arg region {region} "
        "'{{family, taskRoleArn, executionRoleArn, networkMode, requiresCompatibilities, cpu, "
        "memory, runtimePlatform, ephemeralStorage, pidMode, ipcMode, proxyConfiguration, "
        "volumes, placementConstraints, containerDefinitions: [.containerDefinitions[] | "
        '.logConfiguration //= {{logDriver: "awslogs", options: {{"awslogs-group": $group, '
        '"awslogs-region": $region, "awslogs-create-group": "true", '
        '"awslogs-stream-prefix": "ecs"}}}}]}} | with_entries(select(.value != null))\' '
        "> taskdef.json && aws ecs register-task-definition --cli-input-json file://taskdef.json "
        "--region {region}"
    ),
    frameworks={"fsbp": ["ECS.9"]},
    tier=Tier.FOUNDATION,
    formerly=("AL007",),
)
def ecs_task_definition_logging(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every container of every collected task definition (the revisions
    services run and the latest active revision of each family) has a log
    configuration (`logConfiguration.logDriver`: `awslogs`, `awsfirelens`,
    `splunk`, ...).

    ## Why it matters
    Without a log driver a container's output is lost when the task stops:
    no record of errors, of requests served, or of what an intruder ran.

    ## Remediation
    Register a new revision with a log configuration and deploy it. The
    command (needs `jq`) copies the revision, adds an `awslogs` configuration
    to each container without one (log group `/ecs/<family>`, created on
    first start: the execution role needs `logs:CreateLogGroup`,
    `logs:CreateLogStream` and `logs:PutLogEvents`), and registers it; then
    `aws ecs update-service --task-definition <family>` rolls it out. Set a
    retention on the new log group (OB014). Ingestion is 0.50 USD per GB.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/ecs-controls.html#ecs-9
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html
    """
    for td in snap.ecs.task_definitions:
        bare = [c.name for c in td.containers if not c.log_driver]
        drivers = sorted({c.log_driver for c in td.containers if c.log_driver})
        if bare:
            evidence = f"container(s) without a log configuration: {', '.join(bare)}"
        elif drivers:
            evidence = f"every container logs ({', '.join(drivers)})"
        else:
            evidence = "no containers"
        yield Check(
            resource_id=td.arn,
            ok=not bare,
            evidence=evidence,
            region=td.region,
            name=f"{td.family}:{td.revision}",
            fields={"log_group": f"/ecs/{td.family}"},
        )


def _suggested_retention(min_retention_days: int) -> int:
    target = min_retention_days if min_retention_days > 0 else SUGGESTED_RETENTION_DAYS
    for days in LOG_RETENTION_VALUES:
        if days >= target:
            return days
    return LOG_RETENTION_VALUES[-1]


@rule(
    id="OB014",
    slug="log-group-retention-set",
    title="CloudWatch log groups have a retention period",
    action="Set a retention period on {target}",
    principle=OB,
    severity=Severity.LOW,
    needs=("logs",),
    effort_minutes=5,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws logs put-retention-policy --log-group-name {name} --retention-in-days {days} "
        "--region {region}"
    ),
    tier=Tier.FOUNDATION,
    formerly=("AL008",),
)
def log_group_retention_set(snap: Snapshot, min_retention_days: int = 0) -> Iterator[Check]:
    """
    ## What it checks
    Every CloudWatch Logs log group has a retention period ("never expire"
    fails). With `min_retention_days` above 0 (default 0: any retention
    passes), shorter retentions fail too, e.g. `OB014: {min_retention_days:
    365}` for an audit requirement of one year.

    ## Why it matters
    A retention period is a decision about how long the record is kept: long
    enough for investigations and audits, and no longer than the data is
    needed (logs hold personal data and secrets leak into them). "Never
    expire" is no decision: the bill grows forever (0.03 USD per GB-month)
    and old data is kept for no reason.

    ## Remediation
    One command per log group. It suggests 365 days (or the smallest allowed
    value at or above `min_retention_days`); pick what your investigations and
    obligations need. Shortening deletes older events.

    ## References
    - https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html#SettingLogRetention
    """
    days = str(_suggested_retention(min_retention_days))
    for group in snap.logs.log_groups:
        have = group.retention_days
        if have is None:
            yield Check.of(group, ok=False, evidence="retention is never expire", days=days)
        elif have < min_retention_days:
            yield Check.of(
                group,
                ok=False,
                evidence=f"retention is {have} days (minimum {min_retention_days})",
                days=days,
            )
        else:
            yield Check.of(group, ok=True, evidence=f"retention is {have} days", days=days)


@rule(
    id="OB015",
    slug="lambda-logs-collected",
    title="Lambda functions write their logs to CloudWatch Logs",
    action="Give {target} the permissions to write its logs",
    principle=OB,
    severity=Severity.MEDIUM,
    needs=("lambda", "logs"),
    effort_minutes=15,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws iam attach-role-policy --role-name {role_name} --policy-arn "
        "arn:{partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    ),
    tier=Tier.FOUNDATION,
)
def lambda_logs_collected(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every Lambda function has its log group (`/aws/lambda/<function name>`)
    in its region: Lambda creates it the first time the function writes a
    log line, so a function without one has never logged.

    ## Why it matters
    A function's log group is the only record of what it did: errors,
    timeouts, and for a database bridge every query it ran. A missing log
    group means either the function never ran, or its execution role cannot
    write logs (`logs:CreateLogGroup`, `logs:CreateLogStream`,
    `logs:PutLogEvents`) and every invocation goes unrecorded.

    ## Remediation
    Give the execution role the AWS managed `AWSLambdaBasicExecutionRole`
    policy (or the three actions on the function's own log group), then
    invoke the function once. If the function never runs, consider deleting it.

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
    """
    groups = {(g.region, g.name) for g in snap.logs.log_groups}
    partition = snap.partition
    for fn in snap.lambda_.functions:
        name = f"/aws/lambda/{fn.name}"
        ok = (fn.region, name) in groups
        yield Check.of(
            fn,
            ok=ok,
            evidence=f"log group {name} exists"
            if ok
            else f"no log group {name}: the function has never logged",
            role_name=fn.role_arn.rsplit("/", 1)[-1],
            partition=partition,
        )
