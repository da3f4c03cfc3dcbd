"""Resource gaps: one failed call about one resource makes only that resource UNKNOWN."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.engine.evaluate import evaluate_rule
from auditor.engine.model import Check, Principle, Severity, Status, rule
from auditor.snapshot import CollectionStatus, Coverage, Snapshot
from auditor.snapshot.ecs import EcsCluster, EcsSection
from tests.rules.helpers import ACCOUNT_ID, REGION, make_snapshot

OTHER = "eu-west-1"


def _arn(name: str, region: str = REGION) -> str:
    return f"arn:aws:ecs:{region}:{ACCOUNT_ID}:cluster/{name}"


def _cluster(name: str, region: str = REGION, insights: str = "disabled") -> EcsCluster:
    return EcsCluster(
        arn=_arn(name, region),
        name=name,
        region=region,
        status="ACTIVE",
        container_insights=insights,
    )


@rule(
    id="OB911",
    slug="clusters-have-insights",
    title="Per-cluster test rule",
    principle=Principle.OBSERVABILITY,
    severity=Severity.HIGH,
    needs=("ecs",),
    effort_minutes=1,
)
def per_cluster(snap: Snapshot) -> Iterator[Check]:
    """## What it checks\nx\n## Why it matters\ny\n## Remediation\nz"""
    for c in snap.ecs.clusters:
        yield Check.of(c, ok=c.container_insights == "enabled", evidence=c.container_insights)


@rule(
    id="OB912",
    slug="some-cluster-has-insights",
    title="Account-level test rule",
    principle=Principle.OBSERVABILITY,
    severity=Severity.LOW,
    needs=("ecs",),
    effort_minutes=1,
)
def account_level(snap: Snapshot) -> Iterator[Check]:
    """## What it checks\nx\n## Why it matters\ny\n## Remediation\nz"""
    ok = any(c.container_insights == "enabled" for c in snap.ecs.clusters)
    yield Check.account(ok=ok, evidence="any cluster with insights?", region=REGION)


def _gapped(*resources: str, region: str = REGION, **sections: object) -> Snapshot:
    snap = make_snapshot(regions=(REGION, OTHER), **sections)  # type: ignore[arg-type]
    gaps = tuple(
        Coverage(
            service="ecs",
            region=region,
            status=CollectionStatus.ERROR,
            operation="DescribeClusters",
            error_code="malformed_response",
            resource=r,
        )
        for r in resources
    )
    return snap.model_copy(update={"coverage": snap.coverage + gaps})


def _verdicts(snap: Snapshot, r: object = per_cluster) -> set[tuple[Status, str]]:
    return {(x.status, x.resource_id) for x in evaluate_rule(r, snap)}  # type: ignore[arg-type]


def test_a_resource_gap_costs_only_that_resource() -> None:
    ecs = EcsSection(clusters=(_cluster("fail-a"), _cluster("pass-b", insights="enabled")))
    snap = _gapped(_arn("gone"), ecs=ecs)
    assert _verdicts(snap) == {
        (Status.FAIL, _arn("fail-a")),
        (Status.PASS, _arn("pass-b")),
        (Status.UNKNOWN, _arn("gone")),
    }
    (unknown,) = [r for r in evaluate_rule(per_cluster, snap) if r.status is Status.UNKNOWN]
    assert "DescribeClusters malformed_response" in unknown.evidence
    assert unknown.region == REGION


def test_a_partly_collected_resource_is_unknown_not_judged_on_partial_data() -> None:
    ecs = EcsSection(clusters=(_cluster("fail-a"), _cluster("fail-partial")))
    snap = _gapped(_arn("fail-partial"), ecs=ecs)
    assert _verdicts(snap) == {
        (Status.FAIL, _arn("fail-a")),
        (Status.UNKNOWN, _arn("fail-partial")),
    }


def test_an_account_verdict_with_a_resource_missing_is_unknown() -> None:
    # The missing cluster might be the one with insights: neither PASS nor FAIL is safe.
    snap = _gapped(_arn("gone"), ecs=EcsSection(clusters=(_cluster("fail-a"),)))
    assert _verdicts(snap, account_level) == {
        (Status.UNKNOWN, f"account/{REGION}"),
        (Status.UNKNOWN, _arn("gone")),
    }


def test_a_resource_gap_in_another_region_leaves_this_region_judged() -> None:
    snap = _gapped(
        _arn("gone", OTHER), region=OTHER, ecs=EcsSection(clusters=(_cluster("fail-a"),))
    )
    assert _verdicts(snap, account_level) == {
        (Status.FAIL, f"account/{REGION}"),
        (Status.UNKNOWN, _arn("gone", OTHER)),
    }


def test_rules_not_needing_the_service_ignore_its_resource_gaps() -> None:
    snap = _gapped(_arn("gone"))
    assert snap.resource_gaps("ecs") and not snap.resource_gaps("lambda")
    assert not snap.is_complete("ecs") and snap.is_complete("rds")
    assert snap.status("ecs", REGION) is CollectionStatus.OK
    assert {c.region for c in snap.coverage_of("ecs")} == {REGION, OTHER}


def test_snapshots_without_resource_gaps_still_load() -> None:
    snap = make_snapshot()
    doc = snap.model_dump(mode="json", by_alias=True)
    for c in doc["coverage"]:
        del c["resource"]  # as written before resource gaps existed
    assert Snapshot.model_validate(doc) == snap
