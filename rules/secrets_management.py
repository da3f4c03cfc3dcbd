"""Secrets Management: secrets live in a secret store, rotate, stay private and are not left behind.

Secret values are never collected: the environment-variable rules work on the
collector's verdict per variable *name* (``EnvVar.looks_secret`` and its
``reason``), and evidence repeats only names and reasons.
"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.analysis.iam import open_grants
from auditor.engine.model import Check, Principle, Severity, rule
from auditor.snapshot import EnvVar, Snapshot
from auditor.snapshot.secretsmanager import Secret

#: Secrets Manager's price per secret per month (USD), before API calls.
SECRET_MONTHLY_USD = 0.40


def _own_secrets(snap: Snapshot) -> Iterator[Secret]:
    """Secrets judged here: primaries only (a replica follows its primary's rotation)."""
    return (s for s in snap.secretsmanager.secrets if not s.primary_region)


def _quoted(items: list[str], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


# --- rotation ------------------------------------------------------------------------


@rule(
    id="SM001",
    slug="secrets-rotation-enabled",
    title="Secrets Manager secrets have automatic rotation enabled",
    action="Turn on automatic rotation for {target}",
    principle=Principle.SECRETS_MANAGEMENT,
    severity=Severity.MEDIUM,
    needs=("secretsmanager",),
    effort_minutes=60,
    monthly_cost_usd=0,
    remediation_cmd=(
        "# Your decision: the Lambda function that rotates this secret (for an RDS secret, "
        "AWS's rotation template; for an API key, one that calls the provider). "
        "Put its ARN in place of <ROTATION_LAMBDA_ARN>:\n"
        "aws secretsmanager rotate-secret --secret-id {name}"
        " --rotation-lambda-arn <ROTATION_LAMBDA_ARN>"
        " --rotation-rules AutomaticallyAfterDays=30 --region {region}"
    ),
    frameworks={"fsbp": ["SecretsManager.1"]},
)
def secrets_rotation_enabled(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every secret (replicas excepted: they follow their primary) has automatic
    rotation enabled. Secrets managed by another service (an RDS-managed
    master password, `OwningService` set) are rotated by that service and
    pass when it reports rotation on, like any other.

    ## Why it matters
    A secret that never changes stays valid in every place it ever leaked to:
    old laptops, CI logs, a former contractor's notes. Rotation bounds how
    long a leak is useful and proves the consumers can survive a change.

    ## Remediation
    Attach a rotation function (AWS provides templates for RDS, Redshift and
    DocumentDB; `--rotation-lambda-arn`), or use RDS-managed master passwords,
    and set a schedule with the command. For API keys of third parties that
    cannot be rotated programmatically, waive the finding with a reason.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/secretsmanager-controls.html#secretsmanager-1
    - https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets.html
    """
    for secret in _own_secrets(snap):
        if secret.rotation_enabled:
            every = f" every {secret.rotation_days} days" if secret.rotation_days else ""
            yield Check.of(secret, ok=True, evidence=f"rotation enabled{every}")
        else:
            yield Check.of(secret, ok=False, evidence="automatic rotation is disabled")


@rule(
    id="SM002",
    slug="secrets-rotated-recently",
    title="Secrets Manager secrets were rotated within 90 days",
    action="Rotate {target}",
    principle=Principle.SECRETS_MANAGEMENT,
    severity=Severity.MEDIUM,
    needs=("secretsmanager",),
    effort_minutes=15,
    monthly_cost_usd=0,
    remediation_cmd="aws secretsmanager rotate-secret --secret-id {name} --region {region}",
    frameworks={"fsbp": ["SecretsManager.4"]},
)
def secrets_rotated_recently(snap: Snapshot, max_age_days: int = 90) -> Iterator[Check]:
    """
    ## What it checks
    Every secret (replicas excepted) was last rotated at most `max_age_days`
    (default 90) before the scan; a secret never rotated counts from its
    creation. Secrets with neither date are not evaluated.

    ## Why it matters
    Rotation that is configured but failing, or a secret nobody ever
    rotated, gives the same exposure as no rotation at all (see SM001).

    ## Remediation
    Rotate now (the command runs the configured rotation function); if it
    fails, the rotation function's CloudWatch logs say why. Without a rotation
    function, put a new value with `aws secretsmanager put-secret-value`
    after changing it at its source.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/secretsmanager-controls.html#secretsmanager-4
    """
    for secret in _own_secrets(snap):
        since = secret.last_rotated or secret.created
        if since is None:
            continue
        age = (snap.collected_at - since).days
        what = "last rotated" if secret.last_rotated else "never rotated; created"
        yield Check.of(
            secret,
            ok=age <= max_age_days,
            evidence=f"{what} {age} days ago (limit {max_age_days})",
        )


# --- unused secrets ------------------------------------------------------------------


@rule(
    id="SM003",
    slug="secrets-in-use",
    title="Secrets Manager secrets were accessed within 90 days",
    action="Check whether {target} is still needed, and delete it if not",
    principle=Principle.SECRETS_MANAGEMENT,
    severity=Severity.LOW,
    needs=("secretsmanager",),
    effort_minutes=10,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws secretsmanager delete-secret --secret-id {name}"
        " --recovery-window-in-days 30 --region {region}"
    ),
    frameworks={"fsbp": ["SecretsManager.3"]},
)
def secrets_in_use(snap: Snapshot, max_unused_days: int = 90) -> Iterator[Check]:
    """
    ## What it checks
    Every secret (replicas excepted) was last accessed at most
    `max_unused_days` (default 90) before the scan.

    When AWS reports no access at all (`LastAccessedDate` absent), the secret
    fails only if it was created more than `max_unused_days` ago: "no access
    recorded" for a secret that old means unused, while a young secret simply
    has not been read yet. A secret with neither date is not evaluated.
    AWS records access by day, so "0 days" means today.

    ## Why it matters
    An unused secret is a credential that still works and that nobody
    watches: it is not rotated with care, it may belong to a decommissioned
    system, and its owner has moved on. It also costs money every month.

    ## Remediation
    Check that nothing reads it (CloudTrail `GetSecretValue` events), then
    schedule its deletion (the command; it can be restored for 30 days with
    `aws secretsmanager restore-secret`) and revoke the credential at its
    source.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/secretsmanager-controls.html#secretsmanager-3
    """
    for secret in _own_secrets(snap):
        if secret.last_accessed is not None:
            idle = (snap.collected_at - secret.last_accessed).days
            evidence = f"last accessed {idle} days ago (limit {max_unused_days})"
        elif secret.created is not None:
            idle = (snap.collected_at - secret.created).days
            evidence = (
                f"no access recorded since creation {idle} days ago (limit {max_unused_days})"
            )
        else:
            continue
        yield Check.of(secret, ok=idle <= max_unused_days, evidence=evidence)


# --- resource policies ---------------------------------------------------------------


@rule(
    id="SM004",
    slug="secret-policies-not-public",
    title="Secret resource policies do not let anyone read the secret",
    action="Restrict the resource policy of {target}",
    principle=Principle.SECRETS_MANAGEMENT,
    severity=Severity.CRITICAL,
    needs=("secretsmanager",),
    effort_minutes=15,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws secretsmanager delete-resource-policy --secret-id {name} --region {region}"
    ),
)
def secret_policies_not_public(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    No statement of a secret's resource policy allows a wildcard principal
    (`*`, `{"AWS": "*"}`, `arn:aws:iam::*:root`) unless a condition pins the
    caller to fixed values (`aws:PrincipalOrgID`, `aws:PrincipalAccount`,
    `aws:SourceVpce`...). An unrelated condition such as `aws:SecureTransport`
    does not make a statement private. Secrets without a policy pass.
    Replicas are evaluated too: each has its own policy. The IAM engine answers "is it open to anyone?": `NotPrincipal` in an
    Allow admits everyone not named; `...IfExists`, negated operators
    (`StringNotEquals`) and wildcard accounts pin nobody; an `IpAddress` range as
    wide as the internet (`0.0.0.0/1` counts) pins nobody; a Deny of the same
    policy that takes the grant back for everyone closes it.

    ## Why it matters
    Such a statement lets principals of any AWS account call
    `GetSecretValue` (when the KMS key allows it too): the database password
    or API key is one call away from anyone who knows the ARN.

    ## Remediation
    Delete the policy (the command) if identity policies in the account
    already grant the access needed, or rewrite it with named principals and
    `put-resource-policy --block-public-policy`, which makes Secrets Manager
    refuse public policies from then on.

    ## References
    - https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_resource-policies.html
    - https://docs.aws.amazon.com/secretsmanager/latest/userguide/determine-acccess_examine-iam-policies.html
    """
    for secret in snap.secretsmanager.secrets:
        found = [g.label for g in open_grants(secret.policy, now=snap.collected_at)]
        yield Check.of(
            secret,
            ok=not found,
            evidence=f"policy statement {_quoted(found)} lets any AWS principal use the secret"
            if found
            else ("policy names its principals" if secret.policy else "no resource policy"),
        )


# --- plaintext secrets in environments -----------------------------------------------


def _flagged(env: tuple[EnvVar, ...], where: str = "") -> list[str]:
    """``where NAME (reason)`` for each variable judged a plaintext secret."""
    prefix = f"{where} " if where else ""
    return [
        f"{prefix}{v.name} ({v.reason or 'looks secret'})"
        for v in env
        if v.looks_secret and not v.is_reference
    ]


@rule(
    id="SM005",
    slug="ecs-task-definitions-no-plaintext-secrets",
    title="ECS task definitions keep no plaintext secrets in environment variables",
    action="Move the plaintext secrets of {target} to Secrets Manager",
    principle=Principle.SECRETS_MANAGEMENT,
    severity=Severity.HIGH,
    needs=("ecs",),
    effort_minutes=30,
    monthly_cost_usd=SECRET_MONTHLY_USD,
    remediation_cmd=(
        "# The value is yours to move (auditor never reads it): put it in secret-value.txt, "
        "then run without the leading '# ' and delete the file:\n"
        "# aws secretsmanager create-secret --name {secret_name}"
        " --secret-string file://secret-value.txt --region {region}"
    ),
    frameworks={"fsbp": ["ECS.8"]},
)
def ecs_task_definitions_no_plaintext_secrets(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    No container of an ECS task definition (the revisions services use and
    the latest of each family) has an `environment` variable that looks like
    a plaintext secret, judged at collection time by the value's shape first
    (AWS keys, private keys, GitHub/Slack/Stripe/Google tokens, JWTs, URLs
    with a password, long random strings) and by the name only as a hint
    (`DB_PASSWORD`, `STRIPE_SECRET_KEY`; not `AUTHOR` or `TOKEN_TTL`).
    References (secret ARNs, `{{resolve:...}}`, paths, URLs without
    credentials), numbers, booleans and publishable keys pass. The value
    itself is never stored nor shown: evidence names the container, the
    variable and the reason.

    ## Why it matters
    Task definition environment values are plain text to anyone allowed
    `ecs:DescribeTaskDefinition` (a read-only role, a support tool, this
    scanner), are kept in every revision forever, and appear in CloudTrail
    and CI logs. They are not secrets any more.

    ## Remediation
    Store the value in Secrets Manager (the command; put the value in
    `secret-value.txt` first and delete the file after), reference it from
    the container's `secrets` list (`valueFrom` = the secret ARN), grant the
    execution role `secretsmanager:GetSecretValue` on it, and register a new
    revision. Then rotate the value: the old one has been exposed.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/ecs-controls.html#ecs-8
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html
    """
    for td in snap.ecs.task_definitions:
        found = [
            hit for c in td.containers for hit in _flagged(c.environment, f"container {c.name}")
        ]
        first = next(
            (
                v.name
                for c in td.containers
                for v in c.environment
                if v.looks_secret and not v.is_reference
            ),
            "",
        )
        yield Check(
            resource_id=td.arn,
            ok=not found,
            evidence=f"plaintext secret in environment: {_quoted(found)}"
            if found
            else "no plaintext secret in container environments",
            region=td.region,
            name=f"{td.family}:{td.revision}",
            fields={"secret_name": f"{td.family}/{first}" if first else td.family},
        )


@rule(
    id="SM006",
    slug="lambda-environments-no-plaintext-secrets",
    title="Lambda functions keep no plaintext secrets in environment variables",
    action="Move the plaintext secrets of {target} to Secrets Manager",
    principle=Principle.SECRETS_MANAGEMENT,
    severity=Severity.HIGH,
    needs=("lambda",),
    effort_minutes=30,
    monthly_cost_usd=SECRET_MONTHLY_USD,
    remediation_cmd=(
        "# The value is yours to move (auditor never reads it): put it in secret-value.txt, "
        "then run without the leading '# ' and delete the file:\n"
        "# aws secretsmanager create-secret --name {secret_name}"
        " --secret-string file://secret-value.txt --region {region}"
    ),
)
def lambda_environments_no_plaintext_secrets(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    No Lambda function has an environment variable that looks like a
    plaintext secret (judged at collection time by the value's shape first
    and the name only as a hint, as for SM005; the value is never stored nor
    shown). Variables holding a reference (a Secrets Manager or SSM ARN, a
    path, a URL without credentials) pass.

    ## Why it matters
    Lambda environment values are returned in plain text by
    `GetFunctionConfiguration` to anyone with read access, shown in the
    console, and copied into every published version. Encryption at rest
    with KMS does not change who can read them.

    ## Remediation
    Store the value in Secrets Manager (the command; put the value in
    `secret-value.txt` first), read it at start-up with the AWS Parameters
    and Secrets Lambda Extension or an SDK call, grant the function's role
    `secretsmanager:GetSecretValue` on it, remove the variable, and rotate the
    exposed value.

    ## References
    - https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html
    - https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
    """
    for fn in snap.lambda_.functions:
        found = _flagged(fn.environment)
        first = next((v.name for v in fn.environment if v.looks_secret and not v.is_reference), "")
        yield Check.of(
            fn,
            ok=not found,
            evidence=f"plaintext secret in environment: {_quoted(found)}"
            if found
            else "no plaintext secret in the environment",
            secret_name=f"{fn.name}/{first}" if first else fn.name,
        )
