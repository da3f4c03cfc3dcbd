"""Audit Logging: CIS section 4 security-event alarms (AL012-AL017, formerly OB007-OB012)."""

from __future__ import annotations

from auditor.rules.audit_logging_alarms import (
    cloudtrail_changes_alarmed,
    console_signin_without_mfa_alarmed,
    iam_policy_changes_alarmed,
    root_usage_alarmed,
    security_group_changes_alarmed,
    unauthorized_api_calls_alarmed,
)

from auditor.snapshot.cloudtrail import CloudTrailSection, Trail
from auditor.snapshot.cloudwatch import (
    CloudWatchSection,
    LogsSection,
    MetricFilter,
    MetricTransformation,
)
from tests.rules.helpers import REGION, evidence, failing, make_snapshot, passing, statuses
from tests.rules.test_observability import alarm

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


def test_al012_unauthorized_api_calls_pass_fail() -> None:
    rule, pattern = CIS_CASES[0]
    assert passing(rule, _cis_snapshot(pattern, alarmed=True)) == {"account"}
    assert failing(rule, _cis_snapshot(pattern, alarmed=False)) == {"account"}
    _check_cis_edge_cases(rule, pattern)


def test_al013_console_signin_without_mfa_pass_fail() -> None:
    rule, pattern = CIS_CASES[1]
    assert passing(rule, _cis_snapshot(pattern, alarmed=True)) == {"account"}
    assert failing(rule, _cis_snapshot(pattern, alarmed=False)) == {"account"}
    _check_cis_edge_cases(rule, pattern)


def test_al014_root_usage_pass_fail() -> None:
    rule, pattern = CIS_CASES[2]
    assert passing(rule, _cis_snapshot(pattern, alarmed=True)) == {"account"}
    assert failing(rule, _cis_snapshot(pattern, alarmed=False)) == {"account"}
    _check_cis_edge_cases(rule, pattern)


def test_al015_iam_policy_changes_pass_fail() -> None:
    rule, pattern = CIS_CASES[3]
    assert passing(rule, _cis_snapshot(pattern, alarmed=True)) == {"account"}
    assert failing(rule, _cis_snapshot(pattern, alarmed=False)) == {"account"}
    _check_cis_edge_cases(rule, pattern)


def test_al016_cloudtrail_changes_pass_fail() -> None:
    rule, pattern = CIS_CASES[4]
    assert passing(rule, _cis_snapshot(pattern, alarmed=True)) == {"account"}
    assert failing(rule, _cis_snapshot(pattern, alarmed=False)) == {"account"}
    _check_cis_edge_cases(rule, pattern)


def test_al017_security_group_changes_pass_fail() -> None:
    rule, pattern = CIS_CASES[5]
    assert passing(rule, _cis_snapshot(pattern, alarmed=True)) == {"account"}
    assert failing(rule, _cis_snapshot(pattern, alarmed=False)) == {"account"}
    _check_cis_edge_cases(rule, pattern)


def test_cis_monitors_are_silent_without_any_trail() -> None:
    assert statuses(root_usage_alarmed, make_snapshot()) == set()


def test_defect_cis_monitors_asked_members_to_filter_the_org_trail_log_group() -> None:
    """put-metric-filter on the organization trail's log group: another account's group."""
    org = trail().model_copy(
        update={
            "arn": "arn:aws:cloudtrail:us-west-2:999988887777:trail/org",
            "is_organization_trail": True,
            "cloudwatch_logs_log_group_arn": (
                f"arn:aws:logs:{REGION}:999988887777:log-group:{TRAIL_GROUP}:*"
            ),
        }
    )
    snap = make_snapshot(cloudtrail=CloudTrailSection(trails=(org,)))
    for rule, _ in CIS_CASES:
        assert statuses(rule, snap) == set(), rule.__name__
    # beside a trail of this account, that trail's log group is the one judged
    rule, pattern = CIS_CASES[0]
    own = _cis_snapshot(pattern, alarmed=False)
    both = own.model_copy(
        update={"cloudtrail": CloudTrailSection(trails=(org, *own.cloudtrail.trails))}
    )
    assert failing(rule, both) == {"account"}
    assert "exists but no alarm" in evidence(rule, both, "account")
