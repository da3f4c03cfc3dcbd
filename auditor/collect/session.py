"""The scanning session: credentials, the read-only guard, shared clients and call stats."""

from __future__ import annotations

import os
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit, urlunsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.retries import adaptive, bucket, standard, throttling

from auditor import __version__
from auditor.collect.expect import install_response_checks
from auditor.collect.readonly import install_read_only_guard, service_name
from auditor.errors import CollectionError
from auditor.snapshot import OperationStats


def keep_endpoint_host(request: Any, **_: Any) -> None:
    """``before-sign`` for S3 Control on a custom endpoint: drop the ``<account>.`` host prefix.

    S3 Control addresses ``<account-id>.s3-control.<region>.amazonaws.com``;
    on an ``--endpoint-url`` (an AWS-compatible server on one host) that name
    does not exist, so the request goes to the endpoint's own host.
    """
    parts = urlsplit(request.url)
    host, _, rest = parts.netloc.partition(".")
    if ".amazonaws." in f".{rest}" or rest.startswith("amazonaws."):
        return  # AWS's own endpoint: the account host exists
    if host.isdigit() and len(host) == 12 and rest:
        request.url = urlunsplit(parts._replace(netloc=rest))


class ClientFactory(Protocol):
    """Gives a (shared, thread-safe) boto3 client for a service in a region."""

    def __call__(self, service: str, region: str) -> Any: ...


@dataclass
class CallRecorder:
    """Counts calls, retries and error answers per operation (botocore ``after-call``)."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    calls: dict[tuple[str, str], list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0, 0])
    )

    def after_call(self, model: Any, parsed: Any = None, **_: Any) -> None:
        meta = parsed.get("ResponseMetadata", {}) if isinstance(parsed, dict) else {}
        retries = int(meta.get("RetryAttempts", 0) or 0)
        failed = isinstance(parsed, dict) and "Error" in parsed
        key = (service_name(model), str(model.name))
        with self._lock:
            row = self.calls[key]
            row[0] += 1
            row[1] += retries
            row[2] += int(failed)

    def operations(self) -> tuple[OperationStats, ...]:
        with self._lock:
            return tuple(
                OperationStats(service=s, operation=o, calls=c, retries=r, errors=e)
                for (s, o), (c, r, e) in sorted(self.calls.items())
            )

    def seen(self) -> set[str]:
        """``service:Operation`` keys of every call answered so far."""
        with self._lock:
            return {f"{s}:{o}" for s, o in self.calls}


_NOT_IMPLEMENTED_MARKERS = (b"has not been implemented", b"not yet implemented")
_HTML_PAGE = (b"<!doctype html", b"<html")


def refuse_retry_of_unimplemented(response: Any = None, operation: Any = None, **_: Any) -> None:
    """botocore ``needs-retry`` hook for custom endpoints (``--endpoint-url``).

    AWS-compatible simulators (moto's server, LocalStack) answer HTTP 5xx for
    operations they lack, as a plain web page rather than an AWS error
    document. Standard retries would spend a minute on each; such an answer
    will not change within the retry budget, so raise at once a ClientError
    with code ``NotImplemented``, which the runner records as a gap. Not
    installed for real AWS endpoints, whose 5xx answers are retried as usual.
    """
    if not response or operation is None:
        return None
    http = response[0]
    if http is None or http.status_code < 500:
        return None
    body = (http.content or b"")[:2000].lstrip().lower()
    if body.startswith(_HTML_PAGE) or any(m in body for m in _NOT_IMPLEMENTED_MARKERS):
        raise ClientError(
            {
                "Error": {
                    "Code": "NotImplemented",
                    "Message": (
                        f"the endpoint answered HTTP {http.status_code} without an API error: "
                        f"it probably does not implement {operation.name}"
                    ),
                },
            },
            operation.name,
        )
    return None


def make_boto_session(
    *,
    profile: str | None = None,
    region: str | None = None,
    role_arn: str | None = None,
    external_id: str | None = None,
    endpoint_url: str | None = None,
) -> boto3.Session:
    """A boto3 session from the usual credential chain, optionally via an assumed role.

    AssumeRole runs on a separate, unguarded base session: minting the
    scanning credentials is the one non-read call auditor makes, and it is
    made before the read-only guard exists.
    """
    try:
        base = boto3.Session(profile_name=profile, region_name=region)
    except BotoCoreError as exc:  # ProfileNotFound and friends
        raise CollectionError(str(exc)) from None
    if not role_arn:
        return base
    sts = base.client("sts", endpoint_url=endpoint_url)
    params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": f"auditor-{__version__}"}
    if external_id:
        params["ExternalId"] = external_id
    try:
        creds = sts.assume_role(**params)["Credentials"]
    except (ClientError, BotoCoreError) as exc:
        raise CollectionError(f"cannot assume {role_arn}: {exc}") from None
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=base.region_name,
    )


#: Lowest send rate (calls per second) the rate limiter of one (service, region)
#: slows down to under throttling. botocore's own floor (0.5/s) costs a small
#: account seconds per throttle: its measured send rate is low, so one throttle
#: drops the client to about one call a second (a random 30% throttle storm made
#: the reference scan 3x slower; bench/fault_bench.py). At 20/s the limiter
#: still reins in a client that sends fast, and costs a small account little.
MIN_THROTTLED_RATE = 20.0


def install_rate_limiter(client: Any, min_rate: float = MIN_THROTTLED_RATE) -> Any:
    """botocore's adaptive-mode rate limiter on ``client``, with a floor of ``min_rate``.

    The same parts as ``retries={"mode": "adaptive"}`` (a cubic rate
    adjustor fed by throttling errors, a token bucket before each send),
    built here only to set the floor. Returns the limiter.
    """
    clock = bucket.Clock()
    limiter = adaptive.ClientRateLimiter(
        rate_adjustor=throttling.CubicCalculator(
            starting_max_rate=0, start_time=clock.current_time()
        ),
        rate_clocker=adaptive.RateClocker(clock),
        token_bucket=bucket.TokenBucket(max_rate=min_rate, clock=clock, min_rate=min_rate),
        throttling_detector=standard.ThrottlingErrorDetector(
            retry_event_adapter=standard.RetryEventAdapter()
        ),
        clock=clock,
    )
    client.meta.events.register("before-send", limiter.on_sending_request)
    client.meta.events.register("needs-retry", limiter.on_receiving_response)
    return limiter


#: Attempts per call, the first one included, unless ``AWS_MAX_ATTEMPTS`` says otherwise.
DEFAULT_MAX_ATTEMPTS = 9


def _max_attempts_from_env() -> int:
    """``AWS_MAX_ATTEMPTS`` (the AWS SDKs' variable) when it is a positive integer, else 9."""
    raw = os.environ.get("AWS_MAX_ATTEMPTS", "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_MAX_ATTEMPTS


class SessionClients:
    """The client factory of a scan: guarded, retrying, counted, cached per (service, region)."""

    def __init__(
        self,
        session: boto3.Session,
        *,
        endpoint_url: str | None = None,
        max_pool: int = 10,
        max_attempts: int | None = None,
        retry_mode: Literal["standard", "adaptive"] = "adaptive",
    ) -> None:
        if max_attempts is None:
            max_attempts = _max_attempts_from_env()
        self.session = session
        self.endpoint_url = endpoint_url
        self.recorder = CallRecorder()
        install_read_only_guard(session.events)
        session.events.register("after-call", self.recorder.after_call, unique_id="auditor-stats")
        install_response_checks(session.events)  # after the stats: a malformed answer is a call
        if endpoint_url:
            session.events.register(
                "before-sign.s3-control", keep_endpoint_host, unique_id="auditor-s3control-host"
            )
            session.events.register_first(
                "needs-retry", refuse_retry_of_unimplemented, unique_id="auditor-not-implemented"
            )
        self.retry_mode = retry_mode
        #: The client-side rate limiter of each (service, region) client (adaptive mode).
        self.limiters: dict[tuple[str, str], Any] = {}
        self._config = Config(
            # Standard retries; "adaptive" adds botocore's client-side rate limiter
            # (see install_rate_limiter), one per (service, region) client.
            retries={"mode": "standard", "total_max_attempts": max_attempts},
            max_pool_connections=max_pool,
            connect_timeout=10,
            read_timeout=30,
            user_agent_extra=f"auditor/{__version__}",
        )
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def __call__(self, service: str, region: str) -> Any:
        key = (service, region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self.session.client(
                    service,  # type: ignore[call-overload]
                    region_name=region,
                    endpoint_url=self.endpoint_url,
                    config=self._config,
                )
                if self.retry_mode == "adaptive":
                    self.limiters[key] = install_rate_limiter(client)
                self._clients[key] = client
            return client
