"""Scoring properties (hypothesis) and the documented boundaries."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.engine.model import Principle, Severity, Status
from auditor.engine.overlap import count_once
from auditor.engine.results import AppliedWaiver, RuleResult
from auditor.engine.scoring import (
    GRADES,
    category_scores,
    grade_for,
    grade_rank,
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


# --- one problem, one score (docs/scoring.md, "One problem, one score") -----------

#: A toy relation shaped like the catalogue's: one level, toward no more severe rule.
SUPERSEDES = {"NI007": ("NI003", "NI005", "ZT001"), "LP015": ("LP006",)}
_TOY_SEVERITY = {
    "NI007": Severity.CRITICAL,
    "NI003": Severity.HIGH,
    "NI005": Severity.CRITICAL,
    "NI001": Severity.MEDIUM,
    "ZT001": Severity.HIGH,
    "ZT002": Severity.LOW,
    "LP015": Severity.HIGH,
    "LP006": Severity.HIGH,
    "OB001": Severity.MEDIUM,
}


@st.composite
def overlapping(draw: st.DrawFn) -> list[RuleResult]:
    """Results on a few shared resources, so superseding FAILs cover others."""
    items = draw(
        st.lists(
            st.tuples(
                st.sampled_from(sorted(_TOY_SEVERITY)),
                st.sampled_from([Status.PASS, Status.FAIL, Status.FAIL, Status.UNKNOWN]),
                st.integers(0, 3),
                st.lists(st.integers(0, 3), max_size=2),
                st.booleans(),
            ),
            max_size=30,
        )
    )
    out = []
    for i, (rid, status, res, related, waived) in enumerate(items):
        principle = next(p for p in Principle if p.prefix == rid[:2])
        waiver = (
            AppliedWaiver(reason="accepted", expires=date(2030, 1, 1), resource_pattern="*")
            if waived and status is Status.FAIL and i % 5 == 0
            else None
        )
        out.append(
            RuleResult(
                finding_id=f"{rid}/1/r/res{res}/{i}",
                rule_id=rid,
                principle=principle,
                severity=_TOY_SEVERITY[rid],
                status=status,
                resource_id=f"res{res}",
                resource_name="",
                region="us-west-2",
                evidence="",
                related=tuple(f"res{n}" for n in related),
                waiver=waiver,
            )
        )
    return out


def _once(rs: list[RuleResult]) -> list[RuleResult]:
    return count_once(rs, SUPERSEDES)


@given(overlapping())
def test_counting_once_is_deterministic_and_ignores_order(rs: list[RuleResult]) -> None:
    marked = _once(rs)
    assert marked == _once(list(rs))
    assert list(reversed(_once(list(reversed(rs))))) == marked
    assert score_all(marked) == score_all(list(reversed(marked)))
    # idempotent: marking marked results changes nothing
    assert _once(marked) == marked


@given(overlapping())
def test_a_problem_weighs_once_and_every_result_stays(rs: list[RuleResult]) -> None:
    marked = _once(rs)
    # every result stays, with its status and evidence; only counted_under is added
    assert [r.model_copy(update={"counted_under": ""}) for r in marked] == rs
    by_id = {r.finding_id: r for r in marked}
    for r in marked:
        if r.counted_under:
            upper = by_id[r.counted_under]
            # counted under an unwaived FAIL of a rule that supersedes it, about the same resource
            assert r.counts_as_fail and upper.counts_as_fail and not upper.counted_under
            assert r.rule_id in SUPERSEDES[upper.rule_id]
            assert r.resource_id in (upper.resource_id, *upper.related)
            assert upper.severity.rank <= r.severity.rank
    # the score is exactly the score of the results without the covered FAILs
    alone = [r for r in marked if not r.counted_under]
    assert [(p.score, p.grade) for p in score_all(marked)] == [
        (p.score, p.grade) for p in score_all(alone)
    ]


@given(overlapping())
def test_counting_once_never_lowers_a_score(rs: list[RuleResult]) -> None:
    before = score_all(rs)  # every FAIL counted
    after = score_all(_once(rs))
    for b, a in zip(before, after, strict=True):
        # a principle whose every evaluated result was counted elsewhere becomes N/A
        assert a.score is None or _not_lower(b.score, a.score)
    for b, a in zip(category_scores(before), category_scores(after), strict=True):
        assert _not_lower(b.score, a.score)


@given(overlapping(), st.data())
def test_fixing_a_fail_counted_under_another_never_lowers_any_score(
    rs: list[RuleResult], data: st.DataObject
) -> None:
    marked = _once(rs)
    covered = [i for i, r in enumerate(marked) if r.counted_under]
    if not covered:
        return
    i = data.draw(st.sampled_from(covered))
    fixed = list(rs)
    fixed[i] = rs[i].model_copy(update={"status": Status.PASS})
    before, after = score_all(marked), score_all(_once(fixed))
    for b, a in zip(before, after, strict=True):
        assert _not_lower(b.score, a.score)
    for b, a in zip(category_scores(before), category_scores(after), strict=True):
        assert _not_lower(b.score, a.score)


@given(overlapping(), st.data())
def test_fixing_a_whole_problem_never_lowers_any_score(
    rs: list[RuleResult], data: st.DataObject
) -> None:
    # Fixing a problem fixes every view of it: the FAIL that counts and the FAILs
    # counted under it. (Fixing only the counting view while another view still
    # FAILs brings that one back into the score: the problem is not fixed.)
    marked = _once(rs)
    counting = sorted({r.counted_under for r in marked if r.counted_under})
    if not counting:
        return
    upper = data.draw(st.sampled_from(counting))
    fixed = [
        r.model_copy(update={"status": Status.PASS})
        if m.finding_id == upper or m.counted_under == upper
        else r
        for r, m in zip(rs, marked, strict=True)
    ]
    assert sum(f.status is not r.status for f, r in zip(fixed, rs, strict=True)) >= 2
    before, after = score_all(marked), score_all(_once(fixed))
    for b, a in zip(before, after, strict=True):
        assert _not_lower(b.score, a.score)
        assert grade_rank(a.grade) <= grade_rank(b.grade) or b.grade == "N/A"
    for b, a in zip(category_scores(before), category_scores(after), strict=True):
        assert _not_lower(b.score, a.score)
