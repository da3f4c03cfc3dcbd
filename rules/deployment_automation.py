"""Deployment automation: do changes reach production through a repeatable, reversible path?"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from datetime import date, timedelta

from auditor.analysis.fixfiles import (
    DEPLOY_ROLE,
    GITHUB_ISSUER,
    github_deploy_policy,
    github_deploy_workflow,
    github_trust_policy,
)
from auditor.analysis.iam import trusted
from auditor.engine.model import Check, Principle, Severity, ShellText, Tier, rule
from auditor.snapshot import Snapshot

DA = Principle.DEPLOYMENT_AUTOMATION

#: OIDC issuers of CI systems that deploy with short-lived credentials.
CI_OIDC_ISSUERS = (
    "token.actions.githubusercontent.com",
    "gitlab.com",
    "app.terraform.io",
    "oidc.circleci.com",
    "vstoken.dev.azure.com",
    "api.bitbucket.org",
)


def _ci_deploy_roles(snap: Snapshot) -> list[tuple[str, str]]:
    """(role name, issuer) for roles a CI system can assume through OIDC."""
    out = []
    for role in snap.iam.roles:
        for _, value in trusted(role.trust_policy, "Federated"):
            issuer = next((i for i in CI_OIDC_ISSUERS if i in value), "")
            if issuer:
                out.append((role.name, issuer))
    return out


WORKFLOW, TRUST, POLICY = (
    "github-deploy.yml",
    "github-deploy-trust.json",
    "github-deploy-policy.json",
)
_COMMIT_WORKFLOW = (
    "# In your repository: commit github-deploy.yml as .github/workflows/deploy.yml and push "
    "to main; its first run assumes the role (build directories are services/<repository>: "
    "adjust them to your layout).\n"
)
#: A CI role exists but nothing uses it: the workflow is what is missing, nothing is re-created.
_STEPS_EXISTING_ROLE = (
    "# {role} already trusts GitHub Actions: no new OIDC provider or role.\n"
    "aws iam get-role --role-name {role} --query Role.Arn --output text\n" + _COMMIT_WORKFLOW
)
_STEP_PROVIDER = (
    f"aws iam create-open-id-connect-provider --url https://{GITHUB_ISSUER} "
    "--client-id-list sts.amazonaws.com\n"
)
_STEPS_NEW_ROLE = (
    "# Your decision: the GitHub repository allowed to deploy. Replace <OWNER>/<REPO> in "
    "github-deploy-trust.json, then run these two lines without the leading '# ':\n"
    f"# aws iam create-role --role-name {DEPLOY_ROLE} "
    f"--assume-role-policy-document file://{TRUST}\n"
    f"# aws iam put-role-policy --role-name {DEPLOY_ROLE} --policy-name deploy "
    f"--policy-document file://{POLICY}\n" + _COMMIT_WORKFLOW
)


@rule(
    id="DA001",
    slug="deployment-pipeline-in-use",
    title="Deployments run through a pipeline (CodePipeline or a CI OIDC role in use)",
    action="Deploy through a pipeline (GitHub Actions with OIDC, or CodePipeline)",
    principle=DA,
    severity=Severity.HIGH,
    needs=("codepipeline", "iam"),
    effort_minutes=240,
    monthly_cost_usd=1,
    remediation_cmd="{steps}",
    tier=Tier.ADVANCED,
)
def deployment_pipeline_in_use(snap: Snapshot, max_idle_days: int = 90) -> Iterator[Check]:
    """
    ## What it checks
    The account has a CodePipeline pipeline, or an IAM role that a CI system
    (GitHub Actions, GitLab, Terraform Cloud, CircleCI, Azure DevOps,
    Bitbucket) assumes through OIDC and that was used in the last
    `max_idle_days` days (default 90).

    ## Why it matters
    Manual `docker push` and `update-service` deploys give no record of what
    shipped, no tests before it ships and no one-click rollback. A CI role
    that exists but is never assumed automates nothing, so it does not count.

    ## Remediation
    Deploy from CI with short-lived OIDC credentials (no stored keys): an OIDC
    provider, a deploy role scoped to the repository's main branch, and a
    workflow that builds, tests, pushes and updates the service. Or use
    CodePipeline (USD 1 per active pipeline per month).

    ## References
    - https://docs.github.com/en/actions/deployment/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
    - https://docs.aws.amazon.com/codepipeline/latest/userguide/welcome.html
    """
    if snap.codepipeline.pipelines:
        names = sorted(p.name for p in snap.codepipeline.pipelines)
        yield Check.account(ok=True, evidence=f"CodePipeline: {', '.join(names[:5])}")
        return
    cutoff = snap.collected_at - timedelta(days=max_idle_days)
    roles = {r.name: r for r in snap.iam.roles}
    ci_roles = _ci_deploy_roles(snap)
    used = [n for n, _ in ci_roles if (lu := roles[n].last_used) is not None and lu >= cutoff]
    if used:
        yield Check.account(ok=True, evidence=f"CI OIDC deploy role in use: {used[0]}")
    elif ci_roles:
        name, issuer = ci_roles[0]
        yield Check.account(
            ok=False,
            evidence=(
                f"no pipeline; CI role {name} ({issuer}) exists but was not used "
                f"in the last {max_idle_days} days"
            ),
            steps=ShellText(_STEPS_EXISTING_ROLE.format(role=shlex.quote(name))),
        ).with_files({WORKFLOW: github_deploy_workflow(snap, roles[name].arn)})
    else:
        provider = any(GITHUB_ISSUER in p.url for p in snap.iam.oidc_providers)
        role_arn = f"arn:{snap.partition}:iam::{snap.account_id}:role/{DEPLOY_ROLE}"
        yield Check.account(
            ok=False,
            evidence="no CodePipeline pipeline and no CI OIDC deploy role",
            steps=ShellText(("" if provider else _STEP_PROVIDER) + _STEPS_NEW_ROLE),
        ).with_files(
            {
                WORKFLOW: github_deploy_workflow(snap, role_arn),
                TRUST: github_trust_policy(snap),
                POLICY: github_deploy_policy(snap),
            }
        )


@rule(
    id="DA002",
    slug="ecs-deployment-circuit-breaker-enabled",
    title="ECS services roll back failed deployments automatically",
    action="Turn on automatic rollback for {target}",
    principle=DA,
    severity=Severity.MEDIUM,
    needs=("ecs",),
    effort_minutes=5,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws ecs update-service --cluster {cluster} --service {name} "
        "--deployment-configuration 'deploymentCircuitBreaker={{enable=true,rollback=true}}' "
        "--region {region}"
    ),
    tier=Tier.STANDARD,
)
def ecs_deployment_circuit_breaker_enabled(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every ECS service using the ECS deployment controller has the deployment
    circuit breaker enabled with rollback.

    ## Why it matters
    Without it, a task definition that cannot start keeps the deployment
    retrying forever while the old tasks drain: a broken image becomes an
    outage instead of an automatic rollback.

    ## Remediation
    Enable the circuit breaker with rollback on each service (no downtime).

    ## References
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html
    """
    for service in snap.ecs.services:
        if service.deployment_controller not in ("ECS", ""):
            continue  # CodeDeploy / external controllers roll back on their own terms
        ok = service.circuit_breaker_enabled and service.circuit_breaker_rollback
        if ok:
            evidence = "circuit breaker with rollback"
        elif service.circuit_breaker_enabled:
            evidence = "circuit breaker on, rollback off"
        else:
            evidence = "deployment circuit breaker off"
        yield Check.of(
            service, ok=ok, evidence=evidence, cluster=service.cluster_arn.rsplit("/", 1)[-1]
        )


def _mutable_reference(image: str) -> str:
    """The mutable tag an image is referenced by, or "" when pinned (digest or version tag)."""
    if "@sha256:" in image:
        return ""
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return "latest (implicit)"
    tag = last.rsplit(":", 1)[1]
    return (
        tag
        if tag.lower() in {"latest", "main", "master", "prod", "production", "stable", "dev"}
        else ""
    )


@rule(
    id="DA003",
    slug="images-pinned-by-version-or-digest",
    title="Task definitions pin images by version or digest, not :latest",
    action="Pin the images of {target} by version or digest",
    principle=DA,
    severity=Severity.MEDIUM,
    needs=("ecs",),
    effort_minutes=30,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws ecs describe-task-definition --task-definition {name} --region {region} "
        "--query taskDefinition > taskdef-{name}.json\n"
        "# Your decision: the image to pin, a version tag you never overwrite or "
        "{image_base}@sha256:<DIGEST>. Set it in taskdef-{name}.json, delete taskDefinitionArn, "
        "revision, status, requiresAttributes, compatibilities, registeredAt and registeredBy, "
        "then run without the leading '# ':\n"
        "# aws ecs register-task-definition --cli-input-json file://taskdef-{name}.json "
        "--region {region}"
    ),
    tier=Tier.STANDARD,
)
def images_pinned_by_version_or_digest(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every container of the task definitions in use references its image by
    digest (`@sha256:...`) or a version tag, not `:latest` (or no tag) or a
    branch-like tag (`main`, `prod`...).

    ## Why it matters
    With a moving tag, what runs depends on when a task happened to start:
    two tasks of the same revision can run different code, a rollback to the
    previous revision rolls back nothing, and nobody can tell what is deployed.

    ## Remediation
    Have CI tag images with the commit SHA (or pin the digest) and register a
    new task definition revision per release.

    ## References
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/container-considerations.html
    """
    for td in snap.ecs.task_definitions:
        floating = [(c.name, tag) for c in td.containers if (tag := _mutable_reference(c.image))]
        image = td.containers[0].image if td.containers else ""
        yield Check(
            resource_id=td.arn,
            name=td.family,
            region=td.region,
            ok=not floating,
            evidence=(
                "images pinned"
                if not floating
                else "; ".join(f"container {n} uses tag {t}" for n, t in floating[:3])
            ),
            fields={"image_base": image.rsplit(":", 1)[0] if image else "IMAGE"},
        )


#: An image in a private ECR registry (any account: a shared registry in the
#: organization counts): ``<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/...``.
_PRIVATE_ECR = re.compile(r"^\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/")


def _registry(image: str) -> str:
    """The registry host of an image reference (Docker Hub for a bare name)."""
    first = image.split("/", 1)[0]
    if "/" in image and ("." in first or ":" in first or first == "localhost"):
        return first
    return "docker.io"


@rule(
    id="DA007",
    slug="images-from-private-registry",
    title="Task definitions pull images from a private ECR registry",
    action="Move the images of {target} to a private ECR registry",
    principle=DA,
    severity=Severity.MEDIUM,
    needs=("ecs",),
    effort_minutes=60,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws ecr create-pull-through-cache-rule --ecr-repository-prefix ecr-public "
        "--upstream-registry-url public.ecr.aws --region {region}\n"
        "# Your decision: the image each container of {name} runs. Build and push your own, "
        "or pull a public.ecr.aws image through the cache as "
        "{account}.dkr.ecr.{region}.amazonaws.com/ecr-public/<REPOSITORY>:<TAG>; then "
        "register a new revision of {name} and deploy it."
    ),
    tier=Tier.FOUNDATION,
)
def images_from_private_registry(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every container of the task definitions in use pulls its image from a
    private Amazon ECR registry (`<account>.dkr.ecr.<region>.amazonaws.com`,
    in this account or another one of the organization), not from Docker
    Hub, `public.ecr.aws`, GitHub's or another public registry.

    ## Why it matters
    A deployment is only repeatable if the artefact it deploys is yours: an
    image on a public registry can be changed or deleted by its publisher,
    is subject to the registry's rate limits when tasks scale out (a Docker
    Hub pull limit stops a service from starting), and is not covered by
    your registry's scanning and lifecycle rules (DD rules, DA004, DA005).
    Images built by your own pipeline and pushed to ECR are the foundation
    the other deployment practices build on.

    ## Remediation
    Build and push your own images to ECR, or mirror the public ones through
    an ECR pull-through cache rule and point the task definition at the
    cached repository (`<account>.dkr.ecr.<region>.amazonaws.com/ecr-public/...`).
    The command creates the cache rule for `public.ecr.aws`; Docker Hub needs
    a Secrets Manager credential (`--credential-arn`).

    ## References
    - https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html
    """
    for td in snap.ecs.task_definitions:
        public = [
            (c.name, _registry(c.image)) for c in td.containers if not _PRIVATE_ECR.match(c.image)
        ]
        yield Check(
            resource_id=td.arn,
            name=td.family,
            region=td.region,
            ok=not public,
            evidence=(
                "every image comes from a private ECR registry"
                if not public
                else "; ".join(f"container {n} pulls from {r}" for n, r in public[:3])
            ),
        )


@rule(
    id="DA004",
    slug="ecr-tags-immutable",
    title="ECR repositories have immutable tags",
    action="Make image tags immutable in {target}",
    principle=DA,
    severity=Severity.LOW,
    needs=("ecr",),
    effort_minutes=5,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws ecr put-image-tag-mutability --repository-name {name} "
        "--image-tag-mutability IMMUTABLE --region {region}"
    ),
    frameworks={"fsbp": ["ECR.2"]},
    tier=Tier.STANDARD,
)
def ecr_tags_immutable(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every ECR repository has tag mutability `IMMUTABLE` (or
    `IMMUTABLE_WITH_EXCLUSION`).

    ## Why it matters
    A mutable tag can be overwritten by any push, so the same tag can name
    different code over time, and a compromised CI token can replace a
    released image in place.

    ## Remediation
    Switch the repository to immutable tags and tag each build uniquely
    (commit SHA or version).

    ## References
    - https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html
    """
    for repo in snap.ecr.repositories:
        yield Check.of(
            repo,
            ok=repo.tag_mutability.startswith("IMMUTABLE"),
            evidence=f"tag mutability is {repo.tag_mutability}",
        )


@rule(
    id="DA005",
    slug="ecr-lifecycle-policy-set",
    title="ECR repositories have a lifecycle policy",
    action="Add a lifecycle policy to {target}",
    principle=DA,
    severity=Severity.LOW,
    needs=("ecr",),
    effort_minutes=10,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws ecr put-lifecycle-policy --repository-name {name} --region {region} "
        '--lifecycle-policy-text \'{{"rules":[{{"rulePriority":1,"selection":{{"tagStatus":"untagged",'
        '"countType":"sinceImagePushed","countUnit":"days","countNumber":14}},"action":{{"type":"expire"}}}}]}}\''
    ),
    frameworks={"fsbp": ["ECR.3"]},
    tier=Tier.STANDARD,
)
def ecr_lifecycle_policy_set(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every ECR repository has a lifecycle policy.

    ## Why it matters
    Without one, every pushed image is kept (and billed) forever, and old
    vulnerable images stay one tag away from being deployed again.

    ## Remediation
    Expire untagged images after a few days and keep the last N releases.

    ## References
    - https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html
    """
    for repo in snap.ecr.repositories:
        yield Check.of(
            repo,
            ok=repo.has_lifecycle_policy,
            evidence="lifecycle policy set" if repo.has_lifecycle_policy else "no lifecycle policy",
        )


#: Lambda runtimes and the date AWS ended their support (deprecation, "Phase 1").
#: Source: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
RUNTIME_END_OF_SUPPORT: dict[str, date] = {
    "python2.7": date(2021, 7, 15),
    "python3.6": date(2022, 7, 18),
    "python3.7": date(2023, 12, 4),
    "python3.8": date(2024, 10, 14),
    "python3.9": date(2025, 12, 15),
    "python3.10": date(2026, 6, 30),
    "python3.11": date(2027, 6, 30),
    "python3.12": date(2028, 10, 31),
    "nodejs": date(2016, 10, 31),
    "nodejs4.3": date(2020, 3, 5),
    "nodejs6.10": date(2019, 8, 12),
    "nodejs8.10": date(2020, 3, 6),
    "nodejs10.x": date(2021, 7, 30),
    "nodejs12.x": date(2023, 3, 31),
    "nodejs14.x": date(2023, 12, 4),
    "nodejs16.x": date(2024, 6, 12),
    "nodejs18.x": date(2025, 9, 1),
    "nodejs20.x": date(2026, 4, 30),
    "java8": date(2024, 1, 8),
    "java8.al2": date(2026, 6, 30),
    "java11": date(2026, 6, 30),
    "dotnetcore1.0": date(2019, 7, 30),
    "dotnetcore2.0": date(2019, 5, 30),
    "dotnetcore2.1": date(2022, 1, 5),
    "dotnetcore3.1": date(2023, 4, 3),
    "dotnet5.0": date(2022, 5, 10),
    "dotnet6": date(2024, 12, 20),
    "dotnet7": date(2024, 5, 14),
    "go1.x": date(2024, 1, 8),
    "ruby2.5": date(2021, 7, 30),
    "ruby2.7": date(2023, 12, 7),
    "ruby3.2": date(2026, 3, 31),
    "provided": date(2024, 1, 8),
}


@rule(
    id="DA006",
    slug="lambda-runtime-supported",
    title="Lambda functions run on a supported runtime",
    action="Move {target} to a supported runtime",
    principle=DA,
    severity=Severity.MEDIUM,
    needs=("lambda",),
    effort_minutes=60,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws lambda update-function-configuration --function-name {name} "
        "--runtime {successor} --region {region}  # after testing on the new runtime"
    ),
    frameworks={"fsbp": ["Lambda.2"]},
    tier=Tier.FOUNDATION,
)
def lambda_runtime_supported(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    No Lambda function uses a runtime whose AWS support ended on or before the
    snapshot's collection date (container-image functions are skipped).

    ## Why it matters
    A deprecated runtime gets no security patches, and AWS eventually blocks
    creating and then updating functions on it: the next urgent fix cannot be
    deployed.

    ## Remediation
    Move to the current runtime of the language family and redeploy.

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
    """
    today = snap.collected_at.date()
    for fn in snap.lambda_.functions:
        if not fn.runtime:
            continue
        ended = RUNTIME_END_OF_SUPPORT.get(fn.runtime)
        ok = ended is None or ended > today
        family = fn.runtime.rstrip("0123456789.x")
        successor = {"python": "python3.13", "nodejs": "nodejs22.x", "java": "java21"}.get(
            family, "CURRENT_RUNTIME"
        )
        yield Check.of(
            fn,
            ok=ok,
            evidence=(
                f"runtime {fn.runtime} is supported"
                if ok
                else f"runtime {fn.runtime} reached end of support on {ended}"
            ),
            successor=successor,
        )
