"""Least Privilege rules (LP...)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from auditor.rules.least_privilege import (
    access_keys_rotated,
    console_users_have_mfa,
    data_reads_scoped_to_resources,
    github_oidc_trust_restricts_audience,
    github_oidc_trust_restricts_subject,
    inline_policies_no_service_wildcards,
    lambda_policies_not_public,
    managed_policies_no_service_wildcards,
    no_escalation_path_to_admin,
    role_trust_not_public,
    root_has_no_access_keys,
    root_mfa_enabled,
    unused_access_keys_deactivated,
    workload_roles_no_effective_admin,
    workload_roles_not_admin,
    workload_roles_not_shared,
)

from auditor.engine.model import Status
from auditor.snapshot.ecs import EcsSection, TaskDefinition
from auditor.snapshot.iam import (
    AccountSummary,
    AttachedPolicy,
    CredentialReportRow,
    IamGroup,
    IamRole,
    IamSection,
    IamUser,
    InlinePolicy,
    ManagedPolicy,
    PasswordPolicy,
)
from auditor.snapshot.lambda_ import LambdaFunction, LambdaSection
from tests.rules.helpers import (
    ACCOUNT_ID,
    NOW,
    REGION,
    command,
    evidence,
    failing,
    fix_line,
    make_snapshot,
    passing,
    statuses,
)

ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
GITHUB = "token.actions.githubusercontent.com"
PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{GITHUB}"
HOSTILE = "x; rm -rf /"

# ----------------------------------------------------------------- factories


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def trust(service: str) -> dict[str, Any]:
    return doc({"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"})


def inline(name: str, document: dict[str, Any]) -> InlinePolicy:
    return InlinePolicy(name=name, document=document)


def attached(arn: str) -> AttachedPolicy:
    return AttachedPolicy(arn=arn, name=arn.rsplit("/", 1)[-1])


def managed(name: str, document: dict[str, Any], *, aws: bool = False) -> ManagedPolicy:
    owner = "aws" if aws else ACCOUNT_ID
    return ManagedPolicy(
        arn=f"arn:aws:iam::{owner}:policy/{name}",
        name=name,
        aws_managed=aws,
        default_version_id="v1",
        attachment_count=1,
        document=document,
    )


def role(
    name: str,
    trust_policy: dict[str, Any] | None = None,
    *,
    policies: tuple[InlinePolicy, ...] = (),
    arns: tuple[str, ...] = (),
    path: str = "/",
    boundary: str = "",
) -> IamRole:
    return IamRole(
        name=name,
        arn=f"arn:aws:iam::{ACCOUNT_ID}:role{path}{name}",
        id=f"AROA{name}",
        path=path,
        created=NOW - timedelta(days=400),
        trust_policy=trust_policy if trust_policy is not None else trust("ecs-tasks.amazonaws.com"),
        inline_policies=policies,
        attached_policies=tuple(attached(a) for a in arns),
        permissions_boundary_arn=boundary,
    )


def user(
    name: str,
    *,
    policies: tuple[InlinePolicy, ...] = (),
    arns: tuple[str, ...] = (),
    groups: tuple[str, ...] = (),
) -> IamUser:
    return IamUser(
        name=name,
        arn=f"arn:aws:iam::{ACCOUNT_ID}:user/{name}",
        id=f"AIDA{name}",
        path="/",
        created=NOW - timedelta(days=400),
        groups=groups,
        inline_policies=policies,
        attached_policies=tuple(attached(a) for a in arns),
    )


def group(name: str, *, policies: tuple[InlinePolicy, ...] = ()) -> IamGroup:
    return IamGroup(
        name=name,
        arn=f"arn:aws:iam::{ACCOUNT_ID}:group/{name}",
        id=f"AGPA{name}",
        path="/",
        inline_policies=policies,
        attached_policies=(),
    )


def days_ago(n: int) -> datetime:
    return NOW - timedelta(days=n)


def row(name: str, **kw: Any) -> CredentialReportRow:
    fields: dict[str, Any] = {
        "user": name,
        "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/{name}"
        if name != "<root_account>"
        else f"arn:aws:iam::{ACCOUNT_ID}:root",
        "user_created": days_ago(500),
        "password_enabled": False,
        "password_last_used": None,
        "password_last_changed": None,
        "mfa_active": False,
        "access_key_1_active": False,
        "access_key_1_last_rotated": None,
        "access_key_1_last_used": None,
        "access_key_2_active": False,
        "access_key_2_last_rotated": None,
        "access_key_2_last_used": None,
    }
    fields.update(kw)
    return CredentialReportRow.model_validate(fields)


def summary(*, mfa: bool = True, keys: bool = False) -> AccountSummary:
    return AccountSummary(
        root_mfa_enabled=mfa, root_access_keys_present=keys, users=0, roles=0, policies=0
    )


def iam(**kw: Any) -> Any:
    return make_snapshot(iam=IamSection(**kw))


def function(
    name: str, *, policy: dict[str, Any] | None = None, role_arn: str = ""
) -> LambdaFunction:
    return LambdaFunction(
        arn=f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}",
        name=name,
        region=REGION,
        runtime="python3.12",
        role_arn=role_arn or f"arn:aws:iam::{ACCOUNT_ID}:role/{name}-role",
        policy=policy,
    )


# --------------------------------------------------------------------- root


def test_lp001_fails_when_root_has_access_keys() -> None:
    assert failing(root_has_no_access_keys, iam(account_summary=(summary(keys=True),))) == {
        "account"
    }
    assert passing(root_has_no_access_keys, iam(account_summary=(summary(),))) == {"account"}


def test_lp001_fails_on_a_root_key_seen_only_in_the_credential_report() -> None:
    snap = iam(
        account_summary=(summary(),),
        credential_report=(row("<root_account>", access_key_2_active=True),),
    )
    assert failing(root_has_no_access_keys, snap) == {"account"}
    assert "access key 2" in evidence(root_has_no_access_keys, snap, "account")


def test_lp001_says_nothing_without_an_account_summary() -> None:
    # pass-/fail- naming does not apply to the account-level check
    assert failing(root_has_no_access_keys, iam()) == set()
    assert passing(root_has_no_access_keys, iam()) == set()


def test_lp001_unknown_when_iam_not_collected() -> None:
    snap = make_snapshot(gaps={"iam": "access_denied"})
    assert statuses(root_has_no_access_keys, snap) == {Status.UNKNOWN}


def test_lp002_root_mfa() -> None:
    assert failing(root_mfa_enabled, iam(account_summary=(summary(mfa=False),))) == {"account"}
    assert passing(root_mfa_enabled, iam(account_summary=(summary(mfa=True),))) == {"account"}
    # the credential report's root row is positive evidence too
    snap = iam(
        account_summary=(summary(mfa=False),),
        credential_report=(row("<root_account>", mfa_active=True),),
    )
    assert passing(root_mfa_enabled, snap) == {"account"}


# ---------------------------------------------------------- workload admin


def test_lp003_flags_admin_workload_roles() -> None:
    admin_doc = managed("FullAdmin", doc(allow("*")))
    boundary = managed("Boundary", doc(allow("s3:GetObject")))
    snap = iam(
        roles=(
            role("fail-aws-admin", arns=(ADMIN_ARN,)),
            role("fail-custom-admin", trust("lambda.amazonaws.com"), arns=(admin_doc.arn,)),
            role(
                "fail-inline-admin",
                trust("ec2.amazonaws.com"),
                policies=(inline("all", doc(allow("*:*"))),),
            ),
            role(
                "pass-notaction-all-but-iam",
                policies=(
                    inline(
                        "almost", doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
                    ),
                ),
            ),
            role(
                "pass-scoped",
                policies=(inline("s3", doc(allow("s3:GetObject", "arn:aws:s3:::b/*"))),),
            ),
            role(
                "pass-conditional",
                policies=(
                    inline(
                        "c",
                        doc(allow("*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})),
                    ),
                ),
            ),
            role("pass-bounded", arns=(ADMIN_ARN,), boundary=boundary.arn),
            # not a workload role: a human/CI role with admin is out of scope here
            role("human-admin", trust("cloudformation.amazonaws.com"), arns=(ADMIN_ARN,)),
        ),
        policies=(admin_doc, boundary),
    )
    assert failing(workload_roles_not_admin, snap) == {
        "fail-aws-admin",
        "fail-custom-admin",
        "fail-inline-admin",
    }
    assert passing(workload_roles_not_admin, snap) == {
        "pass-notaction-all-but-iam",  # every action but IAM's is not `*` on `*`
        "pass-scoped",
        "pass-conditional",
        "pass-bounded",
    }
    assert evidence(workload_roles_not_admin, snap, "fail-aws-admin") == (
        "ecs-tasks role is an administrator through policy AdministratorAccess"
    )


def test_lp003_commands_detach_or_delete_the_admin_policy() -> None:
    snap = iam(
        roles=(
            role("fail-attached", arns=(ADMIN_ARN,)),
            role("fail-inline", policies=(inline("god mode", doc(allow("*"))),)),
            role(HOSTILE, arns=(ADMIN_ARN,)),
        )
    )
    assert command(workload_roles_not_admin, snap, "fail-attached") == (
        f"aws iam detach-role-policy --role-name fail-attached --policy-arn {ADMIN_ARN}"
    )
    assert command(workload_roles_not_admin, snap, "fail-inline") == (
        "aws iam delete-role-policy --role-name fail-inline --policy-name 'god mode'"
    )
    assert command(workload_roles_not_admin, snap, HOSTILE) == (
        f"aws iam detach-role-policy --role-name 'x; rm -rf /' --policy-arn {ADMIN_ARN}"
    )


# ---------------------------------------------------------- service wildcards


def test_lp004_flags_customer_managed_service_wildcards() -> None:
    snap = iam(
        policies=(
            managed("fail-s3-star", doc(allow(["s3:*", "sqs:SendMessage"]))),
            managed("fail-two", doc({"Sid": "Wide", **allow(["logs:*", "kms:*"])})),
            managed("pass-prefix", doc(allow("s3:Get*"))),
            managed("pass-scoped", doc(allow("s3:*", "arn:aws:s3:::one-bucket/*"))),
            managed(
                "pass-conditional",
                doc(allow("s3:*", Condition={"StringEquals": {"aws:PrincipalTag/team": "a"}})),
            ),
            managed("AmazonS3FullAccess", doc(allow("s3:*")), aws=True),
        )
    )
    assert failing(managed_policies_no_service_wildcards, snap) == {"fail-s3-star", "fail-two"}
    assert passing(managed_policies_no_service_wildcards, snap) == {
        "pass-prefix",
        "pass-scoped",
        "pass-conditional",
    }
    assert evidence(managed_policies_no_service_wildcards, snap, "fail-two") == (
        "statement Wide allows logs:*, kms:* on *"
    )
    assert fix_line(command(managed_policies_no_service_wildcards, snap, "fail-two")) == (
        f"aws iam create-policy-version --policy-arn arn:aws:iam::{ACCOUNT_ID}:policy/fail-two"
        " --policy-document file://least-privilege-policy.json --set-as-default"
    )


def test_lp005_flags_inline_service_wildcards_on_any_principal() -> None:
    wild = inline("wild", doc(allow("dynamodb:*")))
    tame = inline("tame", doc(allow("dynamodb:GetItem")))
    snap = iam(
        roles=(role("fail-role", policies=(tame, wild)), role("pass-role", policies=(tame,))),
        users=(user("fail-user", policies=(wild,)), user("no-inline")),
        groups=(group("fail-group", policies=(wild,)),),
    )
    assert failing(inline_policies_no_service_wildcards, snap) == {
        "fail-role",
        "fail-user",
        "fail-group",
    }
    assert passing(inline_policies_no_service_wildcards, snap) == {"pass-role"}
    assert fix_line(command(inline_policies_no_service_wildcards, snap, "fail-user")) == (
        "aws iam put-user-policy --user-name fail-user --policy-name wild"
        " --policy-document file://least-privilege-policy.json"
    )
    assert fix_line(command(inline_policies_no_service_wildcards, snap, "fail-group")).startswith(
        "aws iam put-group-policy --group-name fail-group --policy-name wild"
    )


# ------------------------------------------------------------------ trust


def _assume(principal: Any, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra}


def test_lp007_flags_trust_policies_open_to_anyone() -> None:
    snap = iam(
        roles=(
            role("fail-star", doc(_assume("*"))),
            role("fail-aws-star", doc({"Sid": "Open", **_assume({"AWS": "*"})})),
            role("fail-any-account", doc(_assume({"AWS": "arn:aws:iam::*:root"}))),
            role(
                "fail-external-id-only",
                doc(_assume({"AWS": "*"}, Condition={"StringEquals": {"sts:ExternalId": "abc"}})),
            ),
            role(
                "fail-wildcard-org",
                doc(_assume({"AWS": "*"}, Condition={"StringLike": {"aws:PrincipalOrgID": "o-*"}})),
            ),
            role(
                "pass-org",
                doc(
                    _assume(
                        {"AWS": "*"}, Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}
                    )
                ),
            ),
            role("pass-account", doc(_assume({"AWS": "arn:aws:iam::111122223333:root"}))),
            role("pass-service"),
        )
    )
    assert failing(role_trust_not_public, snap) == {
        "fail-star",
        "fail-aws-star",
        "fail-any-account",
        "fail-external-id-only",
        "fail-wildcard-org",
    }
    assert passing(role_trust_not_public, snap) == {"pass-org", "pass-account", "pass-service"}
    assert evidence(role_trust_not_public, snap, "fail-aws-star") == (
        "trust statement Open lets any AWS principal assume the role"
    )


def _github(condition: dict[str, Any] | None) -> dict[str, Any]:
    st: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Federated": PROVIDER_ARN},
        "Action": "sts:AssumeRoleWithWebIdentity",
    }
    if condition is not None:
        st["Condition"] = condition
    return doc(st)


AUD = {f"{GITHUB}:aud": "sts.amazonaws.com"}


def _github_roles() -> Any:
    return iam(
        roles=(
            role("fail-no-condition", _github(None)),
            role("fail-aud-only", _github({"StringEquals": AUD})),
            role(
                "fail-any-repo",
                _github({"StringEquals": AUD, "StringLike": {f"{GITHUB}:sub": "repo:*"}}),
            ),
            role("fail-star-sub", _github({"StringLike": {f"{GITHUB}:sub": "*", **AUD}})),
            role(
                "fail-negated-sub",
                _github(
                    {
                        "StringEquals": AUD,
                        "StringNotEquals": {f"{GITHUB}:sub": "repo:evil/x:ref:main"},
                    }
                ),
            ),
            role(
                "fail-one-loose-value",
                _github(
                    {
                        "StringEquals": AUD,
                        "StringLike": {f"{GITHUB}:sub": ["repo:org/a:*", "repo:*/b:*"]},
                    }
                ),
            ),
            role(
                "pass-branch",
                _github(
                    {"StringEquals": {**AUD, f"{GITHUB}:sub": "repo:org/app:ref:refs/heads/main"}}
                ),
            ),
            role("pass-org-wide-no-aud", _github({"StringLike": {f"{GITHUB}:sub": "repo:org/*"}})),
            role(
                "pass-custom-claim",
                _github(
                    {
                        "StringEquals": {
                            **AUD,
                            f"{GITHUB}:sub": "repository_owner_id:1234:environment:prod",
                        }
                    }
                ),
            ),
            role("not-github"),
        )
    )


def test_lp008_github_oidc_requires_a_repository_subject() -> None:
    snap = _github_roles()
    assert failing(github_oidc_trust_restricts_subject, snap) == {
        "fail-no-condition",
        "fail-aud-only",
        "fail-any-repo",
        "fail-star-sub",
        "fail-negated-sub",
        "fail-one-loose-value",
    }
    assert passing(github_oidc_trust_restricts_subject, snap) == {
        "pass-branch",
        "pass-org-wide-no-aud",
        "pass-custom-claim",
    }
    assert evidence(github_oidc_trust_restricts_subject, snap, "fail-any-repo") == (
        "GitHub OIDC trust statement 1 allows sub 'repo:*'"
    )
    assert fix_line(command(github_oidc_trust_restricts_subject, snap, "fail-aud-only")) == (
        "aws iam update-assume-role-policy --role-name fail-aud-only"
        " --policy-document file://trust-policy.json"
    )


def test_lp009_github_oidc_requires_an_audience() -> None:
    snap = _github_roles()
    assert failing(github_oidc_trust_restricts_audience, snap) == {
        "fail-no-condition",
        "pass-org-wide-no-aud",
    }
    # the fail-* names here are LP008's: their audience is fine
    assert passing(github_oidc_trust_restricts_audience, snap) == {
        "fail-aud-only",
        "fail-any-repo",
        "fail-star-sub",
        "fail-negated-sub",
        "fail-one-loose-value",
        "pass-branch",
        "pass-custom-claim",
    }
    assert evidence(github_oidc_trust_restricts_audience, snap, "fail-no-condition") == (
        "GitHub OIDC trust statement 1 has no fixed aud condition"
    )


# ------------------------------------------------------------------ users


def test_lp010_console_users_without_mfa() -> None:
    snap = iam(
        credential_report=(
            row("<root_account>", password_enabled=True),
            row("fail-no-mfa", password_enabled=True),
            row("pass-mfa", password_enabled=True, mfa_active=True),
            row("api-only", access_key_1_active=True, access_key_1_last_rotated=days_ago(1)),
        )
    )
    assert failing(console_users_have_mfa, snap) == {"fail-no-mfa"}
    assert passing(console_users_have_mfa, snap) == {"pass-mfa"}


def test_lp010_command_is_filled_and_quoted() -> None:
    snap = iam(credential_report=(row(HOSTILE, password_enabled=True),))
    assert fix_line(command(console_users_have_mfa, snap, HOSTILE)) == (
        "aws iam create-virtual-mfa-device --virtual-mfa-device-name 'x; rm -rf /'"
        " --outfile mfa-qr.png --bootstrap-method QRCodePNG"
        " && aws iam enable-mfa-device --user-name 'x; rm -rf /'"
        f" --serial-number arn:aws:iam::{ACCOUNT_ID}:mfa/'x; rm -rf /'"
        ' --authentication-code1 "$CODE1" --authentication-code2 "$CODE2"'
    )


def _key_rows() -> Any:
    return iam(
        credential_report=(
            row(
                "<root_account>", access_key_1_active=True, access_key_1_last_rotated=days_ago(900)
            ),
            row(
                "fail-old",
                access_key_1_active=True,
                access_key_1_last_rotated=days_ago(200),
                access_key_1_last_used=days_ago(1),
            ),
            row(
                "fail-second-key",
                access_key_2_active=True,
                access_key_2_last_rotated=days_ago(91),
                access_key_2_last_used=days_ago(1),
            ),
            row(
                "pass-fresh",
                access_key_1_active=True,
                access_key_1_last_rotated=days_ago(45),
                access_key_1_last_used=days_ago(60),
            ),
            row(
                "pass-never-used-young",
                access_key_1_active=True,
                access_key_1_last_rotated=days_ago(10),
            ),
            row(
                "fail-never-used-old",
                access_key_1_active=True,
                access_key_1_last_rotated=days_ago(100),
            ),
            row("inactive", access_key_1_active=False, access_key_1_last_rotated=days_ago(900)),
        )
    )


def test_lp011_flags_keys_older_than_90_days() -> None:
    snap = _key_rows()
    assert failing(access_keys_rotated, snap) == {
        "fail-old",
        "fail-second-key",
        "fail-never-used-old",
    }
    assert passing(access_keys_rotated, snap) == {"pass-fresh", "pass-never-used-young"}
    assert evidence(access_keys_rotated, snap, "fail-second-key") == (
        "access key 2 is 91 days old (limit 90)"
    )
    assert command(access_keys_rotated, snap, "fail-old") == (
        "aws iam create-access-key --user-name fail-old"
    )


def test_lp011_threshold_override() -> None:
    snap = _key_rows()
    assert failing(access_keys_rotated, snap, max_age_days=30) == {
        "fail-old",
        "fail-second-key",
        "fail-never-used-old",
        "pass-fresh",
    }


def test_lp012_flags_keys_unused_for_90_days() -> None:
    snap = _key_rows()
    assert failing(unused_access_keys_deactivated, snap) == {"fail-never-used-old"}
    assert passing(unused_access_keys_deactivated, snap) == {
        "fail-old",
        "fail-second-key",
        "pass-fresh",
        "pass-never-used-young",
    }
    assert evidence(unused_access_keys_deactivated, snap, "fail-never-used-old") == (
        "access key 1 never used in 100 days (limit 90)"
    )
    created = days_ago(100).date().isoformat()
    assert command(unused_access_keys_deactivated, snap, "fail-never-used-old") == (
        "aws iam list-access-keys --user-name fail-never-used-old --query"
        f" \"AccessKeyMetadata[?Status=='Active' && starts_with(CreateDate, '{created}')]"
        '.AccessKeyId" --output text'
        " | xargs -n1 aws iam update-access-key --user-name fail-never-used-old"
        " --status Inactive --access-key-id"
    )


def test_lp012_threshold_override() -> None:
    snap = _key_rows()
    assert failing(unused_access_keys_deactivated, snap, max_unused_days=30) == {
        "fail-never-used-old",
        "pass-fresh",
    }


# --------------------------------------------------------- shared roles


def _task_definition(family: str, task_role: str, revision: int = 1) -> TaskDefinition:
    return TaskDefinition(
        arn=f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:task-definition/{family}:{revision}",
        family=family,
        revision=revision,
        region=REGION,
        status="ACTIVE",
        task_role_arn=f"arn:aws:iam::{ACCOUNT_ID}:role/{task_role}" if task_role else "",
        execution_role_arn=f"arn:aws:iam::{ACCOUNT_ID}:role/shared-execution-role",
    )


def test_lp013_flags_roles_shared_by_unrelated_services() -> None:
    role_arn = f"arn:aws:iam::{ACCOUNT_ID}:role/"
    snap = make_snapshot(
        ecs=EcsSection(
            task_definitions=(
                _task_definition("api", "fail-shared-ecs"),
                _task_definition("worker", "fail-shared-ecs"),
                _task_definition("billing", "fail-ecs-and-lambda"),
                _task_definition("web", "pass-own-role", 1),
                _task_definition("web", "pass-own-role", 2),
                _task_definition("no-role", ""),
            )
        ),
        **{
            "lambda": LambdaSection(
                functions=(
                    function("billing-hook", role_arn=role_arn + "fail-ecs-and-lambda"),
                    function("solo", role_arn=role_arn + "pass-lambda-role"),
                )
            )
        },
    )
    assert failing(workload_roles_not_shared, snap) == {"fail-shared-ecs", "fail-ecs-and-lambda"}
    assert passing(workload_roles_not_shared, snap) == {"pass-own-role", "pass-lambda-role"}
    assert evidence(workload_roles_not_shared, snap, "fail-ecs-and-lambda") == (
        "role used by 2 services: ECS family billing, Lambda function billing-hook"
    )
    assert fix_line(command(workload_roles_not_shared, snap, "fail-shared-ecs")) == (
        "aws iam create-role --role-name worker-role"
        " --assume-role-policy-document file://trust-policy.json"
    )


def test_lp013_unknown_when_lambda_not_collected() -> None:
    snap = make_snapshot(gaps={"lambda": "access_denied"})
    assert Status.UNKNOWN in statuses(workload_roles_not_shared, snap)


# ------------------------------------------------------- lambda policies


def _invoke(principal: Any, sid: str = "s", **extra: Any) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal,
        "Action": "lambda:InvokeFunction",
        "Resource": "*",
        **extra,
    }


def test_lp014_flags_function_policies_open_to_anyone() -> None:
    source = {"ArnLike": {"AWS:SourceArn": "arn:aws:execute-api:us-west-2:123456789012:abc/*"}}
    snap = make_snapshot(
        **{
            "lambda": LambdaSection(
                functions=(
                    function("fail-public", policy=doc(_invoke("*", "public"))),
                    function("fail-aws-star", policy=doc(_invoke({"AWS": "*"}))),
                    function(
                        "fail-s3-no-account", policy=doc(_invoke({"Service": "s3.amazonaws.com"}))
                    ),
                    function(
                        "pass-apigw",
                        policy=doc(
                            _invoke({"Service": "apigateway.amazonaws.com"}, Condition=source)
                        ),
                    ),
                    function(
                        "fail-star-any-bucket",
                        policy=doc(
                            _invoke("*", Condition={"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}})
                        ),
                    ),
                    function(
                        "pass-star-with-source",
                        policy=doc(_invoke("*", Condition=source)),
                    ),
                    function(
                        "pass-s3-with-account",
                        policy=doc(
                            _invoke(
                                {"Service": "s3.amazonaws.com"},
                                Condition={"StringEquals": {"AWS:SourceAccount": ACCOUNT_ID}},
                            )
                        ),
                    ),
                    function(
                        "pass-url-left-to-zt003",
                        policy=doc(
                            {
                                "Sid": "FunctionURLAllowPublicAccess",
                                "Effect": "Allow",
                                "Principal": "*",
                                "Action": "lambda:InvokeFunctionUrl",
                                "Resource": "*",
                                "Condition": {
                                    "StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}
                                },
                            }
                        ),
                    ),
                    function("pass-no-policy"),
                )
            )
        }
    )
    assert failing(lambda_policies_not_public, snap) == {
        "fail-public",
        "fail-aws-star",
        "fail-s3-no-account",
        "fail-star-any-bucket",
    }
    assert passing(lambda_policies_not_public, snap) == {
        "pass-apigw",
        "pass-star-with-source",
        "pass-s3-with-account",
        "pass-url-left-to-zt003",
        "pass-no-policy",
    }
    assert evidence(lambda_policies_not_public, snap, "fail-public") == (
        "policy statement public lets anyone invoke the function"
    )
    assert command(lambda_policies_not_public, snap, "fail-public") == (
        "aws lambda remove-permission --function-name fail-public --statement-id public"
        f" --region {REGION}"
    )


def test_lp014_command_quotes_hostile_names() -> None:
    snap = make_snapshot(
        **{"lambda": LambdaSection(functions=(function(HOSTILE, policy=doc(_invoke("*", "a b"))),))}
    )
    assert command(lambda_policies_not_public, snap, HOSTILE) == (
        "aws lambda remove-permission --function-name 'x; rm -rf /' --statement-id 'a b'"
        f" --region {REGION}"
    )


def test_lp008_enterprise_issuer_uses_its_own_condition_keys() -> None:
    issuer = f"{GITHUB}/my-enterprise"
    provider = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{issuer}"

    def enterprise(condition: dict[str, Any]) -> dict[str, Any]:
        return doc(
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": condition,
            }
        )

    snap = iam(
        roles=(
            role("pass-enterprise", enterprise({"StringLike": {f"{issuer}:sub": "repo:org/*"}})),
            # the public issuer's key does not bind tokens of the enterprise issuer
            role("fail-wrong-key", enterprise({"StringLike": {f"{GITHUB}:sub": "repo:org/*"}})),
        )
    )
    assert failing(github_oidc_trust_restricts_subject, snap) == {"fail-wrong-key"}
    assert passing(github_oidc_trust_restricts_subject, snap) == {"pass-enterprise"}


# ------------------------------------------------- effective permissions (LP015-LP017)

ROOT_TRUST = doc(
    {
        "Sid": "Account",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
        "Action": "sts:AssumeRole",
    }
)


def deny(action: str | list[str], resource: str | list[str] = "*") -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource}


def role_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT_ID}:role/{name}"


def test_lp015_finds_chains_and_passrole_to_admin_roles() -> None:
    snap = iam(
        users=(
            user(
                "fail-contractor",
                policies=(
                    inline(
                        "hop", doc(allow("sts:AssumeRole", role_arn("fail-triage"), Sid="Hop1"))
                    ),
                ),
            ),
            user(
                "fail-deployer",
                policies=(
                    inline(
                        "deploy",
                        doc(
                            allow(
                                ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"],
                                Sid="Deploy",
                            )
                        ),
                    ),
                ),
            ),
            user(
                "pass-builder",
                policies=(
                    inline(
                        "build",
                        doc(
                            allow("iam:PassRole", role_arn("pass-basic")),
                            allow(["lambda:CreateFunction", "lambda:InvokeFunction"]),
                        ),
                    ),
                ),
            ),
            user("admin-user", arns=(ADMIN_ARN,)),
        ),
        roles=(
            role(
                "fail-triage",
                ROOT_TRUST,
                policies=(
                    inline(
                        "hop", doc(allow("sts:AssumeRole", role_arn("break-glass"), Sid="Hop2"))
                    ),
                ),
            ),
            role(
                "break-glass",
                doc(
                    {
                        "Sid": "FromTriage",
                        "Effect": "Allow",
                        "Principal": {"AWS": role_arn("fail-triage")},
                        "Action": "sts:AssumeRole",
                    }
                ),
                policies=(inline("all", doc(allow("*", Sid="Admin"))),),
            ),
            role(
                "ops-automation",
                trust("lambda.amazonaws.com"),
                policies=(inline("iam", doc(allow("iam:*", Sid="IamAll"))),),
            ),
            role("pass-basic", trust("lambda.amazonaws.com")),
            role(
                "pass-linked",
                trust("ecs.amazonaws.com"),
                path="/aws-service-role/ecs.amazonaws.com/",
            ),
        ),
    )
    assert failing(no_escalation_path_to_admin, snap) == {
        "fail-contractor",
        "fail-deployer",
        "fail-triage",
    }
    assert passing(no_escalation_path_to_admin, snap) == {"pass-builder", "pass-basic"}


def test_lp015_evidence_is_the_whole_path_with_statements() -> None:
    snap = iam(
        users=(
            user(
                "fail-dev",
                policies=(
                    inline("hop", doc(allow("sts:AssumeRole", role_arn("middle"), Sid="Hop1"))),
                ),
            ),
        ),
        roles=(
            role(
                "middle",
                ROOT_TRUST,
                policies=(
                    inline("next", doc(allow("sts:AssumeRole", role_arn("top"), Sid="Hop2"))),
                ),
            ),
            role("top", ROOT_TRUST, policies=(inline("all", doc(allow("*", Sid="Admin"))),)),
        ),
    )
    text = evidence(no_escalation_path_to_admin, snap, "fail-dev")
    assert text == (
        "2-step path: user fail-dev -> role middle via assume-role (sts:AssumeRole: inline policy"
        " hop (Hop1); trust policy of role middle (Account)) -> role top via assume-role"
        " (sts:AssumeRole: inline policy next (Hop2); trust policy of role top (Account)),"
        " an administrator by inline policy all (Admin)"
    )
    assert command(no_escalation_path_to_admin, snap, "fail-dev") == (
        "aws iam delete-user-policy --user-name fail-dev --policy-name hop"
    )


def test_lp015_commands_name_the_policy_or_the_trust_policy() -> None:
    snap = iam(
        groups=(
            group(
                "deployers", policies=(inline("pass", doc(allow("iam:UpdateAssumeRolePolicy"))),)
            ),
        ),
        users=(user("fail-member", groups=("deployers",)), user("fail-named")),
        roles=(
            role(
                "boss",
                doc(
                    {
                        "Sid": "Named",
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:user/fail-named"},
                        "Action": "sts:AssumeRole",
                    }
                ),
                arns=(ADMIN_ARN,),
            ),
        ),
    )
    assert failing(no_escalation_path_to_admin, snap) == {"fail-member", "fail-named"}
    assert command(no_escalation_path_to_admin, snap, "fail-member") == (
        "aws iam delete-group-policy --group-name deployers --policy-name pass"
    )
    assert command(no_escalation_path_to_admin, snap, "fail-named") == (
        "aws iam update-assume-role-policy --role-name boss"
        " --policy-document file://trust-policy.json"
    )


def test_lp015_conditional_paths_pass_with_the_path_in_evidence() -> None:
    mfa_trust = doc(
        {
            "Sid": "WithMfa",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        }
    )
    snap = iam(
        users=(user("pass-ops", policies=(inline("p", doc(allow("sts:AssumeRole"))),)),),
        roles=(role("admin", mfa_trust, arns=(ADMIN_ARN,)),),
    )
    assert passing(no_escalation_path_to_admin, snap) == {"pass-ops"}
    assert evidence(no_escalation_path_to_admin, snap, "pass-ops").startswith(
        "only a conditional path (LP022): user pass-ops -> role admin"
    )


def test_lp015_unknown_when_iam_not_collected() -> None:
    assert statuses(no_escalation_path_to_admin, make_snapshot(gaps={"iam": "access_denied"})) == {
        Status.UNKNOWN
    }


def test_lp016_flags_workload_roles_admin_in_effect_only() -> None:
    not_s3 = {"Effect": "Allow", "NotAction": "s3:*", "Resource": "*", "Sid": "AllButS3"}
    iam_admin = managed("iam-admin", doc(allow(["iam:*", "sts:*"], Sid="Identity")))
    snap = iam(
        policies=(iam_admin,),
        roles=(
            role(
                "fail-iam-all",
                trust("lambda.amazonaws.com"),
                policies=(inline("iam", doc(allow("iam:*", Sid="Iam"))),),
            ),
            role("fail-managed", arns=(iam_admin.arn,)),
            role("fail-not-action", policies=(inline("wide", doc(not_s3)),)),
            role("literal-admin", policies=(inline("all", doc(allow("*"))),)),  # LP003's
            role("pass-scoped", policies=(inline("q", doc(allow("sqs:ReceiveMessage"))),)),
            role("pass-denied", policies=(inline("iam", doc(allow("iam:*"), deny("iam:Put*"))),)),
            role("human", ROOT_TRUST, policies=(inline("iam", doc(allow("iam:*"))),)),
        ),
    )
    assert failing(workload_roles_no_effective_admin, snap) == {
        "fail-iam-all",
        "fail-managed",
        "fail-not-action",  # every action but S3's: not `*` on `*`, but IAM in full
    }
    assert passing(workload_roles_no_effective_admin, snap) == {"pass-scoped", "pass-denied"}
    assert evidence(workload_roles_no_effective_admin, snap, "fail-iam-all") == (
        "lambda role may run every IAM permissions-management action on * through"
        " inline policy iam (Iam)"
    )
    assert command(workload_roles_no_effective_admin, snap, "fail-iam-all") == (
        "aws iam delete-role-policy --role-name fail-iam-all --policy-name iam"
    )


def test_lp017_flags_unscoped_data_reads() -> None:
    read_only = managed("ReadOnlyAccess", doc(allow(["s3:Get*", "s3:List*"], Sid="Read")), aws=True)
    snap = iam(
        policies=(read_only,),
        users=(
            user("fail-readonly", arns=(read_only.arn,)),
            user("pass-admin", arns=(ADMIN_ARN,)),
            user("pass-nothing"),
        ),
        roles=(
            role(
                "fail-secrets",
                policies=(
                    inline(
                        "s",
                        doc(
                            allow(
                                "secretsmanager:GetSecretValue",
                                "arn:aws:secretsmanager:*:*:secret:*",
                                Sid="All",
                            )
                        ),
                    ),
                ),
            ),
            role(
                "fail-params",
                policies=(inline("p", doc(allow("ssm:GetParameter*", Sid="Params"))),),
            ),
            role(
                "pass-scoped",
                policies=(
                    inline(
                        "s",
                        doc(
                            allow(
                                "secretsmanager:GetSecretValue",
                                "arn:aws:secretsmanager:*:*:secret:app/*",
                            ),
                            allow("s3:GetObject", "arn:aws:s3:::app-bucket/*"),
                        ),
                    ),
                ),
            ),
            role(
                "pass-conditional",
                policies=(
                    inline(
                        "k",
                        doc(
                            allow(
                                "kms:Decrypt",
                                Condition={
                                    "StringEquals": {"kms:ViaService": "s3.us-west-2.amazonaws.com"}
                                },
                            )
                        ),
                    ),
                ),
            ),
            role(
                "pass-linked",
                path="/aws-service-role/x/",
                policies=(inline("s", doc(allow("s3:GetObject"))),),
            ),
        ),
    )
    assert failing(data_reads_scoped_to_resources, snap) == {
        "fail-readonly",
        "fail-secrets",
        "fail-params",
    }
    assert passing(data_reads_scoped_to_resources, snap) == {
        "pass-nothing",
        "pass-scoped",
        "pass-conditional",
    }
    assert evidence(data_reads_scoped_to_resources, snap, "fail-params") == (
        "may read ssm:GetParameter on * through inline policy p (Params),"
        " ssm:GetParameters on * through inline policy p (Params),"
        " ssm:GetParametersByPath on * through inline policy p (Params)"
    )
    assert command(data_reads_scoped_to_resources, snap, "fail-readonly") == (
        "aws iam detach-user-policy --user-name fail-readonly"
        " --policy-arn arn:aws:iam::aws:policy/ReadOnlyAccess"
    )


def _report_row(user: str, password: bool) -> CredentialReportRow:
    return CredentialReportRow(
        user=user,
        arn=f"arn:aws:iam::123456789012:user/{user}",
        user_created=None,
        password_enabled=password,
        password_last_used=None,
        password_last_changed=None,
        mfa_active=True,
        access_key_1_active=False,
        access_key_1_last_rotated=None,
        access_key_1_last_used=None,
        access_key_2_active=False,
        access_key_2_last_rotated=None,
        access_key_2_last_used=None,
    )


def _with_policy(policy: PasswordPolicy | None, *, console: bool = True) -> Any:
    return make_snapshot(
        iam=IamSection(
            credential_report=(_report_row("pass-or-fail-user", console),),
            password_policy=(policy,) if policy else (PasswordPolicy(present=False),),
        )
    )


STRONG = PasswordPolicy(
    present=True,
    minimum_length=14,
    reuse_prevention=24,
    require_symbols=True,
    require_numbers=True,
    require_uppercase=True,
    require_lowercase=True,
)


def test_lp018_password_policy_pass_fail_and_not_applicable() -> None:
    from auditor.rules.least_privilege import password_policy_strong

    assert passing(password_policy_strong, _with_policy(STRONG)) == {"account"}
    absent = _with_policy(None)
    assert failing(password_policy_strong, absent) == {"account"}
    assert evidence(password_policy_strong, absent, "account").startswith("no password policy")
    weak = _with_policy(STRONG.model_copy(update={"minimum_length": 8, "require_symbols": False}))
    assert failing(password_policy_strong, weak) == {"account"}
    assert "minimum length 8 < 14" in evidence(password_policy_strong, weak, "account")
    assert "symbols" in evidence(password_policy_strong, weak, "account")
    # thresholds are configurable
    assert passing(password_policy_strong, weak, min_length=8) == set()
    lenient = _with_policy(STRONG.model_copy(update={"minimum_length": 10}))
    assert passing(password_policy_strong, lenient, min_length=10) == {"account"}
    # no console password anywhere: nothing to govern, no result
    assert statuses(password_policy_strong, _with_policy(None, console=False)) == set()
    assert command(password_policy_strong, absent, "account").startswith(
        "aws iam update-account-password-policy --minimum-password-length 14"
    )
