"""One problem, one score: mark the FAILs that a superseding rule's FAIL already counts.

Several rules can report the same problem from different sides: a security
group open to the world on port 22 is a world-open rule (NI003), a path
from the internet to the instance behind it (NI007) and a bastion host
(ZT001). A rule declares the rules it supersedes (``@rule(supersedes=...)``);
when it FAILs on a resource, a FAIL of a superseded rule on that same
resource, or on one of the resources the FAIL names as ``related`` (the
security group whose rule opens the path), is the same problem. Every
result stays in ``results.json`` and in the report; the covered FAIL only
gets ``counted_under`` (the finding id of the FAIL that counts it) and the
score leaves it out. docs/scoring.md, "One problem, one score", is the
specification.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from auditor.engine.results import RuleResult


def count_once(
    results: Iterable[RuleResult], supersedes: Mapping[str, Iterable[str]]
) -> list[RuleResult]:
    """The results, in the same order, each covered FAIL marked with ``counted_under``.

    ``supersedes`` maps a rule id to the ids it supersedes. Only unwaived FAILs
    cover or are covered; a superseding rule is never itself superseded (one
    level, checked by the catalogue meta tests), so the FAIL that counts is
    always one of the superseding rule. Among several candidates, the smallest
    finding id counts: the outcome does not depend on the order of results.
    """
    results = list(results)
    superseded_by: dict[str, set[str]] = {}
    for upper, lowers in supersedes.items():
        for lower in lowers:
            superseded_by.setdefault(lower, set()).add(upper)
    # (rule id, region, resource) -> finding ids of the superseding FAILs about it
    covers: dict[tuple[str, str, str], list[str]] = {}
    for r in results:
        if r.rule_id not in supersedes or not r.counts_as_fail:
            continue
        for resource in {r.resource_id, *r.related}:
            covers.setdefault((r.rule_id, r.region, resource), []).append(r.finding_id)
    out: list[RuleResult] = []
    for r in results:
        under = ""
        if r.counts_as_fail and r.rule_id in superseded_by and r.rule_id not in supersedes:
            candidates = [
                fid
                for upper in superseded_by[r.rule_id]
                for fid in covers.get((upper, r.region, r.resource_id), ())
            ]
            under = min(candidates, default="")
        out.append(r if r.counted_under == under else r.model_copy(update={"counted_under": under}))
    return out
