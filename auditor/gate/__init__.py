"""The CI gate: compare two results (``diff``) and judge a regression (``compare``).

Pure functions over two :class:`~auditor.engine.results.ScanResult` values;
no I/O. Baseline files: :mod:`auditor.gate.baseline`; rendering:
:mod:`auditor.gate.report`; the commands: :mod:`auditor.commands.gate`.
"""

from auditor.gate.compare import GateOutcome, Reason, ReasonKind, Verdict, compare
from auditor.gate.diff import Diff, FindingChange, GradeChange, WaiverChange, diff
from auditor.gate.policy import GatePolicy

__all__ = [
    "Diff",
    "FindingChange",
    "GateOutcome",
    "GatePolicy",
    "GradeChange",
    "Reason",
    "ReasonKind",
    "Verdict",
    "WaiverChange",
    "compare",
    "diff",
]
