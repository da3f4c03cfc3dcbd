"""Policies: no whole-service wildcards on every resource, no unscoped data reads."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from auditor.analysis.iam import (
    GENERIC,
    PolicyStatement,
    escalation_graph,
    wildcard_grants,
)
from auditor.analysis.iam import principals as iam_principals
from auditor.engine.model import Check, Principle, Severity, rule
from auditor.snapshot import Snapshot
from auditor.snapshot.iam import (
    IamGroup,
    IamRole,
    IamUser,
)

from ._common import _REMOVE_POLICY_CMD, _fix_fields, _is_service_linked, _kind, _quoted


def _wildcard_evidence(snap: Snapshot, doc: Mapping[str, Any]) -> list[str]:
    """Unconditional grants of a whole service, or of everything, on every resource."""
    return [
        f"{g.sid} allows {', '.join(g.actions)} on *"
        for g in wildcard_grants(doc, snap.collected_at)
        if not g.conditional_on
    ]


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
        "# Your decision: the actions and resources this policy really needs (IAM Access "
        "Analyzer can draft them from CloudTrail). Write them to least-privilege-policy.json, "
        "then run without the leading '# ':\n"
        "# aws iam create-policy-version --policy-arn {arn}"
        " --policy-document file://least-privilege-policy.json --set-as-default"
    ),
    frameworks={"fsbp": ["IAM.21"]},
    action="Replace the service-wide wildcards in {target} with the actions needed",
)
def managed_policies_no_service_wildcards(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every customer managed policy (attached or not) has no Allow statement
    whose action is a whole service (`s3:*`, `iam:*`), everything (`*`,
    `*:*`) or everything but a few (`NotAction`) on every resource (`*` or a
    `NotResource`), unless the policy's own Deny takes it all back. A
    condition on a key the caller sets (`aws:RequestedRegion`) does not narrow
    the grant; one the analysis cannot decide (MFA) leaves it out. Prefix
    wildcards such as `s3:Get*` are fine. `*` on `*` is also LP020's (and
    LP003's/LP019's where it is held). AWS FSBP IAM.21 flags `svc:*` on any
    resource; this rule flags it on `*` only, where it hurts most.

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
        found = _wildcard_evidence(snap, policy.document)
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
        "# Your decision: the actions and resources this policy really needs (IAM Access "
        "Analyzer can draft them from CloudTrail). Write them to least-privilege-policy.json, "
        "then run without the leading '# ':\n"
        "# aws iam put-{kind}-policy --{kind}-name {name} --policy-name {policy}"
        " --policy-document file://least-privilege-policy.json"
    ),
    action="Replace the service-wide wildcards in the inline policies of {target}",
)
def inline_policies_no_service_wildcards(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every user, group and role with inline policies: none of them allows a
    whole service (`s3:*`), everything (`*`, `*:*`) or everything but a few
    (`NotAction`) on every resource, read as for LP004. One result per
    principal; the command rewrites the first offending policy.

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
            hits = _wildcard_evidence(snap, inline.document)
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


#: Read actions that hand out data or secrets, judged on every resource by LP017.
EXFILTRATION_ACTIONS = (
    "secretsmanager:GetSecretValue",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "s3:GetObject",
    "kms:Decrypt",
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
    action="Scope the secret, parameter and object reads of {target} to named resources",
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
