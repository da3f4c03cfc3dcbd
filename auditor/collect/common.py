"""Small helpers shared by collectors: paging, fan-out, AWS value normalisation."""

from __future__ import annotations

import contextvars
import json
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import unquote

from auditor.collect.expect import remember_operation
from auditor.collect.gaps import guard

T = TypeVar("T")
R = TypeVar("R")

#: Worker threads a collector may use for per-resource calls.
PER_RESOURCE_WORKERS = 8


def paginate(client: Any, operation: str, key: str, **params: Any) -> list[Any]:
    """Every item under ``key`` across all pages of ``operation``."""
    items: list[Any] = []
    for page in client.get_paginator(operation).paginate(**params):
        items.extend(page.get(key, []))
    return items


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


#: Slots shared by every fan-out of one scan (set by the runner): at most
#: ``workers`` per-resource calls in flight across the scan, beside the units.
CALL_SLOTS: contextvars.ContextVar[threading.Semaphore | None] = contextvars.ContextVar(
    "auditor_call_slots", default=None
)


def _in_slot(ctx: contextvars.Context, fn: Callable[[T], R], item: T) -> R:
    try:
        slots = CALL_SLOTS.get()
        if slots is None:
            return ctx.run(fn, item)
        with slots:
            # A fan-out inside this item runs without taking more slots (no deadlock).
            ctx.run(CALL_SLOTS.set, None)
            return ctx.run(fn, item)
    except Exception as exc:
        remember_operation(exc)  # the caller's thread did not make the failed call
        raise


def fan_out(
    fn: Callable[[T], R], items: Iterable[T], workers: int = PER_RESOURCE_WORKERS
) -> list[R]:
    """``[fn(x) for x in items]`` run on a small private pool, results in input order.

    For independent calls: per-resource reads AWS has no bulk form of (a
    function's policy, a repository's lifecycle policy), or a unit's separate
    ``Describe*`` lists. Each item runs in a copy of the caller's context (so
    resource gaps reach the running unit) and takes one of the scan's shared
    slots (:data:`CALL_SLOTS`). Exceptions propagate to the caller.
    """
    items = list(items)
    if len(items) <= 1:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        futures = [pool.submit(_in_slot, contextvars.copy_context(), fn, x) for x in items]
        return [f.result() for f in futures]


def per_resource(
    fn: Callable[[T], R],
    items: Iterable[T],
    resource: Callable[[T], str | Iterable[str]],
    *,
    concurrent: bool = True,
) -> list[R | None]:
    """Like :func:`fan_out`, but a failed call costs only its resource(s).

    The failure (denied, throttled past retries, malformed answer...) is
    recorded as a gap of ``resource(item)`` (an ARN or id, or several for a
    batch call) and the item's result is None; the other items go on.
    """
    guarded = guard(fn, resource)
    if concurrent:
        return fan_out(guarded, items)
    return [guarded(x) for x in items]


def tags_dict(
    tags: Iterable[dict[str, Any]] | None, key: str = "Key", value: str = "Value"
) -> dict[str, str]:
    """AWS's ``[{"Key": k, "Value": v}]`` (or ``key``/``value``) as a plain dict."""
    return {str(t[key]): str(t.get(value, "")) for t in (tags or [])}


def policy_doc(raw: str | dict[str, Any] | None) -> dict[str, Any] | None:
    """A policy document as a dict, whether AWS returned it as a dict, JSON, or URL-encoded JSON."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, dict):
        return raw
    text = raw
    if text.lstrip().startswith("%7B") or text.lstrip().startswith("%7b"):
        text = unquote(text)
    doc = json.loads(text)
    if not isinstance(doc, dict):
        raise ValueError("policy document is not a JSON object")
    return doc


def as_datetime(value: Any) -> datetime | None:
    """A timestamp from botocore as an aware UTC datetime (botocore may use local time)."""
    if not isinstance(value, datetime):
        return None
    stamp: datetime = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return stamp.astimezone(UTC)


def error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""
