"""Condition operators and key kinds, as AWS documents them, for both questions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from auditor.analysis.iam import Context, Question, evaluate_condition, matches
from auditor.analysis.iam.conditions import is_internet_range

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def holds(
    condition: dict[str, Any], values: dict[str, Any] | None = None, **kw: Any
) -> bool | None:
    ctx = Context.of(values or {}, now=NOW, **kw)
    return evaluate_condition(condition, ctx).holds


def test_iam_wildcards_are_star_and_question_mark_only() -> None:
    assert matches("arn:aws:s3:::logs-*", "arn:aws:s3:::logs-2026/x")
    assert matches("s3:Get?bject", "s3:GetObject")
    assert not matches("s3:Get[O]bject", "s3:GetObject")  # brackets are literal
    assert matches("s3:Get[O]bject", "s3:Get[O]bject")
    assert matches("iam:pass*", "iam:passrole", ignore_case=True)
    assert not matches("iam:Pass*", "iam:passrole")  # case matters unless asked


def test_string_operators_and_negation() -> None:
    values = {"aws:PrincipalTag/team": "ops"}
    assert holds({"StringEquals": {"aws:PrincipalTag/team": "ops"}}, values)
    assert holds({"StringEquals": {"aws:PrincipalTag/team": "dev"}}, values) is False
    assert holds({"StringNotEquals": {"aws:PrincipalTag/team": "dev"}}, values)
    assert holds({"StringLike": {"aws:PrincipalTag/team": "o*"}}, values)
    assert holds({"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "OPS"}}, values)


def test_missing_keys_if_exists_and_null() -> None:
    # an IAM caller's request has no aws:SourceAccount
    assert holds({"StringEquals": {"aws:SourceAccount": "1"}}) is False
    assert holds({"StringEqualsIfExists": {"aws:SourceAccount": "1"}}) is True
    assert holds({"StringNotEquals": {"aws:SourceAccount": "1"}}) is True
    assert holds({"Null": {"aws:SourceAccount": "true"}}) is True
    assert holds({"Null": {"aws:SourceAccount": "false"}}) is False
    # on a service principal's call the key is there
    assert holds(
        {"StringEquals": {"aws:SourceAccount": "1"}}, {"aws:SourceAccount": "1"}, service_call=True
    )


def test_set_qualifiers() -> None:
    tags = {"aws:TagKeys": ["team", "cost"]}
    wanted = ["team", "cost", "owner"]
    assert holds({"ForAllValues:StringEquals": {"aws:TagKeys": wanted}}, tags)
    assert holds({"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}, tags) is False
    assert holds({"ForAnyValue:StringEquals": {"aws:TagKeys": ["cost"]}}, tags)
    assert holds({"ForAnyValue:StringEquals": {"aws:TagKeys": ["x"]}}, tags) is False
    empty = {"aws:TagKeys": []}
    assert holds({"ForAllValues:StringEquals": {"aws:TagKeys": ["x"]}}, empty)  # vacuous
    assert holds({"ForAnyValue:StringEquals": {"aws:TagKeys": ["x"]}}, empty) is False


def test_arn_operators_both_take_wildcards() -> None:
    values = {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/deploy-prod"}
    assert holds(
        {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/deploy-*"}}, values
    )
    assert holds({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/deploy-prod"}}, values)
    assert (
        holds({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/deploy-*"}}, values) is False
    )


def test_numeric_bool_and_dates_at_the_snapshot_time() -> None:
    assert holds({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "5"})
    assert holds({"NumericGreaterThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "5"}) is False
    assert holds({"Bool": {"aws:ViaAWSService": "false"}}, {"aws:ViaAWSService": "false"})
    assert holds({"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}) is False
    assert holds({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}) is True
    assert holds({"DateLessThan": {"aws:EpochTime": str(int(NOW.timestamp()) + 60)}}) is True
    undated = Context.of({})  # no snapshot time: time keys are unknown
    assert (
        evaluate_condition({"DateLessThan": {"aws:CurrentTime": "2099-01-01"}}, undated).holds
        is None
    )


def test_ip_addresses_and_internet_ranges() -> None:
    ip = {"aws:SourceIp": "203.0.113.7"}
    assert holds({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, ip)
    assert holds({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, ip) is False
    assert is_internet_range("0.0.0.0/1") and is_internet_range("::/0")
    assert not is_internet_range("10.0.0.0/8") and not is_internet_range("203.0.113.0/24")


def test_policy_variables_in_condition_values() -> None:
    values = {"aws:username": "alice", "aws:PrincipalTag/owner": "alice"}
    same = {"StringEquals": {"aws:PrincipalTag/owner": "${aws:username}"}}
    assert holds(same, values)
    unknown = Context.of({"aws:PrincipalTag/owner": "alice"})
    outcome = evaluate_condition(same, unknown)
    assert outcome.holds is None and "aws:principaltag/owner" in outcome.keys


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
        {"Bool": {"aws:SecureTransport": "true"}},
        {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        {"StringEquals": {"aws:RequestTag/team": "ops"}},
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}},
        {"StringLike": {"s3:prefix": "home/*"}},
    ],
)
def test_caller_controlled_keys_are_met_by_an_allow_and_sidestep_a_deny(
    condition: dict[str, Any],
) -> None:
    ctx = Context.of({})
    assert evaluate_condition(condition, ctx, allow=True).holds is True
    assert evaluate_condition(condition, ctx, allow=False).holds is False


def test_identity_keys_differ_between_the_two_questions() -> None:
    org = {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}
    principal = evaluate_condition(org, Context.of({}))
    assert principal.holds is None and principal.keys == {"aws:principalorgid"}
    assert evaluate_condition(org, Context(Question.PUBLIC)).holds is False  # pins strangers out
    loose = {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123"}}
    assert evaluate_condition(loose, Context(Question.PUBLIC)).holds is True
    mfa = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    assert evaluate_condition(mfa, Context(Question.PUBLIC)).holds is True  # strangers have MFA too
    assert evaluate_condition(mfa, Context.of({})).holds is None
    own = {"StringEquals": {"aws:PrincipalAccount": "111122223333"}}
    assert evaluate_condition(own, Context.of({"aws:PrincipalAccount": "111122223333"})).holds


def test_unknown_operators_and_malformed_blocks_stay_undecided() -> None:
    assert holds({"StringSortOf": {"aws:username": "x"}}) is None
    assert holds({"StringEquals": "not-a-block"}) is None


def test_keys_the_principal_chooses_read_like_caller_controlled_ones() -> None:
    mfa = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    with_device = Context.of({}, chosen=frozenset({"aws:multifactorauthpresent"}))
    assert evaluate_condition(mfa, with_device, allow=True).holds is True
    assert evaluate_condition(mfa, with_device, allow=False).holds is False
    assert evaluate_condition(mfa, Context.of({})).holds is None
