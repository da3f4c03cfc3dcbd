"""CodePipeline and CodeBuild: the deployment automation that exists."""

from __future__ import annotations

from datetime import datetime

from auditor.snapshot.base import Model, Section


class PipelineAction(Model):
    stage: str
    name: str
    #: e.g. ``Source/CodeStarSourceConnection``, ``Deploy/ECS``.
    category: str
    provider: str


class Pipeline(Model):
    name: str
    arn: str
    region: str
    version: int
    created: datetime | None = None
    updated: datetime | None = None
    actions: tuple[PipelineAction, ...] = ()


class CodeBuildProject(Model):
    name: str
    arn: str
    region: str
    source_type: str
    service_role: str = ""
    privileged_mode: bool = False
    environment_image: str = ""


class CodePipelineSection(Section):
    pipelines: tuple[Pipeline, ...] = ()


class CodeBuildSection(Section):
    projects: tuple[CodeBuildProject, ...] = ()
