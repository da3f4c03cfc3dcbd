"""Workload roles (ECS tasks, Lambda, EC2): not administrators, not shared."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.analysis.iam import (
    Decision,
    Principal,
    escalation_graph,
    trusted_services,
)
from auditor.analysis.iam import principals as iam_principals
from auditor.engine.model import Check, Principle, Severity, rule
from auditor.snapshot import Snapshot
from auditor.snapshot.iam import (
    IamRole,
)

from ._common import (
    _REMOVE_POLICY_CMD,
    WORKLOAD_SERVICES,
    _admin_verdict,
    _fix_fields,
    _quoted,
)


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
    action="Take administrator access away from {target}",
)
def workload_roles_not_admin(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Roles that ECS tasks (`ecs-tasks.amazonaws.com`), Lambda functions
    (`lambda.amazonaws.com`) or EC2 instances (`ec2.amazonaws.com`) may
    assume are not administrators: their policies, read by the IAM engine
    with `Deny` statements and the permissions boundary, do not allow every
    action on every resource (`AdministratorAccess`, `"Action": "*"`). A
    boundary that does not itself allow everything caps the role and makes it
    pass; one that allows everything "in us-east-1" (`aws:RequestedRegion`,
    a key the caller sets) caps nothing. A grant whose time window closed
    before the scan is no grant. Every action but a few (`NotAction: iam:*`)
    is not `*` on `*`: an IAM grant inside it is LP016's. A grant that
    depends on a condition the analysis cannot decide (MFA, organization)
    passes here with the condition in the evidence and is LP022's.

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
    nodes = iam_principals(snap)
    for role in snap.iam.roles:
        services = trusted_services(role.trust_policy) & frozenset(WORKLOAD_SERVICES)
        node = nodes.get(role.arn)
        if not services or node is None:
            continue
        who = " and ".join(s.split(".")[0] for s in sorted(services))
        verdict = _admin_verdict(node)
        if verdict.decision.allowed:
            yield Check.of(
                role,
                ok=False,
                evidence=f"{who} role is an administrator through {verdict.sources}",
                **_lp003_fix(node, verdict.decision),
            )
        elif verdict.decision.conditional:
            yield Check.of(
                role,
                ok=True,
                evidence=f"{who} role is an administrator only if {verdict.decision.condition}"
                f" ({verdict.sources}; see LP022)",
            )
        elif verdict.capped_by:
            yield Check.of(
                role,
                ok=True,
                evidence=f"{who} role's admin grant is capped by boundary {verdict.capped_by}",
            )
        else:
            yield Check.of(role, ok=True, evidence=f"{who} role has no admin grant")


def _lp003_fix(node: Principal, decision: Decision) -> dict[str, str]:
    """LP003's command fields: detach or delete the policy that grants admin."""
    for st in decision.statements:
        ref = node.source_ref(st.source)
        if ref is None:
            continue
        if ref.managed:
            return {
                "action": "detach-role-policy",
                "policy_flag": "--policy-arn",
                "policy": ref.policy,
            }
        return {
            "action": "delete-role-policy",
            "policy_flag": "--policy-name",
            "policy": ref.policy,
        }
    return {}


def _lp003_fails(snap: Snapshot, role: IamRole) -> bool:
    node = iam_principals(snap).get(role.arn)
    return node is not None and node.permissions.administrator().allowed


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
        "# Your decision: the permissions this workload needs, in a role of its own. Write its "
        "trust policy to trust-policy.json, then run without the leading '# ' (and point the "
        "task definition or function at {new_role}):\n"
        "# aws iam create-role --role-name {new_role}"
        " --assume-role-policy-document file://trust-policy.json"
    ),
    action="Give {target} a role of its own",
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
    action="Take the administrator power in effect away from {target}",
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
