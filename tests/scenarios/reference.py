"""The reference account (``auditor.demo``) wired for tests.

* :data:`MOTO_UNSUPPORTED`: collection units moto 5.2 cannot serve, so a
  full collection of any moto account records exactly these as ERROR gaps:
  IAM Access Analyzer (not implemented at all). Saved Logs Insights queries
  are not in moto either; ``auditor.demo.simulator.extend_moto`` (called by
  the test fixtures and the demo) serves them.
* :data:`COMPLETE_ON_MOTO`: units that share no snapshot section with those
  (``--services logs`` selects ``logs-queries`` too), so collecting them from
  moto leaves no gap at all.
* :func:`server_clients`: plain, unguarded boto3 clients on a moto server, to
  build the scenario with.
* :func:`deny_access`: a botocore ``before-call`` handler that answers an
  operation with ``AccessDeniedException`` without sending anything, the way
  AWS answers a principal whose policy does not allow it. (moto server's own
  IAM enforcement is not usable here: it answers JSON-protocol services with
  an XML error body, so botocore sees the code ``403``, and it rejects valid
  signatures on some REST GET calls such as ``lambda:ListFunctions``.)
"""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse

from auditor.demo.reference import ClientFn
from auditor.services import SERVICES
from auditor.snapshot import CollectionStatus, Coverage, Snapshot
from tests.conftest import REGION

MOTO_UNSUPPORTED = frozenset({"accessanalyzer"})
_AFFECTED_SECTIONS = {SERVICES[name].section_key for name in MOTO_UNSUPPORTED}
COMPLETE_ON_MOTO: tuple[str, ...] = tuple(
    spec.name for spec in SERVICES.values() if spec.section_key not in _AFFECTED_SECTIONS
)


def moto_gaps(snapshot: Snapshot) -> set[str]:
    """The unsupported units recorded as ERROR gaps."""
    return {
        g.service
        for g in snapshot.gaps
        if g.service in MOTO_UNSUPPORTED and g.status is CollectionStatus.ERROR
    }


def unexpected_gaps(snapshot: Snapshot) -> list[Coverage]:
    """Gaps other than moto's known ones and the units left out on purpose."""
    return [
        g
        for g in snapshot.gaps
        if g.message != "not requested"
        and not (g.service in MOTO_UNSUPPORTED and g.status is CollectionStatus.ERROR)
    ]


def server_clients(url: str) -> ClientFn:
    """``client(service, region)`` -> an unguarded boto3 client on the moto server at ``url``."""
    session = boto3.Session(region_name=REGION)

    @functools.cache
    def client(service: str, region: str) -> Any:
        return session.client(service, region_name=region, endpoint_url=url)  # type: ignore[call-overload]

    return client


def deny_access(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
    """``before-call`` handler: the call fails with AccessDeniedException, nothing is sent."""
    parsed = {
        "Error": {
            "Code": "AccessDeniedException",
            "Message": "User is not authorized to perform this action (denied by the test)",
        },
        "ResponseMetadata": {"HTTPStatusCode": 400, "RetryAttempts": 0},
    }
    return AWSResponse("https://denied.invalid/", 400, {}, None), parsed
