"""The trend: grade per principle over time, read back from a history folder.

A history folder holds ``results.json`` documents under dated keys
(:mod:`auditor.history.store`: ``DIR/<account-id>/<collected_at>.json``; any
``*.json`` one or two levels down is read, so a flat folder works too). Each
file is read once and reduced to its grades and its failing findings, so
memory grows with the number of runs, not with their size.

For each account, runs are ordered by their snapshot's ``collected_at``; a
*change* is a run where a principle's (or the overall) grade differs from the
run before, with the findings that changed it: the failing findings of that
principle that are new, and those that are gone. A run with collection gaps
is *incomplete*: its changes are shown, flagged, since missing data may be
why.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from auditor.engine.model import Principle
from auditor.errors import InputError

OVERALL = "overall"
#: Sub-folder of a history folder holding the organization results (org-results.json).
ORG_FOLDER = "organization"
#: Runs shown in a review's trend strip.
TREND_RUNS = 8
#: Findings listed per grade change (the rest is counted).
MAX_FINDINGS = 10


@dataclass(frozen=True)
class Finding:
    finding_id: str
    rule_id: str
    principle: str
    name: str
    region: str

    @property
    def text(self) -> str:
        return f"{self.rule_id} {self.name} ({self.region})"


@dataclass(frozen=True)
class Run:
    collected_at: datetime
    path: Path
    #: principle value (or "overall") -> (grade, score)
    grades: dict[str, tuple[str, float | None]]
    incomplete: bool
    failing: dict[str, Finding]

    @property
    def date(self) -> str:
        return self.collected_at.strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class Change:
    date: str
    subject: str
    title: str
    before: str
    after: str
    incomplete: bool
    new: tuple[Finding, ...]
    fixed: tuple[Finding, ...]

    @property
    def dropped(self) -> bool:
        from auditor.engine.scoring import grade_rank

        return grade_rank(self.after) > grade_rank(self.before)


@dataclass(frozen=True)
class AccountTrend:
    account_id: str
    runs: tuple[Run, ...]
    changes: tuple[Change, ...]


def _files(root: Path) -> Iterator[Path]:
    yield from sorted(root.glob("*.json"))
    yield from sorted(p for p in root.glob("*/*.json") if p.parent.name != ORG_FOLDER)


def _run(path: Path) -> tuple[str, Run]:
    from auditor.engine.model import Status
    from auditor.render.json import load_results

    result = load_results(path)  # InputError (one line, exit 2) for anything invalid
    grades: dict[str, tuple[str, float | None]] = {
        p.principle.value: (p.grade, p.score) for p in result.principles
    }
    grades[OVERALL] = (result.overall.grade, result.overall.score)
    failing = {
        r.finding_id: Finding(
            r.finding_id, r.rule_id, r.principle.value, r.resource_name or r.resource_id, r.region
        )
        for r in result.results
        if r.status is Status.FAIL and r.waiver is None
    }
    incomplete = any(g.requested for g in result.gaps)
    return result.account_id, Run(result.collected_at, path, grades, incomplete, failing)


def _title(subject: str) -> str:
    return "Overall" if subject == OVERALL else Principle(subject).label


def _changes(runs: list[Run]) -> list[Change]:
    changes: list[Change] = []
    for before, after in itertools.pairwise(runs):
        for subject, (grade, _) in after.grades.items():
            old = before.grades.get(subject)
            if old is None or old[0] == grade:
                continue

            def mine(f: Finding, subject: str = subject) -> bool:
                return subject == OVERALL or f.principle == subject

            new = [f for k, f in after.failing.items() if k not in before.failing and mine(f)]
            fixed = [f for k, f in before.failing.items() if k not in after.failing and mine(f)]
            changes.append(
                Change(
                    date=after.date,
                    subject=subject,
                    title=_title(subject),
                    before=old[0],
                    after=grade,
                    incomplete=after.incomplete,
                    new=tuple(sorted(new, key=lambda f: f.finding_id)),
                    fixed=tuple(sorted(fixed, key=lambda f: f.finding_id)),
                )
            )
    return changes


def load_history(root: Path) -> list[AccountTrend]:
    """Every account's runs and grade changes in ``root``; InputError when there is none."""
    if not root.is_dir():
        raise InputError(f"history: {root} is not a folder")
    by_account: dict[str, dict[datetime, Run]] = {}
    for path in _files(root):
        account_id, run = _run(path)
        # The same scan stored twice (same collected_at) counts once.
        by_account.setdefault(account_id, {})[run.collected_at] = run
    if not by_account:
        raise InputError(f"history: no results files in {root}")
    trends = []
    for account_id in sorted(by_account):
        runs = [by_account[account_id][k] for k in sorted(by_account[account_id])]
        trends.append(AccountTrend(account_id, tuple(runs), tuple(_changes(runs))))
    return trends


def recent_overall(folder: Path, limit: int = TREND_RUNS) -> list[tuple[datetime, str, bool]]:
    """(collected_at, overall grade, incomplete) of the latest runs in one account's folder
    (or the organization folder), oldest first. Unreadable files are left out: a trend
    strip never fails a scan."""
    import json

    points: dict[datetime, tuple[str, bool]] = {}
    for path in sorted(folder.glob("*.json"))[-limit * 2 :]:
        try:
            doc = json.loads(path.read_bytes())
            when = datetime.fromisoformat(str(doc["collected_at"]))
            grade = str(doc["overall"]["grade"])
            gaps = doc.get("gaps") or []
            incomplete = bool(doc["overall"].get("incomplete")) or any(
                g.get("message") != "not requested" for g in gaps
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
        points[when] = (grade, incomplete)
    return [(k, *points[k]) for k in sorted(points)][-limit:]
