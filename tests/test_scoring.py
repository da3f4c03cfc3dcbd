"""Scoring properties (hypothesis) and the documented boundaries."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.engine.model import Principle, Severity, Status
from auditor.engine.results import RuleResult
from auditor.engine.scoring import (
    GRADES,
    category_scores,
    grade_for,
    grade_rank,
    grades_without,
    score_all,
    score_principle,
)

SEVERITIES = list(Severity)


def _rule_id(principle: Principle, n: int) -> str:
    return f"{principle.prefix}{n:03d}"


def _severity(rule_id: str) -> Severity:
    # a fixed severity per rule id, as in the real catalogue
    return SEVERITIES[int(rule_id[2:]) % len(SEVERITIES)]


@st.composite
def results(draw: st.DrawFn, max_size: int = 40) -> list[RuleResult]:
    items = draw(
        st.lists(
            st.tuples(
                st.sampled_from(list(Principle)),
                st.integers(1, 6),
                st.sampled_from([Status.PASS, Status.FAIL, Status.UNKNOWN]),
                st.integers(0, 5),
            ),
            max_size=max_size,
        )
    )
    out = []
    for i, (principle, n, status, res) in enumerate(items):
        rid = _rule_id(principle, n)
        out.append(
            RuleResult(
                finding_id=f"{rid}/1/r/res{res}-{i}",
                rule_id=rid,
                principle=principle,
                severity=_severity(rid),
                status=status,
                resource_id=f"res{res}-{i}",
                resource_name="",
                region="us-west-2",
                evidence="",
            )
        )
    return out


def _all_scores(rs: list[RuleResult]) -> list[float | None]:
    principles = score_all(rs)
    cats = category_scores(principles)
    return [p.score for p in principles] + [c.score for c in cats]


def _not_lower(before: float | None, after: float | None) -> bool:
    if before is None:
        return True  # nothing was graded before
    return after is not None and after >= before


@given(results())
def test_scores_stay_between_0_and_100(rs: list[RuleResult]) -> None:
    for score in _all_scores(rs):
        assert score is None or 0 <= score <= 100


@given(results(), st.data())
def test_fixing_a_fail_never_lowers_any_score_or_grade(
    rs: list[RuleResult], data: st.DataObject
) -> None:
    fails = [i for i, r in enumerate(rs) if r.status is Status.FAIL]
    if not fails:
        return
    i = data.draw(st.sampled_from(fails))
    fixed = list(rs)
    fixed[i] = rs[i].model_copy(update={"status": Status.PASS})
    before = score_all(rs)
    after = score_all(fixed)
    for b, a in zip(before, after, strict=True):
        assert _not_lower(b.score, a.score)
        assert grade_rank(a.grade) <= grade_rank(b.grade) or b.grade == "N/A"
    for b, a in zip(category_scores(before), category_scores(after), strict=True):
        assert _not_lower(b.score, a.score)


@given(results(), st.sampled_from(list(Principle)), st.integers(1, 6))
def test_adding_a_fail_never_raises_any_score(
    rs: list[RuleResult], principle: Principle, n: int
) -> None:
    rid = _rule_id(principle, n)
    extra = RuleResult(
        finding_id=f"{rid}/new",
        rule_id=rid,
        principle=principle,
        severity=_severity(rid),
        status=Status.FAIL,
        resource_id="new",
        resource_name="",
        region="us-west-2",
        evidence="",
    )
    before = _all_scores(rs)
    after = _all_scores([*rs, extra])
    for b, a in zip(before, after, strict=True):
        if b is not None and a is not None:
            assert a <= b


@given(results())
@settings(max_examples=50)
def test_scores_ignore_result_order(rs: list[RuleResult]) -> None:
    assert score_all(rs) == score_all(list(reversed(rs)))


@given(st.floats(0, 100), st.floats(0, 100))
def test_grades_are_monotonic_in_score(a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    assert grade_rank(grade_for(hi)) <= grade_rank(grade_for(lo))


def test_grade_boundaries_are_the_documented_ones() -> None:
    assert [grade_for(s) for s in (100, 97, 96.9, 93, 90, 87, 83, 80, 77, 73, 70, 60, 59.9, 0)] == [
        "A+",
        "A+",
        "A",
        "A",
        "A-",
        "B+",
        "B",
        "B-",
        "C+",
        "C",
        "C-",
        "D",
        "F",
        "F",
    ]
    assert GRADES[0][1] == "A+"
    assert grade_for(None) == "N/A"


def _r(rid: str, status: Status, severity: Severity, res: str) -> RuleResult:
    return RuleResult(
        finding_id=res,
        rule_id=rid,
        principle=Principle.NETWORK_ISOLATION,
        severity=severity,
        status=status,
        resource_id=res,
        resource_name=res,
        region="r",
        evidence="",
    )


def test_one_critical_fail_cannot_hide_behind_many_passes() -> None:
    rs = [_r("NI001", Status.PASS, Severity.CRITICAL, f"ok{i}") for i in range(99)]
    rs.append(_r("NI001", Status.FAIL, Severity.CRITICAL, "bad"))
    rs += [_r("NI002", Status.PASS, Severity.LOW, f"fine{i}") for i in range(50)]
    score = score_principle(Principle.NETWORK_ISOLATION, rs)
    assert score.score == 76
    assert score.grade == "C"
    assert "critical" in score.cap


def test_high_fail_caps_at_b_plus_and_nothing_is_na() -> None:
    rs = [_r("NI001", Status.PASS, Severity.HIGH, f"ok{i}") for i in range(30)]
    rs.append(_r("NI001", Status.FAIL, Severity.HIGH, "bad"))
    assert score_principle(Principle.NETWORK_ISOLATION, rs).grade == "B+"
    empty = score_principle(Principle.NETWORK_ISOLATION, [])
    assert (empty.score, empty.grade, empty.incomplete) == (None, "N/A", False)


def test_unknown_marks_incomplete_and_is_not_a_pass() -> None:
    rs = [
        _r("NI001", Status.FAIL, Severity.LOW, "bad"),
        _r("NI002", Status.UNKNOWN, Severity.CRITICAL, "gap"),
    ]
    score = score_principle(Principle.NETWORK_ISOLATION, rs)
    assert score.incomplete
    assert score.score == 0


def test_worked_example_from_docs() -> None:
    # docs/scoring.md walks through exactly this case
    rs = [
        *[_r("NI001", Status.PASS, Severity.HIGH, f"sg{i}") for i in range(3)],
        _r("NI001", Status.FAIL, Severity.HIGH, "sg-open"),
        _r("NI002", Status.PASS, Severity.MEDIUM, "svc1"),
        _r("NI002", Status.PASS, Severity.MEDIUM, "svc2"),
        _r("NI003", Status.FAIL, Severity.LOW, "db"),
    ]
    score = score_principle(Principle.NETWORK_ISOLATION, rs)
    # (5*3/4 + 2*1 + 1*0) / (5+2+1) = 5.75/8 = 71.875 -> 71.9 (high cap 89 does not bite)
    assert score.score == 71.9
    assert score.grade == "C-"


@settings(max_examples=60)
@given(results(), st.sampled_from(list(Principle)), st.integers(1, 6))
def test_grades_without_is_scoring_with_those_fails_turned_pass(
    rs: list[RuleResult], principle: Principle, n: int
) -> None:
    rule_id = _rule_id(principle, n)
    turned = [
        r.model_copy(update={"status": Status.PASS})
        if r.rule_id == rule_id and r.status is Status.FAIL
        else r
        for r in rs
    ]
    expected = score_all(turned)
    answer = grades_without(rs, {rule_id})
    assert [(p.score, p.grade) for p in answer.principles] == [(p.score, p.grade) for p in expected]
    assert (answer.security, answer.operations, answer.overall) == category_scores(expected)
    # asking with only that principle's results, the others kept, gives the same grades
    mine = [r for r in rs if r.principle is principle]
    partial = grades_without(mine, {rule_id}, keep=score_all(rs))
    assert partial.overall == answer.overall
    if mine:
        assert [p.score for p in partial.principles] == [p.score for p in answer.principles]


def test_grades_without_leaves_waived_fails_and_other_rules_alone() -> None:
    def result(rid: str, status: Status, i: int) -> RuleResult:
        return RuleResult(
            finding_id=f"{rid}/{i}",
            rule_id=rid,
            principle=Principle.OBSERVABILITY,
            severity=Severity.HIGH,
            status=status,
            resource_id=f"r{i}",
            resource_name="",
            region="us-west-2",
            evidence="",
        )

    rs = [result("OB901", Status.FAIL, 1), result("OB902", Status.FAIL, 2)]
    answer = grades_without(rs, {"OB901"})
    ob = next(p for p in answer.principles if p.principle is Principle.OBSERVABILITY)
    # by hand: OB901 1/1, OB902 0/1, equal weights -> 50%, under the high cap of 89
    assert (ob.score, ob.grade, ob.passed, ob.failed) == (50.0, "F", 1, 1)
