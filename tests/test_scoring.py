"""Scoring properties (hypothesis) and the documented boundaries."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.engine.model import Category, Principle, Severity, Status, Tier
from auditor.engine.overlap import count_once
from auditor.engine.results import AppliedWaiver, RuleInfo, RuleResult
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


def _info(principle: Principle, n: int) -> RuleInfo:
    rid = _rule_id(principle, n)
    tiers = list(Tier)
    return RuleInfo(
        id=rid,
        slug=rid.lower(),
        title=rid,
        principle=principle,
        severity=_severity(rid),
        effort_minutes=1,
        monthly_cost_usd=0,
        rationale="",
        remediation="",
        frameworks={},
        # operations rules carry a tier (rule 6 has none: a user rule); 4 and 5 share a group
        tier=tiers[n % 3] if principle.category is Category.OPERATIONS and n != 6 else None,
        group=f"group-{principle.prefix}" if n in (4, 5) else "",
    )


#: A catalogue for the generated results: tiers, groups and untiered rules.
INFOS = tuple(_info(p, n) for p in Principle for n in range(1, 7))
#: Scoring without rule metadata (flat), and with it (tiers and groups).
CATALOGUES: tuple[tuple[RuleInfo, ...], ...] = ((), INFOS)


def _all_scores(rs: list[RuleResult]) -> list[float | None]:
    out: list[float | None] = []
    for infos in CATALOGUES:
        principles = score_all(rs, infos)
        cats = category_scores(principles)
        out += [p.score for p in principles] + [c.score for c in cats]
    return out


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
    for infos in CATALOGUES:
        before = score_all(rs, infos)
        after = score_all(fixed, infos)
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


# --- tiers and groups (docs/scoring.md, "Operations: a maturity ladder")


def _result(rule_id: str, status: Status, resource: str = "r") -> RuleResult:
    info = next(i for i in INFOS if i.id == rule_id)
    return RuleResult(
        finding_id=f"{rule_id}/{resource}",
        rule_id=rule_id,
        principle=info.principle,
        severity=info.severity,
        status=status,
        resource_id=resource,
        resource_name="",
        region="us-west-2",
        evidence="",
    )


def _ops_info(rid: str, tier: Tier, severity: Severity = Severity.MEDIUM) -> RuleInfo:
    return RuleInfo(
        id=rid,
        slug=rid.lower(),
        title=rid,
        principle=Principle.OBSERVABILITY,
        severity=severity,
        effort_minutes=1,
        monthly_cost_usd=0,
        rationale="",
        remediation="",
        frameworks={},
        tier=tier,
    )


def _ops_result(rid: str, status: Status, severity: Severity = Severity.MEDIUM) -> RuleResult:
    return RuleResult(
        finding_id=f"{rid}/x",
        rule_id=rid,
        principle=Principle.OBSERVABILITY,
        severity=severity,
        status=status,
        resource_id="x",
        resource_name="",
        region="us-west-2",
        evidence="",
    )


def test_operations_foundation_alone_is_a_c_minus_and_standard_lifts_it() -> None:
    # The reference review's shape: logs collected and kept (foundation) but no
    # dashboards or alarms is "a good start": C-range, not F.
    infos = (
        _ops_info("OB101", Tier.FOUNDATION),
        _ops_info("OB102", Tier.STANDARD),
        _ops_info("OB103", Tier.ADVANCED),
    )
    basics = [
        _ops_result("OB101", Status.PASS),
        _ops_result("OB102", Status.FAIL),
        _ops_result("OB103", Status.FAIL),
    ]
    assert score_principle(Principle.OBSERVABILITY, basics, infos).score == 75.0
    # flat (no metadata), the same results are a third: F
    assert score_principle(Principle.OBSERVABILITY, basics).score == 33.3
    standard = [basics[0], _ops_result("OB102", Status.PASS), basics[2]]
    assert score_principle(Principle.OBSERVABILITY, standard, infos).score == 90.0
    # without the foundation, everything above it is worth a quarter at most
    no_logs = [_ops_result("OB101", Status.FAIL), standard[1], _ops_result("OB103", Status.PASS)]
    assert score_principle(Principle.OBSERVABILITY, no_logs, infos).score == 25.0


def test_a_tier_with_nothing_evaluated_is_left_out() -> None:
    infos = (_ops_info("OB101", Tier.FOUNDATION), _ops_info("OB103", Tier.ADVANCED))
    rs = [_ops_result("OB101", Status.PASS), _ops_result("OB103", Status.FAIL)]
    # 75 of 85 points: no standard-tier rule had anything to judge
    assert score_principle(Principle.OBSERVABILITY, rs, infos).score == 88.2


def test_security_principles_are_never_tiered() -> None:
    rs = [_result("LP001", Status.PASS), _result("LP002", Status.FAIL)]
    assert score_principle(Principle.LEAST_PRIVILEGE, rs, INFOS).score == (
        score_principle(Principle.LEAST_PRIVILEGE, rs).score
    )


def test_a_group_weighs_as_one_rule() -> None:
    # LP004 and LP005 share a group: six FAILs in it weigh as one rule, not six
    grouped = [_result("LP004", Status.FAIL, f"r{i}") for i in range(3)] + [
        _result("LP005", Status.FAIL, f"s{i}") for i in range(3)
    ]
    passing = [_result("LP001", Status.PASS), _result("LP003", Status.PASS)]
    with_groups = score_principle(Principle.LEAST_PRIVILEGE, passing + grouped, INFOS)
    flat = score_principle(Principle.LEAST_PRIVILEGE, passing + grouped)
    assert with_groups.score is not None and flat.score is not None
    assert with_groups.score > flat.score
    w1, w3 = _severity("LP001").weight, _severity("LP003").weight
    group_weight = max(_severity("LP004").weight, _severity("LP005").weight)
    expected = 100 * (w1 + w3) / (w1 + w3 + group_weight)
    cap = {Severity.CRITICAL: 76, Severity.HIGH: 89, Severity.MEDIUM: 96}
    worst = min((_severity("LP004"), _severity("LP005")), key=lambda s: s.rank)
    assert with_groups.score == round(min(expected, cap.get(worst, 100)), 1)


def test_a_new_fail_in_a_passing_group_never_adds_weight() -> None:
    # LP004 and LP005 share a group. Nine LP004 PASSes and one failing rule
    # elsewhere; a FAIL of the group's other member must not raise the score by
    # making the (mostly passing) group weigh more.
    before = [_result("LP004", Status.PASS, f"r{i}") for i in range(9)] + [
        _result("LP002", Status.FAIL)
    ]
    after = [*before, _result("LP005", Status.FAIL, "s")]
    b = score_principle(Principle.LEAST_PRIVILEGE, before, INFOS).score
    a = score_principle(Principle.LEAST_PRIVILEGE, after, INFOS).score
    assert b is not None and a is not None and a <= b


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
