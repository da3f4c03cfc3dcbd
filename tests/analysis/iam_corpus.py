"""The labelled IAM corpus (``iam_corpus.yaml``): loading, building and judging a case.

Each case is a tiny account written in a compact form, the identity under test
(``subject``, default ``attacker``), the expected verdict written by hand from
what the policies mean, and a one-line reason. Verdicts:

* ``admin``: the subject is an administrator (effective ``*`` on ``*``);
* ``equivalent``: not ``*`` on ``*``, but every IAM permissions-management action
  (``iam:*``, ``NotAction: s3:*``): it can grant itself anything;
* ``path``: neither, but it has an unconditional path to administrator power;
* ``conditional``: admin, or a path, only if a condition the analysis cannot
  decide holds (MFA, organization...);
* ``none``: neither;
* ``open`` / ``closed``: (resource-policy cases) a stranger can / cannot use it;
* ``wide`` / ``narrow``: (policy cases) the document grants ``*`` on ``*`` / does not.

Shared by the table test (``test_iam_corpus.py``) and ``bench/iam_corpus.py``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from auditor.analysis.iam import escalation_graph, principals
from auditor.snapshot import Snapshot
from auditor.snapshot.iam import CredentialReportRow, IamRole, ManagedPolicy
from auditor.snapshot.lambda_ import LambdaFunction, LambdaSection
from auditor.snapshot.secretsmanager import Secret, SecretsSection
from tests.analysis.iam_factories import (
    ROOT,
    A,
    arn,
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
from tests.rules.helpers import REGION

CORPUS = Path(__file__).with_name("iam_corpus.yaml")
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
ADMIN_POLICY = managed(
    "AdministratorAccess", doc({"Effect": "Allow", "Action": "*", "Resource": "*"}), aws=True
)
WORKLOAD = ("ecs-tasks.amazonaws.com", "lambda.amazonaws.com", "ec2.amazonaws.com")
#: target shorthand -> (role name, trusted service or "" for the account, instance profile)
TARGETS = {
    "lambda": ("lambda-admin", "lambda.amazonaws.com", False),
    "ecs": ("ecs-admin", "ecs-tasks.amazonaws.com", False),
    "ec2": ("ec2-admin", "ec2.amazonaws.com", True),
    "codebuild": ("codebuild-admin", "codebuild.amazonaws.com", False),
    "cloudformation": ("cfn-admin", "cloudformation.amazonaws.com", False),
    "glue": ("glue-admin", "glue.amazonaws.com", False),
    "sagemaker": ("sagemaker-admin", "sagemaker.amazonaws.com", False),
    "account": ("account-admin", "", False),
}


@dataclass(frozen=True)
class Case:
    id: str
    source: str
    reason: str
    expect: str
    subject: str
    spec: Mapping[str, Any]


def _subst(value: Any) -> Any:
    """ACCT in any string becomes the test account id."""
    if isinstance(value, str):
        return value.replace("ACCT", A)
    if isinstance(value, list):
        return [_subst(v) for v in value]
    if isinstance(value, dict):
        return {k: _subst(v) for k, v in value.items()}
    return value


def load_cases(path: Path = CORPUS) -> list[Case]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Case(
            id=str(item["id"]),
            source=str(item["source"]),
            reason=str(item["reason"]),
            expect=str(item["expect"]),
            subject=str(item.get("subject", "attacker")),
            spec=_subst(item),
        )
        for item in raw["cases"]
    ]


def _document(value: Any) -> dict[str, Any]:
    """A policy: a full document, or a bare list of statements."""
    if isinstance(value, dict) and "Statement" in value:
        return value
    statements = value if isinstance(value, list) else [value]
    return doc(*statements)


def _trust(value: Any) -> dict[str, Any]:
    if value is None or value == "account":
        return trust_aws(ROOT)
    if isinstance(value, str) and value in TARGETS and TARGETS[value][1]:
        return trust_service(TARGETS[value][1])
    if isinstance(value, str) and value.endswith(".amazonaws.com"):
        return trust_service(value)
    if isinstance(value, dict) and "user" in value:
        return trust_aws(arn("user", value["user"]), **value.get("extra", {}))
    return _document(value)


def _policy_arns(names: list[str]) -> tuple[str, ...]:
    return tuple(
        ADMIN_ARN if n == "AdministratorAccess" else f"arn:aws:iam::{A}:policy/{n}" for n in names
    )


def _inline(spec: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: _document(body) for name, body in (spec.get("inline") or {}).items()}


def build(case: Case) -> Snapshot:
    """The case's account as a snapshot."""
    spec = case.spec
    policies: list[ManagedPolicy] = [ADMIN_POLICY]
    for name, body in (spec.get("policies") or {}).items():
        policies.append(managed(name, _document(body)))
    roles: list[IamRole] = []
    for target in spec.get("targets") or []:
        name, service, profile = TARGETS[target]
        trust = trust_service(service) if service else trust_aws(ROOT)
        roles.append(role(name, trust, attached=(ADMIN_ARN,), profile=profile))
    for name, r in (spec.get("roles") or {}).items():
        roles.append(
            role(
                name,
                _trust(r.get("trust")),
                inline=_inline(r),
                attached=_policy_arns(r.get("attached") or []),
                boundary=_policy_arns([r["boundary"]])[0] if r.get("boundary") else "",
                profile=bool(r.get("profile")),
            )
        )
    users = []
    report: list[CredentialReportRow] = []
    for name, u in (spec.get("users") or {}).items():
        users.append(
            user(
                name,
                inline=_inline(u),
                attached=_policy_arns(u.get("attached") or []),
                groups=tuple(u.get("groups") or ()),
                boundary=_policy_arns([u["boundary"]])[0] if u.get("boundary") else "",
            )
        )
        row = password_row(name, password=bool(u.get("password")))
        report.append(row.model_copy(update={"mfa_active": bool(u.get("mfa"))}))
    groups = [
        group(name, inline=_inline(g), attached=_policy_arns(g.get("attached") or []))
        for name, g in (spec.get("groups") or {}).items()
    ]
    sections: dict[str, Any] = {}
    functions = [
        LambdaFunction(
            name=name,
            arn=f"arn:aws:lambda:{REGION}:{A}:function:{name}",
            region=REGION,
            runtime="python3.12",
            role_arn=arn("role", f.get("role", "lambda-admin")),
            policy=_document(f["policy"]) if f.get("policy") else None,
        )
        for name, f in (spec.get("functions") or {}).items()
    ]
    if functions:
        sections["lambda_"] = LambdaSection(functions=tuple(functions))
    secrets = [
        Secret(
            name=name,
            arn=f"arn:aws:secretsmanager:{REGION}:{A}:secret:{name}",
            region=REGION,
            rotation_enabled=True,
            policy=_document(s["policy"]),
        )
        for name, s in (spec.get("secrets") or {}).items()
    ]
    if secrets:
        sections["secretsmanager"] = SecretsSection(secrets=tuple(secrets))
    return iam_snapshot(
        users=tuple(users),
        roles=tuple(roles),
        groups=tuple(groups),
        policies=tuple(policies),
        report=tuple(report),
        **sections,
    )


def subject_arn(snap: Snapshot, case: Case) -> str:
    for identity in (*snap.iam.users, *snap.iam.roles, *snap.iam.groups):
        if identity.name == case.subject:
            return identity.arn
    for fn in snap.lambda_.functions:
        if fn.name == case.subject:
            return fn.arn
    for secret in snap.secretsmanager.secrets:
        if secret.name == case.subject:
            return secret.arn
    for policy in snap.iam.policies:
        if policy.name == case.subject:
            return policy.arn
    raise KeyError(case.subject)


def engine_verdict(snap: Snapshot, case: Case) -> str:
    """What the engine says about the subject, in the corpus's words."""
    from auditor.analysis.iam import document_admin, open_grants

    kind = case.spec.get("question", "escalation")
    target = subject_arn(snap, case)
    if kind == "trust":
        role_ = next(r for r in snap.iam.roles if r.arn == target)
        return "open" if open_grants(role_.trust_policy, "sts:AssumeRole") else "closed"
    if kind == "lambda":
        fn = next(f for f in snap.lambda_.functions if f.arn == target)
        found = open_grants(fn.policy, "lambda:InvokeFunction", services=("s3.amazonaws.com",))
        return "open" if found else "closed"
    if kind == "secret":
        secret = next(s for s in snap.secretsmanager.secrets if s.arn == target)
        return "open" if open_grants(secret.policy) else "closed"
    if kind == "policy":
        policy = next(p for p in snap.iam.policies if p.arn == target)
        decision = document_admin(policy.document, snap.collected_at)
        return "wide" if decision.allowed else "conditional" if decision.conditional else "narrow"
    node = principals(snap)[target]
    admin = node.permissions.administrator()
    if admin.allowed:
        return "admin"
    graph = escalation_graph(snap)
    if graph.is_admin(target):
        return "equivalent"
    if graph.path(target):
        return "path"
    if admin.conditional or graph.conditional_paths.get(target):
        return "conditional"
    return "none"


def is_workload(snap: Snapshot, case: Case) -> bool:
    from auditor.analysis.iam import trusted_services

    target = subject_arn(snap, case)
    return any(
        r.arn == target and trusted_services(r.trust_policy) & set(WORKLOAD) for r in snap.iam.roles
    )


def rule_expectations(snap: Snapshot, case: Case) -> Iterator[tuple[str, str]]:
    """(rule id, expected status of the subject) for every rule that consumes the case."""
    kind = case.spec.get("question", "escalation")
    if kind == "trust":
        yield "LP007", "FAIL" if case.expect == "open" else "PASS"
        return
    if kind == "lambda":
        yield "LP014", "FAIL" if case.expect == "open" else "PASS"
        return
    if kind == "secret":
        yield "SM004", "FAIL" if case.expect == "open" else "PASS"
        return
    if kind == "policy":
        yield "LP020", "FAIL" if case.expect == "wide" else "PASS"
        return
    expect = case.expect
    is_group = any(g.name == case.subject for g in snap.iam.groups)
    if is_workload(snap, case):
        yield "LP003", "FAIL" if expect == "admin" else "PASS"
        # LP016 leaves literal administrators to LP003
        yield "LP016", {"admin": "", "equivalent": "FAIL"}.get(expect, "PASS")
    else:
        yield "LP019", "FAIL" if expect == "admin" else "PASS"
    if is_group:
        return
    # administrators have nothing to escalate to: LP015 gives them no result
    yield "LP015", {"admin": "", "equivalent": "", "path": "FAIL"}.get(expect, "PASS")
    yield "LP022", "FAIL" if expect == "conditional" else "PASS"
