"""Snapshot factories for the IAM analysis tests (no moto)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from auditor.snapshot import Snapshot
from auditor.snapshot.iam import (
    AttachedPolicy,
    CredentialReportRow,
    IamGroup,
    IamRole,
    IamSection,
    IamUser,
    InlinePolicy,
    ManagedPolicy,
)
from tests.rules.helpers import ACCOUNT_ID, NOW, make_snapshot

A = ACCOUNT_ID
ROOT = f"arn:aws:iam::{A}:root"


def arn(kind: str, name: str) -> str:
    return f"arn:aws:iam::{A}:{kind}/{name}"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def trust_service(service: str, **extra: Any) -> dict[str, Any]:
    return doc(
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole", **extra}
    )


def trust_aws(*principals: str, **extra: Any) -> dict[str, Any]:
    value: str | list[str] = principals[0] if len(principals) == 1 else list(principals)
    return doc(
        {
            "Sid": "Trust",
            "Effect": "Allow",
            "Principal": {"AWS": value},
            "Action": "sts:AssumeRole",
            **extra,
        }
    )


def _inline(policies: dict[str, dict[str, Any]]) -> tuple[InlinePolicy, ...]:
    return tuple(InlinePolicy(name=n, document=d) for n, d in policies.items())


def _attached(arns: tuple[str, ...]) -> tuple[AttachedPolicy, ...]:
    return tuple(AttachedPolicy(arn=a, name=a.rsplit("/", 1)[-1]) for a in arns)


def role(
    name: str,
    trust: dict[str, Any] | None = None,
    *,
    inline: dict[str, dict[str, Any]] | None = None,
    attached: tuple[str, ...] = (),
    boundary: str = "",
    profile: bool = False,
    path: str = "/",
) -> IamRole:
    return IamRole(
        name=name,
        arn=f"arn:aws:iam::{A}:role{path}{name}",
        id=f"AROA{name}",
        path=path,
        created=NOW - timedelta(days=30),
        trust_policy=trust if trust is not None else trust_service("ecs-tasks.amazonaws.com"),
        inline_policies=_inline(inline or {}),
        attached_policies=_attached(attached),
        instance_profile_arns=(arn("instance-profile", name),) if profile else (),
        permissions_boundary_arn=boundary,
    )


def user(
    name: str,
    *,
    inline: dict[str, dict[str, Any]] | None = None,
    attached: tuple[str, ...] = (),
    groups: tuple[str, ...] = (),
    boundary: str = "",
) -> IamUser:
    return IamUser(
        name=name,
        arn=arn("user", name),
        id=f"AIDA{name}",
        path="/",
        created=NOW - timedelta(days=30),
        groups=groups,
        inline_policies=_inline(inline or {}),
        attached_policies=_attached(attached),
        permissions_boundary_arn=boundary,
    )


def group(
    name: str, *, inline: dict[str, dict[str, Any]] | None = None, attached: tuple[str, ...] = ()
) -> IamGroup:
    return IamGroup(
        name=name,
        arn=arn("group", name),
        id=f"AGPA{name}",
        path="/",
        inline_policies=_inline(inline or {}),
        attached_policies=_attached(attached),
    )


def managed(name: str, document: dict[str, Any], *, aws: bool = False) -> ManagedPolicy:
    return ManagedPolicy(
        arn=f"arn:aws:iam::{'aws' if aws else A}:policy/{name}",
        name=name,
        aws_managed=aws,
        default_version_id="v1",
        attachment_count=1,
        document=document,
    )


def password_row(name: str, *, password: bool) -> CredentialReportRow:
    return CredentialReportRow(
        user=name,
        arn=arn("user", name),
        user_created=NOW - timedelta(days=30),
        password_enabled=password,
        password_last_used=None,
        password_last_changed=None,
        mfa_active=False,
        access_key_1_active=False,
        access_key_1_last_rotated=None,
        access_key_1_last_used=None,
        access_key_2_active=False,
        access_key_2_last_rotated=None,
        access_key_2_last_used=None,
    )


def iam_snapshot(
    *,
    users: tuple[IamUser, ...] = (),
    roles: tuple[IamRole, ...] = (),
    groups: tuple[IamGroup, ...] = (),
    policies: tuple[ManagedPolicy, ...] = (),
    report: tuple[CredentialReportRow, ...] = (),
    **sections: Any,
) -> Snapshot:
    return make_snapshot(
        iam=IamSection(
            users=users,
            roles=roles,
            groups=groups,
            policies=policies,
            credential_report=report,
        ),
        **sections,
    )
