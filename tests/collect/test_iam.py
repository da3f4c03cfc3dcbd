"""IAM collector against moto's in-process mock, plus the credential report parser."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
from botocore.exceptions import ClientError

from auditor.collect.iam import (
    _policy,
    collect_credential_report,
    collect_iam,
    fetch_credential_report,
    parse_credential_report,
)
from auditor.snapshot.iam import IamSection, PasswordPolicy
from tests.conftest import REGION

ACCOUNT = "123456789012"
GITHUB = "token.actions.githubusercontent.com"
OIDC_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB}"


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(action: str | list[str], resource: str = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def _service_trust(service: str) -> dict[str, Any]:
    return _doc({"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"})


def _github_trust(with_sub: bool) -> dict[str, Any]:
    condition: dict[str, Any] = {"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"}}
    if with_sub:
        condition["StringLike"] = {f"{GITHUB}:sub": "repo:acme/trader:ref:refs/heads/main"}
    return _doc(
        {
            "Effect": "Allow",
            "Principal": {"Federated": OIDC_ARN},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": condition,
        }
    )


DEPLOY_V1 = _doc(_allow("ecs:*"))
DEPLOY_V2 = _doc(_allow(["ecs:UpdateService", "ecs:DescribeServices"]))
READ_LOGS = _doc(_allow("logs:Get*"))
S3_ALL = _doc(_allow("s3:*"))
SECRETS_READ = _doc(
    _allow("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:db")
)


def _build_account(setup: Any) -> dict[str, str]:
    iam = setup("iam")
    deploy = iam.create_policy(PolicyName="deploy", PolicyDocument=json.dumps(DEPLOY_V1))
    deploy_arn = deploy["Policy"]["Arn"]
    iam.create_policy_version(
        PolicyArn=deploy_arn, PolicyDocument=json.dumps(DEPLOY_V2), SetAsDefault=True
    )
    unused = iam.create_policy(
        PolicyName="unused", Path="/team/", PolicyDocument=json.dumps(READ_LOGS)
    )

    iam.create_group(GroupName="devs")
    iam.put_group_policy(GroupName="devs", PolicyName="logs", PolicyDocument=json.dumps(READ_LOGS))
    iam.attach_group_policy(GroupName="devs", PolicyArn=deploy_arn)

    iam.create_user(UserName="alice", Tags=[{"Key": "team", "Value": "trading"}])
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="s3-all", PolicyDocument=json.dumps(S3_ALL))
    iam.attach_user_policy(UserName="alice", PolicyArn=deploy_arn)
    iam.create_login_profile(UserName="alice", Password="correct-Horse-battery-9")

    iam.create_user(UserName="bob", Path="/machines/")
    iam.create_access_key(UserName="bob")
    iam.create_user(UserName="carol")

    iam.create_role(
        RoleName="dispatcher-task",
        AssumeRolePolicyDocument=json.dumps(_service_trust("ecs-tasks.amazonaws.com")),
        Tags=[{"Key": "app", "Value": "dispatcher"}],
    )
    iam.put_role_policy(
        RoleName="dispatcher-task",
        PolicyName="read-secret",
        PolicyDocument=json.dumps(SECRETS_READ),
    )
    iam.create_role(
        RoleName="query-bridge",
        Path="/service/",
        AssumeRolePolicyDocument=json.dumps(_service_trust("lambda.amazonaws.com")),
    )
    iam.attach_role_policy(RoleName="query-bridge", PolicyArn=deploy_arn)
    iam.create_instance_profile(InstanceProfileName="bridge-profile")
    iam.add_role_to_instance_profile(InstanceProfileName="bridge-profile", RoleName="query-bridge")
    iam.create_role(
        RoleName="gha-deploy", AssumeRolePolicyDocument=json.dumps(_github_trust(with_sub=True))
    )
    iam.create_role(
        RoleName="gha-any-repo",
        AssumeRolePolicyDocument=json.dumps(_github_trust(with_sub=False)),
    )

    iam.create_open_id_connect_provider(
        Url=f"https://{GITHUB}", ClientIDList=["sts.amazonaws.com"], ThumbprintList=["a" * 40]
    )
    iam.create_saml_provider(Name="okta", SAMLMetadataDocument="<md>" + "x" * 1000 + "</md>")
    return {"deploy": deploy_arn, "unused": unused["Policy"]["Arn"]}


@pytest.fixture
def account(aws: Any, setup: Any) -> tuple[IamSection, dict[str, str], Any]:
    arns = _build_account(setup)
    section = IamSection.merge([collect_iam(aws, REGION), collect_credential_report(aws, REGION)])
    return section, arns, aws


def test_users_with_groups_inline_and_attached_policies(account: Any) -> None:
    section, arns, _ = account
    assert [u.name for u in section.users] == ["alice", "bob", "carol"]
    alice, bob, _carol = section.users
    assert alice.arn == f"arn:aws:iam::{ACCOUNT}:user/alice"
    assert alice.path == "/"
    assert alice.groups == ("devs",)
    assert [(p.name, p.document) for p in alice.inline_policies] == [("s3-all", S3_ALL)]
    assert [(p.arn, p.name) for p in alice.attached_policies] == [(arns["deploy"], "deploy")]
    assert alice.tags == {"team": "trading"}
    assert alice.created.tzinfo is not None and alice.created.utcoffset().total_seconds() == 0
    assert (bob.path, bob.groups, bob.inline_policies, bob.attached_policies) == (
        "/machines/",
        (),
        (),
        (),
    )

    (devs,) = section.groups
    assert (devs.name, devs.arn) == ("devs", f"arn:aws:iam::{ACCOUNT}:group/devs")
    assert [(p.name, p.document) for p in devs.inline_policies] == [("logs", READ_LOGS)]
    assert [p.arn for p in devs.attached_policies] == [arns["deploy"]]


def test_roles_with_trust_policies_profiles_and_policies(account: Any) -> None:
    section, arns, _ = account
    roles = {r.name: r for r in section.roles}
    assert list(roles) == ["dispatcher-task", "gha-any-repo", "gha-deploy", "query-bridge"]

    task = roles["dispatcher-task"]
    assert task.trust_policy == _service_trust("ecs-tasks.amazonaws.com")
    assert [(p.name, p.document) for p in task.inline_policies] == [("read-secret", SECRETS_READ)]
    assert task.attached_policies == ()
    assert task.tags == {"app": "dispatcher"}
    assert task.last_used is None and task.last_used_region == ""
    assert task.instance_profile_arns == ()

    bridge = roles["query-bridge"]
    assert bridge.path == "/service/"
    assert bridge.arn == f"arn:aws:iam::{ACCOUNT}:role/service/query-bridge"
    assert bridge.trust_policy == _service_trust("lambda.amazonaws.com")
    assert [p.arn for p in bridge.attached_policies] == [arns["deploy"]]
    assert bridge.instance_profile_arns == (
        f"arn:aws:iam::{ACCOUNT}:instance-profile/bridge-profile",
    )

    assert roles["gha-deploy"].trust_policy == _github_trust(with_sub=True)
    open_trust = roles["gha-any-repo"].trust_policy
    assert open_trust == _github_trust(with_sub=False)
    assert "StringLike" not in open_trust["Statement"][0]["Condition"]
    for role in section.roles:
        assert role.created.utcoffset() is not None
        assert role.created.utcoffset().total_seconds() == 0


def test_customer_managed_policies_with_default_version_document(account: Any) -> None:
    section, arns, _ = account
    policies = {p.arn: p for p in section.policies}
    assert set(policies) == {arns["deploy"], arns["unused"]}
    deploy = policies[arns["deploy"]]
    assert (deploy.name, deploy.aws_managed, deploy.default_version_id) == ("deploy", False, "v2")
    assert deploy.attachment_count == 3  # alice, devs, query-bridge
    assert deploy.document == DEPLOY_V2
    unused = policies[arns["unused"]]
    assert (unused.name, unused.attachment_count, unused.document) == ("unused", 0, READ_LOGS)


def test_oidc_and_saml_providers(account: Any) -> None:
    section, _, _ = account
    (oidc,) = section.oidc_providers
    assert (oidc.arn, oidc.url, oidc.client_ids) == (OIDC_ARN, GITHUB, ("sts.amazonaws.com",))
    (saml,) = section.saml_providers
    assert (saml.arn, saml.name) == (f"arn:aws:iam::{ACCOUNT}:saml-provider/okta", "okta")


def test_account_summary_and_absent_password_policy(account: Any) -> None:
    section, _, _ = account
    (summary,) = section.account_summary
    assert summary.model_dump() == {
        "root_mfa_enabled": False,
        "root_access_keys_present": False,
        "users": 3,
        "roles": 4,
        "policies": 2,
    }
    assert section.password_policy == (PasswordPolicy(present=False),)


def test_credential_report_rows_from_moto(account: Any) -> None:
    section, _, _ = account
    rows = {r.user: r for r in section.credential_report}
    assert set(rows) == {"alice", "bob", "carol"}  # moto has no root row
    users = {u.name: u for u in section.users}
    alice, bob, carol = rows["alice"], rows["bob"], rows["carol"]
    assert alice.arn == users["alice"].arn
    assert alice.user_created == users["alice"].created.replace(microsecond=0)
    assert (alice.password_enabled, alice.password_last_used, alice.mfa_active) == (
        True,
        None,  # no_information
        False,
    )
    assert (carol.password_enabled, carol.password_last_used) == (False, None)  # not_supported
    assert bob.access_key_1_active is True
    assert bob.access_key_1_last_rotated is not None
    assert bob.access_key_1_last_rotated.tzinfo is not None
    assert bob.access_key_1_last_used is None  # N/A
    assert (bob.access_key_2_active, bob.access_key_2_last_rotated) == (False, None)
    assert (carol.access_key_1_active, carol.access_key_1_last_rotated) == (False, None)


def test_only_bulk_and_account_level_calls(account: Any) -> None:
    _, _, aws = account
    calls = {op.operation: op.calls for op in aws.recorder.operations() if op.service == "iam"}
    # Several users, groups and roles, yet not one per-principal call.
    assert calls == {
        "GetAccountAuthorizationDetails": 1,
        "GenerateCredentialReport": 1,
        "GetCredentialReport": 1,
        "GetAccountSummary": 1,
        "GetAccountPasswordPolicy": 1,
        "ListOpenIDConnectProviders": 1,
        "GetOpenIDConnectProvider": 1,
        "ListSAMLProviders": 1,
    }


def test_password_policy_present(aws: Any, setup: Any) -> None:
    setup("iam").update_account_password_policy(
        MinimumPasswordLength=14,
        RequireSymbols=True,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=False,
        MaxPasswordAge=90,
        PasswordReusePrevention=24,
    )
    section = collect_iam(aws, REGION)
    assert section.password_policy == (
        PasswordPolicy(
            present=True,
            minimum_length=14,
            require_symbols=True,
            require_numbers=True,
            require_uppercase=True,
            require_lowercase=False,
            max_age_days=90,
            reuse_prevention=24,
        ),
    )


def test_empty_account(aws: Any) -> None:
    section = IamSection.merge([collect_iam(aws, REGION), collect_credential_report(aws, REGION)])
    assert (section.users, section.roles, section.groups, section.policies) == ((), (), (), ())
    assert (section.credential_report, section.oidc_providers, section.saml_providers) == (
        (),
        (),
        (),
    )
    assert len(section.account_summary) == 1


ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"


def test_attached_aws_managed_policy_document_is_collected() -> None:
    import boto3
    from moto import mock_aws

    from auditor.collect.session import SessionClients

    with mock_aws(config={"iam": {"load_aws_managed_policies": True}}):
        iam = boto3.Session(region_name=REGION).client("iam")
        iam.create_role(
            RoleName="worker",
            AssumeRolePolicyDocument=json.dumps(_service_trust("ecs-tasks.amazonaws.com")),
        )
        iam.attach_role_policy(RoleName="worker", PolicyArn=ADMIN_ARN)
        clients = SessionClients(boto3.Session(region_name=REGION))
        section = collect_iam(clients, REGION)

    aws_managed = [p for p in section.policies if p.aws_managed]
    # Hundreds of AWS managed policies exist; only the attached one is kept.
    assert [p.arn for p in aws_managed] == [ADMIN_ARN]
    (admin,) = aws_managed
    assert (admin.name, admin.attachment_count, admin.default_version_id) == (
        "AdministratorAccess",
        1,
        "v1",
    )
    assert admin.document == _doc({"Action": "*", "Effect": "Allow", "Resource": "*"})
    (worker,) = section.roles
    assert [(p.arn, p.name) for p in worker.attached_policies] == [
        (ADMIN_ARN, "AdministratorAccess")
    ]


def test_url_encoded_policy_document_is_decoded() -> None:
    raw = {
        "PolicyName": "deploy",
        "Arn": f"arn:aws:iam::{ACCOUNT}:policy/deploy",
        "DefaultVersionId": "v2",
        "AttachmentCount": 0,
        "PolicyVersionList": [
            {"VersionId": "v1", "IsDefaultVersion": False, "Document": quote(json.dumps(S3_ALL))},
            {"VersionId": "v2", "IsDefaultVersion": True, "Document": quote(json.dumps(DEPLOY_V2))},
        ],
    }
    policy = _policy(raw)
    assert (policy.default_version_id, policy.document, policy.aws_managed) == (
        "v2",
        DEPLOY_V2,
        False,
    )


# -- credential report parsing ---------------------------------------------------------------

HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
)
REPORT = "\n".join(
    [
        HEADER,
        "<root_account>,arn:aws:iam::123456789012:root,2019-03-04T10:00:00+00:00,not_supported,"
        "2024-05-06T07:08:09+00:00,not_supported,not_supported,true,true,"
        "2020-01-02T03:04:05+00:00,2024-06-01T00:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,"
        "false,N/A,false,N/A",
        "ci-bot,arn:aws:iam::123456789012:user/ci-bot,2021-07-08T09:10:11+00:00,false,N/A,N/A,N/A,"
        "false,true,2021-07-08T09:12:00+00:00,no_information,N/A,N/A,true,"
        "2023-02-03T04:05:06+00:00,2024-08-09T10:11:12+00:00,eu-west-1,sts,false,N/A,false,N/A",
        "dana,arn:aws:iam::123456789012:user/dana,2022-01-01T00:00:00+00:00,true,no_information,"
        "2022-01-01T00:05:00+00:00,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,"
        "N/A,false,N/A",
        "",
    ]
)


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_parse_credential_report_root_and_sentinels() -> None:
    root, bot, dana = parse_credential_report(REPORT)

    assert root.is_root and not bot.is_root
    assert root.model_dump() == {
        "user": "<root_account>",
        "arn": "arn:aws:iam::123456789012:root",
        "user_created": _utc(2019, 3, 4, 10, 0, 0),
        "password_enabled": False,  # not_supported
        "password_last_used": _utc(2024, 5, 6, 7, 8, 9),
        "password_last_changed": None,  # not_supported
        "mfa_active": True,
        "access_key_1_active": True,
        "access_key_1_last_rotated": _utc(2020, 1, 2, 3, 4, 5),
        "access_key_1_last_used": _utc(2024, 6, 1),
        "access_key_2_active": False,
        "access_key_2_last_rotated": None,
        "access_key_2_last_used": None,
    }
    assert bot.model_dump() == {
        "user": "ci-bot",
        "arn": "arn:aws:iam::123456789012:user/ci-bot",
        "user_created": _utc(2021, 7, 8, 9, 10, 11),
        "password_enabled": False,
        "password_last_used": None,  # N/A
        "password_last_changed": None,
        "mfa_active": False,
        "access_key_1_active": True,
        "access_key_1_last_rotated": _utc(2021, 7, 8, 9, 12, 0),
        "access_key_1_last_used": None,  # no_information
        "access_key_2_active": True,
        "access_key_2_last_rotated": _utc(2023, 2, 3, 4, 5, 6),
        "access_key_2_last_used": _utc(2024, 8, 9, 10, 11, 12),
    }
    assert (dana.password_enabled, dana.password_last_used, dana.password_last_changed) == (
        True,
        None,
        _utc(2022, 1, 1, 0, 5, 0),
    )
    for row in (root, bot, dana):
        assert row.user_created is not None and row.user_created.tzinfo is not None


def test_parse_credential_report_normalises_offsets_and_bad_dates() -> None:
    text = (
        HEADER + "\nx,arn:aws:iam::1:user/x,2022-01-01T02:00:00+02:00,true,garbage,N/A,N/A,false,"
        "false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
    )
    (row,) = parse_credential_report(text)
    assert row.user_created == _utc(2022, 1, 1, 0, 0, 0)
    assert row.user_created is not None and row.user_created.tzinfo is UTC
    assert row.password_last_used is None


def test_parse_credential_report_header_only() -> None:
    assert parse_credential_report(HEADER + "\n") == ()


# -- credential report polling ---------------------------------------------------------------


class _ReportClient:
    """Answers GetCredentialReport with the given error codes first, then the report."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        self.generated = 0
        self.gets = 0

    def generate_credential_report(self) -> dict[str, str]:
        self.generated += 1
        return {"State": "STARTED"}

    def get_credential_report(self) -> dict[str, Any]:
        self.gets += 1
        if self.errors:
            code = self.errors.pop(0)
            raise ClientError({"Error": {"Code": code, "Message": code}}, "GetCredentialReport")
        return {"Content": REPORT.encode(), "ReportFormat": "text/csv"}


def test_credential_report_waits_while_in_progress() -> None:
    client = _ReportClient(["ReportInProgress", "ReportNotPresent", "ReportInProgress"])
    pauses: list[float] = []
    text = fetch_credential_report(client, delays=(0.1, 0.2, 0.3, 0.4), sleep=pauses.append)
    assert text == REPORT
    assert pauses == [0.1, 0.2, 0.3]
    assert client.gets == 4
    assert client.generated == 2  # the first, and again after ReportNotPresent


def test_credential_report_wait_is_bounded() -> None:
    client = _ReportClient(["ReportInProgress"] * 50)
    pauses: list[float] = []
    with pytest.raises(ClientError) as info:
        fetch_credential_report(client, delays=(0.1, 0.1, 0.1), sleep=pauses.append)
    assert info.value.response["Error"]["Code"] == "ReportInProgress"
    assert pauses == [0.1, 0.1, 0.1]
    assert client.gets == 4


def test_credential_report_other_errors_propagate_at_once() -> None:
    client = _ReportClient(["AccessDenied"])
    pauses: list[float] = []
    with pytest.raises(ClientError):
        fetch_credential_report(client, delays=(0.1,), sleep=pauses.append)
    assert pauses == []


def test_a_denied_credential_report_gaps_only_its_unit(aws: Any, setup: Any) -> None:
    from auditor.collect import collect
    from auditor.snapshot import CollectionStatus
    from tests.scenarios.reference import deny_access

    setup("iam").create_user(UserName="alice")
    aws.session.events.register("before-call.iam.GenerateCredentialReport", deny_access)

    snap = collect(aws, [REGION], ["iam", "iam-credential-report"])

    coverage = {c.service: c for c in snap.coverage if c.service.startswith("iam")}
    assert coverage["iam"].status is CollectionStatus.OK
    denied = coverage["iam-credential-report"]
    assert (denied.status, denied.operation, denied.error_code) == (
        CollectionStatus.ACCESS_DENIED,
        "GenerateCredentialReport",
        "AccessDeniedException",
    )
    assert [u.name for u in snap.iam.users] == ["alice"]  # the principals survive
    assert snap.iam.credential_report == ()
