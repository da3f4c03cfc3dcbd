"""The Lambda entry point: ``auditor.lambda_handler.handler.handler``.

Thin on purpose: importing it costs nothing (no boto3, no engine, no CLI);
an invocation sets up JSON logging, reads the settings and the time left,
and hands over to :func:`auditor.lambda_handler.run.run_scheduled_scan`.

The return value is a summary (status, grade, verdict, S3 keys). A bad
configuration or a failed write raises, so Lambda records an error (the
``Errors`` alarm fires; after its retry the event goes to the failure
destination). An incomplete scan is not an error: it is stored, marked
incomplete, logged as a warning and counted in the ``Incomplete`` metric.
"""

from __future__ import annotations

import os
import time
from typing import Any, Protocol


class LambdaContext(Protocol):
    """The parts of the Lambda context object the handler reads."""

    aws_request_id: str
    function_name: str

    def get_remaining_time_in_millis(self) -> int: ...


def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    from auditor import __version__
    from auditor.lambda_handler.logs import json_logging

    request_id = getattr(context, "aws_request_id", "")
    with json_logging(
        os.environ.get("AUDITOR_LOG_LEVEL", "INFO"),
        request_id=request_id,
        function=getattr(context, "function_name", ""),
        version=__version__,
    ) as logger:
        # The budget counts from this moment: imports below spend it too.
        measured_at = time.monotonic()
        remaining = context.get_remaining_time_in_millis() / 1000.0
        from auditor.lambda_handler.aws import Storage
        from auditor.lambda_handler.run import run_scheduled_scan
        from auditor.lambda_handler.settings import load_settings

        try:
            settings = load_settings(os.environ, event)
        except Exception:
            logger.exception("bad configuration")
            raise
        scheduled = event.get("scheduled_time") if isinstance(event, dict) else None
        if scheduled:
            logger.info("scheduled run", extra={"fields": {"scheduled_time": scheduled}})
        store = Storage(settings.home_region, endpoint_url=settings.endpoint_url)
        try:
            run = run_scheduled_scan(
                settings, remaining_seconds=remaining, store=store, started=measured_at
            )
        except Exception:
            logger.exception("scan failed")
            raise
        if run.errors:
            raise RuntimeError("; ".join(run.errors))
        return run.as_dict()
