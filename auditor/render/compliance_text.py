"""Plain-text compliance output: ``auditor compliance`` and ``auditor rules --frameworks``.

Every AWS string went through :func:`auditor.render.view.clip` in the view
(control characters shown as escapes), so nothing here can drive a terminal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from auditor.engine.frameworks import Framework, coverage
from auditor.render.compliance_view import ComplianceView


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def fmt(row: list[str]) -> str:
        cells = zip(row, widths, strict=True)
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(cells))

    return [fmt(header), *(fmt(r) for r in rows)]


def compliance_text(view: ComplianceView, *, account: str, scanned_at: str) -> str:
    """Totals per section, the score and how it is counted, then the failing controls."""
    out = [
        f"{view.title}: account {account}, scanned {scanned_at}",
        f"Score: {view.score_text} ({view.passed} of {view.judged} controls with a verdict pass; "
        f"{view.counted})",
        "",
    ]
    header = ["Section", *view.labels, "total"]
    rows = [[f"{s.id} {s.title}", *map(str, s.counts), str(s.total)] for s in view.sections]
    rows.append(["Total", *map(str, view.totals), str(view.total)])
    out += _table(header, rows)
    for c in view.attention:
        out += ["", f"{c.status.upper():8} {c.id}  {c.title}  [{c.rules}]"]
        for r in c.failing:
            out.append(f"  - {r.resource} ({r.region}): {r.evidence}")
            if r.command:
                out.append(f"    fix: {r.command}")
        if c.more_failing:
            out.append(f"  ... {c.more_failing} more failing resources in results.json")
        if c.unknown and not c.failing:
            out.append(f"  {c.unknown} result(s) undecided: a collection gap or a rule error")
    other = [c for c in view.controls if c.status not in ("fail", "unknown")]
    if other:
        out += ["", "Other controls:"]
        out += [f"  {c.status:12} {c.id:8} {c.title}  [{c.rules or '-'}]" for c in other]
    return "\n".join(out) + "\n"


def compliance_json(view: ComplianceView, *, account: str) -> str:
    doc: dict[str, Any] = {
        "framework": view.key,
        "title": view.title,
        "account_id": account,
        "score": view.score,
        "score_counts": view.counted,
        "totals": dict(zip(view.labels, view.totals, strict=True)),
        "sections": [
            {"id": s.id, "title": s.title, **dict(zip(view.labels, s.counts, strict=True))}
            for s in view.sections
        ],
        "controls": [
            {
                "id": c.id,
                "title": c.title,
                "section": c.section,
                "status": c.status,
                "assessment": c.assessment,
                "rules": [r for r in c.rules.split(", ") if r],
                "failing": [
                    {
                        "resource": r.resource,
                        "region": r.region,
                        "rule": r.rule_id,
                        "evidence": r.evidence,
                        "fix": r.command,
                    }
                    for r in c.failing
                ],
            }
            for c in view.controls
        ],
    }
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def coverage_text(
    frameworks: Iterable[Framework], rules: Sequence[tuple[str, Mapping[str, Iterable[str]]]]
) -> str:
    """What ``auditor rules --frameworks`` prints: per framework, covered / not covered / manual."""
    out: list[str] = []
    for fw in frameworks:
        cov = coverage(fw, rules)
        deciders = fw.deciders(rules)
        out.append(
            f"{fw.key}: {fw.title}: {cov.total} controls, {cov.covered} covered, "
            f"{cov.not_covered} not covered, {cov.manual} manual"
        )
        for c in fw.controls:
            ids = deciders[c.id]
            state = "covered" if ids else ("manual" if c.assessment == "manual" else "not covered")
            out.append(f"  {c.id:18} {state:12} {', '.join(ids) or '-':22} {c.title}")
        out.append("")
    return "\n".join(out)
