"""Answers are checked before collectors read them; a bad one is a named gap, never a crash."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from auditor.collect import Task, _run_task
from auditor.collect.ecs import collect_ecs
from auditor.collect.expect import EXPECTED, MALFORMED, MalformedResponse, problem_with
from auditor.collect.gaps import INTERNAL_ERROR
from auditor.services import ServiceSpec
from auditor.snapshot import CollectionStatus
from tests.conftest import REGION

_SESSION = boto3.Session(region_name=REGION)


def _model(key: str) -> Any:
    client_name, operation = key.split(":")
    client = _SESSION.client(client_name, region_name=REGION)  # type: ignore[call-overload]
    return client.meta.service_model.operation_model(operation)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_every_expected_path_names_members_of_the_output_shape(key: str) -> None:
    model = _model(key)
    for path in EXPECTED[key]:
        shape = model.output_shape
        for segment in path.split("."):
            name = segment.removesuffix("[]").removesuffix("?")
            assert shape.type_name == "structure", f"{key}: {path} goes through {shape.name}"
            assert name in shape.members, f"{key}: {name} is not a member of {shape.name}"
            shape = shape.members[name]
            if segment.endswith("[]"):
                assert shape.type_name == "list", f"{key}: {name} is not a list"
                shape = shape.member


def test_a_body_that_is_not_json_is_malformed_even_though_botocore_parsed_it() -> None:
    model = _model("ecs:DescribeClusters")
    # What botocore makes of a junk body: {"message": <the body>}, no "clusters".
    assert problem_with(model, b"<html>oops", {"message": "<html>oops"}) == "the body is not JSON"
    assert problem_with(model, b'["a"]', {}) == "the body is not a JSON object"


def test_a_missing_expected_key_is_malformed() -> None:
    model = _model("ecs:DescribeTaskDefinition")
    assert problem_with(model, b"{}", {}) == "taskDefinition is missing"
    answer = {"taskDefinition": {"taskDefinitionArn": "a", "family": "f", "revision": 1}}
    assert problem_with(model, json.dumps(answer).encode(), answer) == (
        "taskDefinition.containerDefinitions is missing"
    )
    clusters = _model("ecs:DescribeClusters")
    assert problem_with(clusters, b"{}", {"clusters": [{"clusterName": "x"}]}) == (
        "clusters[0].clusterArn is missing"
    )


def test_a_member_of_the_wrong_type_is_malformed() -> None:
    model = _model("ecs:DescribeClusters")
    assert problem_with(model, None, {"clusters": "all of them"}) == "clusters is not a list"
    bad_count = {"clusters": [{"clusterArn": "a", "clusterName": "b", "runningTasksCount": "2"}]}
    assert problem_with(model, None, bad_count) == (
        "clusters[0].runningTasksCount is str, not integer"
    )


def test_optional_members_may_be_absent_and_a_good_answer_passes() -> None:
    model = _model("cloudwatch:DescribeAlarms")
    assert problem_with(model, None, {"MetricAlarms": []}) is None
    assert problem_with(model, None, {"MetricAlarms": [{"AlarmName": "x"}]}) == (
        "MetricAlarms[0].AlarmArn is missing"
    )
    ok = {"clusters": [{"clusterArn": "a", "clusterName": "b", "runningTasksCount": 2}]}
    assert problem_with(_model("ecs:DescribeClusters"), json.dumps(ok).encode(), ok) is None


def test_malformed_response_is_a_client_error_with_its_own_code() -> None:
    exc = MalformedResponse("DescribeClusters", "clusters is missing")
    assert isinstance(exc, ClientError)
    assert exc.response["Error"]["Code"] == MALFORMED == "malformed_response"
    assert exc.operation_name == "DescribeClusters"


# ------------------------------------------------------------- the runner


def _bug(clients: Any, region: str) -> Any:
    raise KeyError("a collector bug")


_BUGGY = Task(ServiceSpec("ecs", f"{__name__}:_bug", ("ecs",)), REGION, REGION)


def test_a_collector_bug_crashes_in_strict_mode(aws: Any) -> None:
    with pytest.raises(KeyError, match="a collector bug"):
        _run_task(_BUGGY, aws, None, strict=True)


def test_a_collector_bug_is_a_named_gap_in_production(aws: Any) -> None:
    section, (gap,) = _run_task(_BUGGY, aws, None, strict=False)
    assert section is None
    assert (gap.service, gap.region, gap.status) == ("ecs", REGION, CollectionStatus.ERROR)
    assert gap.error_code == INTERNAL_ERROR and "KeyError" in gap.message


def _fail_for(family: str, answer: dict[str, Any], status: int) -> Any:
    """``before-call`` handler: DescribeTaskDefinition of ``family`` answers ``answer``."""

    def handler(params: dict[str, Any], **_: Any) -> Any:
        if family.encode() not in params.get("body", b""):
            return None
        meta = {"HTTPStatusCode": status, "RetryAttempts": 0}
        return AWSResponse("https://ecs.invalid/", status, {}, None), {
            **answer,
            "ResponseMetadata": meta,
        }

    return handler


def _two_task_definitions(setup: Any) -> None:
    ecs = setup("ecs")
    for family in ("good", "bad"):
        ecs.register_task_definition(
            family=family,
            containerDefinitions=[{"name": "app", "image": "nginx:1.27", "memory": 128}],
        )


@pytest.mark.parametrize(
    ("answer", "status", "code"),
    [
        ({}, 200, MALFORMED),  # a 200 without "taskDefinition": today's KeyError
        (
            {"Error": {"Code": "AccessDeniedException", "Message": "no"}},
            400,
            "AccessDeniedException",
        ),
    ],
)
def test_a_failed_describe_costs_only_that_task_definition(
    aws: Any, setup: Any, answer: dict[str, Any], status: int, code: str
) -> None:
    _two_task_definitions(setup)
    aws("ecs", REGION).meta.events.register(
        "before-call.ecs.DescribeTaskDefinition", _fail_for("bad", answer, status)
    )
    task = Task(ServiceSpec("ecs", "auditor.collect.ecs:collect_ecs", ("ecs",)), REGION, REGION)
    section, coverage = _run_task(task, aws, None, strict=True)
    assert section is not None
    assert [td.family for td in section.task_definitions] == ["good"]
    unit, gap = coverage
    assert unit.status is CollectionStatus.OK and not unit.resource
    assert gap.resource.endswith(":task-definition/bad:1")
    assert (gap.operation, gap.error_code) == ("DescribeTaskDefinition", code)


def test_outside_a_unit_a_failed_describe_propagates(aws: Any, setup: Any) -> None:
    # A collector called directly (no runner) keeps plain exceptions: nothing is swallowed.
    _two_task_definitions(setup)
    aws("ecs", REGION).meta.events.register(
        "before-call.ecs.DescribeTaskDefinition", _fail_for("bad", {}, 200)
    )
    with pytest.raises(MalformedResponse):
        collect_ecs(aws, REGION)
