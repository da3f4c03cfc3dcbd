"""The gate: compare a current result with a baseline under a policy.

Verdicts and exit codes (docs/gate.md):

* ``fail`` (exit 1): a grade dropped, a score dropped more than allowed, a new
  finding at or above the severity threshold appeared, or a grade is below
  its floor. Findings are matched one by one, so a fixed finding never
  offsets a new one.
* ``incomplete`` (exit 3): nothing failed, but the current result is blind
  where the baseline was not: a new gap, a principle or category newly
  incomplete, a baseline region not scanned. A grade drop or floor breach of
  a *newly incomplete* subject is only reported here: it may be an artefact
  of the missing data. New FAIL findings are evidence and always count.
  With ``fail_on_incomplete`` these reasons fail the gate instead (exit 1).
* ``pass`` (exit 0).
"""

from __future__ import annotations

from enum import StrEnum

from auditor.engine.model import Severity
from auditor.engine.results import ScanResult
from auditor.engine.scoring import NOT_APPLICABLE, grade_rank
from auditor.errors import EXIT_GATE_FAILED, EXIT_INCOMPLETE, EXIT_OK, InputError
from auditor.gate.diff import Diff, FindingChange, GradeChange, diff
from auditor.gate.policy import GatePolicy
from auditor.snapshot.base import Model

#: Tolerance for score comparisons (scores are rounded to 0.1).
_EPSILON = 1e-6


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    INCOMPLETE = "incomplete"


class ReasonKind(StrEnum):
    GRADE_DROP = "grade_drop"
    SCORE_DROP = "score_drop"
    NEW_FINDING = "new_finding"
    BELOW_FLOOR = "below_floor"
    INCOMPLETE = "incomplete"
    #: A compliance control newly fails (``--fail-on-control-fail``, auditor/gate/controls.py).
    CONTROL_FAIL = "control_fail"


class Reason(Model):
    """One reason for the verdict. ``message`` is plain text that may hold AWS
    strings: renderers escape it."""

    kind: ReasonKind
    #: A grade subject (``overall``, a principle...), a finding id, or ``service:region``.
    subject: str
    message: str


class GateOutcome(Model):
    verdict: Verdict
    #: Regressions and floor breaches.
    failures: tuple[Reason, ...]
    #: Where the current result is blind and the baseline was not (these fail
    #: the gate too under ``fail_on_incomplete``).
    incomplete: tuple[Reason, ...]
    policy: GatePolicy
    diff: Diff

    @property
    def exit_code(self) -> int:
        return {
            Verdict.PASS: EXIT_OK,
            Verdict.FAIL: EXIT_GATE_FAILED,
            Verdict.INCOMPLETE: EXIT_INCOMPLETE,
        }[self.verdict]


def _pct(score: float | None) -> str:
    return "n/a" if score is None else f"{score:g}%"


def _grade_text(g: GradeChange) -> str:
    return f"{g.before} ({_pct(g.before_score)}) -> {g.after} ({_pct(g.after_score)})"


def finding_line(f: FindingChange) -> str:
    """``critical NI004 rds-sg (us-west-2): evidence`` - plain text, one line."""
    return f"{f.severity.value} {f.rule_id} {f.name} ({f.region}): {f.evidence}"


def _grade_reasons(d: Diff, policy: GatePolicy) -> tuple[list[Reason], list[Reason]]:
    failures: list[Reason] = []
    inconclusive: list[Reason] = []
    for g in d.grades:
        found: list[Reason] = []
        if policy.fail_on_grade_drop and g.dropped:
            found.append(
                Reason(
                    kind=ReasonKind.GRADE_DROP,
                    subject=g.subject,
                    message=f"{g.title} grade dropped {_grade_text(g)}",
                )
            )
        delta = g.score_delta
        if (
            policy.max_score_drop is not None
            and delta is not None
            and -delta > policy.max_score_drop + _EPSILON
        ):
            found.append(
                Reason(
                    kind=ReasonKind.SCORE_DROP,
                    subject=g.subject,
                    message=(
                        f"{g.title} score dropped {-delta:g} points, more than "
                        f"{policy.max_score_drop:g}: {_grade_text(g)}"
                    ),
                )
            )
        floor = policy.min_grade.get(g.subject)
        if floor and g.after != NOT_APPLICABLE and grade_rank(g.after) > grade_rank(floor):
            found.append(
                Reason(
                    kind=ReasonKind.BELOW_FLOOR,
                    subject=g.subject,
                    message=f"{g.title} grade {g.after} ({_pct(g.after_score)}) "
                    f"is below the floor {floor}",
                )
            )
        if g.newly_incomplete:
            inconclusive.extend(
                r.model_copy(
                    update={
                        "kind": ReasonKind.INCOMPLETE,
                        "message": f"{r.message}, but it is incomplete now: not conclusive",
                    }
                )
                for r in found
            )
        else:
            failures.extend(found)
    return failures, inconclusive


def _new_finding_reasons(d: Diff, threshold: Severity | None) -> list[Reason]:
    if threshold is None:
        return []
    return [
        Reason(
            kind=ReasonKind.NEW_FINDING,
            subject=f.finding_id,
            message=f"new {finding_line(f)}" + (f" [{f.note}]" if f.note else ""),
        )
        for f in d.new
        if f.severity.rank <= threshold.rank
    ]


def _incomplete_reasons(d: Diff) -> list[Reason]:
    out = [
        Reason(
            kind=ReasonKind.INCOMPLETE,
            subject=f"{g.service}:{g.region}",
            message=f"{g.service} in {g.region} was not collected: {g.status.value}"
            + (
                f" ({' '.join(x for x in (g.operation, g.error_code) if x)})"
                if g.operation or g.error_code
                else ""
            ),
        )
        for g in d.new_gaps
    ]
    out.extend(
        Reason(
            kind=ReasonKind.INCOMPLETE,
            subject=region,
            message=f"region {region} of the baseline was not scanned",
        )
        for region in d.missing_regions
    )
    out.extend(
        Reason(
            kind=ReasonKind.INCOMPLETE,
            subject=g.subject,
            message=f"{g.title} is incomplete now (it was complete in the baseline)",
        )
        for g in d.grades
        if g.newly_incomplete
    )
    if d.unverified:
        out.append(
            Reason(
                kind=ReasonKind.INCOMPLETE,
                subject="unverified",
                message=f"{len(d.unverified)} failing finding(s) of the baseline "
                "could not be re-checked",
            )
        )
    return out


def check_accounts(baseline: ScanResult, current: ScanResult, policy: GatePolicy) -> None:
    """Raise :class:`InputError` (exit 2) for results of two different accounts."""
    if baseline.account_id != current.account_id and not policy.allow_account_change:
        raise InputError(
            f"the baseline is for account {baseline.account_id} but the current result is "
            f"for account {current.account_id} (use --allow-account-change to compare them)"
        )


def compare(baseline: ScanResult, current: ScanResult, policy: GatePolicy) -> GateOutcome:
    """The gate's verdict on ``current`` against ``baseline``.

    Pure and insensitive to the order of results. Raises :class:`InputError`
    when the accounts differ and the policy does not allow it.
    """
    check_accounts(baseline, current, policy)
    d = diff(baseline, current)
    failures, inconclusive = _grade_reasons(d, policy)
    failures.extend(_new_finding_reasons(d, policy.fail_on_new))
    incomplete = _incomplete_reasons(d) + inconclusive
    if failures or (incomplete and policy.fail_on_incomplete):
        verdict = Verdict.FAIL
    elif incomplete:
        verdict = Verdict.INCOMPLETE
    else:
        verdict = Verdict.PASS
    return GateOutcome(
        verdict=verdict,
        failures=tuple(failures),
        incomplete=tuple(incomplete),
        policy=policy,
        diff=d,
    )
