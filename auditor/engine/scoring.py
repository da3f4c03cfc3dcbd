"""Grades: a severity-weighted score per principle, with caps, and letter grades.

See docs/scoring.md for the formula and a worked example. In short, for
each principle:

* every rule with evaluated results (PASS or FAIL, waived ones left out)
  contributes its severity weight times the fraction of its resources that
  pass; the score is ``100 * sum(weight * pass_fraction) / sum(weight)``;
* a critical FAIL caps the score at 76 (C), a high FAIL at 89 (B+), a
  medium FAIL at 96 (A): one serious failure cannot hide behind many passes;
* no evaluated result at all gives N/A; any UNKNOWN or ERROR marks it incomplete;
* rules sharing a ``group`` are pooled into one (six CIS alarm checks weigh as one);
* operations principles are a maturity ladder: each rule has a tier
  (foundation 75, standard 15, advanced 10 points) and the score is the
  tier-weighted mean of the tiers' severity-weighted pass fractions (tiers
  with nothing evaluated left out). Security principles have no tiers.
* a FAIL ``counted_under`` a superseding rule's FAIL (see
  :mod:`auditor.engine.overlap`) is the same problem counted there: left out.

Security is the mean of the six security principles, Operations the mean of
the two operations principles (N/A ones left out); Overall weighs Security
3:1 against Operations.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from auditor.engine.model import Category, Principle, Severity, Status, Tier
from auditor.engine.results import CategoryScore, PrincipleScore, RuleInfo, RuleResult

#: (lowest score, grade), best first.
GRADES: tuple[tuple[float, str], ...] = (
    (97, "A+"),
    (93, "A"),
    (90, "A-"),
    (87, "B+"),
    (83, "B"),
    (80, "B-"),
    (77, "C+"),
    (73, "C"),
    (70, "C-"),
    (60, "D"),
    (0, "F"),
)
GRADE_ORDER: tuple[str, ...] = tuple(g for _, g in GRADES)
NOT_APPLICABLE = "N/A"

#: The highest score a principle can have while it has a FAIL of this severity.
CAPS: dict[Severity, float] = {Severity.CRITICAL: 76, Severity.HIGH: 89, Severity.MEDIUM: 96}

SECURITY_WEIGHT = 3
OPERATIONS_WEIGHT = 1


def grade_for(score: float | None) -> str:
    if score is None:
        return NOT_APPLICABLE
    for floor, grade in GRADES:
        if score >= floor:
            return grade
    return GRADES[-1][1]


def grade_rank(grade: str) -> int:
    """0 for A+ ... 10 for F; N/A ranks above A+ (-1): nothing to lose."""
    return GRADE_ORDER.index(grade) if grade in GRADE_ORDER else -1


def _weighted_fraction(
    per_unit: Mapping[str, list[int]], severity: Mapping[str, Severity]
) -> float:
    total = sum(severity[u].weight for u in per_unit)
    return sum(severity[u].weight * p / (p + f) for u, (p, f) in per_unit.items()) / total


def score_principle(
    principle: Principle,
    results: Iterable[RuleResult],
    rules: Iterable[RuleInfo] | Mapping[str, RuleInfo] = (),
) -> PrincipleScore:
    """Score one principle from its results.

    ``rules`` (the results document's rule metadata) supplies the scoring
    metadata: groups and, for operations principles, tiers. Without it every
    rule is its own unit and untiered (the security formula).
    """
    info = rules if isinstance(rules, Mapping) else {r.id: r for r in rules}
    # A group weighs as its most severe member and sits on its lowest member's tier,
    # both read from the catalogue, never from the results seen: a new FAIL must
    # never add weight to a passing group or move it to another tier.
    group_severity: dict[str, Severity] = {}
    group_tier: dict[str, Tier] = {}
    tiers = list(Tier)
    for meta in info.values():
        if not meta.group:
            continue
        unit = f"group:{meta.group}"
        if unit not in group_severity or meta.severity.rank < group_severity[unit].rank:
            group_severity[unit] = meta.severity
        if meta.tier is not None and (
            unit not in group_tier or tiers.index(meta.tier) < tiers.index(group_tier[unit])
        ):
            group_tier[unit] = meta.tier
    # A scoring unit is a rule, or the group it belongs to.
    per_unit: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # [passed, failed]
    severity: dict[str, Severity] = {}
    tier_of: dict[str, Tier | None] = {}
    passed = failed = unknown = errors = waived = counted_under = 0
    worst_fail: Severity | None = None
    for r in results:
        if r.waiver is not None and r.status is Status.FAIL:
            waived += 1
            continue
        if r.counted_under and r.status is Status.FAIL:
            counted_under += 1
            continue
        meta = info.get(r.rule_id)
        unit = f"group:{meta.group}" if meta is not None and meta.group else r.rule_id
        if r.status is Status.PASS:
            passed += 1
            per_unit[unit][0] += 1
        elif r.status is Status.FAIL:
            failed += 1
            per_unit[unit][1] += 1
            if worst_fail is None or r.severity.rank < worst_fail.rank:
                worst_fail = r.severity
        elif r.status is Status.UNKNOWN:
            unknown += 1
        else:
            errors += 1
        severity[unit] = group_severity.get(unit, r.severity)
        tier_of[unit] = group_tier.get(unit) or (meta.tier if meta is not None else None)

    score: float | None = None
    cap = ""
    if per_unit:
        if principle.category is Category.OPERATIONS and info:
            # An operations rule without a tier (a user rule) is standard practice.
            by_tier: dict[Tier, dict[str, list[int]]] = defaultdict(dict)
            for u, counts in per_unit.items():
                by_tier[tier_of[u] or Tier.STANDARD][u] = counts
            weight = sum(t.weight for t in by_tier)
            score = (
                100.0
                * sum(
                    t.weight * _weighted_fraction(units, severity) for t, units in by_tier.items()
                )
                / weight
            )
        else:
            score = 100.0 * _weighted_fraction(per_unit, severity)
        if worst_fail is not None and worst_fail in CAPS and score > CAPS[worst_fail]:
            score = CAPS[worst_fail]
            cap = f"a {worst_fail.value} FAIL caps the score at {grade_for(score)}"
        score = round(score, 1)
    return PrincipleScore(
        principle=principle,
        title=principle.label,
        category=principle.category,
        score=score,
        grade=grade_for(score),
        incomplete=bool(unknown or errors),
        passed=passed,
        failed=failed,
        unknown=unknown,
        errors=errors,
        waived=waived,
        counted_under=counted_under,
        cap=cap,
    )


def score_all(
    results: Iterable[RuleResult], rules: Iterable[RuleInfo] = ()
) -> tuple[PrincipleScore, ...]:
    info = {r.id: r for r in rules}
    by_principle: dict[Principle, list[RuleResult]] = {p: [] for p in Principle}
    for r in results:
        by_principle[r.principle].append(r)
    return tuple(score_principle(p, rs, info) for p, rs in by_principle.items())


def _mean(scores: list[PrincipleScore]) -> float | None:
    values = [s.score for s in scores if s.score is not None]
    return round(sum(values) / len(values), 1) if values else None


def category_scores(
    principles: Iterable[PrincipleScore],
) -> tuple[CategoryScore, CategoryScore, CategoryScore]:
    principles = list(principles)
    sec = [p for p in principles if p.category is Category.SECURITY]
    ops = [p for p in principles if p.category is Category.OPERATIONS]
    sec_score, ops_score = _mean(sec), _mean(ops)
    if sec_score is not None and ops_score is not None:
        overall: float | None = round(
            (SECURITY_WEIGHT * sec_score + OPERATIONS_WEIGHT * ops_score)
            / (SECURITY_WEIGHT + OPERATIONS_WEIGHT),
            1,
        )
    else:
        overall = sec_score if sec_score is not None else ops_score
    return (
        CategoryScore(
            name="security",
            score=sec_score,
            grade=grade_for(sec_score),
            incomplete=any(p.incomplete for p in sec),
        ),
        CategoryScore(
            name="operations",
            score=ops_score,
            grade=grade_for(ops_score),
            incomplete=any(p.incomplete for p in ops),
        ),
        CategoryScore(
            name="overall",
            score=overall,
            grade=grade_for(overall),
            incomplete=any(p.incomplete for p in principles),
        ),
    )


@dataclass(frozen=True)
class Grades:
    """Every grade of a scan: the principles, then the three categories."""

    principles: tuple[PrincipleScore, ...]
    security: CategoryScore
    operations: CategoryScore
    overall: CategoryScore


def grades_without(
    results: Iterable[RuleResult],
    fixed: Collection[str],
    *,
    keep: Iterable[PrincipleScore] = (),
    rules: Iterable[RuleInfo] = (),
) -> Grades:
    """What would the grades be without the FAILs of the rules ``fixed``?

    Every unwaived FAIL of those rules is turned PASS and the results are
    scored by :func:`score_all` and :func:`category_scores` themselves: the
    answer of the one scoring formula, not an estimate of it.

    ``rules`` is the rule metadata (tiers, groups) the scan was scored with.
    ``keep`` lets a caller pass only the results of the principles it
    changes: a principle with no result in ``results`` keeps its score from
    ``keep`` (e.g. the scan's recorded scores) instead of becoming N/A.
    """
    wanted = frozenset(fixed)
    turned = [
        r.model_copy(update={"status": Status.PASS, "remediation_cmd": ""})
        if r.rule_id in wanted and r.counts_as_fail
        else r
        for r in results
    ]
    present = {r.principle for r in turned}
    kept = {p.principle: p for p in keep}
    principles = tuple(
        p if p.principle in present or p.principle not in kept else kept[p.principle]
        for p in score_all(turned, rules)
    )
    security, operations, overall = category_scores(principles)
    return Grades(principles, security, operations, overall)
