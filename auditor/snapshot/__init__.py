"""The snapshot: everything collected from one account, typed and frozen.

A snapshot is the only input of evaluation; it round-trips through JSON so a
scan can be re-evaluated offline. Each (service, region) has an explicit
:class:`Coverage` record: an empty tuple of resources means "none exist"
only when its coverage is OK.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field

from auditor.snapshot.base import (
    CallStats,
    CollectionStatus,
    Coverage,
    EnvVar,
    JsonDoc,
    Model,
    OperationStats,
    Section,
)
from auditor.snapshot.cloudtrail import CloudTrailSection
from auditor.snapshot.cloudwatch import CloudWatchSection, LogsSection
from auditor.snapshot.deploy import CodeBuildSection, CodePipelineSection
from auditor.snapshot.detection import AccessAnalyzerSection, ConfigSection, GuardDutySection
from auditor.snapshot.ec2 import Ec2Section
from auditor.snapshot.ecr import EcrSection
from auditor.snapshot.ecs import EcsSection
from auditor.snapshot.iam import IamSection
from auditor.snapshot.kms import KmsSection
from auditor.snapshot.lambda_ import LambdaSection
from auditor.snapshot.rds import RdsSection
from auditor.snapshot.s3 import S3Section
from auditor.snapshot.secretsmanager import SecretsSection

SCHEMA_VERSION = 1

#: Snapshot attribute holding each service's section (``lambda`` is a keyword).
SECTION_ATTRS: dict[str, str] = {
    "iam": "iam",
    "ec2": "ec2",
    "rds": "rds",
    "secretsmanager": "secretsmanager",
    "cloudtrail": "cloudtrail",
    "ecs": "ecs",
    "lambda": "lambda_",
    "cloudwatch": "cloudwatch",
    "logs": "logs",
    "ecr": "ecr",
    "codepipeline": "codepipeline",
    "codebuild": "codebuild",
    "guardduty": "guardduty",
    "config": "config",
    "accessanalyzer": "accessanalyzer",
    "s3": "s3",
    "kms": "kms",
}


class Snapshot(Model):
    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, serialize_by_alias=True
    )

    schema_version: Literal[1] = 1
    tool_version: str
    account_id: str
    partition: str
    regions: tuple[str, ...]
    collected_at: datetime
    coverage: tuple[Coverage, ...]
    stats: CallStats

    iam: IamSection = IamSection()
    ec2: Ec2Section = Ec2Section()
    rds: RdsSection = RdsSection()
    secretsmanager: SecretsSection = SecretsSection()
    cloudtrail: CloudTrailSection = CloudTrailSection()
    ecs: EcsSection = EcsSection()
    lambda_: LambdaSection = Field(default=LambdaSection(), alias="lambda")
    cloudwatch: CloudWatchSection = CloudWatchSection()
    logs: LogsSection = LogsSection()
    ecr: EcrSection = EcrSection()
    codepipeline: CodePipelineSection = CodePipelineSection()
    codebuild: CodeBuildSection = CodeBuildSection()
    guardduty: GuardDutySection = GuardDutySection()
    config: ConfigSection = ConfigSection()
    accessanalyzer: AccessAnalyzerSection = AccessAnalyzerSection()
    s3: S3Section = S3Section()
    kms: KmsSection = KmsSection()

    @property
    def gaps(self) -> tuple[Coverage, ...]:
        return tuple(c for c in self.coverage if c.is_gap)

    def coverage_of(self, service: str) -> tuple[Coverage, ...]:
        """Unit coverage records of one service (one per region, or ``global``)."""
        return tuple(c for c in self.coverage if c.service == service and not c.resource)

    def resource_gaps(self, service: str) -> tuple[Coverage, ...]:
        """Gaps of single resources of one service (the unit itself was collected)."""
        return tuple(c for c in self.coverage if c.service == service and c.resource)

    def is_complete(self, service: str) -> bool:
        """True when the service was collected everywhere it was asked for, every resource."""
        records = self.coverage_of(service)
        return bool(records) and not any(c.is_gap for c in records + self.resource_gaps(service))

    def status(self, service: str, region: str) -> CollectionStatus:
        for c in self.coverage:
            if c.service == service and c.region == region and not c.resource:
                return c.status
        return CollectionStatus.SKIPPED


__all__ = [
    "SCHEMA_VERSION",
    "SECTION_ATTRS",
    "CallStats",
    "CollectionStatus",
    "Coverage",
    "EnvVar",
    "JsonDoc",
    "OperationStats",
    "Section",
    "Snapshot",
]
