"""Observability: can the operator see what the workload is doing, and be told when it breaks?"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.engine.model import Check, Principle, Rule, Severity, rule
from auditor.snapshot import Snapshot
from auditor.snapshot.cloudtrail import Trail
from auditor.snapshot.cloudwatch import Alarm, MetricFilter

OB = Principle.OBSERVABILITY


@rule(
    id="OB001",
    slug="ecs-container-insights-enabled",
    title="ECS clusters have Container Insights enabled",
    principle=OB,
    severity=Severity.HIGH,
    needs=("ecs",),
    effort_minutes=5,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws ecs update-cluster-settings --cluster {name} "
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
    principle=OB,
    severity=Severity.MEDIUM,
    needs=("cloudwatch",),
    effort_minutes=60,
    monthly_cost_usd=3,
    remediation_cmd=(
        "aws cloudwatch put-dashboard --dashboard-name operations "
        "--dashboard-body file://dashboard.json --region {region}"
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
    yield Check.account(
        ok=bool(names),
        evidence=(
            f"{len(names)} dashboard(s): {', '.join(names[:5])}"
            if names
            else "no CloudWatch dashboard"
        ),
    )


def _alarmed_values(alarms: tuple[Alarm, ...], dimension: str) -> set[str]:
    return {d.value for a in alarms for d in a.dimensions if d.name == dimension}


@rule(
    id="OB003",
    slug="ecs-services-have-alarms",
    title="ECS services are covered by a CloudWatch alarm",
    principle=OB,
    severity=Severity.MEDIUM,
    needs=("ecs", "cloudwatch"),
    effort_minutes=15,
    monthly_cost_usd=0.1,
    remediation_cmd=(
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
            topic=f"arn:aws:sns:{service.region}:{snap.account_id}:alerts",
        )


@rule(
    id="OB004",
    slug="lambda-errors-alarmed",
    title="Lambda functions have an alarm on errors",
    principle=OB,
    severity=Severity.MEDIUM,
    needs=("lambda", "cloudwatch"),
    effort_minutes=10,
    monthly_cost_usd=0.1,
    remediation_cmd=(
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
            topic=f"arn:aws:sns:{fn.region}:{snap.account_id}:alerts",
        )


@rule(
    id="OB005",
    slug="alarms-have-actions",
    title="CloudWatch alarms notify someone",
    principle=OB,
    severity=Severity.LOW,
    needs=("cloudwatch",),
    effort_minutes=5,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws cloudwatch put-metric-alarm --alarm-name {name} --alarm-actions {topic} "
        "--region {region}  # repeat the alarm's other settings"
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
            topic=f"arn:aws:sns:{alarm.region}:{snap.account_id}:alerts",
        )


@rule(
    id="OB006",
    slug="logs-insights-queries-saved",
    title="Logs Insights queries are saved for the common questions",
    principle=OB,
    severity=Severity.LOW,
    needs=("logs", "logs-queries"),
    effort_minutes=30,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws logs put-query-definition --name errors-by-service "
        "--query-string 'fields @timestamp, @message | filter @message like /ERROR/ "
        "| stats count() by @logStream' --region {region}"
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
    yield Check.account(
        ok=bool(names),
        evidence=f"{len(names)} saved query(ies)" if names else "no saved Logs Insights query",
    )


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
            log_group="CLOUDTRAIL_LOG_GROUP",
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
    yield Check.account(ok=bool(alarmed), evidence=evidence, log_group=group)


def _cis_cmd(name: str, pattern: str) -> str:
    pattern = pattern.replace("{", "{{").replace("}", "}}")  # literal braces in the template
    return (
        f"aws logs put-metric-filter --log-group-name {{log_group}} --filter-name {name} "
        f"--metric-transformations metricName={name},metricNamespace=CISBenchmark,metricValue=1 "
        f"--filter-pattern '{pattern}' && aws cloudwatch put-metric-alarm --alarm-name {name} "
        f"--namespace CISBenchmark --metric-name {name} --statistic Sum --period 300 "
        f"--evaluation-periods 1 --threshold 1 --comparison-operator "
        f"GreaterThanOrEqualToThreshold --alarm-actions arn:aws:sns:{{region}}:{{account}}:alerts"
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
    - CIS AWS Foundations Benchmark v5.0.0, control {cis} (section 4, Monitoring)
    - Security Hub control {control} (CIS standard; not part of FSBP)
    - https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html
"""


def _cis_monitor_rule(
    *,
    id: str,
    slug: str,
    title: str,
    metric: str,
    pattern: str,
    tokens: tuple[str, ...],
    what: str,
    why: str,
    cis: str,
    control: str,
) -> Rule:
    """One CIS 4.x monitoring rule: the same check, its own event class.

    ``tokens`` are what a metric filter's pattern must mention to count as
    watching the event class; ``pattern`` is the filter the command creates.
    """

    def check(snap: Snapshot) -> Iterator[Check]:
        yield from _cis_monitor(snap, tokens, what)

    check.__name__ = slug.replace("-", "_")
    check.__doc__ = _CIS_DOC.format(what=what, why=why, cis=cis, control=control)
    return rule(
        id=id,
        slug=slug,
        title=title,
        principle=OB,
        severity=Severity.LOW,
        needs=("cloudtrail", "logs", "cloudwatch"),
        effort_minutes=15,
        monthly_cost_usd=0.1,
        remediation_cmd=_cis_cmd(metric, pattern),
        frameworks={"cis": [cis]},
    )(check)


unauthorized_api_calls_alarmed = _cis_monitor_rule(
    id="OB007",
    slug="unauthorized-api-calls-alarmed",
    title="Unauthorised API calls raise an alarm",
    metric="UnauthorizedAPICalls",
    pattern='{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
    tokens=("UnauthorizedOperation", "AccessDenied"),
    what="unauthorised API calls (`UnauthorizedOperation`, `AccessDenied`)",
    why=(
        "A burst of denied calls is often the first trace of stolen credentials probing "
        "what they can do, or of a deployment that lost a permission."
    ),
    cis="4.1",
    control="CloudWatch.2",
)

console_signin_without_mfa_alarmed = _cis_monitor_rule(
    id="OB008",
    slug="console-signin-without-mfa-alarmed",
    title="Console sign-in without MFA raises an alarm",
    metric="ConsoleSigninWithoutMFA",
    pattern='{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }',
    tokens=("ConsoleLogin", "MFAUsed"),
    what="console sign-ins without MFA",
    why=(
        "A password-only console sign-in is the classic account takeover; "
        "it should never go unnoticed."
    ),
    cis="4.2",
    control="CloudWatch.3",
)

root_usage_alarmed = _cis_monitor_rule(
    id="OB009",
    slug="root-usage-alarmed",
    title="Use of the root user raises an alarm",
    metric="RootAccountUsage",
    pattern=(
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
        '&& $.eventType != "AwsServiceEvent" }'
    ),
    tokens=("userIdentity.type", "Root"),
    what="use of the root user",
    why="The root user should be used almost never; every use deserves a human look.",
    cis="4.3",
    control="CloudWatch.1",
)

iam_policy_changes_alarmed = _cis_monitor_rule(
    id="OB010",
    slug="iam-policy-changes-alarmed",
    title="IAM policy changes raise an alarm",
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
    control="CloudWatch.4",
)

cloudtrail_changes_alarmed = _cis_monitor_rule(
    id="OB011",
    slug="cloudtrail-changes-alarmed",
    title="CloudTrail configuration changes raise an alarm",
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
    control="CloudWatch.5",
)

security_group_changes_alarmed = _cis_monitor_rule(
    id="OB012",
    slug="security-group-changes-alarmed",
    title="Security group changes raise an alarm",
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
    control="CloudWatch.10",
)
