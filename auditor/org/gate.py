"""The organization gate: an ``org-results.json`` against an org baseline.

``auditor gate --baseline org-results.json --current org-results.json``
(docs/organizations.md). Verdicts, as for one account:

* fail (exit 1): an account scanned in both runs has a lower grade for any
  principle, Security, Operations or Overall; or an organization grade
  dropped while every baseline account was scanned again;
* incomplete (exit 3): nothing failed, but an account of the baseline is
  missing or was not scanned this time (an org grade drop is then not
  conclusive: the missing account may be why);
* pass (exit 0).

Accounts new in the current run are reported, never held against it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from auditor.engine.org import AccountGrade, OrgResult
from auditor.engine.scoring import NOT_APPLICABLE, grade_rank
from auditor.errors import EXIT_GATE_FAILED, EXIT_INCOMPLETE, EXIT_OK, InputError

ORG_KIND = "organization"


def is_org_file(path: Path) -> bool:
    """True when ``path`` holds an organization result (anything unreadable: False)."""
    try:
        with path.open("rb") as fh:
            doc = json.load(fh)
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and doc.get("kind") == ORG_KIND


def load_org_result(path: Path) -> OrgResult:
    try:
        doc = json.loads(path.read_bytes())
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise InputError(f"{path}: not an organization results file ({exc})") from None
    if not isinstance(doc, dict) or doc.get("kind") != ORG_KIND:
        raise InputError(f"{path}: not an organization results file (org-results.json)")
    try:
        return OrgResult.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        msg = first["msg"]
        raise InputError(f"{path}: invalid organization results at {where}: {msg}") from None


@dataclass(frozen=True)
class OrgOutcome:
    failures: tuple[str, ...]
    incomplete: tuple[str, ...]
    new_accounts: tuple[str, ...]

    @property
    def exit_code(self) -> int:
        if self.failures:
            return EXIT_GATE_FAILED
        return EXIT_INCOMPLETE if self.incomplete else EXIT_OK

    @property
    def verdict(self) -> str:
        return {EXIT_GATE_FAILED: "fail", EXIT_INCOMPLETE: "incomplete", EXIT_OK: "pass"}[
            self.exit_code
        ]


def _dropped(before: str, after: str) -> bool:
    if NOT_APPLICABLE in (before, after):
        return False
    return grade_rank(after) > grade_rank(before)


def compare_org(baseline: OrgResult, current: OrgResult) -> OrgOutcome:
    """The verdict on ``current`` against ``baseline`` (see module doc); pure."""
    failures: list[str] = []
    incomplete: list[str] = []
    for old in baseline.accounts:
        if old.status == "gap":
            continue
        new = current.account(old.account_id)
        if new is None or new.status == "gap":
            why = "is not in the current run" if new is None else f"was not scanned: {new.message}"
            incomplete.append(f"account {old.account_id} {why}")
            continue
        pairs: list[tuple[str, AccountGrade | None, AccountGrade | None]] = [
            ("Overall", old.overall, new.overall),
            ("Security", old.security, new.security),
            ("Operations", old.operations, new.operations),
        ]
        pairs += [(p.label, old.principles.get(p), new.principles.get(p)) for p in old.principles]
        for title, before, after in pairs:
            if before is not None and after is not None and _dropped(before.grade, after.grade):
                change = f"{before.grade} -> {after.grade}"
                failures.append(f"account {old.account_id}: {title} grade dropped {change}")
    org_pairs = [
        (b.title, b.grade, c.grade)
        for b, c in zip(baseline.principles, current.principles, strict=False)
        if b.principle is c.principle
    ] + [
        (name.title(), getattr(baseline, name).grade, getattr(current, name).grade)
        for name in ("security", "operations", "overall")
    ]
    for title, before_grade, after_grade in org_pairs:
        if _dropped(before_grade, after_grade):
            message = f"organization: {title} grade dropped {before_grade} -> {after_grade}"
            if incomplete:
                incomplete.append(f"{message}, but accounts are missing: not conclusive")
            else:
                failures.append(message)
    known = {a.account_id for a in baseline.accounts}
    new_accounts = tuple(a.account_id for a in current.accounts if a.account_id not in known)
    return OrgOutcome(tuple(failures), tuple(incomplete), new_accounts)


def run_org_gate(baseline_path: Path, current_path: Path | None) -> OrgOutcome:
    """Load both org results (one-line InputErrors) and compare them."""
    if current_path is None:
        raise InputError(
            f"{baseline_path} is an organization baseline: give --current org-results.json "
            "(written by auditor scan --org)"
        )
    baseline = load_org_result(baseline_path)
    return compare_org(baseline, load_org_result(current_path))
