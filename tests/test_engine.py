"""Evaluation: gaps, rule errors, waivers, config, determinism."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from auditor.config import Config, load_config
from auditor.engine.catalogue import Catalogue, load_catalogue
from auditor.engine.evaluate import evaluate, evaluate_rule, finding_id
from auditor.engine.model import Check, Principle, Severity, Status, rule
from auditor.engine.results import Waiver
from auditor.errors import InputError
from auditor.render.json import results_to_json
from auditor.snapshot import Snapshot
from auditor.snapshot.ecs import EcsCluster, EcsSection
from tests.rules.helpers import ACCOUNT_ID, make_snapshot


def _cluster(name: str, region: str, insights: str = "disabled") -> EcsCluster:
    return EcsCluster(
        arn=f"arn:aws:ecs:{region}:{ACCOUNT_ID}:cluster/{name}",
        name=name,
        region=region,
        status="ACTIVE",
        container_insights=insights,
    )


@rule(
    id="OB901",
    slug="clusters-are-fine",
    title="Test rule",
    principle=Principle.OBSERVABILITY,
    severity=Severity.HIGH,
    needs=("ecs",),
    effort_minutes=1,
    remediation_cmd="fix {name} --region {region}",
)
def per_cluster(snap: Snapshot) -> Iterator[Check]:
    """## What it checks\nx\n## Why it matters\ny\n## Remediation\nz"""
    for c in snap.ecs.clusters:
        yield Check.of(c, ok=c.container_insights == "enabled", evidence=c.container_insights)


@rule(
    id="OB902",
    slug="account-is-fine",
    title="Account-level test rule",
    principle=Principle.OBSERVABILITY,
    severity=Severity.LOW,
    needs=("ecs",),
    effort_minutes=1,
)
def account_level(snap: Snapshot) -> Iterator[Check]:
    yield Check.account(ok=bool(snap.ecs.clusters), evidence="clusters exist?")


@rule(
    id="OB903",
    slug="never-raises",
    title="Broken rule",
    principle=Principle.OBSERVABILITY,
    severity=Severity.LOW,
    needs=("ecs",),
    effort_minutes=1,
)
def broken(snap: Snapshot) -> Iterator[Check]:
    yield Check.account(ok=True, evidence="first")
    raise ZeroDivisionError("boom")


TWO_REGIONS = ("us-west-2", "eu-west-1")


def test_partial_gap_gives_unknown_for_the_gap_and_results_elsewhere() -> None:
    snap = make_snapshot(
        regions=TWO_REGIONS,
        gaps={"ecs@eu-west-1": "access_denied"},
        ecs=EcsSection(clusters=(_cluster("fail-a", "us-west-2"),)),
    )
    results = evaluate_rule(per_cluster, snap)
    assert {(r.status, r.region, r.resource_id) for r in results} == {
        (Status.UNKNOWN, "eu-west-1", "ecs:eu-west-1"),
        (Status.FAIL, "us-west-2", f"arn:aws:ecs:us-west-2:{ACCOUNT_ID}:cluster/fail-a"),
    }


def test_account_level_fail_under_a_partial_gap_is_unknown() -> None:
    snap = make_snapshot(regions=TWO_REGIONS, gaps={"ecs@eu-west-1": "throttled"})
    statuses = {r.status for r in evaluate_rule(account_level, snap)}
    assert statuses == {Status.UNKNOWN}


def test_full_gap_means_the_rule_does_not_run() -> None:
    snap = make_snapshot(gaps={"ecs": "access_denied"})
    results = evaluate_rule(account_level, snap)
    assert [r.status for r in results] == [Status.UNKNOWN]
    assert "not collected" in results[0].evidence


def test_a_rule_that_raises_is_an_error_result_and_the_scan_goes_on() -> None:
    snap = make_snapshot(ecs=EcsSection(clusters=(_cluster("x", "us-west-2"),)))
    catalogue = Catalogue((per_cluster, broken))
    result = evaluate(snap, catalogue)
    errors = [r for r in result.results if r.status is Status.ERROR]
    assert len(errors) == 1
    assert "OB903" in errors[0].evidence
    assert "ZeroDivisionError" in errors[0].evidence
    assert any(r.rule_id == "OB901" and r.status is Status.FAIL for r in result.results)
    assert result.principle(Principle.OBSERVABILITY).incomplete


def test_finding_ids_are_stable_and_commands_are_filled() -> None:
    snap = make_snapshot(ecs=EcsSection(clusters=(_cluster("fail-a", "us-west-2"),)))
    (r,) = evaluate_rule(per_cluster, snap)
    assert r.finding_id == finding_id(
        "OB901", ACCOUNT_ID, "us-west-2", f"arn:aws:ecs:us-west-2:{ACCOUNT_ID}:cluster/fail-a"
    )
    assert r.remediation_cmd == "fix fail-a --region us-west-2"
    assert evaluate_rule(per_cluster, snap)[0].finding_id == r.finding_id


def _waived_snapshot() -> Snapshot:
    return make_snapshot(
        ecs=EcsSection(
            clusters=(_cluster("fail-legacy", "us-west-2"), _cluster("fail-new", "us-west-2"))
        )
    )


def test_waiver_moves_a_fail_to_accepted_risk_and_out_of_the_score() -> None:
    snap = _waived_snapshot()
    catalogue = Catalogue((per_cluster,))
    config = Config(
        waivers=(
            Waiver(
                rule="OB901",
                resource="fail-leg*",
                reason="decommissioned in Q1",
                expires=date(2027, 1, 1),
            ),
        )
    )
    result = evaluate(snap, catalogue, config)
    waived = [r for r in result.results if r.waiver is not None]
    assert [r.resource_name for r in waived] == ["fail-legacy"]
    assert waived[0].waiver is not None and waived[0].waiver.reason == "decommissioned in Q1"
    assert [r.resource_name for r in result.failing()] == ["fail-new"]
    score = result.principle(Principle.OBSERVABILITY)
    assert (score.failed, score.waived) == (1, 1)
    assert result.expired_waivers == ()


def test_expired_waiver_stops_applying_and_is_reported() -> None:
    snap = _waived_snapshot()  # collected 2026-11-01
    expired = Waiver(rule="OB901", resource="*", reason="old", expires=date(2026, 10, 31))
    result = evaluate(snap, Catalogue((per_cluster,)), Config(waivers=(expired,)))
    assert all(r.waiver is None for r in result.results)
    assert result.expired_waivers == (expired,)


def test_waiver_region_and_account_patterns_must_match() -> None:
    snap = _waived_snapshot()
    other_region = Waiver(
        rule="OB901", resource="*", region="eu-*", reason="r", expires=date(2030, 1, 1)
    )
    other_account = Waiver(
        rule="OB901", resource="*", account="999*", reason="r", expires=date(2030, 1, 1)
    )
    result = evaluate(
        snap, Catalogue((per_cluster,)), Config(waivers=(other_region, other_account))
    )
    assert all(r.waiver is None for r in result.results)


def test_disabled_rules_do_not_run() -> None:
    snap = _waived_snapshot()
    result = evaluate(snap, Catalogue((per_cluster, account_level)), Config(disable=("OB901",)))
    assert {r.rule_id for r in result.results} == {"OB902"}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".auditor.yaml"
    path.write_text(text)
    return path


def test_config_file_round_trip(tmp_path: Path) -> None:
    catalogue = load_catalogue()
    path = _write(
        tmp_path,
        "thresholds:\n  DA001: {max_idle_days: 30}\n"
        "disable: [OB002]\n"
        "waivers:\n"
        "  - rule: OB001\n    resource: ops-*\n    reason: dev cluster\n    expires: 2027-03-31\n",
    )
    config = load_config(path, catalogue)
    assert config.thresholds == {"DA001": {"max_idle_days": 30}}
    assert config.disable == ("OB002",)
    assert config.waivers[0].expires == date(2027, 3, 31)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("disable: [XX999]\n", "unknown rule id 'XX999'"),
        # a rule that moved principle: say where it went
        ("thresholds:\n  AL008: {min_retention_days: 90}\n", "rule AL008 is now OB014: rename it"),
        ("thresholds:\n  DA001: {nope: 1}\n", "has no threshold 'nope'"),
        ("thresholds:\n  DA001: {max_idle_days: soon}\n", "must be like"),
        ("waivers:\n  - rule: OB001\n    resource: x\n    expires: 2027-01-01\n", "reason"),
        ("waivers:\n  - rule: OB001\n    reason: r\n    expires: someday\n", "expires"),
        ("a: [1, 2\n", "invalid YAML"),
        ("- just\n- a list\n", "must be a mapping"),
        ("surprise: 1\n", "surprise"),
    ],
)
def test_bad_config_is_one_clear_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        load_config(_write(tmp_path, text), load_catalogue())
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_same_snapshot_gives_byte_identical_results() -> None:
    snap = _waived_snapshot()
    catalogue = load_catalogue()
    first = results_to_json(evaluate(snap, catalogue))
    again = results_to_json(
        evaluate(Snapshot.model_validate_json(snap.model_dump_json()), catalogue)
    )
    assert first == again


@rule(
    id="OB904",
    slug="per-region-is-fine",
    title="Per-region test rule",
    principle=Principle.OBSERVABILITY,
    severity=Severity.LOW,
    needs=("ecs",),
    effort_minutes=1,
)
def per_region(snap: Snapshot) -> Iterator[Check]:
    for region in snap.regions:
        yield Check.account(ok=False, evidence="nothing here", region=region)
    yield Check(resource_id="foreign-bucket", ok=None, evidence="bucket in another account")


def test_region_level_fail_survives_a_gap_elsewhere_and_none_means_unknown() -> None:
    snap = make_snapshot(regions=TWO_REGIONS, gaps={"ecs@eu-west-1": "access_denied"})
    got = {(r.status, r.resource_id) for r in evaluate_rule(per_region, snap)}
    assert got == {
        (Status.FAIL, "account/us-west-2"),  # its own region was collected: a real FAIL
        (Status.UNKNOWN, "ecs:eu-west-1"),  # the gapped region
        (Status.UNKNOWN, "foreign-bucket"),  # the rule could not judge it
    }
