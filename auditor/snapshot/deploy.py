"""CodePipeline and CodeBuild: the deployment automation that exists."""

from __future__ import annotations

from datetime import datetime

from auditor.snapshot.base import EnvVar, Model, Section


class PipelineAction(Model):
    stage: str
    name: str
    #: ``Source``, ``Build``, ``Test``, ``Deploy``, ``Approval`` or ``Invoke``.
    category: str
    #: e.g. ``CodeStarSourceConnection``, ``CodeBuild``, ``ECS``, ``CloudFormation``.
    provider: str
    #: ``AWS``, ``ThirdParty`` or ``Custom``.
    owner: str = ""
    #: Non-secret configuration naming the action's target (``ClusterName``,
    #: ``ServiceName``, ``ProjectName``, ``FullRepositoryId``, ...). Other keys,
    #: such as ``OAuthToken``, are never kept.
    configuration: dict[str, str] = {}


class Pipeline(Model):
    name: str
    arn: str
    region: str
    version: int
    created: datetime | None = None
    updated: datetime | None = None
    role_arn: str = ""
    #: ``V1`` or ``V2`` ("" when AWS does not say).
    pipeline_type: str = ""
    actions: tuple[PipelineAction, ...] = ()


class CodeBuildProject(Model):
    name: str
    arn: str
    region: str
    source_type: str
    service_role: str = ""
    privileged_mode: bool = False
    environment_image: str = ""
    #: Build environment variables by name; ``PARAMETER_STORE`` and
    #: ``SECRETS_MANAGER`` ones are references. Values are never stored.
    environment_variables: tuple[EnvVar, ...] = ()


class CodePipelineSection(Section):
    pipelines: tuple[Pipeline, ...] = ()


class CodeBuildSection(Section):
    projects: tuple[CodeBuildProject, ...] = ()
