"""A synthetic results document of any size, for render tests and ``bench/render_bench.py``.

Uses the real rule catalogue's metadata and the real scoring, so the result
is one a scan could produce: N results spread over every rule, most passing,
some failing (with filled commands), a few waived, unknown or in error.
Deterministic for a given size and seed.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

from auditor.engine.catalogue import load_catalogue
from auditor.engine.evaluate import _info
from auditor.engine.model import Status
from auditor.engine.results import AppliedWaiver, RuleResult, ScanResult, Waiver
from auditor.engine.scoring import category_scores, score_all
from auditor.snapshot.base import CollectionStatus, Coverage

ACCOUNT = "123456789012"
REGIONS = ("us-east-1", "us-west-2", "eu-west-1")
COLLECTED_AT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def synthetic_result(n: int, *, seed: int = 7) -> ScanResult:
    rng = random.Random(seed)
    rules = list(load_catalogue())
    infos = tuple(_info(r) for r in rules)
    results: list[RuleResult] = []
    for i in range(n):
        rule = rules[i % len(rules)]
        region = REGIONS[(i // len(rules)) % len(REGIONS)]
        name = f"{rule.id.lower()}-resource-{i:06d}"
        roll = rng.random()
        waiver = None
        if roll < 0.70:
            status = Status.PASS
        elif roll < 0.93:
            status = Status.FAIL
        elif roll < 0.95:
            status = Status.FAIL
            waiver = AppliedWaiver(
                reason="accepted until the migration",
                expires=date(2027, 1, 31),
                resource_pattern=name,
            )
        elif roll < 0.99:
            status = Status.UNKNOWN
        else:
            status = Status.ERROR
        rid = f"arn:aws:service:{region}:{ACCOUNT}:thing/{name}"
        results.append(
            RuleResult.model_construct(
                finding_id=f"{rule.id}/{ACCOUNT}/{region}/{rid}",
                rule_id=rule.id,
                principle=rule.principle,
                severity=rule.severity,
                status=status,
                resource_id=rid,
                resource_name=name,
                region=region,
                evidence=f"{name} is not set up as {rule.slug} expects (value {i % 97})",
                remediation_cmd=(
                    f"aws service fix-{rule.slug} --name {name} --region {region}"
                    if status is Status.FAIL
                    else ""
                ),
                waiver=waiver,
            )
        )
    principles = score_all(results)
    security, operations, overall = category_scores(principles)
    return ScanResult.model_construct(
        schema_version=1,
        tool_version="synthetic",
        account_id=ACCOUNT,
        partition="aws",
        regions=REGIONS,
        collected_at=COLLECTED_AT,
        gaps=(
            Coverage(
                service="logs",
                region="eu-west-1",
                status=CollectionStatus.ACCESS_DENIED,
                operation="DescribeLogGroups",
                error_code="AccessDeniedException",
                message="not authorised",
            ),
        ),
        principles=principles,
        security=security,
        operations=operations,
        overall=overall,
        rules=infos,
        results=tuple(results),
        expired_waivers=(
            Waiver(
                rule="NI003",
                resource="sg-old*",
                reason="bastion retired in Q3",
                expires=date(2026, 10, 1),
            ),
        ),
    )
