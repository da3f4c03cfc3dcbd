"""Audit Logging: security events on the CloudTrail log group raise alarms (CIS section 4).

The six checks are one idea (is someone told when the audit log shows an
attack pattern?) applied to six event classes, so they share a scoring group:
together they weigh as one low-severity check, not six (docs/scoring.md).
They were OB007-OB012 before CIS monitoring moved to Audit Logging.
"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.analysis.fixfiles import TOPIC_SETUP, topic_fields
from auditor.engine.model import Check, Principle, Rule, Severity, ShellText, rule
from auditor.snapshot import Snapshot
from auditor.snapshot.cloudtrail import Trail
from auditor.snapshot.cloudwatch import MetricFilter

# --- CIS 4.x: metric filters and alarms on the CloudTrail log group --------------------------


def _trail_log_groups(snap: Snapshot) -> dict[str, Trail]:
    """Log group name -> the logging multi-region trail that delivers to it."""
    out: dict[str, Trail] = {}
    for trail in snap.cloudtrail.trails:
        arn = trail.cloudwatch_logs_log_group_arn
        if trail.owner_account_id not in ("", snap.account_id):
            continue  # an organization trail: its log group and alarms live in its owner account
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
        if any(
            t.owner_account_id not in ("", snap.account_id) and t.is_logging
            for t in snap.cloudtrail.trails
        ):
            return  # another account's organization trail records us: judged in its owner's scan
        yield Check.account(
            ok=False,
            evidence=f"no multi-region trail delivers to CloudWatch Logs, so {what} cannot be alarmed",
            log_group="<CLOUDTRAIL_LOG_GROUP>",
            prerequisite=ShellText(
                "# First make a multi-region trail deliver to CloudWatch Logs (AL004), then put "
                "its log group in place of <CLOUDTRAIL_LOG_GROUP>:\n"
            ),
            **topic_fields(snap, snap.regions[0] if snap.regions else ""),
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
        **topic_fields(snap, snap.regions[0] if snap.regions else ""),
    )


def _cis_cmd(name: str, pattern: str) -> str:
    pattern = pattern.replace("{", "{{").replace("}", "}}")  # literal braces in the template
    return (
        f"{TOPIC_SETUP}{{prerequisite}}aws logs put-metric-filter --log-group-name {{log_group}} "
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
    matches {what}, and an alarm with an action watches its metric. In a
    member account whose only logging trail is an organization trail owned by
    another account, the filters and alarms belong in that account's log
    group: no verdict here (no command this account could run).

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
    action: str,
    metric: str,
    pattern: str,
    tokens: tuple[str, ...],
    what: str,
    why: str,
    cis: str,
    control: str,
    formerly: str,
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
        action=action,
        principle=Principle.AUDIT_LOGGING,
        severity=Severity.LOW,
        needs=("cloudtrail", "logs", "cloudwatch"),
        effort_minutes=15,
        monthly_cost_usd=0.1,
        remediation_cmd=_cis_cmd(metric, pattern),
        frameworks={"cis": [cis]},
        group="cis-security-event-alarms",
        formerly=(formerly,),
    )(check)


unauthorized_api_calls_alarmed = _cis_monitor_rule(
    id="AL012",
    formerly="OB007",
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
    control="CloudWatch.2",
)

console_signin_without_mfa_alarmed = _cis_monitor_rule(
    id="AL013",
    formerly="OB008",
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
    control="CloudWatch.3",
)

root_usage_alarmed = _cis_monitor_rule(
    id="AL014",
    formerly="OB009",
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
    control="CloudWatch.1",
)

iam_policy_changes_alarmed = _cis_monitor_rule(
    id="AL015",
    formerly="OB010",
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
    control="CloudWatch.4",
)

cloudtrail_changes_alarmed = _cis_monitor_rule(
    id="AL016",
    formerly="OB011",
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
    control="CloudWatch.5",
)

security_group_changes_alarmed = _cis_monitor_rule(
    id="AL017",
    formerly="OB012",
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
    control="CloudWatch.10",
)
