"""``results.json``: the results document, deterministic and written atomically."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from auditor.atomic import write_text_atomic
from auditor.engine.results import (
    RESULTS_SCHEMA_VERSION,
    CategoryScore,
    PrincipleScore,
    ScanResult,
)
from auditor.engine.scoring import GRADE_ORDER, NOT_APPLICABLE, grade_for
from auditor.errors import InputError


def results_to_json(result: ScanResult) -> str:
    """The same result always gives the same bytes."""
    return result.model_dump_json(indent=1) + "\n"


def write_results(result: ScanResult, path: Path) -> None:
    write_text_atomic(path, results_to_json(result))


def load_results(path: Path) -> ScanResult:
    """Load a results (or baseline) file; any problem is a one-line InputError."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read results {path}: {exc.strerror or exc}") from None
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a results file (invalid JSON: {exc})") from None
    if not isinstance(doc, dict) or "schema_version" not in doc or "principles" not in doc:
        raise InputError(f"{path}: not an auditor results file")
    if doc["schema_version"] != RESULTS_SCHEMA_VERSION:
        raise InputError(
            f"{path}: unsupported results schema_version {doc['schema_version']!r} "
            f"(this auditor reads {RESULTS_SCHEMA_VERSION})"
        )
    try:
        result = ScanResult.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(f"{path}: invalid results at {where}: {first['msg']}") from None
    problem = grade_problem(result)
    if problem:
        raise InputError(f"{path}: invalid results at {problem}")
    return result


def grade_problem(result: ScanResult) -> str:
    """Where a grade is not one the scorer gives for its score ("" when all agree).

    A hand-edited ``Z+`` (or an ``A+`` beside a score of 40) would otherwise
    render as is, and a gate would compare it by a rank it does not have.
    """
    scores: list[tuple[str, PrincipleScore | CategoryScore]] = [
        (f"principles.{i}", p) for i, p in enumerate(result.principles)
    ]
    scores += [(name, getattr(result, name)) for name in ("security", "operations", "overall")]
    known = ", ".join(GRADE_ORDER)
    for where, s in scores:
        if s.grade not in GRADE_ORDER and s.grade != NOT_APPLICABLE:
            return f"{where}.grade: {s.grade!r} is not a grade ({known} or {NOT_APPLICABLE})"
        if s.score is not None and not 0 <= s.score <= 100:
            return f"{where}.score: {s.score} is not between 0 and 100"
        if s.grade != grade_for(s.score):
            shown = "no score" if s.score is None else f"score {s.score}"
            return f"{where}.grade: {s.grade!r} does not match {shown} ({grade_for(s.score)})"
    return ""
