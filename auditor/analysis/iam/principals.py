"""Effective identity permissions of every user, group and role in a snapshot.

A user's permissions are its inline and attached managed policies plus those
of every group it belongs to; a role's are its own. A permissions boundary
caps either when its document is known. Managed policies are resolved by ARN
through ``snap.iam.policies``; ``AdministratorAccess`` attached without a
collected document is read as the document AWS publishes (``*`` on ``*``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from auditor.analysis import per_snapshot
from auditor.analysis.iam.evaluate import Permissions, PolicyStatement, compile_document
from auditor.snapshot import Snapshot
from auditor.snapshot.iam import AttachedPolicy, IamGroup, IamRole, IamUser, InlinePolicy

Kind = Literal["user", "group", "role"]

ADMINISTRATOR_ACCESS = "AdministratorAccess"
_ADMIN_DOCUMENT: Mapping[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def _is_aws_managed(arn: str) -> bool:
    parts = arn.split(":")
    return len(parts) > 5 and parts[4] == "aws"


@dataclass(frozen=True)
class PolicyRef:
    """Where a statement of a principal's permissions is written: how to change it."""

    owner_kind: Kind
    owner: str  # name of the user, group or role holding it
    policy: str  # inline policy name, or managed policy ARN
    managed: bool


@dataclass(frozen=True)
class Principal:
    """A user, group or role with its effective identity permissions."""

    arn: str
    name: str
    kind: Kind
    permissions: Permissions
    #: Group ARNs a user belongs to (empty for groups and roles).
    groups: tuple[str, ...] = ()
    #: Managed policy ARNs whose statements are part of the permissions.
    policy_arns: frozenset[str] = frozenset()
    #: Statement source label -> the policy it comes from.
    sources: Mapping[str, PolicyRef] | None = None
    service_linked: bool = False
    #: The permissions boundary's ARN ("" for none).
    boundary_arn: str = ""

    def source_ref(self, label: str) -> PolicyRef | None:
        """The policy a statement source label (``PolicyStatement.source``) names."""
        return (self.sources or {}).get(label)


@per_snapshot
def managed_statements(snap: Snapshot) -> Mapping[str, tuple[PolicyStatement, ...]]:
    """Compiled statements of every collected managed policy, by ARN (labelled ``policy NAME``)."""
    return {p.arn: compile_document(f"policy {p.name}", p.document) for p in snap.iam.policies}


def _policy_statements(
    snap: Snapshot,
    kind: Kind,
    owner: str,
    inline: tuple[InlinePolicy, ...],
    attached: tuple[AttachedPolicy, ...],
    prefix: str,
    sources: dict[str, PolicyRef],
) -> list[PolicyStatement]:
    managed = managed_statements(snap)
    out: list[PolicyStatement] = []
    for p in inline:
        label = f"{prefix}inline policy {p.name}"
        sources[label] = PolicyRef(kind, owner, p.name, False)
        out.extend(compile_document(label, p.document))
    for a in attached:
        compiled = managed.get(a.arn)
        if compiled is None and _is_aws_managed(a.arn) and a.name == ADMINISTRATOR_ACCESS:
            compiled = compile_document(f"policy {a.name}", _ADMIN_DOCUMENT)
        if compiled is None:
            continue
        label = f"{prefix}policy {a.name}"
        sources[label] = PolicyRef(kind, owner, a.arn, True)
        out.extend(replace(st, source=label) if st.source != label else st for st in compiled)
    return out


def _boundary(snap: Snapshot, arn: str) -> tuple[PolicyStatement, ...] | None:
    if not arn:
        return None
    return managed_statements(snap).get(arn)


def _identity(snap: Snapshot, kind: Kind, name: str, arn: str) -> dict[str, str]:
    """What the principal is known to be as a caller (identity keys, policy variables)."""
    values = {"aws:principalarn": arn, "aws:principalaccount": snap.account_id}
    if kind == "user":
        values["aws:username"] = name
        values["aws:principaltype"] = "User"
    elif kind == "role":
        values["aws:principaltype"] = "AssumedRole"
    return values


def _group(snap: Snapshot, group: IamGroup) -> Principal:
    sources: dict[str, PolicyRef] = {}
    stmts = _policy_statements(
        snap,
        "group",
        group.name,
        group.inline_policies,
        group.attached_policies,
        "",
        sources,
    )
    arns = frozenset(a.arn for a in group.attached_policies)
    return Principal(
        arn=group.arn,
        name=group.name,
        kind="group",
        permissions=Permissions(
            tuple(stmts), identity={"aws:principalaccount": snap.account_id}, now=snap.collected_at
        ),
        policy_arns=arns,
        sources=sources,
    )


#: Keys a user with an MFA device sets as it likes (it signs in with MFA or not).
MFA_KEYS = frozenset({"aws:multifactorauthpresent", "aws:multifactorauthage"})


def _user(snap: Snapshot, user: IamUser, groups: Mapping[str, IamGroup]) -> Principal:
    sources: dict[str, PolicyRef] = {}
    stmts = _policy_statements(
        snap, "user", user.name, user.inline_policies, user.attached_policies, "", sources
    )
    arns = {a.arn for a in user.attached_policies}
    member_of: list[str] = []
    for name in user.groups:
        group = groups.get(name)
        if group is None:
            continue
        member_of.append(group.arn)
        arns.update(a.arn for a in group.attached_policies)
        stmts.extend(
            _policy_statements(
                snap,
                "group",
                group.name,
                group.inline_policies,
                group.attached_policies,
                f"group {group.name} ",
                sources,
            )
        )
    return Principal(
        arn=user.arn,
        name=user.name,
        kind="user",
        permissions=Permissions(
            tuple(stmts),
            _boundary(snap, user.permissions_boundary_arn),
            identity=_identity(snap, "user", user.name, user.arn),
            now=snap.collected_at,
            chosen=MFA_KEYS if user.arn in _mfa_users(snap) else frozenset(),
        ),
        groups=tuple(member_of),
        policy_arns=frozenset(arns),
        sources=sources,
        boundary_arn=user.permissions_boundary_arn,
    )


def _role(snap: Snapshot, role: IamRole) -> Principal:
    sources: dict[str, PolicyRef] = {}
    stmts = _policy_statements(
        snap, "role", role.name, role.inline_policies, role.attached_policies, "", sources
    )
    arns = frozenset(a.arn for a in role.attached_policies)
    return Principal(
        arn=role.arn,
        name=role.name,
        kind="role",
        permissions=Permissions(
            tuple(stmts),
            _boundary(snap, role.permissions_boundary_arn),
            identity=_identity(snap, "role", role.name, role.arn),
            now=snap.collected_at,
        ),
        policy_arns=arns,
        sources=sources,
        service_linked=role.path.startswith("/aws-service-role/"),
        boundary_arn=role.permissions_boundary_arn,
    )


@per_snapshot
def _mfa_users(snap: Snapshot) -> frozenset[str]:
    """Users with an MFA device (credential report): they meet MFA conditions."""
    return frozenset(r.arn for r in snap.iam.credential_report if r.mfa_active and not r.is_root)


@per_snapshot
def principals(snap: Snapshot) -> Mapping[str, Principal]:
    """Every user, group and role of the snapshot by ARN, with its effective permissions."""
    groups = {g.name: g for g in snap.iam.groups}
    out: dict[str, Principal] = {}
    for group in snap.iam.groups:
        out[group.arn] = _group(snap, group)
    for user in snap.iam.users:
        out[user.arn] = _user(snap, user, groups)
    for role in snap.iam.roles:
        out[role.arn] = _role(snap, role)
    return out


def effective_permissions(snap: Snapshot, arn: str) -> Permissions:
    """The effective identity permissions of the user, group or role ``arn``
    (no permission at all for an unknown ARN)."""
    principal = principals(snap).get(arn)
    return principal.permissions if principal is not None else Permissions(())
