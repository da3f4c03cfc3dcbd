"""CodePipeline (pipelines and their actions) and CodeBuild (projects)."""

from __future__ import annotations

from typing import Any

from auditor.collect.common import as_datetime, chunks, paginate, per_resource
from auditor.collect.secrets_shape import classify_env
from auditor.collect.session import ClientFactory
from auditor.snapshot import EnvVar
from auditor.snapshot.deploy import (
    CodeBuildProject,
    CodeBuildSection,
    CodePipelineSection,
    Pipeline,
    PipelineAction,
)

#: Action configuration keys kept: they name what an action reads or deploys to.
#: Anything else (``OAuthToken``, ``ParameterOverrides``, ``UserParameters``,
#: ``EnvironmentVariables``...) may carry a secret and is dropped.
_ACTION_CONFIG_KEYS = frozenset(
    {
        "ActionMode",
        "ApplicationName",
        "Branch",
        "BranchName",
        "BucketName",
        "ClusterName",
        "ConnectionArn",
        "DeploymentGroupName",
        "DetectChanges",
        "EnvironmentName",
        "FullRepositoryId",
        "FunctionName",
        "ImageTag",
        "Owner",
        "PollForSourceChanges",
        "ProjectName",
        "Repo",
        "RepositoryName",
        "RoleArn",
        "S3Bucket",
        "S3ObjectKey",
        "ServiceName",
        "StackName",
    }
)

#: CodeBuild variable types whose value names a parameter or secret instead of holding one.
_REFERENCE_TYPES = frozenset({"PARAMETER_STORE", "SECRETS_MANAGER"})


def _action(stage: str, raw: dict[str, Any]) -> PipelineAction:
    type_id = raw.get("actionTypeId", {})
    config = raw.get("configuration") or {}
    return PipelineAction(
        stage=stage,
        name=raw["name"],
        category=type_id.get("category", ""),
        provider=type_id.get("provider", ""),
        owner=type_id.get("owner", ""),
        configuration={k: str(v) for k, v in config.items() if k in _ACTION_CONFIG_KEYS},
    )


def _pipeline(raw: dict[str, Any], region: str) -> Pipeline:
    pipeline = raw["pipeline"]
    meta = raw.get("metadata", {})
    return Pipeline(
        name=pipeline["name"],
        arn=meta.get("pipelineArn", ""),
        region=region,
        version=int(pipeline.get("version", 0)),
        created=as_datetime(meta.get("created")),
        updated=as_datetime(meta.get("updated")),
        role_arn=pipeline.get("roleArn", ""),
        pipeline_type=pipeline.get("pipelineType", ""),
        actions=tuple(
            _action(stage["name"], action)
            for stage in pipeline.get("stages", [])
            for action in stage.get("actions", [])
        ),
    )


def collect_codepipeline(clients: ClientFactory, region: str) -> CodePipelineSection:
    codepipeline = clients("codepipeline", region)
    names = [p["name"] for p in paginate(codepipeline, "list_pipelines", "pipelines")]

    def get(name: str) -> dict[str, Any]:
        return dict(codepipeline.get_pipeline(name=name))

    # A failed call costs only its pipeline (gapped by name).
    found = per_resource(get, names, lambda name: name)
    return CodePipelineSection(
        pipelines=tuple(_pipeline(raw, region) for raw in found if raw is not None)
    )


def _env_var(raw: dict[str, Any]) -> EnvVar:
    name = str(raw["name"])
    if raw.get("type", "PLAINTEXT") in _REFERENCE_TYPES:
        return EnvVar(name=name, looks_secret=False, is_reference=True)
    # The value is classified here and dropped: only the name and the verdict are kept.
    return classify_env(name, str(raw.get("value", "")))


def _project(raw: dict[str, Any], region: str) -> CodeBuildProject:
    env = raw.get("environment", {})
    return CodeBuildProject(
        name=raw["name"],
        arn=raw["arn"],
        region=region,
        source_type=raw.get("source", {}).get("type", ""),
        service_role=raw.get("serviceRole", ""),
        privileged_mode=bool(env.get("privilegedMode", False)),
        environment_image=env.get("image", ""),
        environment_variables=tuple(_env_var(v) for v in env.get("environmentVariables", [])),
    )


def collect_codebuild(clients: ClientFactory, region: str) -> CodeBuildSection:
    codebuild = clients("codebuild", region)
    names: list[str] = paginate(codebuild, "list_projects", "projects")
    projects: list[CodeBuildProject] = []

    def get(batch: list[str]) -> list[CodeBuildProject]:
        found = codebuild.batch_get_projects(names=batch)["projects"]
        return [_project(p, region) for p in found]

    # A failed call costs only the projects it was about (gapped by name).
    batches = [list(b) for b in chunks(names, 100)]
    for found in per_resource(get, batches, list, concurrent=False):
        projects.extend(found or [])
    return CodeBuildSection(projects=tuple(projects))
