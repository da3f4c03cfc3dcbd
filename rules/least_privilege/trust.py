"""Who may come in: role trust policies (anyone, GitHub OIDC) and Lambda function policies."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.analysis.iam import (
    Statement,
    condition_values,
    is_fixed_value,
    open_grants,
    stranger_grants,
    trusted,
)
from auditor.engine.model import Check, Principle, Severity, rule
from auditor.snapshot import Snapshot
from auditor.snapshot.iam import (
    IamRole,
)

from ._common import _quoted

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"


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
        "# Your decision: who may assume {name} (accounts, a repository and branch, an "
        "external id). Write the trust policy to trust-policy.json, then run without the "
        "leading '# ':\n"
        "# aws iam update-assume-role-policy --role-name {name}"
        " --policy-document file://trust-policy.json"
    ),
    action="Restrict who can assume {target}",
)
def role_trust_not_public(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    No role trust policy has an Allow statement with a wildcard AWS principal
    (`"*"`, `{"AWS": "*"}`, `arn:aws:iam::*:root`) unless a condition pins
    the caller to fixed values (`aws:PrincipalOrgID`, `aws:PrincipalAccount`,
    `aws:PrincipalArn`, `aws:SourceAccount`...). `sts:ExternalId` alone does
    not count: it is a shared string, not an identity. The IAM engine answers "is it open to anyone?": `NotPrincipal` in an
    Allow admits everyone not named; `...IfExists`, negated operators
    (`StringNotEquals`) and wildcard accounts pin nobody; an `IpAddress` range as
    wide as the internet (`0.0.0.0/1` counts) pins nobody; a Deny of the same
    policy that takes the grant back for everyone closes it.

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
        grants = stranger_grants(role.trust_policy, "sts:AssumeRole", now=snap.collected_at)
        found = [g.label for g in grants if g.open]
        pinned = sorted({k for g in grants if not g.open for k in g.keys})
        yield Check.of(
            role,
            ok=not found,
            evidence=f"trust statement {_quoted(found)} lets any AWS principal assume the role"
            if found
            else f"trust policy admits any principal only if {_quoted(pinned)} matches"
            if pinned
            else "trust policy names its principals",
        )


def _github_statements(role: IamRole) -> list[tuple[Statement, str]]:
    """Allow statements trusting a GitHub Actions OIDC provider, with the provider's
    condition-key prefix (``token.actions.githubusercontent.com``, or
    ``token.actions.githubusercontent.com/<enterprise>`` for an enterprise issuer)."""
    found: list[tuple[Statement, str]] = []
    for st, value in trusted(role.trust_policy, "Federated"):
        _, _, issuer = value.partition(":oidc-provider/")
        if issuer.split("/", 1)[0] == GITHUB_OIDC_HOST and all(st is not f for f, _ in found):
            found.append((st, issuer))
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
        "# Your decision: who may assume {name} (accounts, a repository and branch, an "
        "external id). Write the trust policy to trust-policy.json, then run without the "
        "leading '# ':\n"
        "# aws iam update-assume-role-policy --role-name {name}"
        " --policy-document file://trust-policy.json"
    ),
    action="Restrict the GitHub token subject (repository) trusted by {target}",
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
            values = condition_values(st.condition, f"{issuer}:sub")
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
        "# Your decision: who may assume {name} (accounts, a repository and branch, an "
        "external id). Write the trust policy to trust-policy.json, then run without the "
        "leading '# ':\n"
        "# aws iam update-assume-role-policy --role-name {name}"
        " --policy-document file://trust-policy.json"
    ),
    action="Restrict the GitHub token audience trusted by {target} to sts.amazonaws.com",
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
            if not (values := condition_values(st.condition, f"{issuer}:aud"))
            or not all(is_fixed_value(v) for v in values)
        ]
        yield Check.of(
            role,
            ok=not missing,
            evidence=f"GitHub OIDC trust {_quoted(missing)} has no fixed aud condition"
            if missing
            else "GitHub OIDC trust requires a fixed audience",
        )


#: Service principals that act for any account's resources (bucket names are global).
_ANY_ACCOUNT_SERVICES = ("s3.amazonaws.com",)


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
    action="Stop anyone from invoking {target}",
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
        found = open_grants(
            fn.policy,
            "lambda:InvokeFunction",
            services=_ANY_ACCOUNT_SERVICES,
            now=snap.collected_at,
        )
        yield Check.of(
            fn,
            ok=not found,
            evidence=f"policy statement {_quoted([g.label for g in found])}"
            " lets anyone invoke the function"
            if found
            else ("policy names its callers" if fn.policy else "no resource policy"),
            sid=found[0].statement.sid if found else "",
        )
