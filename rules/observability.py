"""Observability: can the operator see what the workload is doing, and be told when it breaks?"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.analysis.fixfiles import (
    ALERTS_TOPIC,
    DASHBOARD_NAME,
    alerts_topic_arn,
    dashboard_body,
    query_definitions,
)
from auditor.engine.model import Check, Principle, Rule, Severity, ShellText, rule
from auditor.snapshot import Snapshot
from auditor.snapshot.cloudtrail import Trail
from auditor.snapshot.cloudwatch import Alarm, MetricFilter

OB = Principle.OBSERVABILITY


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
    monthly_cost_usd=3,
    remediation_cmd=(
        "aws cloudwatch put-dashboard --dashboard-name {dashboard} "
        "--dashboard-body file://{body} --region {region}"
    ),
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


_TOPIC_SETUP = (
    "aws sns create-topic --name {topic_name} --region {region}\n"
    "# Who is notified is your decision, e.g.: aws sns subscribe --topic-arn {topic} "
    "--protocol email --notification-endpoint <YOUR_EMAIL> --region {region}\n"
)


def _topic(snap: Snapshot, region: str) -> dict[str, str]:
    """The fields of the alerts topic the alarm fixes create and notify."""
    return {
        "topic_name": ALERTS_TOPIC,
        "topic": alerts_topic_arn(snap.partition, region, snap.account_id),
    }


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
    remediation_cmd=_TOPIC_SETUP
    + (
        "aws cloudwatch put-metric-alarm --alarm-name {name}-cpu-high --namespace AWS/ECS "
        "--metric-name CPUUtilization --dimensions Name=ClusterName,Value={cluster} "
        "Name=ServiceName,Value={name} --statistic Average --period 300 --evaluation-periods 2 "
        "--threshold 80 --comparison-operator GreaterThanThreshold "
        "--alarm-actions {topic} --region {region}"
    ),
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
            **_topic(snap, service.region),
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
    remediation_cmd=_TOPIC_SETUP
    + (
        "aws cloudwatch put-metric-alarm --alarm-name {name}-errors --namespace AWS/Lambda "
        "--metric-name Errors --dimensions Name=FunctionName,Value={name} --statistic Sum "
        "--period 300 --evaluation-periods 1 --threshold 1 "
        "--comparison-operator GreaterThanOrEqualToThreshold --alarm-actions {topic} "
        "--region {region}"
    ),
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
            **_topic(snap, fn.region),
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
    remediation_cmd=_TOPIC_SETUP
    + (
        "# put-metric-alarm replaces the whole alarm: repeat its metric, statistic, period and "
        "threshold (aws cloudwatch describe-alarms --alarm-names {name} --region {region}), "
        "then add: --alarm-actions {topic}\n"
        "aws cloudwatch enable-alarm-actions --alarm-names {name} --region {region}"
    ),
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
            **_topic(snap, alarm.region),
        )


@rule(
    id="OB006",
    slug="logs-insights-queries-saved",
    title="Logs Insights queries are saved for the common questions",
    action="Save Logs Insights queries for the common questions",
    principle=OB,
    severity=Severity.LOW,
    needs=("logs", "logs-queries"),
    effort_minutes=30,
    monthly_cost_usd=0,
    remediation_cmd=(
        "for q in query-*.json; do aws logs put-query-definition --cli-input-json "
        'file://"$q" --region {groups_region}; done'
    ),
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


# --- CIS 4.x: metric filters and alarms on the CloudTrail log group --------------------------


def _trail_log_groups(snap: Snapshot) -> dict[str, Trail]:
    """Log group name -> the logging multi-region trail that delivers to it."""
    out: dict[str, Trail] = {}
    for trail in snap.cloudtrail.trails:
        arn = trail.cloudwatch_logs_log_group_arn
        if trail.is_multi_region and trail.is_logging and arn:
            # arn:aws:logs:region:account:log-group:NAME:*
            parts = arn.split(":")
            if len(parts) >= 7:
                out[parts[6]] = trail
    return out


def _filter_alarmed(snap: Snapshot, mf: MetricFilter) -> bool:
    metrics = {(m.namespace, m.name) for m in mf.metrics}
    return any(
        (a.namespace, a.metric_name) in metrics and a.actions_enabled and a.alarm_actions
        for a in snap.cloudwatch.alarms
        if a.region == mf.region
    )


def _cis_monitor(snap: Snapshot, tokens: tuple[str, ...], what: str) -> Iterator[Check]:
    groups = _trail_log_groups(snap)
    if not snap.cloudtrail.trails:
        return  # AL rules report the missing trail; nothing to monitor here
    if not groups:
        yield Check.account(
            ok=False,
            evidence=f"no multi-region trail delivers to CloudWatch Logs, so {what} cannot be alarmed",
            log_group="<CLOUDTRAIL_LOG_GROUP>",
            prerequisite=ShellText(
                "# First make a multi-region trail deliver to CloudWatch Logs (AL004), then put "
                "its log group in place of <CLOUDTRAIL_LOG_GROUP>:\n"
            ),
            **_topic(snap, snap.regions[0] if snap.regions else ""),
        )
        return
    matching = [
        mf
        for mf in snap.logs.metric_filters
        if mf.log_group in groups and all(t.lower() in mf.pattern.lower() for t in tokens)
    ]
    alarmed = [mf for mf in matching if _filter_alarmed(snap, mf)]
    group = sorted(groups)[0]
    if alarmed:
        evidence = f"metric filter {alarmed[0].name} on {alarmed[0].log_group} is alarmed"
    elif matching:
        evidence = f"metric filter {matching[0].name} exists but no alarm with an action uses it"
    else:
        evidence = f"no metric filter for {what} on {group}"
    yield Check.account(
        ok=bool(alarmed),
        evidence=evidence,
        log_group=group,
        prerequisite=ShellText(""),
        **_topic(snap, snap.regions[0] if snap.regions else ""),
    )


def _cis_cmd(name: str, pattern: str) -> str:
    pattern = pattern.replace("{", "{{").replace("}", "}}")  # literal braces in the template
    return (
        f"{_TOPIC_SETUP}{{prerequisite}}aws logs put-metric-filter --log-group-name {{log_group}} "
        f"--region {{region}} --filter-name {name} "
        f"--metric-transformations metricName={name},metricNamespace=CISBenchmark,metricValue=1 "
        f"--filter-pattern '{pattern}' && aws cloudwatch put-metric-alarm --alarm-name {name} "
        f"--namespace CISBenchmark --metric-name {name} --statistic Sum --period 300 "
        f"--evaluation-periods 1 --threshold 1 --comparison-operator "
        f"GreaterThanOrEqualToThreshold --alarm-actions {{topic}} --region {{region}}"
    )


_CIS_DOC = """
    ## What it checks
    A metric filter on the log group of a logging multi-region CloudTrail trail
    matches {what}, and an alarm with an action watches its metric.

    ## Why it matters
    {why}

    ## Remediation
    Create the metric filter and an alarm with an SNS action (one pair per
    event class). Requires the trail to deliver to CloudWatch Logs.

    ## References
    - CIS AWS Foundations Benchmark, section 4 (Monitoring)
    - https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html
"""


def _cis_monitor_rule(
    *,
    id: str,
    slug: str,
    title: str,
    action: str,
    metric: str,
    pattern: str,
    tokens: tuple[str, ...],
    what: str,
    why: str,
    cis: str,
    fsbp: str,
) -> Rule:
    """One CIS 4.x monitoring rule: the same check, its own event class.

    ``tokens`` are what a metric filter's pattern must mention to count as
    watching the event class; ``pattern`` is the filter the command creates.
    """

    def check(snap: Snapshot) -> Iterator[Check]:
        yield from _cis_monitor(snap, tokens, what)

    check.__name__ = slug.replace("-", "_")
    check.__doc__ = _CIS_DOC.format(what=what, why=why)
    return rule(
        id=id,
        slug=slug,
        title=title,
        action=action,
        principle=OB,
        severity=Severity.LOW,
        needs=("cloudtrail", "logs", "cloudwatch"),
        effort_minutes=15,
        monthly_cost_usd=0.1,
        remediation_cmd=_cis_cmd(metric, pattern),
        frameworks={"cis": [cis], "fsbp": [fsbp]},
    )(check)


unauthorized_api_calls_alarmed = _cis_monitor_rule(
    id="OB007",
    slug="unauthorized-api-calls-alarmed",
    title="Unauthorised API calls raise an alarm",
    action="Alarm on unauthorised API calls",
    metric="UnauthorizedAPICalls",
    pattern='{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
    tokens=("UnauthorizedOperation", "AccessDenied"),
    what="unauthorised API calls (`UnauthorizedOperation`, `AccessDenied`)",
    why=(
        "A burst of denied calls is often the first trace of stolen credentials probing "
        "what they can do, or of a deployment that lost a permission."
    ),
    cis="4.1",
    fsbp="CloudWatch.2",
)

console_signin_without_mfa_alarmed = _cis_monitor_rule(
    id="OB008",
    slug="console-signin-without-mfa-alarmed",
    title="Console sign-in without MFA raises an alarm",
    action="Alarm on console sign-in without MFA",
    metric="ConsoleSigninWithoutMFA",
    pattern='{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }',
    tokens=("ConsoleLogin", "MFAUsed"),
    what="console sign-ins without MFA",
    why=(
        "A password-only console sign-in is the classic account takeover; "
        "it should never go unnoticed."
    ),
    cis="4.2",
    fsbp="CloudWatch.3",
)

root_usage_alarmed = _cis_monitor_rule(
    id="OB009",
    slug="root-usage-alarmed",
    title="Use of the root user raises an alarm",
    action="Alarm on use of the root user",
    metric="RootAccountUsage",
    pattern=(
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
        '&& $.eventType != "AwsServiceEvent" }'
    ),
    tokens=("userIdentity.type", "Root"),
    what="use of the root user",
    why="The root user should be used almost never; every use deserves a human look.",
    cis="4.3",
    fsbp="CloudWatch.1",
)

iam_policy_changes_alarmed = _cis_monitor_rule(
    id="OB010",
    slug="iam-policy-changes-alarmed",
    title="IAM policy changes raise an alarm",
    action="Alarm on IAM policy changes",
    metric="IAMPolicyChanges",
    pattern=(
        "{ ($.eventName=PutRolePolicy) || ($.eventName=AttachRolePolicy) || "
        "($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || "
        "($.eventName=CreatePolicyVersion) || ($.eventName=PutUserPolicy) || "
        "($.eventName=AttachUserPolicy) || ($.eventName=DetachRolePolicy) }"
    ),
    tokens=("PutRolePolicy", "AttachRolePolicy", "CreatePolicy"),
    what="IAM policy changes",
    why="Privilege changes are how an intruder makes access stick; they should be rare and seen.",
    cis="4.4",
    fsbp="CloudWatch.4",
)

cloudtrail_changes_alarmed = _cis_monitor_rule(
    id="OB011",
    slug="cloudtrail-changes-alarmed",
    title="CloudTrail configuration changes raise an alarm",
    action="Alarm on CloudTrail configuration changes",
    metric="CloudTrailChanges",
    pattern=(
        "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || "
        "($.eventName = DeleteTrail) || ($.eventName = StartLogging) || "
        "($.eventName = StopLogging) }"
    ),
    tokens=("UpdateTrail", "DeleteTrail", "StopLogging"),
    what="CloudTrail configuration changes",
    why=(
        "Stopping or changing the trail blinds the audit log; "
        "it is the first move of a careful intruder."
    ),
    cis="4.5",
    fsbp="CloudWatch.5",
)

security_group_changes_alarmed = _cis_monitor_rule(
    id="OB012",
    slug="security-group-changes-alarmed",
    title="Security group changes raise an alarm",
    action="Alarm on security group changes",
    metric="SecurityGroupChanges",
    pattern=(
        "{ ($.eventName = AuthorizeSecurityGroupIngress) || "
        "($.eventName = AuthorizeSecurityGroupEgress) || "
        "($.eventName = RevokeSecurityGroupIngress) || "
        "($.eventName = RevokeSecurityGroupEgress) || "
        "($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }"
    ),
    tokens=("AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress"),
    what="security group changes",
    why=(
        "A security group opened to the world is the most common way "
        "a private resource becomes public."
    ),
    cis="4.10",
    fsbp="CloudWatch.10",
)
