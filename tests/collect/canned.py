"""Answer one operation of a real client with canned, shape-checked responses.

For the few calls moto does not implement. The collector still runs through
the guarded client (read-only guard first, call recorder after); only that
operation's HTTP exchange is replaced, and every canned answer is validated
against botocore's output shape, as ``botocore.stub.Stubber`` does, so it
has the shape AWS documents.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.exceptions import ClientError
from botocore.validate import validate_parameters

Answer = Callable[[dict[str, Any]], dict[str, Any]]


def serve(client: Any, operation: str, answer: Answer) -> list[dict[str, Any]]:
    """Route ``operation`` on ``client`` to ``answer(params)``; return the params of each call.

    ``answer`` gets the call's API parameters and returns the parsed response
    (or raises, e.g. :func:`client_error`).
    """
    calls: list[dict[str, Any]] = []
    service_model = client.meta.service_model
    output_shape = service_model.operation_model(operation).output_shape
    service_id = service_model.service_id.hyphenize()

    def record(params: dict[str, Any], **_: Any) -> None:
        calls.append(dict(params))

    def respond(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        parsed = answer(calls[-1])
        if output_shape is not None:
            validate_parameters(parsed, output_shape)
        meta = {"HTTPStatusCode": 200, "HTTPHeaders": {}, "RetryAttempts": 0}
        return AWSResponse("", 200, HTTPHeaders(), None), {**parsed, "ResponseMetadata": meta}

    client.meta.events.register(f"before-parameter-build.{service_id}.{operation}", record)
    client.meta.events.register(f"before-call.{service_id}.{operation}", respond)
    return calls


def client_error(operation: str, code: str, message: str = "") -> Answer:
    """An answer that fails the way AWS does, with error ``code``."""

    def fail(_: dict[str, Any]) -> dict[str, Any]:
        raise ClientError({"Error": {"Code": code, "Message": message}}, operation)

    return fail
