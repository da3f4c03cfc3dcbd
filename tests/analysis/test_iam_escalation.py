"""The escalation graph: each known method as a found/not-found pair, chains, conditions."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.analysis.iam import ADMIN, build_graph, database, escalation_graph, load_methods
from auditor.analysis.iam.escalation import MethodsError, methods_file, parse_methods
from auditor.snapshot import Snapshot
from auditor.snapshot.deploy import CodeBuildProject, CodeBuildSection
from auditor.snapshot.iam import CredentialReportRow
from auditor.snapshot.lambda_ import LambdaFunction, LambdaSection
from tests.analysis.iam_factories import (
    ROOT,
    allow,
    arn,
    deny,
    doc,
    group,
    iam_snapshot,
    managed,
    password_row,
    role,
    trust_aws,
    trust_service,
    user,
)

ADMIN_DOC = doc(allow("*", Sid="Admin"))


def path_methods(snap: Snapshot, kind: str, name: str) -> list[str] | None:
    """Methods along the shortest path of ``kind/name``, or None without a path."""
    path = escalation_graph(snap).path(arn(kind, name))
    return None if path is None else [h.method for h in path]


def lambda_admin(name: str = "fn-admin", service: str = "lambda.amazonaws.com") -> Any:
    return role(name, trust_service(service), inline={"all": ADMIN_DOC})


# --- the method catalogue -------------------------------------------------------------


def test_methods_file_is_data_with_references() -> None:
    methods = load_methods()
    assert methods_file().name == "escalation_methods.yaml"
    assert len({m.id for m in methods}) == len(methods) >= 20
    for m in methods:
        assert m.reference.startswith("https://")
        assert m.yields
        for action in (*m.actions, *m.any_of):
            assert database().exists(action), f"{m.id}: unknown action {action}"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], "expected a mapping"),
        ({"methods": [{"id": "x"}]}, "missing"),
        (
            {
                "methods": [
                    {
                        "id": "x",
                        "title": "t",
                        "kind": "teleport",
                        "actions": ["a:b"],
                        "yields": "y",
                        "reference": "https://x",
                    }
                ]
            },
            "unknown kind",
        ),
        (
            {
                "methods": [
                    {
                        "id": "x",
                        "title": "t",
                        "kind": "pass-role",
                        "actions": ["lambda:CreateFunction"],
                        "yields": "y",
                        "reference": "https://x",
                    }
                ]
            },
            "pass-role needs",
        ),
        (
            {
                "methods": [
                    {
                        "id": "x",
                        "title": "t",
                        "kind": "trust-policy",
                        "actions": "iam:X",
                        "yields": "y",
                        "reference": "https://x",
                    }
                ]
            },
            "list of strings",
        ),
        (
            {
                "methods": [
                    {
                        "id": "x",
                        "title": "t",
                        "kind": "trust-policy",
                        "actions": ["a:b"],
                        "yields": "y",
                        "reference": "http://x",
                    }
                ]
            },
            "https",
        ),
    ],
)
def test_malformed_methods_are_rejected(raw: Any, message: str) -> None:
    with pytest.raises(MethodsError, match=message):
        parse_methods(raw)


# --- sts:AssumeRole ---------------------------------------------------------------------


def test_assume_role_through_account_trust_needs_identity_permission() -> None:
    snap = iam_snapshot(
        users=(
            user("fail-dev", inline={"p": doc(allow("sts:AssumeRole", arn("role", "admin")))}),
            user("pass-dev"),
        ),
        roles=(role("admin", trust_aws(ROOT), inline={"a": ADMIN_DOC}),),
    )
    assert path_methods(snap, "user", "fail-dev") == ["assume-role"]
    assert path_methods(snap, "user", "pass-dev") is None


def test_assume_role_through_direct_trust_needs_no_identity_permission() -> None:
    snap = iam_snapshot(
        users=(
            user("fail-named"),
            user("pass-denied", inline={"p": doc(deny("sts:AssumeRole"))}),
        ),
        roles=(
            role(
                "admin",
                trust_aws(arn("user", "fail-named"), arn("user", "pass-denied")),
                inline={"a": ADMIN_DOC},
            ),
        ),
    )
    assert path_methods(snap, "user", "fail-named") == ["assume-role"]
    assert path_methods(snap, "user", "pass-denied") is None
    hop = escalation_graph(snap).paths[arn("user", "fail-named")][0]
    assert hop.sources == ()  # the trust alone allows it
    assert "trust policy of role admin (Trust)" in hop.because[-1]


def test_two_hop_assume_role_chain() -> None:
    snap = iam_snapshot(
        users=(
            user(
                "dave",
                inline={"hop1": doc(allow("sts:AssumeRole", arn("role", "triage"), Sid="Hop1"))},
            ),
        ),
        roles=(
            role(
                "triage",
                trust_aws(ROOT),
                inline={
                    "hop2": doc(allow("sts:AssumeRole", arn("role", "break-glass"), Sid="Hop2"))
                },
            ),
            role("break-glass", trust_aws(arn("role", "triage")), inline={"a": ADMIN_DOC}),
        ),
    )
    graph = escalation_graph(snap)
    path = graph.paths[arn("user", "dave")]
    assert [h.target for h in path] == [arn("role", "triage"), arn("role", "break-glass")]
    assert path[0].because == (
        "sts:AssumeRole: inline policy hop1 (Hop1)",
        "trust policy of role triage (Trust)",
    )
    assert graph.paths[arn("role", "triage")][0].target == arn("role", "break-glass")
    assert arn("role", "break-glass") in graph.admins


def test_conditional_trust_is_a_conditional_path_only() -> None:
    mfa = {"Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}
    snap = iam_snapshot(
        users=(user("ops", inline={"p": doc(allow("sts:AssumeRole"))}),),
        roles=(role("admin", trust_aws(ROOT, **mfa), inline={"a": ADMIN_DOC}),),
    )
    graph = escalation_graph(snap)
    assert graph.path(arn("user", "ops")) is None
    assert graph.conditional_paths[arn("user", "ops")][0].conditional


def test_principal_arn_condition_in_trust_is_decided() -> None:
    only_ci = {"Condition": {"ArnEquals": {"aws:PrincipalArn": arn("user", "fail-ci")}}}
    everyone = {"p": doc(allow("sts:AssumeRole"))}
    snap = iam_snapshot(
        users=(user("fail-ci", inline=everyone), user("pass-other", inline=everyone)),
        roles=(role("admin", trust_aws(ROOT, **only_ci), inline={"a": ADMIN_DOC}),),
    )
    assert path_methods(snap, "user", "fail-ci") == ["assume-role"]
    graph = escalation_graph(snap)
    assert graph.path(arn("user", "pass-other")) is None
    assert arn("user", "pass-other") not in graph.conditional_paths


# --- iam:PassRole + a service ----------------------------------------------------------

PASS_ROLE_CASES = [
    (
        "lambda-create-and-invoke",
        "lambda.amazonaws.com",
        ["lambda:CreateFunction", "lambda:InvokeFunction"],
        False,
    ),
    (
        "lambda-create-and-invoke",
        "lambda.amazonaws.com",
        ["lambda:CreateFunction", "lambda:CreateEventSourceMapping"],
        False,
    ),
    (
        "ecs-task-with-role",
        "ecs-tasks.amazonaws.com",
        ["ecs:RegisterTaskDefinition", "ecs:RunTask"],
        False,
    ),
    ("ec2-instance-with-profile", "ec2.amazonaws.com", ["ec2:RunInstances"], True),
    (
        "codebuild-new-project",
        "codebuild.amazonaws.com",
        ["codebuild:CreateProject", "codebuild:StartBuild"],
        False,
    ),
    (
        "cloudformation-stack-with-role",
        "cloudformation.amazonaws.com",
        ["cloudformation:CreateStack"],
        False,
    ),
    ("glue-dev-endpoint", "glue.amazonaws.com", ["glue:CreateDevEndpoint"], False),
    (
        "sagemaker-notebook",
        "sagemaker.amazonaws.com",
        ["sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl"],
        False,
    ),
]


@pytest.mark.parametrize(("method", "service", "actions", "profile"), PASS_ROLE_CASES)
def test_pass_role_methods_found_and_look_alikes_not(
    method: str, service: str, actions: list[str], profile: bool
) -> None:
    target = role("powerful", trust_service(service), inline={"a": ADMIN_DOC}, profile=profile)
    harmless = role("harmless", trust_service(service), profile=profile)
    snap = iam_snapshot(
        users=(
            user("fail-any", inline={"p": doc(allow(["iam:PassRole", *actions], Sid="Deploy"))}),
            user(
                "pass-scoped",
                inline={"p": doc(allow("iam:PassRole", arn("role", "harmless")), allow(actions))},
            ),
            user("pass-missing-one", inline={"p": doc(allow(["iam:PassRole", *actions[:-1]]))})
            if len(actions) > 1
            else user("pass-missing-one", inline={"p": doc(allow(actions))}),
            user(
                "pass-denied",
                inline={
                    "p": doc(
                        allow(["iam:PassRole", *actions]),
                        deny("iam:PassRole", arn("role", "powerful")),
                    )
                },
            ),
        ),
        roles=(target, harmless),
    )
    assert path_methods(snap, "user", "fail-any") == [method]
    for name in ("pass-scoped", "pass-missing-one", "pass-denied"):
        assert path_methods(snap, "user", name) is None, name


def test_pass_role_needs_the_role_to_trust_the_service() -> None:
    snap = iam_snapshot(
        users=(
            user(
                "pass-bot",
                inline={
                    "p": doc(
                        allow(["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"])
                    )
                },
            ),
        ),
        roles=(
            role("task-admin", trust_service("ecs-tasks.amazonaws.com"), inline={"a": ADMIN_DOC}),
        ),
    )
    assert path_methods(snap, "user", "pass-bot") is None


def test_instance_profile_is_required_for_ec2() -> None:
    snap = iam_snapshot(
        users=(user("pass-bot", inline={"p": doc(allow(["iam:PassRole", "ec2:RunInstances"]))}),),
        roles=(role("ec2-admin", trust_service("ec2.amazonaws.com"), inline={"a": ADMIN_DOC}),),
    )
    assert path_methods(snap, "user", "pass-bot") is None


def test_passed_to_service_condition_is_decided() -> None:
    only_ecs = {"Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}}
    actions = [
        "lambda:CreateFunction",
        "lambda:InvokeFunction",
        "ecs:RegisterTaskDefinition",
        "ecs:RunTask",
    ]
    snap = iam_snapshot(
        users=(user("bot", inline={"p": doc(allow("iam:PassRole", **only_ecs), allow(actions))}),),
        roles=(lambda_admin(), lambda_admin("task-admin", "ecs-tasks.amazonaws.com")),
    )
    graph = escalation_graph(snap)
    path = graph.paths[arn("user", "bot")]
    assert [(h.method, h.target) for h in path] == [
        ("ecs-task-with-role", arn("role", "task-admin"))
    ]


# --- existing resources -----------------------------------------------------------------


def test_update_function_code_on_a_function_with_an_admin_role() -> None:
    fn = LambdaFunction(
        arn="arn:aws:lambda:us-west-2:123456789012:function:ops",
        name="ops",
        region="us-west-2",
        runtime="python3.12",
        role_arn=arn("role", "fn-admin"),
    )
    snap = iam_snapshot(
        users=(
            user("fail-dev", inline={"p": doc(allow("lambda:UpdateFunctionCode", fn.arn))}),
            user(
                "pass-dev", inline={"p": doc(allow("lambda:UpdateFunctionCode", fn.arn + "-other"))}
            ),
        ),
        roles=(lambda_admin(),),
        lambda_=LambdaSection(functions=(fn,)),
    )
    assert path_methods(snap, "user", "fail-dev") == ["lambda-update-code"]
    assert "on function ops" in escalation_graph(snap).paths[arn("user", "fail-dev")][0].because[0]
    assert path_methods(snap, "user", "pass-dev") is None


def test_start_build_on_a_project_with_an_admin_role() -> None:
    project = CodeBuildProject(
        name="release",
        arn="arn:aws:codebuild:us-west-2:123456789012:project/release",
        region="us-west-2",
        source_type="GITHUB",
        service_role=arn("role", "build-admin"),
    )
    snap = iam_snapshot(
        users=(
            user("fail-dev", inline={"p": doc(allow("codebuild:StartBuild", project.arn))}),
            user("pass-dev", inline={"p": doc(allow("codebuild:BatchGetBuilds"))}),
        ),
        roles=(lambda_admin("build-admin", "codebuild.amazonaws.com"),),
        codebuild=CodeBuildSection(projects=(project,)),
    )
    assert path_methods(snap, "user", "fail-dev") == ["codebuild-buildspec-override"]
    assert path_methods(snap, "user", "pass-dev") is None


# --- self-escalation and other identities -----------------------------------------------


def test_update_assume_role_policy() -> None:
    snap = iam_snapshot(
        users=(
            user(
                "fail-dev",
                inline={"p": doc(allow("iam:UpdateAssumeRolePolicy", arn("role", "admin")))},
            ),
            user(
                "pass-dev",
                inline={"p": doc(allow("iam:UpdateAssumeRolePolicy", arn("role", "app")))},
            ),
        ),
        roles=(
            role("admin", trust_service("ec2.amazonaws.com"), inline={"a": ADMIN_DOC}),
            role("app"),
        ),
    )
    assert path_methods(snap, "user", "fail-dev") == ["update-assume-role-policy"]
    assert path_methods(snap, "user", "pass-dev") is None


def test_create_access_key_for_an_admin_user() -> None:
    snap = iam_snapshot(
        users=(
            user("boss", inline={"a": ADMIN_DOC}),
            user("fail-dev", inline={"p": doc(allow("iam:CreateAccessKey", arn("user", "*")))}),
            user(
                "pass-dev", inline={"p": doc(allow("iam:CreateAccessKey", arn("user", "pass-dev")))}
            ),
        ),
    )
    assert path_methods(snap, "user", "fail-dev") == ["create-access-key"]
    assert path_methods(snap, "user", "pass-dev") is None


def test_login_profiles_follow_the_credential_report() -> None:
    users = (
        user("boss", inline={"a": ADMIN_DOC}),
        user("creator", inline={"p": doc(allow("iam:CreateLoginProfile"))}),
        user("updater", inline={"p": doc(allow("iam:UpdateLoginProfile"))}),
    )

    def report(password: bool) -> tuple[CredentialReportRow, ...]:
        return tuple(password_row(u.name, password=password) for u in users)

    without = iam_snapshot(users=users, report=report(False))
    assert path_methods(without, "user", "creator") == ["create-login-profile"]
    assert path_methods(without, "user", "updater") is None
    with_password = iam_snapshot(users=users, report=report(True))
    assert path_methods(with_password, "user", "creator") is None
    assert path_methods(with_password, "user", "updater") == ["update-login-profile"]


def test_writing_ones_own_policy() -> None:
    snap = iam_snapshot(
        users=(
            user(
                "fail-self", inline={"p": doc(allow("iam:PutUserPolicy", arn("user", "fail-self")))}
            ),
            user(
                "pass-other", inline={"p": doc(allow("iam:PutUserPolicy", arn("user", "intern")))}
            ),
            user("intern"),
        ),
        roles=(
            role(
                "fail-role",
                inline={"p": doc(allow("iam:AttachRolePolicy", arn("role", "fail-role")))},
            ),
        ),
    )
    graph = escalation_graph(snap)
    hop = graph.paths[arn("user", "fail-self")][0]
    assert (hop.target, hop.method, hop.via) == (ADMIN, "put-user-policy", arn("user", "fail-self"))
    assert path_methods(snap, "role", "fail-role") == ["attach-role-policy"]
    assert path_methods(snap, "user", "pass-other") is None


def test_attach_limited_by_policy_arn_condition() -> None:
    harmless_only = {
        "Condition": {"ArnEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/ReadOnlyAccess"}}
    }
    snap = iam_snapshot(
        roles=(role("pass-ci", inline={"p": doc(allow("iam:AttachRolePolicy", **harmless_only))}),),
    )
    assert path_methods(snap, "role", "pass-ci") is None


def test_group_policy_and_membership() -> None:
    snap = iam_snapshot(
        groups=(group("devs"), group("admins", inline={"a": ADMIN_DOC}), group("readers")),
        users=(
            user(
                "fail-member",
                groups=("devs",),
                inline={"p": doc(allow("iam:PutGroupPolicy", arn("group", "devs")))},
            ),
            user(
                "fail-joiner",
                inline={"p": doc(allow("iam:AddUserToGroup", arn("group", "admins")))},
            ),
            user(
                "pass-joiner",
                inline={"p": doc(allow("iam:AddUserToGroup", arn("group", "readers")))},
            ),
        ),
    )
    assert path_methods(snap, "user", "fail-member") == ["put-group-policy"]
    assert path_methods(snap, "user", "fail-joiner") == ["add-user-to-group"]
    assert path_methods(snap, "user", "pass-joiner") is None


def test_create_policy_version_of_a_held_policy() -> None:
    own = managed(
        "self-service",
        doc(allow("iam:CreatePolicyVersion", "arn:aws:iam::123456789012:policy/self-service")),
    )
    other = managed("someone-elses", doc(allow("s3:ListBucket")))
    editor = managed("editor", doc(allow("iam:CreatePolicyVersion", other.arn)))
    snap = iam_snapshot(
        policies=(own, other, editor),
        users=(
            user("fail-dev", attached=(own.arn,)),
            user("pass-dev", attached=(editor.arn,)),
            user("bystander", attached=(other.arn,)),
        ),
    )
    assert path_methods(snap, "user", "fail-dev") == ["create-policy-version"]
    assert path_methods(snap, "user", "pass-dev") is None


def test_make_a_role_admin_then_assume_it() -> None:
    snap = iam_snapshot(
        users=(
            user(
                "fail-dev",
                inline={
                    "p": doc(allow(["iam:PutRolePolicy", "sts:AssumeRole"], arn("role", "helper")))
                },
            ),
            user("pass-dev", inline={"p": doc(allow("iam:PutRolePolicy", arn("role", "helper")))}),
        ),
        roles=(role("helper", trust_aws(ROOT)),),
    )
    hop = escalation_graph(snap).paths[arn("user", "fail-dev")][0]
    assert (hop.target, hop.method, hop.via) == (
        ADMIN,
        "put-role-policy+assume-role",
        arn("role", "helper"),
    )
    assert path_methods(snap, "user", "pass-dev") is None


# --- admins, boundaries, determinism ---------------------------------------------------


def test_admin_equivalence() -> None:
    snap = iam_snapshot(
        users=(
            user("star", inline={"a": ADMIN_DOC}),
            user("iam-all", inline={"a": doc(allow("iam:*"))}),
            user(
                "not-s3",
                inline={"a": doc({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"})},
            ),
            user(
                "power",
                inline={"a": doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})},
            ),
            user(
                "capped",
                inline={"a": ADMIN_DOC},
                boundary="arn:aws:iam::123456789012:policy/s3-only",
            ),
            user("aws-admin", attached=("arn:aws:iam::aws:policy/AdministratorAccess",)),
        ),
        policies=(managed("s3-only", doc(allow("s3:*"))),),
    )
    admins = {a.rsplit("/", 1)[-1] for a in escalation_graph(snap).admins}
    assert admins == {"star", "iam-all", "not-s3", "aws-admin"}


def test_the_graph_is_deterministic() -> None:
    snap = iam_snapshot(
        users=(user("dev", inline={"p": doc(allow("sts:AssumeRole"))}),),
        roles=(
            role("a", trust_aws(ROOT), inline={"x": ADMIN_DOC}),
            role("b", trust_aws(ROOT), inline={"x": ADMIN_DOC}),
        ),
    )
    assert build_graph(snap) == build_graph(snap)
    assert escalation_graph(snap) is escalation_graph(snap)
    assert escalation_graph(snap).paths[arn("user", "dev")][0].target == arn("role", "a")
