"""One scheduled scan: collect -> evaluate -> render -> compare -> store -> notify -> metrics.

Time budget: the function has ``remaining`` seconds (from the Lambda context).
A margin (``Settings.margin_for``) is kept back for evaluating, rendering and
storing; the rest is the collection window. When the window closes, tasks
not started are recorded as skipped ("time budget exhausted") by the runner
and calls of tasks still running are refused (``aws.budget_hook``), so the
scan ends with what it has: an *incomplete* result, stored and reported as
such, rather than a timeout that loses everything.

Storage layout in the bucket (``<p>`` is the prefix)::

    <p>history/YYYY/MM/DD/HHMMSSZ/report.html, report.md, architecture.svg, results.json[, diff.md]
    <p>latest/report.html, report.md, architecture.svg, results.json

The previous ``<p>latest/results.json`` (or ``baseline_key``) is the baseline:
it is read before anything is written, compared with the gate's own logic
(:func:`auditor.gate.compare`), and replaced last, after the history copy
and the notification, so a failed publish is retried against the same
baseline by Lambda's retry instead of being lost.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from auditor.engine.results import ScanResult
from auditor.errors import InputError
from auditor.gate.compare import GateOutcome, Verdict
from auditor.gate.diff import real_gaps
from auditor.lambda_handler.settings import Settings
from auditor.snapshot import CollectionStatus, Coverage

log = logging.getLogger("auditor.lambda")

#: The runner's message for tasks not started before the deadline.
SKIPPED_MESSAGE = "time budget exhausted"
CONTENT_TYPES = {
    "report.html": "text/html; charset=utf-8",
    "report.md": "text/markdown; charset=utf-8",
    "results.json": "application/json",
    "diff.md": "text/markdown; charset=utf-8",
    "architecture.svg": "image/svg+xml",
}


class Store(Protocol):
    """What a run needs from S3 and SNS (``aws.Storage``; a fake in unit tests)."""

    region: str

    def get_text(self, bucket: str, key: str) -> str | None: ...

    def put_text(
        self, bucket: str, key: str, text: str, content_type: str, metadata: Mapping[str, str]
    ) -> None: ...

    def publish(self, topic_arn: str, subject: str, message: str) -> str: ...


@dataclass
class RunOutcome:
    """What one invocation did; the handler returns it as a dict (and logs it)."""

    status: str  # "complete" | "incomplete"
    account_id: str
    regions: tuple[str, ...]
    overall_grade: str
    overall_score: float | None
    #: "pass" | "fail" | "incomplete" (the gate's verdict), "no_baseline" or "not_compared".
    verdict: str
    notified: bool = False
    message_id: str = ""
    incomplete_reasons: list[str] = field(default_factory=list)
    keys: dict[str, dict[str, str]] = field(default_factory=dict)
    findings: int = 0
    gaps: int = 0
    scan_seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "account_id": self.account_id,
            "regions": list(self.regions),
            "overall": {"grade": self.overall_grade, "score": self.overall_score},
            "verdict": self.verdict,
            "notified": self.notified,
            "message_id": self.message_id,
            "incomplete_reasons": self.incomplete_reasons,
            "keys": self.keys,
            "findings": self.findings,
            "gaps": self.gaps,
            "scan_seconds": self.scan_seconds,
            "errors": self.errors,
        }


def is_budget_gap(gap: Coverage) -> bool:
    """A gap made by the time budget (not started, or cut while running)."""
    from auditor.lambda_handler.aws import BUDGET_ERROR_CODE

    return (gap.status is CollectionStatus.SKIPPED and gap.message == SKIPPED_MESSAGE) or (
        gap.error_code == BUDGET_ERROR_CODE
    )


def incomplete_reasons(result: ScanResult) -> list[str]:
    """Why the collection is incomplete, in words ([] when every asked collection succeeded).

    Services left out on purpose (``services``) are not gaps; the rules that
    need them are UNKNOWN and the report shows those grades as incomplete.
    """
    gaps = real_gaps(result.gaps)
    budget = [g for g in gaps if is_budget_gap(g)]
    other = [g for g in gaps if not is_budget_gap(g)]
    reasons = []
    if budget:
        where = ", ".join(sorted({f"{g.service}/{g.region}" for g in budget}))
        reasons.append(
            f"time budget exhausted: {len(budget)} collection(s) not done ({where})"[:1000]
        )
    if other:
        where = ", ".join(sorted({f"{g.service}/{g.region}" for g in other}))
        reasons.append(f"{len(other)} collection gap(s) ({where})"[:1000])
    return reasons


def _load_baseline(text: str) -> ScanResult:
    """Parse a results document with the same checks as ``auditor gate`` (via a temp file)."""
    from auditor.render.json import load_results

    with tempfile.TemporaryDirectory(prefix="auditor-") as tmp:
        path = Path(tmp) / "baseline.json"
        path.write_text(text, encoding="utf-8")
        return load_results(path)


def _compare(
    store: Store, settings: Settings, result: ScanResult
) -> tuple[GateOutcome | None, str]:
    """The gate outcome against the stored baseline, or (None, why not)."""
    from auditor.gate.compare import compare

    text = store.get_text(settings.bucket, settings.baseline)
    if text is None:
        log.info(
            "no baseline yet: this run becomes the baseline",
            extra={"fields": {"baseline_key": settings.baseline}},
        )
        return None, "no_baseline"
    try:
        baseline = _load_baseline(text)
        return compare(baseline, result, settings.gate_policy), ""
    except InputError as exc:
        log.error(
            "baseline not usable, not compared: %s",
            exc,
            extra={"fields": {"baseline_key": settings.baseline}},
        )
        return None, "not_compared"


def _render(result: ScanResult) -> tuple[dict[str, str], str]:
    """Rendered reports by file name, and an error text when rendering failed."""
    from auditor.render.reports import FORMATS, render_reports

    try:
        return render_reports(result, FORMATS), ""
    except Exception as exc:  # a report bug must not lose the scan: results.json is still stored
        log.exception("rendering the reports failed")
        return {}, f"rendering the reports failed: {type(exc).__name__}: {exc}"


def _history_prefix(settings: Settings, result: ScanResult) -> str:
    return f"{settings.prefix}history/{result.collected_at.strftime('%Y/%m/%d/%H%M%SZ')}/"


def run_scheduled_scan(
    settings: Settings,
    *,
    remaining_seconds: float,
    store: Store,
    clock: Callable[[], float] = time.monotonic,
    wall_clock: Callable[[], float] = time.time,
    emit: Callable[[str], None] | None = None,
    started: float | None = None,
) -> RunOutcome:
    """Run one scan within ``remaining_seconds`` and store, compare, notify and measure it.

    ``started`` is the ``clock()`` reading at which ``remaining_seconds`` was
    measured (default: now).
    """
    from auditor.collect import collect
    from auditor.config import Config
    from auditor.engine.catalogue import load_catalogue
    from auditor.engine.evaluate import evaluate
    from auditor.gate.report import diff_markdown
    from auditor.lambda_handler import metrics, notify
    from auditor.lambda_handler.aws import scanning_clients
    from auditor.lambda_handler.logs import emit_raw
    from auditor.render.json import results_to_json

    emit = emit or emit_raw
    started = clock() if started is None else started
    margin = settings.margin_for(remaining_seconds)
    deadline = started + remaining_seconds - margin
    log.info(
        "scan starting",
        extra={
            "fields": {
                "regions": list(settings.regions),
                "all_regions": settings.all_regions,
                "services": list(settings.services) if settings.services else "all",
                "remaining_seconds": round(remaining_seconds, 3),
                "margin_seconds": round(margin, 3),
                "collection_window_seconds": round(max(0.0, deadline - started), 3),
            }
        },
    )

    clients = scanning_clients(
        settings.regions[0],
        endpoint_url=settings.endpoint_url,
        workers=settings.workers,
        deadline=deadline,
        clock=clock,
    )
    # The runner compares its own deadline with time.monotonic(): translate ours.
    collect_deadline = time.monotonic() + (deadline - clock())
    snapshot = collect(
        clients,
        list(settings.regions),
        list(settings.services) if settings.services is not None else None,
        all_regions=settings.all_regions,
        workers=settings.workers,
        deadline=collect_deadline,
    )
    catalogue = load_catalogue()
    result = evaluate(snapshot, catalogue, Config(gate=settings.gate_policy))
    scan_seconds = clock() - started

    reasons = incomplete_reasons(result)
    status = "incomplete" if reasons else "complete"
    rendered, render_error = _render(result)
    outcome, why_not = _compare(store, settings, result)
    verdict = outcome.verdict.value if outcome is not None else why_not
    regression = outcome is not None and outcome.verdict is Verdict.FAIL

    for line in metrics.emf_lines(
        metrics.emf_documents(
            result,
            namespace=settings.metric_namespace,
            timestamp_ms=int(wall_clock() * 1000),
            scan_seconds=scan_seconds,
            incomplete=bool(reasons),
            regression=regression if outcome is not None else None,
        )
    ):
        emit(line)

    files: dict[str, str] = {**rendered, "results.json": results_to_json(result)}
    history_files = dict(files)
    if outcome is not None:
        history_files["diff.md"] = diff_markdown(outcome.diff, outcome)
    metadata = {
        "auditor-status": status,
        "auditor-grade": result.overall.grade,
        "auditor-score": "n/a" if result.overall.score is None else f"{result.overall.score:g}",
        "auditor-verdict": verdict,
        "auditor-collected-at": result.collected_at.isoformat(),
    }
    history = _history_prefix(settings, result)
    run = RunOutcome(
        status=status,
        account_id=result.account_id,
        regions=result.regions,
        overall_grade=result.overall.grade,
        overall_score=result.overall.score,
        verdict=verdict,
        incomplete_reasons=reasons,
        findings=len(result.failing()),
        gaps=len(real_gaps(result.gaps)),
        scan_seconds=round(scan_seconds, 3),
    )
    if render_error:
        run.errors.append(render_error)
    if reasons:
        log.warning(
            "the result is incomplete: %s",
            "; ".join(reasons),
            extra={"fields": {"incomplete_reasons": reasons}},
        )

    # 1. The dated copy (never overwritten).
    run.keys["history"] = {}
    for name, text in sorted(history_files.items()):
        key = history + name
        store.put_text(settings.bucket, key, text, CONTENT_TYPES[name], metadata)
        run.keys["history"][name] = key

    # 2. The notification, before the baseline moves (a failed publish is retried).
    if regression and outcome is not None:
        if settings.topic_arn:
            run.message_id = store.publish(
                settings.topic_arn,
                notify.subject(outcome),
                notify.body(
                    outcome,
                    bucket=settings.bucket,
                    keys=run.keys["history"],
                    region=store.region,
                    baseline_key=settings.baseline,
                ),
            )
            run.notified = True
        log.warning(
            "regression against the baseline",
            extra={
                "fields": {
                    "failures": [r.message for r in outcome.failures][:20],
                    "notified": run.notified,
                    "message_id": run.message_id,
                }
            },
        )

    # 3. latest/: the reports first, results.json (the next baseline) last.
    run.keys["latest"] = {}
    for name in sorted(files, key=lambda n: n == "results.json"):
        key = settings.latest_prefix + name
        store.put_text(settings.bucket, key, files[name], CONTENT_TYPES[name], metadata)
        run.keys["latest"][name] = key

    log.info("scan stored", extra={"fields": run.as_dict()})
    return run
