"""The scheduled Lambda under moto: reports in S3, EMF metrics, JSON logs, SNS on regression.

Each test builds an account in moto's in-process mock (the reference
architecture, or a small one), a report bucket, and a topic with an SQS queue
subscribed to read what was published; then invokes the handler the way
EventBridge Scheduler does, with a fake Lambda context.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from auditor.engine.model import Principle, Severity
from auditor.lambda_handler.handler import handler
from tests.lambda_handler.helpers import (
    BUCKET,
    REGION,
    FakeContext,
    check_emf,
    scheduler_event,
    stdout_records,
)
from tests.scenarios.reference import COMPLETE_ON_MOTO

REPORTS = ("report.html", "report.md", "architecture.svg", "results.json")


@dataclass
class Account:
    client: Callable[..., Any]
    topic_arn: str
    queue_url: str

    def objects(self) -> dict[str, dict[str, Any]]:
        s3 = self.client("s3")
        out = {}
        for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
            head = s3.head_object(Bucket=BUCKET, Key=item["Key"])
            out[item["Key"]] = head
        return out

    def text(self, key: str) -> str:
        body = self.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()
        return str(body.decode("utf-8"))

    def messages(self) -> list[dict[str, Any]]:
        """Every notification the topic delivered to the queue since the last call."""
        sqs = self.client("sqs")
        out = []
        while True:
            got = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
            batch = got.get("Messages", [])
            if not batch:
                return out
            for m in batch:
                out.append(json.loads(m["Body"]))
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch) -> Iterator[Account]:
    """An empty moto account with the report bucket and the topic (queue subscribed)."""
    import boto3
    from moto import mock_aws

    for var in ("AUDITOR_REGIONS", "AUDITOR_SERVICES", "AUDITOR_BASELINE_KEY", "AUDITOR_PREFIX"):
        monkeypatch.delenv(var, raising=False)
    with mock_aws():
        session = boto3.Session(region_name=REGION)

        def client(service: str, region: str = REGION) -> Any:
            return session.client(service, region_name=region)  # type: ignore[call-overload]

        client("s3").create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        topic = client("sns").create_topic(Name="auditor-regressions")["TopicArn"]
        queue_url = client("sqs").create_queue(QueueName="regressions")["QueueUrl"]
        queue_arn = client("sqs").get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        client("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        monkeypatch.setenv("AUDITOR_BUCKET", BUCKET)
        monkeypatch.setenv("AUDITOR_TOPIC_ARN", topic)
        yield Account(client, topic, queue_url)


@pytest.fixture
def reference(account: Account, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The reference architecture in the account; the services moto serves completely."""
    from auditor.demo.reference import build_reference

    monkeypatch.setenv("AUDITOR_SERVICES", ",".join(COMPLETE_ON_MOTO))
    return build_reference(account.client, REGION)


def _invoke(
    capsys: pytest.CaptureFixture[str], event: dict[str, Any] | None = None, **context: Any
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    capsys.readouterr()
    out = handler(event if event is not None else scheduler_event(), FakeContext(**context))
    emf, logs = stdout_records(capsys.readouterr().out)
    return out, emf, logs


# ------------------------------------------------------------------ one run


def test_scheduled_run_stores_reports_metrics_and_logs(
    account: Account, reference: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from auditor.render.json import load_results

    out, emf, logs = _invoke(capsys)

    assert out["status"] == "complete", out["incomplete_reasons"]
    assert out["verdict"] == "no_baseline" and out["notified"] is False
    # Three reports under a dated key and under latest/, nothing else.
    history = out["keys"]["history"]
    assert set(history) == set(REPORTS) == set(out["keys"]["latest"])
    dated = history["results.json"].rsplit("/", 1)[0] + "/"
    assert dated.startswith("history/") and len(dated.split("/")) == 6  # history/Y/M/D/HMSZ/
    objects = account.objects()
    assert set(objects) == {dated + n for n in REPORTS} | {"latest/" + n for n in REPORTS}
    assert objects["latest/report.html"]["ContentType"].startswith("text/html")
    assert objects["latest/report.md"]["ContentType"].startswith("text/markdown")
    assert objects["latest/results.json"]["ContentType"] == "application/json"
    assert objects["latest/architecture.svg"]["ContentType"] == "image/svg+xml"
    for head in objects.values():
        assert head["Metadata"]["auditor-status"] == "complete"
        assert head["Metadata"]["auditor-grade"] == out["overall"]["grade"]
    for name in REPORTS:
        assert account.text(dated + name) == account.text("latest/" + name)

    # The stored results load as a results document (the next run's baseline).
    (tmp_path / "results.json").write_text(account.text("latest/results.json"))
    result = load_results(tmp_path / "results.json")
    assert result.account_id == out["account_id"] == reference.account_id
    assert result.overall.grade == out["overall"]["grade"]
    doc = json.loads(account.text("latest/results.json"))
    html = account.text("latest/report.html")
    md = account.text("latest/report.md")
    assert html.lstrip().lower().startswith("<!doctype html")
    assert reference.account_id in html and reference.account_id in md

    # EMF: one document for the account, one per graded principle, one per severity.
    for doc_ in emf:
        check_emf(doc_)
    namespaces = {d["_aws"]["CloudWatchMetrics"][0]["Namespace"] for d in emf}
    assert namespaces == {"Auditor"}
    totals = [d for d in emf if "OverallScore" in d]
    assert len(totals) == 1
    assert totals[0]["OverallScore"] == doc["overall"]["score"]
    assert totals[0]["Account"] == reference.account_id
    assert totals[0]["Incomplete"] == 0 and totals[0]["Gaps"] == 0
    assert "Regression" not in totals[0]  # no baseline: nothing to regress from
    scores = {d["Principle"]: d["PrincipleScore"] for d in emf if "PrincipleScore" in d}
    graded = {p["principle"]: p["score"] for p in doc["principles"] if p["score"] is not None}
    assert scores == graded
    assert set(scores) <= {p.value for p in Principle}
    by_severity = {d["Severity"]: d["Findings"] for d in emf if "Severity" in d}
    assert set(by_severity) == {s.value for s in Severity}
    failing = [r for r in doc["results"] if r["status"] == "FAIL" and r["waiver"] is None]
    assert sum(by_severity.values()) == len(failing) == totals[0]["Findings"] == out["findings"]
    for severity, count in by_severity.items():
        assert count == sum(1 for r in failing if r["severity"] == severity)

    # Structured logs: JSON lines with a level, a message and the request id.
    assert logs, "no log line"
    request_ids = {r["request_id"] for r in logs}
    assert len(request_ids) == 1 and request_ids != {""}
    assert all({"timestamp", "level", "logger", "message"} <= set(r) for r in logs)
    stored = [r for r in logs if r["message"] == "scan stored"]
    assert len(stored) == 1 and stored[0]["status"] == "complete"
    assert any(r.get("scheduled_time") == "2025-03-03T06:00:00Z" for r in logs)
    assert account.messages() == []


# ------------------------------------------------------------------ regression


def test_regression_notifies_once_and_an_unchanged_rerun_is_quiet(
    account: Account, reference: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    first, _, _ = _invoke(capsys)
    assert first["verdict"] == "no_baseline"
    assert account.messages() == []

    # Plant a regression: SSH open to the world on the ECS tasks' security group.
    account.client("ec2").authorize_security_group_ingress(
        GroupId=reference.ecs_tasks_sg_id,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "debug <b>ssh</b>"}],
            }
        ],
    )
    time.sleep(1.0)  # a new second: a new dated folder
    second, emf, logs = _invoke(capsys)
    assert second["verdict"] == "fail" and second["notified"] is True
    assert second["message_id"]
    totals = next(d for d in emf if "OverallScore" in d)
    assert totals["Regression"] == 1
    assert any(r["message"] == "regression against the baseline" for r in logs)

    messages = account.messages()
    assert len(messages) == 1
    subject, body = messages[0]["Subject"], messages[0]["Message"]
    assert subject.startswith(f"auditor {reference.account_id}: overall ")
    before = next(
        p
        for p in json.loads(_latest_history(account, first))["principles"]
        if p["principle"] == "network_isolation"
    )
    after = next(
        p
        for p in json.loads(account.text("latest/results.json"))["principles"]
        if p["principle"] == "network_isolation"
    )
    assert before["grade"] != after["grade"]
    assert f"Network Isolation {before['grade']} -> {after['grade']}" in subject
    assert re.match(rf"auditor {reference.account_id}: overall \S+ -> \S+, 1 new finding;", subject)
    assert len(subject) <= 100 and subject.isascii() and "\n" not in subject
    dated_html = second["keys"]["history"]["report.html"]
    assert f"s3://{BUCKET}/{dated_html}" in body
    assert "s3.console.aws.amazon.com" in body
    assert f"Baseline: s3://{BUCKET}/latest/results.json" in body
    assert "NI003" in body and "New findings (1)" in body
    assert "<b>" not in body  # the gate's Markdown escapes AWS strings
    # The diff is stored beside the dated reports.
    assert "NI003" in account.text(second["keys"]["history"]["diff.md"])

    time.sleep(1.0)
    third, emf, _ = _invoke(capsys)
    assert third["verdict"] == "pass" and third["notified"] is False
    assert next(d for d in emf if "OverallScore" in d)["Regression"] == 0
    assert account.messages() == []
    assert third["overall"] == second["overall"]


def _latest_history(account: Account, run: dict[str, Any]) -> str:
    return account.text(run["keys"]["history"]["results.json"])


# ------------------------------------------------------------------ time budget


def test_no_time_left_stores_an_incomplete_result_and_says_so(
    account: Account, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 30 s left and a 30 s margin: the collection window is closed from the start.
    monkeypatch.setenv("AUDITOR_TIME_MARGIN_SECONDS", "30")
    event = scheduler_event(services=["iam", "ec2", "lambda"])
    out, emf, logs = _invoke(capsys, event, remaining_ms=30_000)

    assert out["status"] == "incomplete"
    assert len(out["incomplete_reasons"]) == 1
    reason = out["incomplete_reasons"][0]
    assert reason.startswith("time budget exhausted: 3 collection(s) not done")
    assert "lambda/us-west-2" in reason and "iam/global" in reason
    # Stored all the same, under both keys, marked incomplete.
    objects = account.objects()
    stored = set(REPORTS) - {"architecture.svg"}  # nothing was collected: nothing to draw
    assert {k.rsplit("/", 1)[1] for k in objects} == stored
    assert len(objects) == 2 * len(stored)
    assert {h["Metadata"]["auditor-status"] for h in objects.values()} == {"incomplete"}
    doc = json.loads(account.text("latest/results.json"))
    budget = [g for g in doc["gaps"] if g["message"] == "time budget exhausted"]
    assert {(g["service"], g["status"]) for g in budget} == {
        ("iam", "skipped"),
        ("ec2", "skipped"),
        ("lambda", "skipped"),
    }
    assert doc["overall"]["incomplete"] is True
    md = account.text("latest/report.md")
    assert "**Incomplete.**" in md and "time budget exhausted" in md
    assert "time budget exhausted" in account.text("latest/report.html")
    totals = next(d for d in emf if "Findings" in d and "Severity" not in d)
    assert totals["Incomplete"] == 1 and totals["Gaps"] == 3
    warning = [r for r in logs if r["level"] == "WARNING"]
    assert warning and warning[0]["message"].startswith("the result is incomplete: time budget")


def test_time_budget_cuts_a_running_scan_and_keeps_what_was_collected(
    account: Account, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The window closes while the scan runs: EC2 was collected, Lambda's calls are refused."""
    from auditor.lambda_handler import aws
    from auditor.lambda_handler.aws import BUDGET_ERROR_CODE, Storage
    from auditor.lambda_handler.run import run_scheduled_scan
    from auditor.lambda_handler.settings import Settings

    closed = threading.Event()
    real = aws.scanning_clients

    def scanning_clients(*args: Any, **kwargs: Any) -> Any:
        clients = real(*args, **kwargs)

        def close_on_lambda(model: Any, **_: Any) -> None:
            if model.service_model.service_name == "lambda":
                closed.set()

        clients.session.events.register_first("before-call", close_on_lambda)
        return clients

    monkeypatch.setattr(aws, "scanning_clients", scanning_clients)
    settings = Settings(
        bucket=BUCKET,
        topic_arn=account.topic_arn,
        regions=(REGION,),
        services=("ec2", "lambda"),
        workers=1,  # ec2, then lambda
        time_margin_seconds=60,
    )
    run = run_scheduled_scan(
        settings,
        remaining_seconds=900,
        store=Storage(REGION),
        clock=lambda: time.monotonic() + (10_000 if closed.is_set() else 0),
        emit=lambda _line: None,
    )
    assert closed.is_set()
    assert run.status == "incomplete"
    assert run.incomplete_reasons == [
        "time budget exhausted: 1 collection(s) not done (lambda/us-west-2)"
    ]
    doc = json.loads(account.text("latest/results.json"))
    gaps = {g["service"]: g for g in doc["gaps"] if g["message"] != "not requested"}
    assert set(gaps) == {"lambda"}
    assert gaps["lambda"]["error_code"] == BUDGET_ERROR_CODE
    assert gaps["lambda"]["operation"] == ""  # not a missing permission
    assert "time budget exhausted" in gaps["lambda"]["message"]
    # EC2's data made it: its rules decided (the default VPC's security group).
    ec2_results = [r for r in doc["results"] if r["rule_id"] == "NI003"]
    assert ec2_results and {r["status"] for r in ec2_results} == {"PASS"}
    lambda_results = [r for r in doc["results"] if r["rule_id"] == "ZT003"]
    assert {r["status"] for r in lambda_results} == {"UNKNOWN"}
    assert account.objects()["latest/results.json"]["Metadata"]["auditor-status"] == "incomplete"
