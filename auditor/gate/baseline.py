"""Baseline files: a results document slimmed for git.

A baseline is an ordinary ``results.json`` (any results file can serve as a
baseline, and a baseline loads wherever results do) with what only adds noise
to a git diff left out:

* PASS results are dropped: the gate matches *failing* findings, and the
  grades are kept as computed (``principles``, ``security``...);
* rule metadata keeps ids, titles, severities and framework ids, not the long
  rationale and remediation texts;
* results are sorted by finding id and gaps by (service, region), so a
  changed finding is a changed line, not a reshuffle.

The same result always gives the same bytes; the file is written atomically.
"""

from __future__ import annotations

from pathlib import Path

from auditor.engine.model import Status
from auditor.engine.results import ScanResult
from auditor.errors import InputError
from auditor.render.json import load_results, results_to_json, write_results


def slim(result: ScanResult) -> ScanResult:
    """The baseline form of ``result`` (idempotent)."""
    return result.model_copy(
        update={
            "rules": tuple(
                sorted(
                    (
                        r.model_copy(update={"rationale": "", "remediation": ""})
                        for r in result.rules
                    ),
                    key=lambda r: r.id,
                )
            ),
            "results": tuple(
                sorted(
                    (
                        r.model_copy(update={"fix_files": {}}) if r.fix_files else r
                        for r in result.results
                        if r.status is not Status.PASS
                    ),
                    key=lambda r: (r.finding_id, r.status),
                )
            ),
            "gaps": tuple(sorted(result.gaps, key=lambda g: (g.service, g.region, g.operation))),
        }
    )


def baseline_json(result: ScanResult) -> str:
    return results_to_json(slim(result))


def write_baseline(result: ScanResult, path: Path) -> None:
    """Write the baseline form of ``result`` to ``path`` atomically."""
    write_results(slim(result), path)


def load_baseline(path: Path) -> ScanResult:
    """Load a baseline (or any results file); problems are one-line InputErrors."""
    try:
        return load_results(path)
    except InputError as exc:
        raise InputError(f"baseline: {exc}") from None
