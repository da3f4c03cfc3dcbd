"""Shared pieces of the Lambda tests: a fake context, the scheduler's event, stdout parsing."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.lambda_handler.stack import load_template

REGION = "us-west-2"
ACCOUNT = "123456789012"
BUCKET = "auditor-reports-test"
FUNCTION = "auditor-scanner"


@dataclass
class FakeContext:
    """The Lambda context attributes the handler reads, with a clock that runs down."""

    remaining_ms: int = 900_000
    function_name: str = FUNCTION
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION}"
    memory_limit_in_mb: str = "1024"
    _started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        elapsed_ms = (time.monotonic() - self._started) * 1000
        return max(0, int(self.remaining_ms - elapsed_ms))


def scheduler_event(scheduled_time: str = "2025-03-03T06:00:00Z", **extra: Any) -> dict[str, Any]:
    """The event EventBridge Scheduler sends: the template's ``Input`` with its
    context attributes filled in the way Scheduler fills them."""
    function = load_template()["Resources"]["Scanner"]
    text = function["Properties"]["Events"]["Schedule"]["Properties"]["Input"]
    values = {
        "<aws.scheduler.schedule-arn>": (
            f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/default/auditor-ScannerSchedule-1X2Y3Z"
        ),
        "<aws.scheduler.scheduled-time>": scheduled_time,
        "<aws.scheduler.execution-id>": "d6d1c8a4-5b8e-4c4e-9b0a-3f1e2d3c4b5a",
        "<aws.scheduler.attempt-number>": "1",
    }
    for placeholder, value in values.items():
        assert placeholder in text, placeholder
        text = text.replace(placeholder, value)
    event: dict[str, Any] = json.loads(text)
    event.update(extra)
    return event


def stdout_records(text: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(EMF documents, log records) of captured stdout; every line must be one JSON object."""
    emf, logs = [], []
    for line in text.splitlines():
        if not line.strip():
            continue
        doc = json.loads(line)
        assert isinstance(doc, dict), line
        (emf if "_aws" in doc else logs).append(doc)
    return emf, logs


def check_emf(doc: dict[str, Any]) -> None:
    """The EMF specification's structural rules for one document."""
    meta = doc["_aws"]
    assert isinstance(meta["Timestamp"], int)
    for directive in meta["CloudWatchMetrics"]:
        assert directive["Namespace"]
        for dimension_set in directive["Dimensions"]:
            assert 1 <= len(dimension_set) <= 30
            for name in dimension_set:
                assert isinstance(doc[name], str) and doc[name]
        for metric in directive["Metrics"]:
            assert isinstance(doc[metric["Name"]], int | float)
            assert metric["Unit"] in ("None", "Count", "Seconds", "Percent")
