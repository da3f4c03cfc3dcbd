"""A token bucket per region: throttling prevented, not retried.

AWS throttles per account, region and API. An organization scan runs one
account per process, so a bucket per region inside that process is a bucket
per (account, region). :func:`install_rate_limit` registers a botocore
``before-call`` hook on a session: every API call of that session first takes
a token from its region's bucket (``client_region`` of the call's context).
botocore's adaptive retry mode stays on top for whatever throttling is left.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

#: Requests per second per (account, region), and the burst allowed above it.
#: Most read APIs allow tens per second; these leave room for other callers.
DEFAULT_RATE = 20.0
DEFAULT_BURST = 40


class TokenBucket:
    """Thread-safe token bucket: ``rate`` tokens per second, at most ``burst`` banked."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._last = clock()
        self._lock = threading.Lock()
        self.waited = 0.0

    def _refill(self, now: float) -> None:
        self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.rate)
        self._last = now

    def take(self) -> float:
        """Take one token, sleeping until one is there; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            self._tokens -= 1.0  # reserve now: later callers queue behind this one
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self.rate
            self.waited += wait
        if wait > 0:
            self._sleep(wait)
        return wait


class RegionBuckets:
    """One :class:`TokenBucket` per region, created on first use."""

    def __init__(self, rate: float = DEFAULT_RATE, burst: int = DEFAULT_BURST) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def bucket(self, region: str) -> TokenBucket:
        with self._lock:
            bucket = self._buckets.get(region)
            if bucket is None:
                bucket = self._buckets[region] = TokenBucket(self.rate, self.burst)
            return bucket

    @property
    def waited(self) -> float:
        with self._lock:
            return round(sum(b.waited for b in self._buckets.values()), 3)

    def before_call(self, context: Any = None, **_: Any) -> None:
        """botocore ``before-call`` handler."""
        region = "global"
        if isinstance(context, dict):
            region = str(context.get("client_region") or "global")
        self.bucket(region).take()


def install_rate_limit(events: Any, buckets: RegionBuckets) -> None:
    """Register the buckets on a botocore event emitter (a session's ``events``)."""
    events.register("before-call", buckets.before_call, unique_id="auditor-rate-limit")
