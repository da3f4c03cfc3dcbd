"""Administrators (LP019-LP022) and the defects of issue 10's IAM sections, one test each.

Every ``test_defect_*`` fails on the code before the IAM engine took over the
permission questions (``analysis/policy.py`` predicates, LP006).
"""

from __future__ import annotations

from typing import Any

from auditor.rules.least_privilege import (
    customer_policies_not_full_admin,
    identities_not_full_administrators,
    inline_policies_no_service_wildcards,
    lambda_policies_not_public,
    managed_policies_no_service_wildcards,
    no_conditional_admin_or_escalation,
    no_escalation_path_to_admin,
    role_trust_not_public,
    user_permissions_through_groups,
    workload_roles_no_effective_admin,
    workload_roles_not_admin,
)
from auditor.rules.secrets_management import secret_policies_not_public

from auditor.analysis.iam import matches
from auditor.engine.catalogue import RETIRED, load_catalogue
from auditor.snapshot.lambda_ import LambdaFunction, LambdaSection
from auditor.snapshot.secretsmanager import Secret, SecretsSection
from tests.analysis.iam_factories import (
    ROOT,
    A,
    allow,
    arn,
    deny,
    doc,
    group,
    iam_snapshot,
    managed,
    role,
    trust_aws,
    trust_service,
    user,
)
from tests.rules.helpers import NOW, REGION, command, evidence, failing, passing

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
ADMIN_POLICY = managed("AdministratorAccess", doc(allow("*")), aws=True)
MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
IN_REGION = {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}


# ------------------------------------------------------------------ LP019


def test_lp019_flags_full_administrators_but_not_workloads_or_look_alikes() -> None:
    power_user = managed(
        "PowerUserAccess", doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}), aws=True
    )
    snap = iam_snapshot(
        users=(
            user("fail-direct-admin", attached=(ADMIN,)),
            user("fail-in-admins", groups=("admins",)),
            user("pass-power-user", attached=(power_user.arn,)),
            user("pass-allow-and-deny", inline={"p": doc(allow("*"), deny("*"))}),
            user("pass-mfa-admin", inline={"p": doc(allow("*", Condition=MFA))}),
        ),
        groups=(group("admins", attached=(ADMIN,)), group("pass-readers")),
        roles=(
            role("fail-ci-deployer", trust_aws(ROOT), inline={"all": doc(allow("*:*"))}),
            role(
                "fail-region-pinned",
                trust_aws(ROOT),
                inline={"all": doc(allow("*", Condition=IN_REGION))},
            ),
            role("pass-scoped", trust_aws(ROOT), inline={"s3": doc(allow("s3:GetObject"))}),
            role("task-admin", attached=(ADMIN,)),  # a workload role: LP003's
            role(
                "AWSServiceRoleForX",
                trust_service("x.amazonaws.com"),
                attached=(ADMIN,),
                path="/aws-service-role/x.amazonaws.com/",
            ),
        ),
        policies=(ADMIN_POLICY, power_user),
    )
    assert failing(identities_not_full_administrators, snap) == {
        "fail-direct-admin",
        "fail-in-admins",
        "fail-ci-deployer",
        "fail-region-pinned",
        "admins",
    }
    assert passing(identities_not_full_administrators, snap) == {
        "pass-power-user",
        "pass-allow-and-deny",
        "pass-mfa-admin",
        "pass-readers",
        "pass-scoped",
    }
    assert evidence(identities_not_full_administrators, snap, "fail-direct-admin") == (
        "user is an administrator through policy AdministratorAccess"
        " (AdministratorAccess attached directly to the user)"
    )
    assert evidence(identities_not_full_administrators, snap, "pass-power-user") == (
        "user is not an administrator; broad: policy PowerUserAccess (statement 1)"
        " allows every action but the iam ones"
    )
    assert "only if aws:multifactorauthpresent" in evidence(
        identities_not_full_administrators, snap, "pass-mfa-admin"
    )
    assert command(identities_not_full_administrators, snap, "fail-ci-deployer") == (
        "aws iam delete-role-policy --role-name fail-ci-deployer --policy-name all"
    )


# ------------------------------------------------------------------ LP020


def test_lp020_flags_star_policies_attached_or_not() -> None:
    snap = iam_snapshot(
        policies=(
            managed("fail-unattached-star", doc(allow("*:*"))).model_copy(
                update={"attachment_count": 0}
            ),
            managed(
                "fail-not-action-nothing",
                doc({"Effect": "Allow", "NotAction": "x:y", "Resource": "*"}),
            ),
            managed("fail-caller-condition", doc(allow("*", Condition=IN_REGION))),
            managed("pass-denied", doc(allow("*"), deny("*"))),
            managed(
                "pass-all-but-iam", doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
            ),
            managed("pass-one-bucket", doc(allow("*", "arn:aws:s3:::logs/*"))),
            managed("pass-mfa", doc(allow("*", Condition=MFA))),
            ADMIN_POLICY,  # AWS managed: LP019's and LP003's
        )
    )
    assert failing(customer_policies_not_full_admin, snap) == {
        "fail-unattached-star",
        "fail-not-action-nothing",
        "fail-caller-condition",
    }
    assert passing(customer_policies_not_full_admin, snap) == {
        "pass-denied",
        "pass-all-but-iam",
        "pass-one-bucket",
        "pass-mfa",
    }
    assert evidence(customer_policies_not_full_admin, snap, "fail-unattached-star") == (
        "statement statement 1 allows * on * (not attached)"
    )


# ------------------------------------------------------------------ LP021


def test_lp021_flags_users_with_their_own_policies() -> None:
    snap = iam_snapshot(
        users=(
            user("fail-attached-admin", attached=(ADMIN,)),
            user("fail-inline", inline={"mine": doc(allow("s3:GetObject"))}),
            user("pass-through-group", groups=("devs",)),
            user("pass-nothing"),
        ),
        groups=(group("devs", inline={"dev": doc(allow("s3:GetObject"))}),),
        policies=(ADMIN_POLICY,),
    )
    assert failing(user_permissions_through_groups, snap) == {"fail-attached-admin", "fail-inline"}
    assert passing(user_permissions_through_groups, snap) == {"pass-through-group", "pass-nothing"}
    assert evidence(user_permissions_through_groups, snap, "fail-attached-admin") == (
        "holds policy AdministratorAccess directly, AdministratorAccess attached directly"
    )
    assert command(user_permissions_through_groups, snap, "fail-inline") == (
        "aws iam delete-user-policy --user-name fail-inline --policy-name mine"
    )


# ------------------------------------------------------------------ LP022


def test_lp022_reports_conditional_admin_and_conditional_paths() -> None:
    break_glass = role(
        "break-glass",
        trust_aws(arn("user", "fail-mfa-path"), Condition=MFA),
        attached=(ADMIN,),
    )
    snap = iam_snapshot(
        users=(
            user("fail-mfa-admin", inline={"p": doc(allow("*", Condition=MFA))}),
            user("fail-mfa-path", inline={"a": doc(allow("sts:AssumeRole", break_glass.arn))}),
            user("pass-plain", inline={"p": doc(allow("s3:GetObject"))}),
            user("pass-outright-admin", attached=(ADMIN,)),
        ),
        roles=(break_glass,),
        policies=(ADMIN_POLICY,),
    )
    assert failing(no_conditional_admin_or_escalation, snap) == {"fail-mfa-admin", "fail-mfa-path"}
    assert passing(no_conditional_admin_or_escalation, snap) >= {
        "pass-plain",
        "pass-outright-admin",
    }
    assert evidence(no_conditional_admin_or_escalation, snap, "fail-mfa-admin").startswith(
        "an administrator if aws:multifactorauthpresent"
    )
    path = evidence(no_conditional_admin_or_escalation, snap, "fail-mfa-path")
    assert path.startswith("a path to administrator power if aws:multifactorauthpresent:")
    # LP015 passes it, naming the conditional path: the finding is LP022's
    assert "fail-mfa-path" in passing(no_escalation_path_to_admin, snap)


# ------------------------------------------------------------------ defects


def test_defect_deny_passrole_is_lp006_fail_but_lp015_pass() -> None:
    """Deny iam:PassRole + PassRole/CreateFunction was an LP006 FAIL (high) and an LP015
    PASS: the escalation is now judged once, by LP015, and LP006 is retired."""
    admin_fn = role("fn-admin", trust_service("lambda.amazonaws.com"), attached=(ADMIN,))
    deploy = {
        "p": doc(
            allow(["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"]),
            deny("iam:PassRole"),
        )
    }
    snap = iam_snapshot(
        users=(user("pass-denied-passrole", inline=deploy),),
        roles=(admin_fn,),
        policies=(ADMIN_POLICY,),
    )
    assert "LP006" in RETIRED and "LP006" not in load_catalogue().ids
    assert "pass-denied-passrole" in passing(no_escalation_path_to_admin, snap)


def test_defect_admin_with_requested_region_boundary_passes_lp003_lp015_lp016() -> None:
    """An ECS task role with AdministratorAccess and a boundary "Allow * if
    aws:RequestedRegion = us-east-1" is an administrator: the caller picks the region."""
    boundary = managed("RegionBoundary", doc(allow("*", Condition=IN_REGION)))
    snap = iam_snapshot(
        roles=(
            role("fail-region-bounded", attached=(ADMIN,), boundary=boundary.arn),
            role(
                "pass-really-bounded",
                attached=(ADMIN,),
                boundary=managed("S3Only", doc(allow("s3:*"))).arn,
            ),
        ),
        policies=(ADMIN_POLICY, boundary, managed("S3Only", doc(allow("s3:*")))),
    )
    assert failing(workload_roles_not_admin, snap) == {"fail-region-bounded"}
    assert passing(workload_roles_not_admin, snap) == {"pass-really-bounded"}
    # LP016 leaves literal administrators to LP003; LP015 skips administrators
    assert failing(workload_roles_no_effective_admin, snap) == set()


def test_defect_fnmatch_bracket_is_a_character_class() -> None:
    """fnmatch read `[F]` as a character class: `lambda:Invoke[F]unction` matched
    lambda:InvokeFunction. In IAM brackets are literal: no such action, nothing open."""
    assert not matches("lambda:invoke[f]unction", "lambda:invokefunction")
    assert matches("arn:aws:s3:::logs[1]/*", "arn:aws:s3:::logs[1]/a")
    brackets = doc({"Effect": "Allow", "Principal": "*", "Action": "lambda:Invoke[F]unction"})
    snap = iam_snapshot(
        **{
            "lambda_": LambdaSection(
                functions=(
                    LambdaFunction(
                        name="pass-brackets",
                        arn=f"arn:aws:lambda:{REGION}:{A}:function:pass-brackets",
                        region=REGION,
                        runtime="python3.12",
                        role_arn=arn("role", "fn"),
                        policy=brackets,
                    ),
                )
            )
        }
    )
    assert passing(lambda_policies_not_public, snap) == {"pass-brackets"}


def test_defect_star_inline_on_ci_role_shown_as_no_wildcard() -> None:
    """`*:*` inline on a CI role was "no service-wide wildcard on *" (a strength)."""
    snap = iam_snapshot(
        roles=(role("fail-ci", trust_aws(ROOT), inline={"deploy": doc(allow("*:*"))}),)
    )
    assert failing(inline_policies_no_service_wildcards, snap) == {"fail-ci"}
    assert failing(identities_not_full_administrators, snap) == {"fail-ci"}


def test_defect_unattached_star_managed_policy_passes() -> None:
    """An unattached customer managed `*:*` policy passed LP004 and nothing else saw it."""
    unattached = managed("fail-spare", doc(allow("*"))).model_copy(update={"attachment_count": 0})
    snap = iam_snapshot(policies=(unattached,))
    assert failing(managed_policies_no_service_wildcards, snap) == {"fail-spare"}
    assert failing(customer_policies_not_full_admin, snap) == {"fail-spare"}


def test_defect_time_windows_are_read_at_the_snapshot_time() -> None:
    """A grant "until 2099" is admin today (it was counted as conditional, so not admin);
    one "until 2020" is no grant."""
    later = {"DateLessThan": {"aws:CurrentTime": "2099-01-01T00:00:00Z"}}
    past = {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}
    assert NOW.year < 2099
    snap = iam_snapshot(
        roles=(
            role("fail-open-window", inline={"p": doc(allow("*", Condition=later))}),
            role("pass-closed-window", inline={"p": doc(allow("*", Condition=past))}),
        )
    )
    assert failing(workload_roles_not_admin, snap) == {"fail-open-window"}
    assert passing(workload_roles_not_admin, snap) == {"pass-closed-window"}


def test_defect_if_exists_org_condition_does_not_pin_the_caller() -> None:
    """`StringEqualsIfExists aws:PrincipalOrgID` lets a caller without the key in;
    `StringEquals` pins it; a NotPrincipal Allow admits everyone not named."""

    def trust(**extra: Any) -> dict[str, Any]:
        return doc({"Effect": "Allow", "Action": "sts:AssumeRole", **extra})

    snap = iam_snapshot(
        roles=(
            role(
                "fail-if-exists",
                trust(
                    Principal="*",
                    Condition={"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123"}},
                ),
            ),
            role("fail-not-principal", trust(NotPrincipal={"AWS": ROOT})),
            role(
                "pass-org",
                trust(
                    Principal="*", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}
                ),
            ),
        )
    )
    assert failing(role_trust_not_public, snap) == {"fail-if-exists", "fail-not-principal"}
    assert passing(role_trust_not_public, snap) == {"pass-org"}
    assert "aws:principalorgid" in evidence(role_trust_not_public, snap, "pass-org")


def test_defect_a_slash_one_source_ip_is_the_internet() -> None:
    """`IpAddress aws:SourceIp 0.0.0.0/1 + 128.0.0.0/1` pinned nobody but passed SM004."""

    def secret(name: str, ips: list[str]) -> Secret:
        policy = doc(
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
                "Condition": {"IpAddress": {"aws:SourceIp": ips}},
            }
        )
        return Secret(
            name=name,
            arn=f"arn:aws:secretsmanager:{REGION}:{A}:secret:{name}",
            region=REGION,
            rotation_enabled=True,
            policy=policy,
        )

    snap = iam_snapshot(
        secretsmanager=SecretsSection(
            secrets=(
                secret("fail-halves", ["0.0.0.0/1", "128.0.0.0/1"]),
                secret("pass-office", ["203.0.113.0/24"]),
            )
        )
    )
    assert failing(secret_policies_not_public, snap) == {"fail-halves"}
    assert passing(secret_policies_not_public, snap) == {"pass-office"}


def test_defect_source_account_is_set_only_by_service_principals() -> None:
    """A trust "account root if aws:SourceAccount = this account" was assumable by IAM
    callers (the key was filled in for them): it is set only on service calls."""
    admin = role(
        "admin",
        trust_aws(ROOT, Condition={"StringEquals": {"aws:SourceAccount": A}}),
        attached=(ADMIN,),
    )
    snap = iam_snapshot(
        users=(user("pass-caller", inline={"p": doc(allow("sts:AssumeRole"))}),),
        roles=(admin,),
        policies=(ADMIN_POLICY,),
    )
    assert "pass-caller" in passing(no_escalation_path_to_admin, snap)


def test_defect_allow_star_with_deny_star_is_not_admin() -> None:
    """`Allow *` with `Deny *` was an admin grant for LP003 (Deny statements ignored)."""
    snap = iam_snapshot(
        roles=(
            role("pass-denied", inline={"p": doc(allow("*"), deny("*"))}),
            role("fail-admin", inline={"p": doc(allow("*"))}),
        )
    )
    assert failing(workload_roles_not_admin, snap) == {"fail-admin"}
    assert passing(workload_roles_not_admin, snap) == {"pass-denied"}
