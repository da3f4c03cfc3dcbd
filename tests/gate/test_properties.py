"""Gate properties (hypothesis) over results graded by the real scoring.

* gate(x, x) passes, whatever the policy (floors aside: they judge x alone);
* turning FAILs into PASSes never fails the gate;
* the verdict and the whole outcome do not depend on the order of results.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.engine.model import Principle, Severity, Status
from auditor.engine.results import RuleResult, ScanResult
from auditor.gate import GatePolicy, Verdict, compare
from auditor.gate.baseline import slim
from tests.gate.helpers import gap, rr, scan

SEVERITIES = list(Severity)
REGIONS = ("us-west-2", "eu-west-1", "global")


def _severity(rule_id: str) -> Severity:
    return SEVERITIES[int(rule_id[2:]) % len(SEVERITIES)]  # fixed per rule, as in a catalogue


@st.composite
def rule_results(draw: st.DrawFn, max_size: int = 30) -> list[RuleResult]:
    rows = draw(
        st.lists(
            st.tuples(
                st.sampled_from(list(Principle)),
                st.integers(1, 5),
                st.sampled_from([Status.PASS, Status.FAIL, Status.UNKNOWN, Status.ERROR]),
                st.sampled_from(REGIONS),
                st.integers(0, 3),
                st.booleans(),
            ),
            max_size=max_size,
        )
    )
    out: dict[str, RuleResult] = {}
    for i, (principle, n, status, region, res, waived) in enumerate(rows):
        rid = f"{principle.prefix}{n:03d}"
        r = rr(
            rid,
            f"res{res}-{i % 7}",
            status,
            _severity(rid),
            region=region,
            waived="accepted" if waived and status is Status.FAIL else None,
        )
        out.setdefault(r.finding_id, r)
    return list(out.values())


@st.composite
def results_docs(draw: st.DrawFn) -> ScanResult:
    results = draw(rule_results())
    gaps = draw(st.lists(st.sampled_from(["ec2", "iam", "rds"]), unique=True, max_size=2))
    return scan(results, regions=REGIONS[:2], gaps=tuple(gap(g) for g in gaps))


policies = st.builds(
    GatePolicy,
    fail_on_grade_drop=st.booleans(),
    max_score_drop=st.none() | st.floats(0, 30),
    fail_on_new=st.none() | st.sampled_from(SEVERITIES),
    fail_on_incomplete=st.booleans(),
)


@settings(max_examples=100, deadline=None)
@given(results_docs(), policies)
def test_a_result_against_itself_passes(x: ScanResult, policy: GatePolicy) -> None:
    outcome = compare(x, x, policy)
    assert outcome.verdict is Verdict.PASS, outcome.failures + outcome.incomplete
    assert compare(slim(x), x, policy).verdict is Verdict.PASS


@settings(max_examples=100, deadline=None)
@given(st.data(), results_docs(), policies)
def test_fixing_failures_never_fails_the_gate(
    data: st.DataObject, x: ScanResult, policy: GatePolicy
) -> None:
    failing = [r.finding_id for r in x.results if r.status is Status.FAIL]
    fixed = set(
        data.draw(st.lists(st.sampled_from(failing), unique=True) if failing else st.just([]))
    )
    results = [
        r.model_copy(update={"status": Status.PASS, "waiver": None, "remediation_cmd": ""})
        if r.finding_id in fixed
        else r
        for r in x.results
    ]
    y = scan(results, regions=x.regions, gaps=x.gaps)

    outcome = compare(x, y, policy)

    assert outcome.verdict is Verdict.PASS, outcome.failures + outcome.incomplete
    assert {f.finding_id for f in outcome.diff.fixed} == {
        fid for fid in fixed if next(r for r in x.results if r.finding_id == fid).waiver is None
    }


def _mutate(data: st.DataObject, x: ScanResult) -> ScanResult:
    """Another result near ``x``: some statuses changed, some results dropped, some added."""
    results = []
    for r in x.results:
        action = data.draw(st.sampled_from(["keep", "keep", "flip", "drop", "unknown"]))
        if action == "drop":
            continue
        if action == "flip":
            status = Status.PASS if r.status is Status.FAIL else Status.FAIL
            r = r.model_copy(update={"status": status, "waiver": None})
        if action == "unknown":
            r = r.model_copy(update={"status": Status.UNKNOWN, "waiver": None})
        results.append(r)
    results += [
        r
        for r in data.draw(rule_results(max_size=6))
        if r.finding_id not in {x.finding_id for x in results}
    ]
    gaps = data.draw(st.lists(st.sampled_from(["ec2", "iam", "ecs"]), unique=True, max_size=2))
    return scan(results, regions=x.regions, gaps=tuple(gap(g) for g in gaps))


def _shuffled(data: st.DataObject, x: ScanResult) -> ScanResult:
    return x.model_copy(
        update={
            "results": tuple(data.draw(st.permutations(x.results))),
            "gaps": tuple(data.draw(st.permutations(x.gaps))),
            "rules": tuple(data.draw(st.permutations(x.rules))),
        }
    )


@settings(max_examples=100, deadline=None)
@given(st.data(), results_docs(), policies)
def test_the_outcome_does_not_depend_on_the_order_of_results(
    data: st.DataObject, x: ScanResult, policy: GatePolicy
) -> None:
    y = _mutate(data, x)

    outcome = compare(x, y, policy)

    assert compare(_shuffled(data, x), _shuffled(data, y), policy) == outcome
