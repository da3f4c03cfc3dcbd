"""Where a run goes in a history folder: ``DIR/<account-id>/<collected_at>.json``.

The key is the snapshot's ``collected_at`` (UTC, to the second), never the
wall clock of the run: re-evaluating an old snapshot files it under its own
date, and storing the same result twice is idempotent. Files are written
atomically.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from auditor.atomic import write_text_atomic
from auditor.engine.results import ScanResult
from auditor.render.json import results_to_json

#: ``2026-12-08T01-45-00Z``: sortable, and valid in file names and S3 keys everywhere.
KEY_FORMAT = "%Y-%m-%dT%H-%M-%SZ"


def history_key(collected_at: datetime) -> str:
    return collected_at.strftime(KEY_FORMAT)


def history_path(root: Path, result: ScanResult) -> Path:
    return root / result.account_id / f"{history_key(result.collected_at)}.json"


def store_result(result: ScanResult, root: Path) -> Path:
    """Write ``result`` under its dated key in ``root``; returns the path."""
    path = history_path(root, result)
    write_text_atomic(path, results_to_json(result))
    return path
