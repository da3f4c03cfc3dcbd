"""How a failed AWS call becomes a gap: for a whole unit, or for one resource.

One place decides what a failure means (:func:`gap_for`), for the runner
(a unit that raised) and for :func:`per_resource` (a per-resource call that
raised: that resource is gapped, the rest of the unit goes on). Resource
gaps are gathered in a context variable the runner opens around each unit
(:func:`resource_gaps`), so collectors keep their ``(clients, region)``
signature.

A programming error (anything that is not an AWS, transport or
malformed-answer failure) is re-raised in *strict* mode (tests set
``AUDITOR_STRICT=1``) and becomes a named ``internal_error`` gap otherwise:
a production scan always ends with its reports.
"""

from __future__ import annotations

import contextvars
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
)
from botocore.parsers import ResponseParserError

from auditor.collect.expect import MALFORMED, operation_of
from auditor.errors import AuditorError
from auditor.snapshot import CollectionStatus, Coverage

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

#: Error code of a gap left by an unexpected exception (a bug, in production mode).
INTERNAL_ERROR = "internal_error"

_DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnauthorizedAccess",
        "AuthorizationError",
        "AuthorizationErrorException",
        "Forbidden",
    }
)
_THROTTLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
        "LimitExceededException",
    }
)
_NOT_ENABLED_CODES = frozenset(
    {
        "OptInRequired",
        "SubscriptionRequiredException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "AuthFailure",
    }
)


def strict_default() -> bool:
    """Strict mode (programming errors crash) when ``AUDITOR_STRICT`` is set to 1/true."""
    return os.environ.get("AUDITOR_STRICT", "").strip().lower() in ("1", "true", "yes")


def classify_client_error(exc: ClientError) -> CollectionStatus:
    code = exc.response.get("Error", {}).get("Code", "")
    if code in _DENIED_CODES:
        return CollectionStatus.ACCESS_DENIED
    if code in _THROTTLE_CODES:
        return CollectionStatus.THROTTLED
    if code in _NOT_ENABLED_CODES:
        return CollectionStatus.NOT_ENABLED
    return CollectionStatus.ERROR


def gap_for(
    exc: BaseException, service: str, region: str, *, resource: str = "", strict: bool = False
) -> Coverage | None:
    """The gap an exception stands for, or None when it must propagate.

    None for missing credentials and auditor's own errors (the read-only
    guard), and for unexpected exceptions in strict mode.
    """
    base = {"service": service, "region": region, "resource": resource}
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return Coverage(
            **base,
            status=classify_client_error(exc),
            operation=exc.operation_name,
            error_code=str(err.get("Code", "")),
            message=str(err.get("Message", ""))[:300],
        )
    if isinstance(exc, ResponseParserError):
        # XML (query, ec2, rest-xml) bodies botocore cannot parse.
        return Coverage(
            **base,
            status=CollectionStatus.ERROR,
            operation=operation_of(exc),
            error_code=MALFORMED,
            message=f"the answer could not be parsed: {exc}"[:300],
        )
    if isinstance(exc, NoCredentialsError | AuditorError):
        return None
    if isinstance(exc, BotoCoreError):
        # An unreachable endpoint is a region the service does not exist in.
        not_there = isinstance(exc, EndpointConnectionError)
        return Coverage(
            **base,
            status=CollectionStatus.NOT_ENABLED if not_there else CollectionStatus.ERROR,
            operation=operation_of(exc),
            error_code=type(exc).__name__,
            message=str(exc)[:300],
        )
    if isinstance(exc, NotImplementedError):
        # An API simulator (moto in-process) that lacks the operation: a gap, not a crash.
        return Coverage(
            **base,
            status=CollectionStatus.ERROR,
            error_code="NotImplemented",
            message=str(exc)[:300],
        )
    if strict or not isinstance(exc, Exception):
        return None
    log.error("unexpected %s while collecting %s/%s", type(exc).__name__, service, region)
    return Coverage(
        **base,
        status=CollectionStatus.ERROR,
        operation=operation_of(exc),
        error_code=INTERNAL_ERROR,
        message=f"auditor bug: {type(exc).__name__}: {exc}"[:300],
    )


class _Sink:
    """Resource gaps of one running unit (shared by the unit's worker threads)."""

    def __init__(self, service: str, region: str, strict: bool) -> None:
        self.service, self.region, self.strict = service, region, strict
        self.gaps: list[Coverage] = []
        self._lock = threading.Lock()

    def add(self, gap: Coverage) -> None:
        with self._lock:
            self.gaps.append(gap)


_SINK: contextvars.ContextVar[_Sink | None] = contextvars.ContextVar("auditor_gaps", default=None)


@contextmanager
def resource_gaps(service: str, region: str, *, strict: bool) -> Iterator[list[Coverage]]:
    """Collect the resource gaps recorded while the block runs (one unit)."""
    sink = _Sink(service, region, strict)
    token = _SINK.set(sink)
    try:
        yield sink.gaps
    finally:
        _SINK.reset(token)


def record_resource_failure(exc: BaseException, resource: str) -> None:
    """Record ``exc`` as the gap of ``resource``, or re-raise it when it is not a gap.

    Outside a running unit (a collector called directly, as unit tests do)
    every exception propagates unchanged.
    """
    sink = _SINK.get()
    gap = (
        gap_for(exc, sink.service, sink.region, resource=resource, strict=sink.strict)
        if sink is not None
        else None
    )
    if sink is None or gap is None:
        raise exc
    log.info(
        "gap: %s/%s %s %s: %s", sink.service, sink.region, resource, gap.operation, gap.error_code
    )
    sink.add(gap)


def guard(
    fn: Callable[[T], R], resource: Callable[[T], str | Iterable[str]]
) -> Callable[[T], R | None]:
    """``fn`` whose failures are recorded as gaps of ``resource(item)``, giving None instead.

    ``resource`` names the resource(s) the call was about (an ARN or id;
    several for a batch call).
    """

    def guarded(item: T) -> R | None:
        try:
            return fn(item)
        except Exception as exc:
            names = resource(item)
            for name in [names] if isinstance(names, str) else list(names):
                record_resource_failure(exc, name)
            return None

    return guarded
