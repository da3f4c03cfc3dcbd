"""Settings from environment variables and the event; every mistake is one InputError."""

from __future__ import annotations

import pytest

from auditor.engine.model import Severity
from auditor.errors import InputError
from auditor.lambda_handler.settings import load_settings

ENV = {"AUDITOR_BUCKET": "reports", "AWS_REGION": "eu-west-1"}


def test_defaults_from_the_environment() -> None:
    s = load_settings(ENV, {})
    assert s.bucket == "reports" and s.prefix == "" and s.topic_arn == ""
    assert s.regions == ("eu-west-1",) and s.all_regions is False and s.services is None
    assert s.home_region == "eu-west-1"
    assert s.baseline == "latest/results.json" and s.latest_prefix == "latest/"
    assert s.gate_policy.fail_on_grade_drop is True
    assert s.gate_policy.fail_on_new is Severity.HIGH
    assert s.workers == 8 and s.metric_namespace == "Auditor" and s.endpoint_url is None


def test_every_setting_from_the_environment() -> None:
    env = {
        **ENV,
        "AUDITOR_PREFIX": "/prod",
        "AUDITOR_TOPIC_ARN": "arn:aws:sns:eu-west-1:123456789012:t",
        "AUDITOR_REGIONS": "us-east-1, eu-west-1,,us-east-1",
        "AUDITOR_ALL_REGIONS": "TRUE",
        "AUDITOR_SERVICES": "iam,logs",
        "AUDITOR_GATE_POLICY": '{"fail_on_new": "medium", "min_grade": "B"}',
        "AUDITOR_TIME_MARGIN_SECONDS": "45",
        "AUDITOR_WORKERS": "4",
        "AUDITOR_METRIC_NAMESPACE": "Security/Audit",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
    }
    s = load_settings(env, None)
    assert s.prefix == "prod/" and s.baseline == "prod/latest/results.json"
    assert s.regions == ("us-east-1", "eu-west-1") and s.all_regions is True
    assert s.home_region == "eu-west-1"  # the bucket and topic stay in the function's region
    assert s.services == ("iam", "logs")
    assert s.gate_policy.fail_on_new is Severity.MEDIUM
    assert s.gate_policy.min_grade == {"overall": "B"}
    assert s.margin_for(900) == 45 and s.workers == 4
    assert s.metric_namespace == "Security/Audit"
    assert s.endpoint_url == "http://127.0.0.1:5000"


def test_the_event_overrides_the_environment_and_scheduler_keys_are_ignored() -> None:
    env = {**ENV, "AUDITOR_REGIONS": "eu-west-1", "AUDITOR_SERVICES": "iam"}
    event = {
        "source": "auditor.schedule",
        "scheduled_time": "2025-03-03T06:00:00Z",
        "regions": ["us-west-2", "us-east-1"],
        "services": None,  # null: keep the environment's
        "baseline_key": "/baselines/prod.json",
        "gate_policy": {"fail_on_grade_drop": False, "fail_on_new": "none"},
        "prefix": "a/b/",
    }
    s = load_settings(env, event)
    assert s.regions == ("us-west-2", "us-east-1")
    assert s.services == ("iam",)
    assert s.baseline == "baselines/prod.json" and s.prefix == "a/b/"
    assert s.gate_policy.fail_on_grade_drop is False and s.gate_policy.fail_on_new is None


def test_default_time_margin_is_a_fifth_of_the_time_left_within_bounds() -> None:
    s = load_settings(ENV, {})
    assert s.margin_for(900) == 90  # capped
    assert s.margin_for(300) == 60
    assert s.margin_for(20) == 10  # floor


@pytest.mark.parametrize(
    ("env", "event", "message"),
    [
        ({"AWS_REGION": "eu-west-1"}, {}, "no report bucket"),
        ({"AUDITOR_BUCKET": "b"}, {}, "no region"),
        (ENV, {"services": "iam,sqs"}, "unknown service(s) sqs"),
        (ENV, {"gate_policy": "{nope"}, "not valid JSON"),
        (ENV, {"gate_policy": {"fail_on_new": "severe"}}, "unknown severity"),
        (ENV, {"gate_policy": ["x"]}, "must be a JSON object"),
        (ENV, {"all_regions": "maybe"}, "must be true or false"),
        (ENV, {"workers": 0}, "between 1 and 64"),
        (ENV, {"time_margin_seconds": "soon"}, "must be a number"),
        (ENV, {"regions": [1, 2]}, "list of strings"),
        (ENV, {"bucket": 7}, "must be a string"),
        (ENV, ["not", "an", "object"], "must be a JSON object"),
    ],
)
def test_mistakes_are_one_line_input_errors(
    env: dict[str, str], event: object, message: str
) -> None:
    with pytest.raises(InputError) as caught:
        load_settings(env, event)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
