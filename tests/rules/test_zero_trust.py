"""Zero Trust rules (ZT...)."""

from __future__ import annotations

import json
import shlex
from datetime import timedelta
from typing import Any

from auditor.rules.zero_trust import (
    ecs_exec_audited,
    instances_require_imdsv2,
    instances_without_ssh_key_pairs,
    lambda_function_urls_authenticated,
    no_internet_bastion_hosts,
    no_long_lived_user_access_keys,
)

from auditor.engine.model import Status
from auditor.snapshot.ec2 import (
    Ec2Section,
    Instance,
    InternetGateway,
    NaclEntry,
    NetworkAcl,
    NetworkInterface,
    Route,
    RouteTable,
    SecurityGroup,
    SgRule,
    Subnet,
)
from auditor.snapshot.ecs import (
    ContainerDefinition,
    EcsCluster,
    EcsSection,
    EcsService,
    TaskDefinition,
)
from auditor.snapshot.iam import CredentialReportRow, IamSection
from auditor.snapshot.lambda_ import FunctionUrl, LambdaAlias, LambdaFunction, LambdaSection
from tests.rules.helpers import (
    ACCOUNT_ID,
    NOW,
    REGION,
    command,
    evidence,
    failing,
    make_snapshot,
    passing,
    statuses,
)

HOSTILE = "x; rm -rf /"

# ----------------------------------------------------------------- factories


def sg(group_id: str, *ingress: SgRule) -> SecurityGroup:
    return SecurityGroup(
        id=group_id,
        region=REGION,
        name=group_id,
        description="",
        vpc_id="vpc-1",
        ingress=ingress,
        egress=(),
    )


def tcp(port: int, cidr: str = "0.0.0.0/0", to: int | None = None) -> SgRule:
    if ":" in cidr:
        return SgRule(protocol="tcp", from_port=port, to_port=to or port, ipv6_cidr=cidr)
    return SgRule(protocol="tcp", from_port=port, to_port=to or port, cidr=cidr)


def instance(name: str, *groups: str, **kw: Any) -> Instance:
    fields: dict[str, Any] = {
        "id": name,
        "region": REGION,
        "state": "running",
        "instance_type": "t4g.nano",
        "image_id": "ami-1",
        "vpc_id": "vpc-1",
        "subnet_id": "subnet-1",
        "private_ip": "10.0.0.10",
        "security_group_ids": groups,
        "http_tokens": "required",
    }
    fields.update(kw)
    return Instance.model_validate(fields)


def _acl(
    acl_id: str, *entries: NaclEntry, default: bool = False, subnets: tuple[str, ...] = ()
) -> NetworkAcl:
    return NetworkAcl(
        id=acl_id,
        region=REGION,
        vpc_id="vpc-1",
        is_default=default,
        subnet_ids=subnets,
        entries=entries,
    )


def _allow_all(number: int = 100) -> tuple[NaclEntry, ...]:
    return tuple(
        NaclEntry(rule_number=number, egress=egress, protocol="-1", allow=True, **source)
        for egress in (False, True)
        for source in ({"cidr": "0.0.0.0/0"}, {"ipv6_cidr": "::/0"})
    )


def _subnet(subnet_id: str) -> Subnet:
    return Subnet(
        id=subnet_id,
        region=REGION,
        vpc_id="vpc-1",
        cidr="10.0.0.0/24",
        availability_zone=f"{REGION}a",
        map_public_ip_on_launch=False,
    )


#: subnet-1 and subnet-acl route to igw-1 (IPv4 and IPv6); subnet-private uses the main
#: table (local only); subnet-acl's network ACL denies SSH and RDP inbound.
NETWORK = {
    "subnets": (_subnet("subnet-1"), _subnet("subnet-private"), _subnet("subnet-acl")),
    "route_tables": (
        RouteTable(
            id="rtb-public",
            region=REGION,
            vpc_id="vpc-1",
            is_main=False,
            subnet_ids=("subnet-1", "subnet-acl"),
            routes=(
                Route(destination_cidr="10.0.0.0/16", target="local"),
                Route(destination_cidr="0.0.0.0/0", target="igw-1"),
                Route(destination_ipv6_cidr="::/0", target="igw-1"),
            ),
        ),
        RouteTable(
            id="rtb-main",
            region=REGION,
            vpc_id="vpc-1",
            is_main=True,
            subnet_ids=(),
            routes=(Route(destination_cidr="10.0.0.0/16", target="local"),),
        ),
    ),
    "internet_gateways": (InternetGateway(id="igw-1", region=REGION, vpc_ids=("vpc-1",)),),
    "network_acls": (
        _acl("acl-default", *_allow_all(), default=True, subnets=("subnet-1", "subnet-private")),
        _acl(
            "acl-no-admin",
            *(
                NaclEntry(
                    rule_number=50 + i,
                    egress=False,
                    protocol="6",
                    allow=False,
                    cidr="0.0.0.0/0",
                    from_port=port,
                    to_port=port,
                )
                for i, port in enumerate((22, 3389))
            ),
            *_allow_all(),
            subnets=("subnet-acl",),
        ),
    ),
}


def ec2(
    *instances: Instance,
    groups: tuple[SecurityGroup, ...] = (),
    enis: tuple[NetworkInterface, ...] = (),
) -> Any:
    return make_snapshot(
        ec2=Ec2Section(
            instances=instances, security_groups=groups, network_interfaces=enis, **NETWORK
        )
    )


# ------------------------------------------------------------------ bastions


def test_zt001_flags_internet_facing_ssh_and_rdp_hosts() -> None:
    groups = (
        sg("sg-ssh-world", tcp(22)),
        sg("sg-rdp-world", tcp(3389)),
        sg("sg-all-world", SgRule(protocol="-1", from_port=None, to_port=None, cidr="0.0.0.0/0")),
        sg("sg-range-world", tcp(0, to=1024)),
        sg("sg-ssh-office", tcp(22, "203.0.113.7/32")),
        sg("sg-https-world", tcp(443)),
        sg("sg-ssh-world-v6", tcp(22, "::/0")),
    )
    eni = NetworkInterface(
        id="eni-1",
        region=REGION,
        vpc_id="vpc-1",
        subnet_id="subnet-1",
        description="",
        interface_type="interface",
        status="in-use",
        private_ip="10.0.0.11",
        ipv6_addresses=("2600:1f14::1",),
        attached_instance_id="fail-v6",
    )
    snap = ec2(
        instance("fail-ssh", "sg-https-world", "sg-ssh-world", public_ip="54.0.0.1"),
        instance("fail-rdp", "sg-rdp-world", public_ip="54.0.0.2"),
        instance("fail-all", "sg-all-world", public_ip="54.0.0.3"),
        instance("fail-range", "sg-range-world", public_ip="54.0.0.4"),
        instance("fail-stopped-eip", "sg-ssh-world", public_ip="54.0.0.5", state="stopped"),
        instance("fail-v6", "sg-ssh-world-v6"),
        instance("pass-private", "sg-ssh-world"),
        instance("pass-office-only", "sg-ssh-office", public_ip="54.0.0.6"),
        instance("pass-web", "sg-https-world", public_ip="54.0.0.7"),
        instance("pass-v6-rule-v4-address", "sg-ssh-world-v6", public_ip="54.0.0.8"),
        instance("gone", "sg-ssh-world", public_ip="54.0.0.9", state="terminated"),
        # A public address and SSH open to the world, but no path: a private subnet,
        # or a network ACL that denies SSH and RDP.
        instance(
            "pass-private-subnet", "sg-ssh-world", public_ip="54.0.0.10", subnet_id="subnet-private"
        ),
        instance("pass-acl-denies", "sg-all-world", public_ip="54.0.0.11", subnet_id="subnet-acl"),
        groups=groups,
        enis=(eni,),
    )
    assert failing(no_internet_bastion_hosts, snap) == {
        "fail-ssh",
        "fail-rdp",
        "fail-all",
        "fail-range",
        "fail-stopped-eip",
        "fail-v6",
    }
    assert passing(no_internet_bastion_hosts, snap) == {
        "pass-private",
        "pass-office-only",
        "pass-web",
        "pass-v6-rule-v4-address",
        "pass-private-subnet",
        "pass-acl-denies",
    }
    assert evidence(no_internet_bastion_hosts, snap, "fail-ssh") == (
        "tcp 22 (SSH) reachable from the internet: internet -> igw-1 -> rtb-public (0.0.0.0/0)"
        " -> acl-default (in #100, out #100) -> sg-ssh-world tcp 22 from 0.0.0.0/0"
        " -> fail-ssh 54.0.0.1 in subnet-1 -> instance fail-ssh"
    )
    assert evidence(no_internet_bastion_hosts, snap, "fail-all") == (
        "tcp 22 (SSH), tcp 3389 (RDP) reachable from the internet: internet -> igw-1"
        " -> rtb-public (0.0.0.0/0) -> acl-default (in #100, out #100)"
        " -> sg-all-world all traffic from 0.0.0.0/0 -> fail-all 54.0.0.3 in subnet-1"
        " -> instance fail-all"
    )
    assert "(::/0)" in evidence(no_internet_bastion_hosts, snap, "fail-v6")
    assert evidence(no_internet_bastion_hosts, snap, "pass-private-subnet") == (
        "SSH/RDP not reachable from the internet: subnet subnet-private is private"
        " (rtb-main has no route to an internet gateway)"
    )
    assert evidence(no_internet_bastion_hosts, snap, "pass-acl-denies") == (
        "SSH/RDP not reachable from the internet (reachable: tcp 0-21, 23-3388, 3390-65535)"
    )
    assert evidence(no_internet_bastion_hosts, snap, "pass-office-only") == (
        "tcp 22 reachable only from known addresses, not from the internet at large"
    )


def test_zt001_command_revokes_exactly_the_offending_rule() -> None:
    snap = ec2(
        instance("fail-ssh", "sg-ssh-world", public_ip="54.0.0.1"),
        instance("fail-v6", "sg-v6"),
        groups=(sg("sg-ssh-world", tcp(22)), sg("sg-v6", tcp(3389, "::/0"))),
        enis=(
            NetworkInterface(
                id="eni-1",
                region=REGION,
                vpc_id="vpc-1",
                subnet_id="subnet-1",
                description="",
                interface_type="interface",
                status="in-use",
                private_ip="10.0.0.11",
                ipv6_addresses=("2600:1f14::1",),
                attached_instance_id="fail-v6",
            ),
        ),
    )
    cmd = command(no_internet_bastion_hosts, snap, "fail-ssh")
    words = shlex.split(cmd)
    assert words[:5] == [
        "aws",
        "ec2",
        "revoke-security-group-ingress",
        "--group-id",
        "sg-ssh-world",
    ]
    assert json.loads(words[words.index("--ip-permissions") + 1]) == [
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    ]
    assert words[-2:] == ["--region", REGION]
    v6 = shlex.split(command(no_internet_bastion_hosts, snap, "fail-v6"))
    assert json.loads(v6[v6.index("--ip-permissions") + 1]) == [
        {
            "IpProtocol": "tcp",
            "FromPort": 3389,
            "ToPort": 3389,
            "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
        }
    ]


def test_zt001_unknown_when_ec2_not_collected() -> None:
    snap = make_snapshot(gaps={"ec2": "access_denied"})
    assert statuses(no_internet_bastion_hosts, snap) == {Status.UNKNOWN}


def test_zt002_flags_instances_with_key_pairs() -> None:
    snap = ec2(
        instance("fail-keyed", key_name="ops-key"),
        instance("pass-keyless"),
        instance("gone", key_name="old", state="terminated"),
    )
    assert failing(instances_without_ssh_key_pairs, snap) == {"fail-keyed"}
    assert passing(instances_without_ssh_key_pairs, snap) == {"pass-keyless"}
    assert evidence(instances_without_ssh_key_pairs, snap, "fail-keyed") == (
        "launched with key pair ops-key"
    )


# --------------------------------------------------------------- Lambda URLs


def public_url_policy(arn: str, sid: str = "public-url") -> dict[str, Any]:
    """What ``add-permission --principal * --function-url-auth-type NONE`` writes."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": sid,
                "Effect": "Allow",
                "Principal": "*",
                "Action": "lambda:InvokeFunctionUrl",
                "Resource": arn,
                "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}},
            }
        ],
    }


def url(name: str, auth: str) -> FunctionUrl:
    return FunctionUrl(url=f"https://{name}.lambda-url.{REGION}.on.aws/", auth_type=auth)


def function(
    name: str, auth: str | None, *, public: bool = True, aliases: tuple[LambdaAlias, ...] = ()
) -> LambdaFunction:
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"
    return LambdaFunction(
        arn=arn,
        name=name,
        region=REGION,
        runtime="python3.12",
        role_arn=f"arn:aws:iam::{ACCOUNT_ID}:role/r",
        url=url(name, auth) if auth else None,
        policy=public_url_policy(arn) if auth == "NONE" and public else None,
        aliases=aliases,
    )


def alias(function_name: str, name: str, auth: str | None, *, public: bool = True) -> LambdaAlias:
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function_name}:{name}"
    return LambdaAlias(
        name=name,
        arn=arn,
        function_version="3",
        url=url(f"{function_name}-{name}", auth) if auth else None,
        policy=public_url_policy(arn, sid="alias-url") if auth == "NONE" and public else None,
    )


def test_zt003_flags_function_urls_without_auth() -> None:
    snap = make_snapshot(
        **{
            "lambda": LambdaSection(
                functions=(
                    function("fail-open-url", "NONE"),
                    function("pass-iam-url", "AWS_IAM"),
                    function("pass-no-url", None),
                    function("pass-none-but-no-grant", "NONE", public=False),
                )
            )
        }
    )
    assert failing(lambda_function_urls_authenticated, snap) == {"fail-open-url"}
    assert passing(lambda_function_urls_authenticated, snap) == {
        "pass-iam-url",
        "pass-no-url",
        "pass-none-but-no-grant",
    }
    assert evidence(lambda_function_urls_authenticated, snap, "fail-open-url") == (
        f"function URL with auth type NONE: https://fail-open-url.lambda-url.{REGION}.on.aws/"
        " (statement public-url lets anyone invoke it)"
    )
    assert "no policy statement lets everyone invoke it" in evidence(
        lambda_function_urls_authenticated, snap, "pass-none-but-no-grant"
    )


def test_defect_alias_function_urls_were_never_judged() -> None:
    """A public URL on an alias (a qualified ARN) was neither collected nor judged."""
    snap = make_snapshot(
        **{
            "lambda": LambdaSection(
                functions=(
                    function(
                        "api",
                        None,
                        aliases=(
                            alias("api", "live", "NONE"),
                            alias("api", "canary", "AWS_IAM"),
                            alias("api", "staged", "NONE", public=False),
                            alias("api", "plain", None),
                        ),
                    ),
                )
            )
        }
    )
    assert failing(lambda_function_urls_authenticated, snap) == {"api:live"}
    assert passing(lambda_function_urls_authenticated, snap) == {
        "api",
        "api:canary",
        "api:staged",
    }
    assert command(lambda_function_urls_authenticated, snap, "api:live") == (
        f"aws lambda update-function-url-config --function-name api:live"
        f" --auth-type AWS_IAM --region {REGION}"
    )
    assert "statement alias-url" in evidence(lambda_function_urls_authenticated, snap, "api:live")


def test_zt003_command_is_filled_and_quoted() -> None:
    snap = make_snapshot(**{"lambda": LambdaSection(functions=(function(HOSTILE, "NONE"),))})
    assert command(lambda_function_urls_authenticated, snap, HOSTILE) == (
        "aws lambda update-function-url-config --function-name 'x; rm -rf /'"
        f" --auth-type AWS_IAM --region {REGION}"
    )


# ------------------------------------------------------------------ ECS Exec


def cluster(name: str, logging: str = "", group: str = "", bucket: str = "") -> EcsCluster:
    return EcsCluster(
        arn=f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:cluster/{name}",
        name=name,
        region=REGION,
        status="ACTIVE",
        container_insights="enabled",
        execute_command_logging=logging,
        execute_command_log_group=group,
        execute_command_s3_bucket=bucket,
    )


def task_definition(family: str, *drivers: str) -> TaskDefinition:
    return TaskDefinition(
        arn=f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:task-definition/{family}:1",
        family=family,
        revision=1,
        region=REGION,
        status="ACTIVE",
        containers=tuple(
            ContainerDefinition(name=f"c{i}", image="img", log_driver=d)
            for i, d in enumerate(drivers)
        ),
    )


def service(name: str, cluster_name: str, family: str, exec_enabled: bool = True) -> EcsService:
    return EcsService(
        arn=f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:service/{cluster_name}/{name}",
        name=name,
        region=REGION,
        cluster_arn=f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:cluster/{cluster_name}",
        status="ACTIVE",
        launch_type="FARGATE",
        task_definition_arn=f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:task-definition/{family}:1",
        desired_count=1,
        enable_execute_command=exec_enabled,
    )


def test_zt004_flags_ecs_exec_without_session_logging() -> None:
    snap = make_snapshot(
        ecs=EcsSection(
            clusters=(
                cluster("none", "NONE"),
                cluster("default"),
                cluster("override-empty", "OVERRIDE"),
                cluster("override-logs", "OVERRIDE", group="/aws/ecs/exec"),
                cluster("override-s3", "OVERRIDE", bucket="exec-audit"),
            ),
            task_definitions=(
                task_definition("logged", "awslogs", "awslogs"),
                task_definition("half", "awslogs", ""),
            ),
            services=(
                service("fail-none", "none", "logged"),
                service("fail-default-unlogged-sidecar", "default", "half"),
                service("fail-override-empty", "override-empty", "logged"),
                service("unknown-cluster", "missing", "logged"),
                service("unknown-task-definition", "default", "missing"),
                service("pass-default-awslogs", "default", "logged"),
                service("pass-override-logs", "override-logs", "half"),
                service("pass-override-s3", "override-s3", "half"),
                service("pass-exec-off", "none", "half", exec_enabled=False),
            ),
        )
    )
    assert failing(ecs_exec_audited, snap) == {
        "fail-none",
        "fail-default-unlogged-sidecar",
        "fail-override-empty",
    }
    assert passing(ecs_exec_audited, snap) == {
        "pass-default-awslogs",
        "pass-override-logs",
        "pass-override-s3",
        "pass-exec-off",
    }
    assert evidence(ecs_exec_audited, snap, "fail-none") == (
        "ECS Exec enabled but sessions are not logged:"
        " cluster none sets execute-command logging to NONE"
    )
    assert command(ecs_exec_audited, snap, "fail-none") == (
        f"aws ecs update-service --cluster arn:aws:ecs:{REGION}:{ACCOUNT_ID}:cluster/none"
        " --service fail-none --disable-execute-command --force-new-deployment"
        f" --region {REGION}"
    )


# ----------------------------------------------------------- user access keys


def row(name: str, **kw: Any) -> CredentialReportRow:
    fields: dict[str, Any] = {
        "user": name,
        "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/{name}",
        "user_created": NOW - timedelta(days=500),
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


def test_zt005_flags_any_active_user_access_key() -> None:
    snap = make_snapshot(
        iam=IamSection(
            credential_report=(
                row("<root_account>", access_key_1_active=True),
                row(
                    "fail-ci-user",
                    access_key_1_active=True,
                    access_key_1_last_rotated=NOW - timedelta(days=412),
                    access_key_2_active=True,
                    access_key_2_last_rotated=NOW - timedelta(days=3),
                ),
                row("fail-new-key", access_key_2_active=True, access_key_2_last_rotated=NOW),
                row("pass-console-only", password_enabled=True, mfa_active=True),
                row(
                    "pass-deactivated",
                    access_key_1_active=False,
                    access_key_1_last_rotated=NOW - timedelta(days=900),
                ),
            )
        )
    )
    assert failing(no_long_lived_user_access_keys, snap) == {"fail-ci-user", "fail-new-key"}
    assert passing(no_long_lived_user_access_keys, snap) == {
        "pass-console-only",
        "pass-deactivated",
    }
    assert evidence(no_long_lived_user_access_keys, snap, "fail-ci-user") == (
        "user fail-ci-user has active access keys: key 1 412 days old, key 2 3 days old"
    )
    assert command(no_long_lived_user_access_keys, snap, "fail-new-key") == (
        "aws iam list-access-keys --user-name fail-new-key --query"
        " \"AccessKeyMetadata[?Status=='Active'].AccessKeyId\" --output text"
        " | xargs -n1 aws iam update-access-key --user-name fail-new-key --status Inactive"
        " --access-key-id"
    )


def test_zt005_command_quotes_hostile_user_names() -> None:
    snap = make_snapshot(
        iam=IamSection(credential_report=(row(HOSTILE, access_key_1_active=True),))
    )
    cmd = command(no_long_lived_user_access_keys, snap, HOSTILE)
    assert "--user-name 'x; rm -rf /' --query" in cmd
    assert "--user-name 'x; rm -rf /' --status Inactive" in cmd


# ---------------------------------------------------------------------- IMDS


def test_zt006_flags_instances_allowing_imdsv1() -> None:
    snap = ec2(
        instance("fail-optional", http_tokens="optional"),
        instance("fail-unset", http_tokens=""),
        instance("pass-required"),
        instance("pass-endpoint-off", http_tokens="optional", http_endpoint="disabled"),
        instance("gone", http_tokens="optional", state="terminated"),
    )
    assert failing(instances_require_imdsv2, snap) == {"fail-optional", "fail-unset"}
    assert passing(instances_require_imdsv2, snap) == {"pass-required", "pass-endpoint-off"}
    assert evidence(instances_require_imdsv2, snap, "fail-optional") == (
        "IMDSv1 allowed (HttpTokens optional)"
    )
    assert command(instances_require_imdsv2, snap, "fail-optional") == (
        "aws ec2 modify-instance-metadata-options --instance-id fail-optional"
        f" --http-tokens required --http-endpoint enabled --region {REGION}"
    )
