"""Policy evaluation: Deny, conditions, NotResource, boundaries, resource targets."""

from __future__ import annotations

from auditor.analysis.iam import ANY, GENERIC, Access, Permissions, compile_document, is_broad
from auditor.analysis.iam.evaluate import condition_outcome
from tests.analysis.iam_factories import allow, deny, doc

ROLE = "arn:aws:iam::123456789012:role/app"
OTHER = "arn:aws:iam::123456789012:role/admin"


def perms(*statements: dict, boundary: dict | None = None) -> Permissions:  # type: ignore[type-arg]
    return Permissions(
        compile_document("inline policy p", doc(*statements)),
        compile_document("policy boundary", boundary) if boundary is not None else None,
    )


def test_allow_names_its_statement() -> None:
    d = perms(allow("s3:GetObject", Sid="Read")).decide("s3:getobject")
    assert d.access is Access.YES
    assert d.why == "inline policy p (Read)"


def test_explicit_deny_overrides_allow() -> None:
    p = perms(allow("*"), deny("iam:*", Sid="NoIam"))
    assert p.allows("s3:GetObject")
    decision = p.decide("iam:PassRole")
    assert decision.access is Access.NO and decision.denied and decision.why.endswith("(NoIam)")


def test_conditional_allow_is_not_unconditional() -> None:
    p = perms(allow("s3:GetObject", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}))
    assert p.decide("s3:GetObject").access is Access.CONDITIONAL
    assert not p.allows("s3:GetObject")


def test_conditional_deny_makes_allow_conditional() -> None:
    mfa = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}
    p = perms(allow("*"), deny("iam:*", Condition=mfa))
    decision = p.decide("iam:PassRole")
    assert decision.access is Access.CONDITIONAL
    assert decision.keys == {"aws:multifactorauthpresent"}
    assert p.allows("s3:GetObject")


def test_a_deny_on_a_caller_controlled_key_is_sidestepped() -> None:
    # the caller chooses where it calls from: "deny from 10.0.0.0/8" stops nobody
    p = perms(allow("*"), deny("iam:*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
    assert p.decide("iam:PassRole").access is Access.ALLOWED


def test_known_condition_keys_are_decided() -> None:
    p = perms(
        allow(
            "iam:PassRole",
            Condition={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
        )
    )
    ecs = {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
    lam = {"iam:PassedToService": "lambda.amazonaws.com"}
    assert p.decide("iam:PassRole", ROLE, ecs).access is Access.YES
    assert p.decide("iam:PassRole", ROLE, lam).access is Access.NO
    # the caller names the service it passes the role to: some service will do
    assert p.decide("iam:PassRole", ROLE).access is Access.YES
    mfa = perms(allow("s3:GetObject", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}))
    assert mfa.decide("s3:GetObject", ROLE).access is Access.CONDITIONAL


def test_condition_operators() -> None:
    ctx = {"iam:policyarn": "arn:aws:iam::aws:policy/AdministratorAccess"}
    assert condition_outcome({}, ctx) is True
    assert condition_outcome({"ArnLike": {"iam:PolicyARN": "arn:aws:iam::aws:policy/*"}}, ctx)
    assert not condition_outcome({"ArnNotLike": {"iam:PolicyARN": "*/Admin*"}}, ctx)
    assert condition_outcome(
        {"StringEqualsIfExists": {"iam:PolicyARN": ["x", ctx["iam:policyarn"]]}}, ctx
    )
    assert condition_outcome({"StringEquals": {"aws:username": "bob"}}, ctx) is None
    assert condition_outcome({"NumericLessThan": {"iam:PolicyARN": "1"}}, ctx) is None
    assert condition_outcome({"StringEquals": "not-a-block"}, ctx) is None


def test_resource_scoping_of_concrete_targets() -> None:
    p = perms(allow("iam:PassRole", ROLE))
    assert p.allows("iam:PassRole", ROLE)
    assert not p.allows("iam:PassRole", OTHER)
    assert not p.allows("iam:PassRole", GENERIC)
    assert p.allows("iam:PassRole", ANY)


def test_resource_globs() -> None:
    p = perms(allow("iam:PassRole", "arn:aws:iam::123456789012:role/app*"))
    assert p.allows("iam:PassRole", ROLE)
    assert p.allows("iam:PassRole", ROLE + "-worker")
    assert not p.allows("iam:PassRole", OTHER)


def test_not_resource_grants_everything_but_the_named() -> None:
    p = perms({"Effect": "Allow", "Action": "iam:PassRole", "NotResource": OTHER})
    assert p.allows("iam:PassRole", ROLE)
    assert not p.allows("iam:PassRole", OTHER)
    assert p.allows("iam:PassRole", GENERIC)


def test_not_resource_deny() -> None:
    p = perms(
        allow("iam:PassRole"), {"Effect": "Deny", "Action": "iam:PassRole", "NotResource": ROLE}
    )
    assert p.allows("iam:PassRole", ROLE)
    assert not p.allows("iam:PassRole", OTHER)


def test_any_target_is_blocked_only_by_a_deny_on_star() -> None:
    assert perms(
        allow("lambda:CreateFunction", "arn:aws:lambda:*:*:function:x"),
        deny("lambda:*", "arn:aws:lambda:*:*:function:y"),
    ).allows("lambda:CreateFunction", ANY)
    assert not perms(allow("lambda:CreateFunction"), deny("lambda:*")).allows(
        "lambda:CreateFunction", ANY
    )


def test_generic_target_needs_a_broad_pattern_of_the_service() -> None:
    assert perms(allow("s3:GetObject", "arn:aws:s3:::*/*")).allows("s3:GetObject", GENERIC)
    assert not perms(allow("s3:GetObject", "arn:aws:s3:::logs/*")).allows("s3:GetObject", GENERIC)
    assert not perms(allow("s3:GetObject", "arn:aws:secretsmanager:*:*:secret:*")).allows(
        "s3:GetObject", GENERIC
    )
    assert perms(allow("sts:AssumeRole", "arn:aws:iam::*:role/*")).allows("sts:AssumeRole", GENERIC)


def test_is_broad() -> None:
    assert is_broad("*")
    assert is_broad("arn:aws:secretsmanager:us-west-2:123456789012:secret:*")
    assert is_broad("arn:aws:ssm:*:*:parameter/*")
    assert not is_broad("arn:aws:ssm:*:*:parameter/app/*")
    assert not is_broad("arn:aws:s3:::logs-*")
    assert not is_broad("not-an-arn")
    assert not is_broad("arn:aws:s3:::*", ("kms",))


def test_policy_variables_make_grants_conditional() -> None:
    p = perms(allow("iam:CreateAccessKey", "arn:aws:iam::123456789012:user/${aws:username}"))
    assert (
        p.decide("iam:CreateAccessKey", "arn:aws:iam::123456789012:user/bob").access
        is Access.CONDITIONAL
    )


def test_boundary_caps_and_denies() -> None:
    capped = perms(allow("*"), boundary=doc(allow("s3:*")))
    assert capped.allows("s3:GetObject")
    assert not capped.allows("iam:PassRole")
    denied = perms(allow("*"), boundary=doc(allow("*"), deny("s3:*")))
    assert denied.decide("s3:GetObject").denied
    loose = perms(
        allow("s3:GetObject"),
        boundary=doc(allow("s3:*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})),
    )
    assert loose.decide("s3:GetObject").access is Access.CONDITIONAL
    caller_set = perms(
        allow("s3:GetObject"),
        boundary=doc(allow("s3:*", Condition={"Bool": {"aws:SecureTransport": "true"}})),
    )
    assert caller_set.decide("s3:GetObject").access is Access.ALLOWED


def test_malformed_documents_grant_nothing() -> None:
    for bad in (
        None,
        {},
        {"Statement": "x"},
        {"Statement": [1, {"Effect": "Maybe", "Action": "*"}]},
    ):
        p = Permissions(compile_document("p", bad))  # type: ignore[arg-type]
        assert not p.allows("s3:GetObject", ANY)


def test_allowed_actions_over_a_universe() -> None:
    p = perms(allow("s3:Get*"), deny("s3:GetObject"))
    got = p.allowed_actions(["s3:GetObject", "s3:GetBucketPolicy", "s3:PutObject"])
    assert got == {"s3:getbucketpolicy"}
