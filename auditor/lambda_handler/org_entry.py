"""Entry points of the organization stack's functions (deploy/org-template.yaml).

Thin on purpose, like :mod:`auditor.lambda_handler.handler`: JSON logging,
then :mod:`auditor.lambda_handler.org` does the work.
"""

from __future__ import annotations

import os
from typing import Any


def _run(name: str, event: Any, context: Any) -> dict[str, Any]:
    from auditor import __version__
    from auditor.lambda_handler import org
    from auditor.lambda_handler.logs import json_logging

    with json_logging(
        os.environ.get("AUDITOR_LOG_LEVEL", "INFO"),
        request_id=getattr(context, "aws_request_id", ""),
        function=getattr(context, "function_name", ""),
        version=__version__,
    ) as logger:
        try:
            out: dict[str, Any] = getattr(org, name)(
                event if isinstance(event, dict) else {}, context
            )
        except Exception:
            logger.exception("%s failed", name)
            raise
        logger.info(
            "%s done", name, extra={"fields": {k: v for k, v in out.items() if k != "accounts"}}
        )
        return out


def list_accounts(event: Any, context: Any) -> dict[str, Any]:
    return _run("list_handler", event, context)


def scan_account(event: Any, context: Any) -> dict[str, Any]:
    return _run("item_handler", event, context)


def aggregate(event: Any, context: Any) -> dict[str, Any]:
    return _run("aggregate_handler", event, context)
