"""``results.json``: the results document, deterministic and written atomically."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from auditor.atomic import write_text_atomic
from auditor.engine.results import RESULTS_SCHEMA_VERSION, ScanResult
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
        return ScanResult.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(f"{path}: invalid results at {where}: {first['msg']}") from None
