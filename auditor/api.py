"""The rule API: everything a rule you write yourself may import (docs/custom-rules.md).

A user rule module (a ``.py`` file in a ``--rules-dir`` folder) imports only
from here::

    from collections.abc import Iterator

    from auditor.api import Check, Principle, Severity, Snapshot, rule

    @rule(
        id="X-ACME-001",
        slug="acme-databases-tagged-with-owner",
        title="RDS databases carry an owner tag",
        principle=Principle.DEFENSE_IN_DEPTH,
        severity=Severity.LOW,
        needs=("rds",),
        effort_minutes=5,
    )
    def acme_databases_tagged(snap: Snapshot) -> Iterator[Check]:
        ...

It is the decorator and data types the built-in rules use, so user rules are
evaluated, graded, reported, gated and exported exactly like them.

Versioning: :data:`API_VERSION` is ``MAJOR.MINOR``. A minor release only adds
(new names, new snapshot fields with defaults); a major release may remove or
change a name or a field. Snapshot model classes are reachable through their
service modules (``ec2.SecurityGroup``, ``iam.IamRole``, ...), exactly as the
snapshot JSON is shaped; ``Snapshot.schema_version`` is their data version.
"""

from __future__ import annotations

from auditor.engine.model import (
    ACCOUNT,
    GLOBAL,
    Check,
    Principle,
    Rule,
    Severity,
    Status,
    rule,
)
from auditor.snapshot import (
    Snapshot,
    cloudtrail,
    cloudwatch,
    deploy,
    detection,
    ec2,
    ecr,
    ecs,
    iam,
    kms,
    lambda_,
    rds,
    s3,
    secretsmanager,
)
from auditor.snapshot.base import Coverage

#: The version of this API (``MAJOR.MINOR``): see the module docstring.
API_VERSION = "1.0"

#: ``Result`` is another name for :class:`Check`: one verdict on one resource
#: (``Result.of(resource, ok=..., evidence=...)``, ``Result.account(...)``).
Result = Check

__all__ = [
    "ACCOUNT",
    "API_VERSION",
    "GLOBAL",
    "Check",
    "Coverage",
    "Principle",
    "Result",
    "Rule",
    "Severity",
    "Snapshot",
    "Status",
    "cloudtrail",
    "cloudwatch",
    "deploy",
    "detection",
    "ec2",
    "ecr",
    "ecs",
    "iam",
    "kms",
    "lambda_",
    "rds",
    "rule",
    "s3",
    "secretsmanager",
]
