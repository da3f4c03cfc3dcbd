"""Administrators: who holds full `*` on `*` power, which policies grant it, and how
users receive their permissions (CIS v5.0 1.14, 1.15; FSBP IAM.1, IAM.2)."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.analysis.iam import document_admin, principals
from auditor.engine.model import Check, Principle, Severity, rule
from auditor.snapshot import Snapshot
from auditor.snapshot.iam import IamGroup, IamRole, IamUser

from ._common import (
    _REMOVE_POLICY_CMD,
    _admin_verdict,
    _broad_note,
    _fix_fields,
    _is_service_linked,
    _kind,
    _quoted,
    _workload_services,
)

_ADMINISTRATOR_ACCESS = ":policy/AdministratorAccess"


def _is_administrator_access(arn: str) -> bool:
    parts = arn.split(":")
    return len(parts) > 5 and parts[4] == "aws" and arn.endswith(_ADMINISTRATOR_ACCESS)


@rule(
    id="LP019",
    slug="identities-not-full-administrators",
    title="No IAM user, group or non-workload role holds full administrator power (* on *)",
    action="Take full administrator power away from {target}",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.HIGH,
    needs=("iam",),
    effort_minutes=60,
    monthly_cost_usd=0,
    remediation_cmd=_REMOVE_POLICY_CMD,
    frameworks={"cis": ["1.15"], "fsbp": ["IAM.1"]},
)
def identities_not_full_administrators(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every IAM user, group and role that is not a workload role (ECS task,
    Lambda or EC2 roles are LP003's) and not service-linked: its policies,
    read by the IAM engine with `Deny` statements and the permissions
    boundary, do not allow every action on every resource. That is
    `AdministratorAccess` or any policy whose `Allow` of `*` on `*` survives
    the `Deny` statements and the boundary. `Allow *` with `Deny *` is not
    admin, nor is `PowerUserAccess` (every action but IAM's); conditions on
    keys the caller sets (`aws:RequestedRegion`) do not limit a grant, and a
    grant whose time window closed before the scan is no grant. A grant that
    depends on a condition the analysis cannot decide (MFA, organization)
    passes here with the condition in the evidence and is LP022's.

    ## Why it matters
    An administrator's credentials are the whole account: every standing admin
    identity is one more key that, leaked or phished, gives everything. CIS
    1.15 asks that no `*:*` policy be attached; people should get admin power
    briefly, through a role assumed with MFA (or IAM Identity Center), not
    hold it.

    ## Remediation
    Give the identity the permissions its job needs (IAM Access Analyzer
    drafts a policy from CloudTrail), then remove the policy granting `*` on
    `*` (the command shown). Keep one break-glass role, trusted only with
    MFA, if the account needs one.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-1
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
    """
    nodes = principals(snap)
    identities: list[IamUser | IamGroup | IamRole] = [
        *snap.iam.users,
        *snap.iam.groups,
        *(r for r in snap.iam.roles if not _is_service_linked(r) and not _workload_services(r)),
    ]
    for identity in identities:
        node = nodes.get(identity.arn)
        if node is None:
            continue
        verdict = _admin_verdict(node)
        kind = _kind(identity)
        if verdict.decision.allowed:
            direct = [
                a.name
                for a in identity.attached_policies
                if isinstance(identity, IamUser) and _is_administrator_access(a.arn)
            ]
            note = " (AdministratorAccess attached directly to the user)" if direct else ""
            yield Check.of(
                identity,
                ok=False,
                evidence=f"{kind} is an administrator through {verdict.sources}{note}",
                **_fix_fields(node, verdict.decision.statements[0].source),
            )
        elif verdict.decision.conditional:
            yield Check.of(
                identity,
                ok=True,
                evidence=f"{kind} is an administrator only if {verdict.decision.condition}"
                f" ({verdict.sources}; see LP022)",
            )
        elif verdict.capped_by:
            yield Check.of(
                identity,
                ok=True,
                evidence=f"{kind}'s admin grant is capped by boundary {verdict.capped_by}",
            )
        else:
            yield Check.of(
                identity, ok=True, evidence=f"{kind} is not an administrator{_broad_note(node)}"
            )


@rule(
    id="LP020",
    slug="customer-policies-not-full-admin",
    title="No customer managed policy grants * on *, attached or not",
    action="Replace the * on * grants of {target} with the actions needed",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.HIGH,
    needs=("iam",),
    effort_minutes=30,
    monthly_cost_usd=0,
    remediation_cmd=(
        "# Your decision: the actions and resources this policy really needs (IAM Access "
        "Analyzer can draft them from CloudTrail), or delete the policy if nothing needs it. "
        "Write them to least-privilege-policy.json, then run without the leading '# ':\n"
        "# aws iam create-policy-version --policy-arn {arn}"
        " --policy-document file://least-privilege-policy.json --set-as-default"
    ),
    frameworks={"cis": ["1.15"], "fsbp": ["IAM.1"]},
)
def customer_policies_not_full_admin(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every customer managed policy, attached or not: its default version,
    read alone by the IAM engine, does not allow every action on every
    resource after its own `Deny` statements (`"Action": "*"`,
    `"Action": "*:*"`, or a `NotAction` that leaves nothing out). A condition
    on a key the caller sets does not make such a grant narrower. AWS
    managed policies (`AdministratorAccess`) are not judged here: their use
    is LP019's and LP003's.

    ## Why it matters
    An unattached `*:*` policy is one `attach-*-policy` call away from making
    anyone an administrator, and nothing flags it until it is used: FSBP
    IAM.1 counts unattached policies for this reason. An attached one makes
    every holder an administrator.

    ## Remediation
    Replace the default version with the actions and resources its users need
    (`least-privilege-policy.json`, the command shown), or delete the policy
    if nothing uses it (`aws iam delete-policy --policy-arn ...`, after
    deleting its non-default versions).

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-1
    """
    for policy in snap.iam.policies:
        if policy.aws_managed:
            continue
        decision = document_admin(policy.document, snap.collected_at)
        attached = (
            f"attached {policy.attachment_count} time(s)"
            if policy.attachment_count
            else "not attached"
        )
        sids = _quoted(sorted({st.sid for st in decision.statements}))
        if decision.allowed:
            evidence = f"statement {sids} allows * on * ({attached})"
        elif decision.conditional:
            evidence = f"allows * on * only if {decision.condition} ({attached}; see LP022)"
        else:
            evidence = "does not grant * on *"
        yield Check.of(policy, ok=not decision.allowed, evidence=evidence)


@rule(
    id="LP021",
    slug="user-permissions-through-groups",
    title="IAM users receive permissions only through groups",
    action="Move the policies of {target} onto groups",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.LOW,
    needs=("iam",),
    effort_minutes=20,
    monthly_cost_usd=0,
    remediation_cmd=(
        "# Your decision: the group that should grant this (aws iam create-group, "
        "attach-group-policy or put-group-policy, add-user-to-group --user-name {name}); "
        "once {name} is in it, run without the leading '# ':\n"
        "# aws iam {verb} --user-name {name} {policy_flag} {policy}"
    ),
    frameworks={"cis": ["1.14"], "fsbp": ["IAM.2"]},
)
def user_permissions_through_groups(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    No IAM user has an inline policy or a managed policy attached directly;
    users get permissions from the groups they belong to. Users without any
    policy of their own pass. The evidence calls out `AdministratorAccess`
    attached directly to a user: that user is also LP019's.

    ## Why it matters
    Permissions attached one user at a time drift: nobody can say who may do
    what without reading every user, and leavers keep grants nobody
    remembers. Groups (or better, IAM Identity Center permission sets) keep
    one definition per job.

    ## Remediation
    Add the user to a group holding the permissions (`aws iam
    add-user-to-group`), then detach or delete the user's own policies (the
    command shown removes the first one).

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-2
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_groups_manage_attach-policy.html
    """
    for user in snap.iam.users:
        own = [f"inline policy {p.name}" for p in user.inline_policies]
        own += [f"policy {a.name}" for a in user.attached_policies]
        if not own:
            yield Check.of(user, ok=True, evidence="no policy of its own")
            continue
        admin = any(_is_administrator_access(a.arn) for a in user.attached_policies)
        fix = (
            {"verb": "detach-user-policy", "policy_flag": "--policy-arn"}
            | {"policy": user.attached_policies[0].arn}
            if user.attached_policies
            else {"verb": "delete-user-policy", "policy_flag": "--policy-name"}
            | {"policy": user.inline_policies[0].name}
        )
        note = ", AdministratorAccess attached directly" if admin else ""
        yield Check.of(
            user,
            ok=False,
            evidence=f"holds {_quoted(own)} directly{note}",
            **fix,
        )
