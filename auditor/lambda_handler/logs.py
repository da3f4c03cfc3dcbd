"""Structured logs: one JSON object per line on stdout (CloudWatch Logs keeps each as an event).

    {"timestamp": "2025-01-01T06:00:01.234Z", "level": "INFO", "logger": "auditor.lambda",
     "message": "scan stored", "request_id": "...", "status": "complete", ...}

Extra fields come from ``log.info("...", extra={"fields": {...}})``. During an
invocation the ``auditor`` logger has this handler only and does not
propagate, so the Lambda runtime's own root handler does not print every
line a second time.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

LOGGER_NAME = "auditor"


class JsonFormatter(logging.Formatter):
    def __init__(self, static: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.static: dict[str, Any] = dict(static or {})

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC)
        doc: dict[str, Any] = {
            "timestamp": stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **self.static,
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            doc.update(fields)
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        return json.dumps(doc, default=str, ensure_ascii=False)


class StdoutHandler(logging.Handler):
    """Writes to the current ``sys.stdout`` (looked up at each line, not at set-up)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
        except Exception:  # logging must never break the scan
            self.handleError(record)


@contextmanager
def json_logging(level: str = "INFO", **static: Any) -> Iterator[logging.Logger]:
    """JSON lines on stdout from the ``auditor`` logger for the duration of an invocation.

    ``static`` fields (e.g. ``request_id``) are added to every line. The
    logger's previous handlers, level and propagation are restored on exit.
    """
    logger = logging.getLogger(LOGGER_NAME)
    saved_handlers, saved_level, saved_propagate = (
        list(logger.handlers),
        logger.level,
        logger.propagate,
    )
    handler = StdoutHandler()
    handler.setFormatter(JsonFormatter(static))
    logger.handlers = [handler]
    name = level.strip().upper()
    logger.setLevel(name if name in logging.getLevelNamesMapping() else "INFO")
    logger.propagate = False
    try:
        yield logger
    finally:
        logger.handlers = saved_handlers
        logger.setLevel(saved_level)
        logger.propagate = saved_propagate


def emit_raw(line: str) -> None:
    """A line as is (an EMF document must be the whole log event, not inside a log record)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
