"""The function's two boto3 sessions (the one module of this package that imports boto3).

* The **scanning** session is a :class:`~auditor.collect.session.SessionClients`
  with the read-only guard, plus a time-budget hook: once the collection
  deadline has passed, every further AWS call of the scan fails at once with
  the error code ``TimeBudgetExhausted`` (no request is sent), so a collector
  already running stops at its next call and the runner records its data as
  a gap instead of the function running into its timeout.
* The **storage** session is separate and unguarded: it reads the baseline
  and writes the reports to the report bucket, and publishes to the topic.
  The function's IAM role scopes these writes to its own bucket and topic
  (deploy/template.yaml); the scanning guard never sees them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from auditor import __version__
from auditor.collect.readonly import service_name
from auditor.collect.session import SessionClients

#: Error code of the calls refused after the collection deadline.
BUDGET_ERROR_CODE = "TimeBudgetExhausted"
#: The calls that start a scan (which account; which regions, with all_regions):
#: allowed at any time, so even a run with no time left stores an (empty,
#: incomplete) result instead of failing.
_ALWAYS_ALLOWED = frozenset({("sts", "GetCallerIdentity"), ("ec2", "DescribeRegions")})

Clock = Callable[[], float]


def budget_hook(deadline: float, clock: Clock = time.monotonic) -> Callable[..., None]:
    """A botocore ``before-call`` handler refusing calls once ``clock() > deadline``."""

    def refuse_after_deadline(model: Any, **_: Any) -> None:
        if clock() <= deadline:
            return
        service = service_name(model)
        if (service, str(model.name)) in _ALWAYS_ALLOWED:
            return
        raise ClientError(
            {
                "Error": {
                    "Code": BUDGET_ERROR_CODE,
                    "Message": f"time budget exhausted: {service}:{model.name} was not called",
                }
            },
            # No operation name: the gap is not about a missing permission.
            "",
        )

    return refuse_after_deadline


def scanning_clients(
    region: str,
    *,
    endpoint_url: str | None,
    workers: int,
    deadline: float,
    clock: Clock = time.monotonic,
) -> SessionClients:
    """The read-only client factory of a scan, stopping its calls at ``deadline``."""
    session = boto3.Session(region_name=region)
    session.events.register(
        "before-call", budget_hook(deadline, clock), unique_id="auditor-lambda-budget"
    )
    return SessionClients(session, endpoint_url=endpoint_url, max_pool=max(10, workers * 2))


class Storage:
    """Reads and writes of the report bucket, and the topic: a session of its own."""

    def __init__(self, region: str, *, endpoint_url: str | None = None) -> None:
        session = boto3.Session(region_name=region)
        config = Config(
            retries={"mode": "standard", "max_attempts": 5},
            connect_timeout=10,
            read_timeout=30,
            user_agent_extra=f"auditor/{__version__}",
        )
        self.region = region
        self._s3 = session.client("s3", endpoint_url=endpoint_url, config=config)
        self._sns: dict[str, Any] = {}
        self._session, self._config, self._endpoint_url = session, config, endpoint_url

    def get_text(self, bucket: str, key: str) -> str | None:
        """The object as text, or None when there is no such object."""
        try:
            answer = self._s3.get_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        data: bytes = answer["Body"].read()
        return data.decode("utf-8")

    def put_text(
        self, bucket: str, key: str, text: str, content_type: str, metadata: Mapping[str, str]
    ) -> None:
        self._s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=text.encode("utf-8"),
            ContentType=content_type,
            Metadata=dict(metadata),
        )

    def publish(self, topic_arn: str, subject: str, message: str) -> str:
        """Publish to the topic, with a client in the topic's own region (from its ARN)."""
        parts = topic_arn.split(":")
        region = parts[3] if len(parts) > 5 and parts[3] else self.region
        if region not in self._sns:
            self._sns[region] = self._session.client(
                "sns", region_name=region, endpoint_url=self._endpoint_url, config=self._config
            )
        answer = self._sns[region].publish(TopicArn=topic_arn, Subject=subject, Message=message)
        return str(answer.get("MessageId", ""))
