"""The services auditor collects: one entry per snapshot section.

Pure data (no boto3): the CLI uses it to validate ``--services`` and the
runner to find each collector, which is imported only when it runs.
"""

from __future__ import annotations

from dataclasses import dataclass

GLOBAL_REGION = "global"


@dataclass(frozen=True)
class ServiceSpec:
    #: Key used in ``--services``, coverage records and rule ``needs``.
    name: str
    #: ``module:function`` of the collector, imported lazily.
    collector: str
    #: boto3 client names the collector uses (created up front, shared).
    clients: tuple[str, ...]
    #: IAM is collected once, not per region.
    is_global: bool = False
    #: Snapshot section this unit fills ("" = its own name). Several units may
    #: fill one section, each with its own coverage record, so one failing
    #: call (say, an API a simulator lacks) gaps only the data that needs it.
    section: str = ""

    @property
    def section_key(self) -> str:
        return self.section or self.name


def expand(names: list[str]) -> list[str]:
    """Unit names for user-given names: a unit's name selects that unit; a section
    name that is no unit's name selects all the units filling that section."""
    out: list[str] = []
    for name in names:
        units = (
            [name]
            if name in SERVICES
            else [s.name for s in SERVICES.values() if s.section_key == name]
        )
        out.extend(u for u in units if u not in out)
    return out


SERVICES: dict[str, ServiceSpec] = {
    spec.name: spec
    for spec in (
        ServiceSpec("iam", "auditor.collect.iam:collect_iam", ("iam",), is_global=True),
        ServiceSpec(
            "iam-credential-report",
            "auditor.collect.iam:collect_credential_report",
            ("iam",),
            is_global=True,
            section="iam",
        ),
        ServiceSpec("ec2", "auditor.collect.ec2:collect_ec2", ("ec2",)),
        ServiceSpec("rds", "auditor.collect.rds:collect_rds", ("rds",)),
        ServiceSpec(
            "secretsmanager",
            "auditor.collect.secretsmanager:collect_secrets",
            ("secretsmanager",),
        ),
        ServiceSpec(
            "cloudtrail", "auditor.collect.cloudtrail:collect_cloudtrail", ("cloudtrail", "s3")
        ),
        ServiceSpec("ecs", "auditor.collect.ecs:collect_ecs", ("ecs",)),
        ServiceSpec("lambda", "auditor.collect.lambda_:collect_lambda", ("lambda",)),
        ServiceSpec("cloudwatch", "auditor.collect.cloudwatch:collect_cloudwatch", ("cloudwatch",)),
        ServiceSpec("logs", "auditor.collect.logs:collect_logs", ("logs",)),
        ServiceSpec(
            "logs-queries",
            "auditor.collect.logs:collect_query_definitions",
            ("logs",),
            section="logs",
        ),
        ServiceSpec("ecr", "auditor.collect.ecr:collect_ecr", ("ecr",)),
        ServiceSpec(
            "codepipeline", "auditor.collect.deploy:collect_codepipeline", ("codepipeline",)
        ),
        ServiceSpec("codebuild", "auditor.collect.deploy:collect_codebuild", ("codebuild",)),
        ServiceSpec("guardduty", "auditor.collect.detection:collect_guardduty", ("guardduty",)),
        ServiceSpec("config", "auditor.collect.detection:collect_config", ("config",)),
        ServiceSpec(
            "accessanalyzer",
            "auditor.collect.detection:collect_access_analyzer",
            ("accessanalyzer",),
        ),
        ServiceSpec(
            "s3", "auditor.collect.s3:collect_s3", ("s3", "s3control", "sts"), is_global=True
        ),
        ServiceSpec("kms", "auditor.collect.kms:collect_kms", ("kms",)),
    )
}
