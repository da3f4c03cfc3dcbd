"""CodePipeline and CodeBuild collectors against moto's in-process mock."""

from __future__ import annotations

import json
from typing import Any

from auditor.collect.deploy import collect_codebuild, collect_codepipeline
from auditor.snapshot import EnvVar
from auditor.snapshot.deploy import (
    CodeBuildProject,
    CodeBuildSection,
    CodePipelineSection,
    PipelineAction,
)
from tests.conftest import REGION

ACCOUNT = "123456789012"
CONNECTION = f"arn:aws:codestar-connections:{REGION}:{ACCOUNT}:connection/abc"
CANARY = "ghp_" + "C" * 36


def _role(setup: Any, service: str) -> str:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
        ],
    }
    role = setup("iam").create_role(
        RoleName=service.split(".")[0], AssumeRolePolicyDocument=json.dumps(trust)
    )
    return str(role["Role"]["Arn"])


def _action(name: str, category: str, provider: str, **config: str) -> dict[str, Any]:
    owner = "ThirdParty" if provider == "GitHub" else "AWS"
    action: dict[str, Any] = {
        "name": name,
        "actionTypeId": {
            "category": category,
            "owner": owner,
            "provider": provider,
            "version": "1",
        },
        "configuration": config,
    }
    if category == "Source":
        action["outputArtifacts"] = [{"name": f"{name}-out"}]
    else:
        action["inputArtifacts"] = [{"name": "src-out"}]
    return action


def _project(setup: Any, name: str, role: str, **environment: Any) -> None:
    env = {
        "type": "LINUX_CONTAINER",
        "image": "aws/codebuild/standard:7.0",
        "computeType": "BUILD_GENERAL1_SMALL",
    }
    env.update(environment)
    setup("codebuild").create_project(
        name=name,
        source={"type": "GITHUB", "location": "https://github.com/acme/app"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment=env,
        serviceRole=role,
    )


def test_no_pipelines(aws: Any) -> None:
    assert collect_codepipeline(aws, REGION) == CodePipelineSection()


def test_pipeline_actions_and_metadata(aws: Any, setup: Any) -> None:
    role = _role(setup, "codepipeline.amazonaws.com")
    setup("codepipeline").create_pipeline(
        pipeline={
            "name": "deploy-dispatcher",
            "roleArn": role,
            "artifactStore": {"type": "S3", "location": "artifact-bucket"},
            "stages": [
                {
                    "name": "Source",
                    "actions": [
                        _action(
                            "src",
                            "Source",
                            "CodeStarSourceConnection",
                            ConnectionArn=CONNECTION,
                            FullRepositoryId="acme/app",
                            BranchName="main",
                        ),
                        _action(
                            "legacy",
                            "Source",
                            "GitHub",
                            Owner="acme",
                            Repo="app",
                            Branch="main",
                            OAuthToken=CANARY,
                        ),
                    ],
                },
                {
                    "name": "Build",
                    "actions": [
                        _action(
                            "image",
                            "Build",
                            "CodeBuild",
                            ProjectName="dispatcher-build",
                            EnvironmentVariables=json.dumps(
                                [{"name": "API_TOKEN", "value": CANARY, "type": "PLAINTEXT"}]
                            ),
                        )
                    ],
                },
                {
                    "name": "Deploy",
                    "actions": [
                        _action(
                            "ecs",
                            "Deploy",
                            "ECS",
                            ClusterName="ops-pipeline-cluster",
                            ServiceName="dispatcher-service",
                        )
                    ],
                },
            ],
        }
    )

    section = collect_codepipeline(aws, REGION)

    (pipeline,) = section.pipelines
    assert (pipeline.name, pipeline.region, pipeline.version) == ("deploy-dispatcher", REGION, 1)
    assert pipeline.arn == f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:deploy-dispatcher"
    assert pipeline.role_arn == role
    assert pipeline.created is not None
    assert pipeline.created.tzinfo is not None
    assert pipeline.updated == pipeline.created
    assert pipeline.actions == (
        PipelineAction(
            stage="Source",
            name="src",
            category="Source",
            provider="CodeStarSourceConnection",
            owner="AWS",
            configuration={
                "ConnectionArn": CONNECTION,
                "FullRepositoryId": "acme/app",
                "BranchName": "main",
            },
        ),
        PipelineAction(
            stage="Source",
            name="legacy",
            category="Source",
            provider="GitHub",
            owner="ThirdParty",
            configuration={"Owner": "acme", "Repo": "app", "Branch": "main"},
        ),
        PipelineAction(
            stage="Build",
            name="image",
            category="Build",
            provider="CodeBuild",
            owner="AWS",
            configuration={"ProjectName": "dispatcher-build"},
        ),
        PipelineAction(
            stage="Deploy",
            name="ecs",
            category="Deploy",
            provider="ECS",
            owner="AWS",
            configuration={
                "ClusterName": "ops-pipeline-cluster",
                "ServiceName": "dispatcher-service",
            },
        ),
    )
    assert CANARY not in section.model_dump_json()


def test_no_projects(aws: Any) -> None:
    assert collect_codebuild(aws, REGION) == CodeBuildSection()


def test_project_settings_and_env_classified_without_values(aws: Any, setup: Any) -> None:
    role = _role(setup, "codebuild.amazonaws.com")
    _project(
        setup,
        "dispatcher-build",
        role,
        privilegedMode=True,
        environmentVariables=[
            {"name": "GITHUB_TOKEN", "value": CANARY, "type": "PLAINTEXT"},
            {"name": "LOG_LEVEL", "value": "info", "type": "PLAINTEXT"},
            {"name": "DB_PASSWORD", "value": "/app/db-password", "type": "PARAMETER_STORE"},
            {"name": "API_KEY", "value": "prod/api-key", "type": "SECRETS_MANAGER"},
        ],
    )

    section = collect_codebuild(aws, REGION)

    assert section.projects == (
        CodeBuildProject(
            name="dispatcher-build",
            arn=f"arn:aws:codebuild:{REGION}:{ACCOUNT}:project/dispatcher-build",
            region=REGION,
            source_type="GITHUB",
            service_role=role,
            privileged_mode=True,
            environment_image="aws/codebuild/standard:7.0",
            environment_variables=(
                EnvVar(name="GITHUB_TOKEN", looks_secret=True, reason="value:github-token"),
                EnvVar(name="LOG_LEVEL", looks_secret=False),
                EnvVar(name="DB_PASSWORD", looks_secret=False, is_reference=True),
                EnvVar(name="API_KEY", looks_secret=False, is_reference=True),
            ),
        ),
    )
    assert CANARY not in section.model_dump_json()


def test_projects_are_described_in_batches_of_100(aws: Any, setup: Any) -> None:
    role = _role(setup, "codebuild.amazonaws.com")
    for n in range(101):
        _project(setup, f"p{n:03d}", role)

    section = collect_codebuild(aws, REGION)

    assert sorted(p.name for p in section.projects) == [f"p{n:03d}" for n in range(101)]
    (batch,) = [o for o in aws.recorder.operations() if o.operation == "BatchGetProjects"]
    assert batch.calls == 2
