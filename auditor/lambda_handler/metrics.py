"""CloudWatch metrics as Embedded Metric Format (EMF) log lines.

A Lambda function's stdout goes to CloudWatch Logs; a line that is an EMF
document becomes metrics there, with no ``cloudwatch:PutMetricData`` call
and no permission for it. The format (one JSON object per line)::

    {"_aws": {"Timestamp": 1735700000000,
              "CloudWatchMetrics": [{"Namespace": "Auditor",
                                     "Dimensions": [["Account", "Principle"]],
                                     "Metrics": [{"Name": "PrincipleScore", "Unit": "None"}]}]},
     "Account": "123456789012", "Principle": "least_privilege", "PrincipleScore": 97.5,
     "Grade": "A+"}

Each dimension key holds one value per document, so there is one line for
the account's totals, one per graded principle and one per severity:

``Account``
    ``OverallScore``, ``SecurityScore``, ``OperationsScore`` (percent; left
    out when N/A), ``Findings`` (failing, not waived), ``Gaps``,
    ``Incomplete`` (1 when the result is incomplete), ``ScanSeconds``, and
    ``Regression`` (1 when the gate failed against the baseline; left out
    without a baseline).
``Account``, ``Principle``
    ``PrincipleScore`` (percent), for each principle that has a grade.
``Account``, ``Severity``
    ``Findings`` (failing, not waived) of that severity, zeros included so
    an alarm on ``critical`` sees data every run.

Reference: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from auditor.engine.model import Severity
from auditor.engine.results import ScanResult
from auditor.gate.diff import real_gaps


def _document(
    namespace: str,
    timestamp_ms: int,
    dimensions: dict[str, str],
    metrics: dict[str, tuple[float, str]],
    properties: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [
                {
                    "Namespace": namespace,
                    "Dimensions": [list(dimensions)],
                    "Metrics": [
                        {"Name": name, "Unit": unit} for name, (_, unit) in metrics.items()
                    ],
                }
            ],
        },
        **dimensions,
        **{name: value for name, (value, _) in metrics.items()},
        **(properties or {}),
    }


def emf_documents(
    result: ScanResult,
    *,
    namespace: str,
    timestamp_ms: int,
    scan_seconds: float,
    incomplete: bool,
    regression: bool | None,
) -> list[dict[str, Any]]:
    """The EMF documents of one run: totals, then principles, then severities."""
    account = {"Account": result.account_id}
    totals: dict[str, tuple[float, str]] = {}
    for name, score in (
        ("OverallScore", result.overall.score),
        ("SecurityScore", result.security.score),
        ("OperationsScore", result.operations.score),
    ):
        if score is not None:
            totals[name] = (score, "None")
    failing = result.failing()
    totals["Findings"] = (len(failing), "Count")
    totals["Gaps"] = (len(real_gaps(result.gaps)), "Count")
    totals["Incomplete"] = (int(incomplete), "Count")
    totals["ScanSeconds"] = (round(scan_seconds, 3), "Seconds")
    if regression is not None:
        totals["Regression"] = (int(regression), "Count")
    docs = [
        _document(
            namespace,
            timestamp_ms,
            account,
            totals,
            {"Grade": result.overall.grade, "Regions": list(result.regions)},
        )
    ]
    for p in result.principles:
        if p.score is None:
            continue
        docs.append(
            _document(
                namespace,
                timestamp_ms,
                {**account, "Principle": p.principle.value},
                {"PrincipleScore": (p.score, "None")},
                {"Grade": p.grade, "Incomplete": p.incomplete},
            )
        )
    by_severity = Counter(r.severity for r in failing)
    for severity in Severity:
        docs.append(
            _document(
                namespace,
                timestamp_ms,
                {**account, "Severity": severity.value},
                {"Findings": (by_severity[severity], "Count")},
            )
        )
    return docs


def emf_lines(documents: list[dict[str, Any]]) -> list[str]:
    """One compact JSON line per document (CloudWatch Logs parses each line)."""
    return [json.dumps(doc, separators=(",", ":"), sort_keys=False) for doc in documents]
