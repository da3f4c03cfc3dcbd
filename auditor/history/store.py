"""Where a run goes in a history folder: ``DIR/<account-id>/<collected_at>.json``.

The key is the snapshot's ``collected_at`` (UTC, to the second), never the
wall clock of the run: re-evaluating an old snapshot files it under its own
date, and storing the same result twice is idempotent. Files are written
atomically.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.atomic import write_text_atomic
from auditor.engine.results import ScanResult
from auditor.render.json import results_to_json
from auditor.render.view import TrendPoint

if TYPE_CHECKING:
    from auditor.engine.org import OrgResult

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


def trend_points(folder: Path) -> tuple[TrendPoint, ...]:
    """The trend strip of a review: the latest runs stored in ``folder``."""
    from auditor.history.trend import recent_overall

    return tuple(
        TrendPoint(date=when.strftime("%Y-%m-%d"), grade=grade, incomplete=incomplete)
        for when, grade, incomplete in recent_overall(folder)
    )


def store_org_result(org: OrgResult, root: Path) -> Path | None:
    """Keep ``org-results.json`` under ``root/organization/<collected_at>.json``."""
    from auditor.engine.org import org_result_json
    from auditor.history.trend import ORG_FOLDER

    if org.collected_at is None:  # nothing was scanned: nothing to date it by
        return None
    path = root / ORG_FOLDER / f"{history_key(org.collected_at)}.json"
    write_text_atomic(path, org_result_json(org))
    return path
