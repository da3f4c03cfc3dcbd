"""Concurrency inside a unit: the scan-wide bound, gaps across threads, retry settings."""

from __future__ import annotations

import threading
import time
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from auditor.collect.common import CALL_SLOTS, fan_out, per_resource
from auditor.collect.gaps import resource_gaps
from auditor.collect.session import MIN_THROTTLED_RATE, SessionClients
from auditor.snapshot import CollectionStatus
from tests.conftest import REGION


class _Gauge:
    """Counts calls running at once."""

    def __init__(self) -> None:
        self.now = self.peak = 0
        self._lock = threading.Lock()

    def __call__(self, x: int) -> int:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        time.sleep(0.02)
        with self._lock:
            self.now -= 1
        return x * 2


def test_fan_out_keeps_order_and_runs_concurrently() -> None:
    gauge = _Gauge()
    assert fan_out(gauge, range(12)) == [x * 2 for x in range(12)]
    assert gauge.peak > 1


def test_fan_out_takes_the_scans_shared_slots() -> None:
    gauge = _Gauge()
    token = CALL_SLOTS.set(threading.BoundedSemaphore(2))
    try:
        assert fan_out(gauge, range(10)) == [x * 2 for x in range(10)]
    finally:
        CALL_SLOTS.reset(token)
    assert gauge.peak == 2


def test_a_fan_out_inside_a_fan_out_does_not_wait_for_slots_it_holds() -> None:
    token = CALL_SLOTS.set(threading.BoundedSemaphore(1))
    try:
        nested = fan_out(lambda x: sum(fan_out(lambda y: y, range(x))), range(4))
    finally:
        CALL_SLOTS.reset(token)
    assert nested == [0, 0, 1, 3]


def _denied(x: int) -> int:
    if x % 2:
        raise ClientError({"Error": {"Code": "AccessDeniedException"}}, "GetThing")
    return x


def test_per_resource_failures_from_worker_threads_reach_the_unit() -> None:
    with resource_gaps("ecs", REGION, strict=True) as gaps:
        assert per_resource(_denied, range(4), lambda x: f"thing-{x}") == [0, None, 2, None]
    assert sorted(g.resource for g in gaps) == ["thing-1", "thing-3"]
    assert {(g.status, g.operation, g.service) for g in gaps} == {
        (CollectionStatus.ACCESS_DENIED, "GetThing", "ecs")
    }


def test_a_bug_in_a_per_resource_call_still_crashes_in_strict_mode() -> None:
    def bug(x: int) -> int:
        raise TypeError("a collector bug")

    with resource_gaps("ecs", REGION, strict=True), pytest.raises(TypeError):
        per_resource(bug, range(3), str)


@pytest.mark.parametrize(("env", "attempts"), [(None, 9), ("3", 3), ("zero", 9)])
def test_clients_retry_with_aws_max_attempts_and_one_rate_limiter_each(
    monkeypatch: pytest.MonkeyPatch, env: str | None, attempts: int
) -> None:
    if env is None:
        monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    else:
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", env)
    clients = SessionClients(boto3.Session(region_name=REGION))
    ecs = clients("ecs", REGION)
    retries: dict[str, Any] = ecs.meta.config.retries
    assert retries == {"mode": "standard", "total_max_attempts": attempts}
    assert clients("ecs", REGION) is ecs  # one client per (service, region)...
    clients("ecs", "eu-west-1")
    clients("lambda", REGION)
    limiters = clients.limiters
    assert set(limiters) == {("ecs", REGION), ("ecs", "eu-west-1"), ("lambda", REGION)}
    assert len({id(x) for x in limiters.values()}) == 3  # ...and one rate limiter each


def _throttled() -> dict[str, Any]:
    return {"Error": {"Code": "ThrottlingException"}, "ResponseMetadata": {"HTTPStatusCode": 400}}


def test_the_rate_limiter_slows_down_on_throttling_but_not_below_its_floor() -> None:
    clients = SessionClients(boto3.Session(region_name=REGION))
    model = clients("ecs", REGION).meta.service_model.operation_model("ListClusters")
    limiter = clients.limiters[("ecs", REGION)]
    assert not limiter._enabled  # no throttling yet: no limit at all
    for attempt in range(1, 6):
        limiter.on_receiving_response(
            attempts=attempt,
            response=(None, _throttled()),
            caught_exception=None,
            operation=model,
            request_dict={"context": {}},
        )
    assert limiter._enabled
    assert limiter._token_bucket.max_rate >= MIN_THROTTLED_RATE


def test_the_scans_clients_can_use_botocores_standard_mode_alone() -> None:
    clients = SessionClients(boto3.Session(region_name=REGION), retry_mode="standard")
    clients("ecs", REGION)
    assert clients.limiters == {}
