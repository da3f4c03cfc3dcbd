"""The gate's verdicts, exactly: what fails, what is only incomplete, what passes."""

from __future__ import annotations

import pytest

from auditor.engine.model import Severity, Status
from auditor.engine.results import RuleResult
from auditor.errors import InputError
from auditor.gate import GateOutcome, GatePolicy, ReasonKind, Verdict, compare
from auditor.gate.baseline import slim
from tests.gate.helpers import OTHER_ACCOUNT, REGION, gap, info, rr, scan

DEFAULT = GatePolicy()


def _kinds(outcome: GateOutcome) -> set[tuple[str, str]]:
    return {(r.kind.value, r.subject) for r in outcome.failures}


def _baseline() -> list[RuleResult]:
    return [
        rr("NI004", "sg-a", "PASS", "critical"),
        rr("NI003", "sg-a", "PASS", "high"),
        rr("OB001", "cluster-1", "FAIL", "high"),
        rr("DD004", "vpc-1", "PASS", "medium"),
        rr("LP001", "account", "PASS", "critical", region="global"),
    ]


def test_an_unchanged_result_passes() -> None:
    base = scan(_baseline())
    outcome = compare(base, base, DEFAULT)
    assert (outcome.verdict, outcome.exit_code) == (Verdict.PASS, 0)
    assert outcome.failures == outcome.incomplete == ()
    assert [f.rule_id for f in outcome.diff.still_failing] == ["OB001"]


def test_a_port_opened_to_the_world_fails_with_the_grade_drops_and_the_new_finding() -> None:
    base = scan(_baseline())
    results = _baseline()
    results[0] = rr("NI004", "sg-a", "FAIL", "critical", evidence="0.0.0.0/0 open on 5432")
    outcome = compare(base, scan(results), DEFAULT)

    assert (outcome.verdict, outcome.exit_code) == (Verdict.FAIL, 1)
    assert _kinds(outcome) == {
        ("grade_drop", "overall"),
        ("grade_drop", "security"),
        ("grade_drop", "network_isolation"),
        ("new_finding", f"NI004/123456789012/{REGION}/sg-a"),
    }
    messages = [r.message for r in outcome.failures]
    assert "Network Isolation grade dropped A+ (100%) -> F (33.3%)" in messages
    assert f"new critical NI004 sg-a ({REGION}): 0.0.0.0/0 open on 5432" in messages
    assert outcome.incomplete == ()


def test_a_fixed_finding_does_not_cancel_a_new_one() -> None:
    base = scan([rr("NI003", "sg-a", "FAIL"), rr("NI003", "sg-b", "PASS")])
    current = scan([rr("NI003", "sg-a", "PASS"), rr("NI003", "sg-b", "FAIL")])
    assert [g.after for g in compare(base, current, DEFAULT).diff.grades] == [
        g.before for g in compare(base, current, DEFAULT).diff.grades
    ]  # the grades are identical ...

    outcome = compare(base, current, DEFAULT)

    assert outcome.verdict is Verdict.FAIL  # ... and the gate still fails
    assert _kinds(outcome) == {("new_finding", f"NI003/123456789012/{REGION}/sg-b")}
    assert [f.resource_id for f in outcome.diff.fixed] == ["sg-a"]
    assert [f.resource_id for f in outcome.diff.new] == ["sg-b"]


@pytest.mark.parametrize(
    ("threshold", "verdict"),
    [
        (Severity.CRITICAL, Verdict.PASS),
        (Severity.HIGH, Verdict.PASS),
        (Severity.MEDIUM, Verdict.FAIL),
        (Severity.LOW, Verdict.FAIL),
        (None, Verdict.PASS),
    ],
)
def test_new_findings_fail_at_or_above_the_threshold(
    threshold: Severity | None, verdict: Verdict
) -> None:
    base = scan([rr("DD004", "vpc-1", "FAIL", "medium")])
    # a second VPC without flow logs: the score stays 0 (F), only the finding is new
    current = scan([rr("DD004", "vpc-1", "FAIL", "medium"), rr("DD004", "vpc-2", "FAIL", "medium")])

    outcome = compare(base, current, GatePolicy(fail_on_new=threshold))

    assert outcome.verdict is verdict
    expected = {("new_finding", f"DD004/123456789012/{REGION}/vpc-2")} if verdict else set()
    assert _kinds(outcome) == (expected if verdict is Verdict.FAIL else set())


def _many(failing: int) -> list[RuleResult]:
    return [
        rr("OB003", f"alarm-{i:02d}", "FAIL" if i < failing else "PASS", "low") for i in range(40)
    ]


def test_a_score_drop_within_a_grade_fails_only_beyond_max_score_drop() -> None:
    base, current = scan(_many(0)), scan(_many(1))  # 100% -> 97.5%, A+ both
    assert compare(base, current, DEFAULT).verdict is Verdict.PASS

    outcome = compare(base, current, GatePolicy(max_score_drop=2))
    assert _kinds(outcome) == {
        ("score_drop", "observability"),
        ("score_drop", "operations"),
        ("score_drop", "overall"),
    }
    assert outcome.failures[-1].message == (
        "Observability score dropped 2.5 points, more than 2: A+ (100%) -> A+ (97.5%)"
    )
    assert compare(base, current, GatePolicy(max_score_drop=2.5)).verdict is Verdict.PASS


def test_a_grade_below_its_floor_fails_even_without_a_change() -> None:
    base = scan(_baseline())  # overall C (75%): Observability fails everything it checks
    outcome = compare(base, base, GatePolicy(min_grade={"overall": "B"}))
    assert _kinds(outcome) == {("below_floor", "overall")}
    assert outcome.failures[0].message.endswith("is below the floor B")
    floors = GatePolicy(min_grade={"network-isolation": "A", "Least Privilege": "a+"})
    assert floors.min_grade == {"network_isolation": "A", "least_privilege": "A+"}
    assert compare(base, base, floors).verdict is Verdict.PASS


def test_the_grade_drop_check_can_be_turned_off() -> None:
    base = scan([rr("OB003", "a", "PASS", "low"), rr("OB003", "b", "PASS", "low")])
    current = scan([rr("OB003", "a", "PASS", "low"), rr("OB003", "b", "FAIL", "low")])
    assert compare(base, current, DEFAULT).verdict is Verdict.FAIL
    assert compare(base, current, GatePolicy(fail_on_grade_drop=False)).verdict is Verdict.PASS


def test_another_account_is_an_input_error_unless_allowed() -> None:
    base = scan(_baseline())
    other = scan([r.model_copy() for r in _baseline_in(OTHER_ACCOUNT)], account=OTHER_ACCOUNT)
    with pytest.raises(InputError, match=r"account 123456789012 .* account 210987654321"):
        compare(base, other, DEFAULT)

    outcome = compare(base, other, GatePolicy(allow_account_change=True))
    # the same findings in the other account match: nothing is new, nothing is fixed
    assert outcome.verdict is Verdict.PASS
    assert (len(outcome.diff.new), len(outcome.diff.fixed), len(outcome.diff.still_failing)) == (
        0,
        0,
        1,
    )


def _baseline_in(account: str) -> list[RuleResult]:
    return [
        r.model_copy(update={"finding_id": r.finding_id.replace("123456789012", account)})
        for r in _baseline()
    ]


def _with_ni_unknown() -> list[RuleResult]:
    results = [r for r in _baseline() if r.rule_id not in ("NI003", "NI004")]
    return [
        *results,
        rr("NI003", f"ec2:{REGION}", "UNKNOWN", "high"),
        rr("NI004", f"ec2:{REGION}", "UNKNOWN", "critical"),
    ]


def test_a_new_gap_is_incomplete_exit_3_or_a_failure_when_asked() -> None:
    base = scan(_baseline())
    current = scan(_with_ni_unknown(), gaps=(gap("ec2"),))

    outcome = compare(base, current, DEFAULT)

    assert (outcome.verdict, outcome.exit_code) == (Verdict.INCOMPLETE, 3)
    assert outcome.failures == ()
    assert {(r.kind, r.subject) for r in outcome.incomplete} == {
        (ReasonKind.INCOMPLETE, f"ec2:{REGION}"),
        (ReasonKind.INCOMPLETE, "network_isolation"),
        (ReasonKind.INCOMPLETE, "security"),
        (ReasonKind.INCOMPLETE, "overall"),
    }
    assert (
        f"ec2 in {REGION} was not collected: access_denied (ListThings AccessDeniedException)"
        in [r.message for r in outcome.incomplete]
    )
    strict = compare(base, current, GatePolicy(fail_on_incomplete=True))
    assert (strict.verdict, strict.exit_code) == (Verdict.FAIL, 1)


def test_a_gap_the_baseline_had_too_is_not_new() -> None:
    base = scan(_with_ni_unknown(), gaps=(gap("ec2"),))
    assert compare(base, base, GatePolicy(fail_on_incomplete=True)).verdict is Verdict.PASS


def test_a_grade_drop_of_a_newly_incomplete_principle_is_not_conclusive() -> None:
    base = scan([rr("NI004", "sg-a", "PASS", "critical"), rr("NI007", "sg-b", "FAIL", "low")])
    # NI004 cannot be evaluated any more: only the low FAIL is left, the grade falls to F
    current = scan(
        [rr("NI004", f"ec2:{REGION}", "UNKNOWN", "critical"), rr("NI007", "sg-b", "FAIL", "low")],
        gaps=(gap("ec2"),),
    )
    outcome = compare(base, current, DEFAULT)
    assert outcome.diff.grade("network_isolation").dropped
    assert outcome.verdict is Verdict.INCOMPLETE
    assert (
        "Network Isolation grade dropped A- (90.9%) -> F (0%), but it is incomplete now: "
        "not conclusive"
    ) in [r.message for r in outcome.incomplete]


def test_new_fail_evidence_counts_even_when_the_result_is_incomplete() -> None:
    base = scan(_baseline())
    current = scan(
        [*_with_ni_unknown(), rr("LP003", "role-x", "FAIL", "critical", region="global")],
        gaps=(gap("ec2"),),
    )
    outcome = compare(base, current, DEFAULT)
    assert outcome.verdict is Verdict.FAIL
    assert ("new_finding", "LP003/123456789012/global/role-x") in _kinds(outcome)


def test_an_expired_waiver_makes_the_finding_new() -> None:
    base = scan([rr("NI003", "sg-a", "FAIL", waived="bastion until Q1")])
    current = scan([rr("NI003", "sg-a", "FAIL")])
    outcome = compare(base, current, DEFAULT)
    assert outcome.verdict is Verdict.FAIL
    (new,) = outcome.diff.new
    assert new.note == "its waiver no longer applies"
    (change,) = outcome.diff.waivers
    assert change.before is not None and change.after is None
    assert change.status is Status.FAIL


def test_an_unscanned_region_is_not_a_fix() -> None:
    base = scan(
        [rr("NI003", "sg-a", "FAIL"), rr("NI003", "sg-e", "FAIL", region="eu-west-1")],
        regions=(REGION, "eu-west-1"),
    )
    current = scan([rr("NI003", "sg-a", "FAIL")])
    outcome = compare(base, current, DEFAULT)
    assert outcome.diff.fixed == ()
    (unverified,) = outcome.diff.unverified
    assert (unverified.resource_id, unverified.note) == ("sg-e", "region eu-west-1 not scanned")
    assert outcome.verdict is Verdict.INCOMPLETE
    assert "region eu-west-1 of the baseline was not scanned" in [
        r.message for r in outcome.incomplete
    ]


def test_a_deleted_resource_is_fixed() -> None:
    base = scan([rr("NI003", "sg-a", "FAIL"), rr("NI003", "sg-b", "PASS")])
    current = scan([rr("NI003", "sg-b", "PASS")])
    outcome = compare(base, current, DEFAULT)
    assert outcome.verdict is Verdict.PASS
    (fixed,) = outcome.diff.fixed
    assert (fixed.resource_id, fixed.before, fixed.after, fixed.note) == (
        "sg-a",
        Status.FAIL,
        None,
        "resource gone",
    )


def test_a_principle_evaluated_for_the_first_time_is_not_a_drop() -> None:
    base = scan([rr("NI003", "sg-a", "PASS")])
    current = scan([rr("NI003", "sg-a", "PASS"), rr("DA004", "repo", "FAIL", "low")])
    change = compare(base, current, DEFAULT).diff.grade("deployment_automation")
    assert (change.before, change.after, change.dropped) == ("N/A", "F", False)


def test_a_slim_baseline_judges_like_the_full_result() -> None:
    base = scan(_baseline())
    results = _baseline()
    results[1] = rr("NI003", "sg-a", "FAIL", "high")
    current = scan(results)
    full, slimmed = compare(base, current, DEFAULT), compare(slim(base), current, DEFAULT)
    assert (slimmed.verdict, slimmed.failures, slimmed.incomplete) == (
        full.verdict,
        full.failures,
        full.incomplete,
    )
    for bucket in ("new", "fixed", "still_failing", "unverified"):
        # only the "before" of a new finding differs: PASS in the full result, absent in the slim
        assert [(f.finding_id, f.after, f.note) for f in getattr(slimmed.diff, bucket)] == [
            (f.finding_id, f.after, f.note) for f in getattr(full.diff, bucket)
        ]
    assert [f.before for f in full.diff.new] == [Status.PASS]


def test_a_baseline_finding_of_a_rule_that_moved_principle_matches_its_new_id() -> None:
    # AL008 became OB014 when workload logs moved to Observability: the same
    # unresolved problem is neither "new" nor "fixed" across the rename.
    baseline = scan([rr("AL008", "/app/debug", severity=Severity.LOW)])
    moved = info("OB014", Severity.LOW).model_copy(update={"formerly": ("AL008",)})
    current = scan([rr("OB014", "/app/debug", severity=Severity.LOW)], rules=[moved])
    outcome = compare(baseline, current, GatePolicy(fail_on_new=Severity.LOW))
    assert outcome.diff.new == ()
    assert outcome.diff.fixed == ()
    assert [c.rule_id for c in outcome.diff.still_failing] == ["OB014"]
    assert not [r for r in outcome.failures if r.kind is ReasonKind.NEW_FINDING]
    # without the former id the rename would read as one fixed and one new finding
    plain = scan([rr("OB014", "/app/debug", severity=Severity.LOW)])
    renamed = compare(baseline, plain, GatePolicy(fail_on_new=Severity.LOW))
    assert [c.rule_id for c in renamed.diff.new] == ["OB014"]
