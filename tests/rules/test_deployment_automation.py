"""Deployment automation rules (DA...)."""

from __future__ import annotations

from datetime import timedelta

from auditor.rules.deployment_automation import (
    deployment_pipeline_in_use,
    ecr_lifecycle_policy_set,
    ecr_tags_immutable,
    ecs_deployment_circuit_breaker_enabled,
    images_from_private_registry,
    images_pinned_by_version_or_digest,
    lambda_runtime_supported,
)

from auditor.snapshot.deploy import CodePipelineSection, Pipeline
from auditor.snapshot.ecr import EcrSection, Repository
from auditor.snapshot.ecs import ContainerDefinition, EcsSection, EcsService, TaskDefinition
from auditor.snapshot.iam import IamRole, IamSection
from auditor.snapshot.lambda_ import LambdaFunction, LambdaSection
from tests.rules.helpers import NOW, REGION, command, evidence, failing, make_snapshot, passing

GH = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"


def role(name: str, *, federated: str = "", used_days_ago: int | None = None) -> IamRole:
    principal = {"Federated": federated} if federated else {"Service": "ecs-tasks.amazonaws.com"}
    return IamRole(
        name=name,
        arn=f"arn:aws:iam::123456789012:role/{name}",
        id=f"AROA{name}",
        path="/",
        created=NOW - timedelta(days=400),
        trust_policy={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": principal,
                    "Action": "sts:AssumeRoleWithWebIdentity",
                }
            ],
        },
        inline_policies=(),
        attached_policies=(),
        last_used=None if used_days_ago is None else NOW - timedelta(days=used_days_ago),
    )


def test_da001_pipeline_or_used_ci_role_passes() -> None:
    pipeline = make_snapshot(
        codepipeline=CodePipelineSection(
            pipelines=(Pipeline(name="pass-pipe", arn="arn:p", region=REGION, version=1),)
        )
    )
    assert passing(deployment_pipeline_in_use, pipeline) == {"account"}
    used = make_snapshot(iam=IamSection(roles=(role("pass-gh", federated=GH, used_days_ago=3),)))
    assert passing(deployment_pipeline_in_use, used) == {"account"}
    assert "pass-gh" in evidence(deployment_pipeline_in_use, used, "account")


def test_da001_no_pipeline_or_idle_ci_role_fails() -> None:
    nothing = make_snapshot(iam=IamSection(roles=(role("fail-app"),)))
    assert failing(deployment_pipeline_in_use, nothing) == {"account"}
    idle = make_snapshot(iam=IamSection(roles=(role("fail-gh", federated=GH, used_days_ago=200),)))
    assert failing(deployment_pipeline_in_use, idle) == {"account"}
    assert "fail-gh" in evidence(deployment_pipeline_in_use, idle, "account")
    never = make_snapshot(iam=IamSection(roles=(role("fail-gh", federated=GH),)))
    assert failing(deployment_pipeline_in_use, never) == {"account"}
    # the idle window is a threshold
    assert passing(deployment_pipeline_in_use, idle, max_idle_days=365) == {"account"}


def service(name: str, *, breaker: bool, rollback: bool, controller: str = "ECS") -> EcsService:
    return EcsService(
        arn=f"arn:aws:ecs:{REGION}:123456789012:service/ops-cluster/{name}",
        name=name,
        region=REGION,
        cluster_arn=f"arn:aws:ecs:{REGION}:123456789012:cluster/ops-cluster",
        status="ACTIVE",
        launch_type="FARGATE",
        task_definition_arn="td",
        desired_count=1,
        circuit_breaker_enabled=breaker,
        circuit_breaker_rollback=rollback,
        deployment_controller=controller,
    )


def test_da002_circuit_breaker_with_rollback() -> None:
    snap = make_snapshot(
        ecs=EcsSection(
            services=(
                service("pass-both", breaker=True, rollback=True),
                service("fail-no-rollback", breaker=True, rollback=False),
                service("fail-off", breaker=False, rollback=False),
                service("codedeploy", breaker=False, rollback=False, controller="CODE_DEPLOY"),
            )
        )
    )
    assert failing(ecs_deployment_circuit_breaker_enabled, snap) == {"fail-no-rollback", "fail-off"}
    assert passing(ecs_deployment_circuit_breaker_enabled, snap) == {"pass-both"}
    assert "--cluster ops-cluster --service fail-off" in command(
        ecs_deployment_circuit_breaker_enabled, snap, "fail-off"
    )


def taskdef(family: str, *images: str) -> TaskDefinition:
    return TaskDefinition(
        arn=f"arn:aws:ecs:{REGION}:123456789012:task-definition/{family}:1",
        family=family,
        revision=1,
        region=REGION,
        status="ACTIVE",
        containers=tuple(
            ContainerDefinition(name=f"c{i}", image=img) for i, img in enumerate(images)
        ),
    )


def test_da003_floating_tags_fail() -> None:
    repo = "123456789012.dkr.ecr.us-west-2.amazonaws.com/app"
    snap = make_snapshot(
        ecs=EcsSection(
            task_definitions=(
                taskdef("pass-digest", f"{repo}@sha256:{'a' * 64}"),
                taskdef("pass-version", f"{repo}:1.4.2", "public.ecr.aws/x/y:3f2a9c1"),
                taskdef("fail-latest", f"{repo}:latest"),
                taskdef("fail-untagged", "nginx"),
                taskdef("fail-branch", "localhost:5000/app:main"),
            )
        )
    )
    assert failing(images_pinned_by_version_or_digest, snap) == {
        "fail-latest",
        "fail-untagged",
        "fail-branch",
    }
    assert passing(images_pinned_by_version_or_digest, snap) == {"pass-digest", "pass-version"}
    assert evidence(images_pinned_by_version_or_digest, snap, "fail-latest") == (
        "container c0 uses tag latest"
    )


def repository(name: str, *, mutability: str = "MUTABLE", lifecycle: bool = False) -> Repository:
    return Repository(
        arn=f"arn:aws:ecr:{REGION}:123456789012:repository/{name}",
        name=name,
        region=REGION,
        uri=f"123456789012.dkr.ecr.{REGION}.amazonaws.com/{name}",
        scan_on_push=True,
        tag_mutability=mutability,
        has_lifecycle_policy=lifecycle,
    )


def test_da004_mutable_tags_fail() -> None:
    snap = make_snapshot(
        ecr=EcrSection(
            repositories=(
                repository("pass-immutable", mutability="IMMUTABLE"),
                repository("pass-exclusion", mutability="IMMUTABLE_WITH_EXCLUSION"),
                repository("fail-mutable"),
            )
        )
    )
    assert failing(ecr_tags_immutable, snap) == {"fail-mutable"}
    assert passing(ecr_tags_immutable, snap) == {"pass-immutable", "pass-exclusion"}


def test_da005_missing_lifecycle_policy_fails() -> None:
    snap = make_snapshot(
        ecr=EcrSection(
            repositories=(repository("pass-policy", lifecycle=True), repository("fail-none"))
        )
    )
    assert failing(ecr_lifecycle_policy_set, snap) == {"fail-none"}
    assert passing(ecr_lifecycle_policy_set, snap) == {"pass-policy"}
    assert "--repository-name fail-none" in command(ecr_lifecycle_policy_set, snap, "fail-none")


def fn(name: str, runtime: str) -> LambdaFunction:
    return LambdaFunction(
        arn=f"arn:aws:lambda:{REGION}:123456789012:function:{name}",
        name=name,
        region=REGION,
        runtime=runtime,
        role_arn="arn:aws:iam::123456789012:role/r",
    )


def test_da006_deprecated_runtimes_fail_by_snapshot_date() -> None:
    snap = make_snapshot(
        lambda_=LambdaSection(
            functions=(
                fn("pass-current", "python3.12"),
                fn("pass-image", ""),
                fn("fail-py38", "python3.8"),
                fn("fail-node16", "nodejs16.x"),
            )
        )
    )
    assert failing(lambda_runtime_supported, snap) == {"fail-py38", "fail-node16"}
    assert passing(lambda_runtime_supported, snap) == {"pass-current"}
    assert "--runtime python3.13" in command(lambda_runtime_supported, snap, "fail-py38")
    # the verdict follows the snapshot's date, not the wall clock
    old = make_snapshot(
        lambda_=LambdaSection(functions=(fn("pass-then", "python3.8"),)),
        collected_at=NOW.replace(year=2023),
    )
    assert passing(lambda_runtime_supported, old) == {"pass-then"}


def test_da007_images_from_public_registries_fail() -> None:
    ecr = f"123456789012.dkr.ecr.{REGION}.amazonaws.com"
    snap = make_snapshot(
        ecs=EcsSection(
            task_definitions=(
                taskdef("pass-own-ecr", f"{ecr}/api:1.4.2", f"{ecr}/envoy@sha256:{'a' * 64}"),
                # another account's ECR (an organization's shared registry) is private too
                taskdef("pass-shared-ecr", "210987654321.dkr.ecr.eu-west-1.amazonaws.com/base:2"),
                taskdef("pass-fips", f"123456789012.dkr.ecr-fips.{REGION}.amazonaws.com/app:3"),
                taskdef("fail-docker-hub", "nginx:1.27", f"{ecr}/api:1"),
                taskdef("fail-docker-hub-org", "bitnami/redis:7.2"),
                taskdef("fail-ecr-public", "public.ecr.aws/nginx/nginx:1.27"),
                taskdef("fail-ghcr", "ghcr.io/acme/app:1.0"),
                # a look-alike host: not an ECR registry
                taskdef("fail-lookalike", "123456789012.dkr.ecr.evil.example.com/app:1"),
            )
        )
    )
    assert passing(images_from_private_registry, snap) == {
        "pass-own-ecr",
        "pass-shared-ecr",
        "pass-fips",
    }
    assert failing(images_from_private_registry, snap) == {
        "fail-docker-hub",
        "fail-docker-hub-org",
        "fail-ecr-public",
        "fail-ghcr",
        "fail-lookalike",
    }
    assert evidence(images_from_private_registry, snap, "fail-docker-hub") == (
        "container c0 pulls from docker.io"
    )
    assert evidence(images_from_private_registry, snap, "fail-ghcr") == (
        "container c0 pulls from ghcr.io"
    )
