"""``gate --framework F --fail-on-control-fail``: a control of F that newly fails fails the gate.

"Newly" as everywhere in the gate: the control fails in the current result
and did not fail in the baseline (a baseline keeps every FAIL, so a slim
baseline is enough). A waived FAIL is accepted risk: it fails no control.
Controls that already failed in the baseline are reported by the compliance
section and ``auditor compliance``, not here.
"""

from __future__ import annotations

from auditor.engine.compliance import failed_controls
from auditor.engine.frameworks import Framework
from auditor.engine.results import ScanResult
from auditor.gate.compare import GateOutcome, Reason, ReasonKind, Verdict


def control_failures(baseline: ScanResult, current: ScanResult, fw: Framework) -> list[Reason]:
    before = {c.control.id for c in failed_controls(baseline, fw)}
    reasons = []
    for c in failed_controls(current, fw):
        if c.control.id in before:
            continue
        names = sorted({r.resource_name or r.resource_id for r in c.failing})
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        reasons.append(
            Reason(
                kind=ReasonKind.CONTROL_FAIL,
                subject=f"{fw.key}/{c.control.id}",
                message=(
                    f"{fw.key} control {c.control.id} now fails ({c.control.title}; "
                    f"{', '.join(sorted({r.rule_id for r in c.failing}))}): {shown}"
                ),
            )
        )
    return reasons


def with_control_failures(outcome: GateOutcome, reasons: list[Reason]) -> GateOutcome:
    """The outcome with the control failures added: any of them fails the gate."""
    if not reasons:
        return outcome
    return outcome.model_copy(
        update={"failures": (*outcome.failures, *reasons), "verdict": Verdict.FAIL}
    )
