"""The regression message: an SNS subject with the grade change, a body with the diff.

SNS limits: a subject is at most 100 printable ASCII characters on one line;
a message at most 256 KiB. The body is plain text that reads well in an
e-mail and as Markdown in a chat integration: where the reports are, then
the gate's Markdown diff (``auditor.gate.report.diff_markdown``: verdict,
reasons, grade table, new and fixed findings; AWS strings escaped there).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote

from auditor.gate.compare import GateOutcome, ReasonKind
from auditor.gate.report import diff_markdown

SUBJECT_MAX = 100
#: Below SNS's 262,144-byte limit, leaving room for the envelope.
BODY_MAX_BYTES = 240_000
_CATEGORIES = ("overall", "security", "operations")
_UNPRINTABLE = re.compile(r"[^\x20-\x7e]")


def _ascii(text: str) -> str:
    return _UNPRINTABLE.sub("?", text.replace("\u2192", "->"))


def subject(outcome: GateOutcome) -> str:
    """``auditor 123456789012: overall A -> B+, 2 new findings; Network Isolation A+ -> C``.

    The overall change and the counts first: a long list of dropped
    principles is what gets cut at 100 characters.
    """
    d = outcome.diff
    overall = d.grade("overall")
    head = [f"overall {overall.before} -> {overall.after}"]
    new = sum(1 for r in outcome.failures if r.kind is ReasonKind.NEW_FINDING)
    if new:
        head.append(f"{new} new finding{'s' if new != 1 else ''}")
    floors = sum(1 for r in outcome.failures if r.kind is ReasonKind.BELOW_FLOOR)
    if floors:
        head.append(f"{floors} below floor")
    drops = [
        f"{g.title} {g.before} -> {g.after}"
        for g in d.grades
        if g.dropped and g.subject not in _CATEGORIES
    ]
    text = _ascii(f"auditor {d.current_account}: " + "; ".join([", ".join(head), *drops]))
    return text if len(text) <= SUBJECT_MAX else text[: SUBJECT_MAX - 3].rstrip() + "..."


def console_url(bucket: str, key: str, region: str) -> str:
    """The S3 console page of one object (opening a report needs the reader's own access)."""
    return (
        f"https://s3.console.aws.amazon.com/s3/object/{quote(bucket, safe='')}"
        f"?region={quote(region, safe='')}&prefix={quote(key, safe='')}"
    )


def body(
    outcome: GateOutcome,
    *,
    bucket: str,
    keys: Mapping[str, str],
    region: str,
    baseline_key: str,
) -> str:
    """The message: where the reports are, then the Markdown diff (cut to fit SNS)."""
    d = outcome.diff
    lines = [
        f"auditor found a regression in account {d.current_account} "
        f"(scanned {', '.join(d.current_regions)}).",
        "",
    ]
    labels = {"report.html": "HTML report", "report.md": "Markdown report", "diff.md": "Diff"}
    for name, label in labels.items():
        if name in keys:
            lines.append(f"{label}: s3://{bucket}/{keys[name]}")
    if "report.html" in keys:
        lines.append(f"Open in the console: {console_url(bucket, keys['report.html'], region)}")
    if "results.json" in keys:
        lines.append(f"Results: s3://{bucket}/{keys['results.json']}")
    lines += [f"Baseline: s3://{bucket}/{baseline_key}", "", ""]
    text = "\n".join(lines) + diff_markdown(d, outcome)
    data = text.encode("utf-8")
    if len(data) <= BODY_MAX_BYTES:
        return text
    note = "\n\n[... cut to fit an SNS message: see the diff and reports in S3]\n"
    room = BODY_MAX_BYTES - len(note.encode("utf-8"))
    return data[:room].decode("utf-8", errors="ignore") + note
