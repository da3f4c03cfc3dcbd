"""Account state that moto's API cannot set, applied directly to its in-process backend.

Only for scenarios running moto in this process (``auditor demo`` and the
tests): each function documents which real-world state it stands in for.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any


def set_root_mfa(account_id: str, enabled: bool = True, partition: str = "aws") -> None:
    """Root MFA on or off.

    AWS offers no API to enable MFA on the root user (it is done in the
    console), so moto hard-codes ``AccountMFAEnabled = 0``. The reference
    account has it, as any account a reviewer calls "no root access anywhere".
    """
    from moto.iam.models import iam_backends

    iam_backends[account_id][partition].account_summary._account_mfa_enabled = int(enabled)


def extend_moto() -> None:
    """Teach moto two reads the reference account needs (idempotent).

    * ECS: moto drops ``deploymentConfiguration`` on ``CreateService``, so a
      service created with a circuit breaker and rollback looks unprotected.
      The configuration is kept and returned, as ECS does.
    * CloudWatch Logs: moto implements no saved Logs Insights queries
      (``PutQueryDefinition``, ``DescribeQueryDefinitions``,
      ``DeleteQueryDefinition``); a small per-account, per-region store serves
      them, so a scenario can be scanned, fixed with the AWS CLI and scanned again.
    """
    from moto.ecs.responses import EC2ContainerServiceResponse
    from moto.logs.responses import LogsResponse

    if getattr(LogsResponse, "_auditor_extended", False):
        return
    create_service = EC2ContainerServiceResponse.create_service

    def create_service_keeping_deployment_configuration(self: Any) -> Any:
        answer = create_service(self)
        config = self._get_param("deploymentConfiguration")
        if config:
            cluster = self._get_param("cluster", "default").rsplit("/", 1)[-1]
            name = self._get_param("serviceName")
            self.ecs_backend.services[f"{cluster}:{name}"].deployment_configuration = config
        return answer

    EC2ContainerServiceResponse.create_service = create_service_keeping_deployment_configuration  # type: ignore[method-assign]

    def store(self: Any) -> dict[str, dict[str, Any]]:
        # Kept on the account-region backend, so moto's reset clears it too.
        backend = self.logs_backend.__dict__
        return backend.setdefault("_auditor_query_definitions", {})  # type: ignore[no-any-return]

    def put_query_definition(self: Any) -> str:
        definitions = store(self)
        qid = self._get_param("queryDefinitionId") or str(uuid.uuid4())
        definitions[qid] = {
            "queryDefinitionId": qid,
            "name": self._get_param("name"),
            "queryString": self._get_param("queryString"),
            "logGroupNames": self._get_param("logGroupNames") or [],
            "lastModified": int(time.time() * 1000),
        }
        return json.dumps({"queryDefinitionId": qid})

    def describe_query_definitions(self: Any) -> str:
        prefix = self._get_param("queryDefinitionNamePrefix") or ""
        found = [d for d in store(self).values() if d["name"].startswith(prefix)]
        return json.dumps({"queryDefinitions": sorted(found, key=lambda d: d["name"])})

    def delete_query_definition(self: Any) -> str:
        removed = store(self).pop(self._get_param("queryDefinitionId"), None)
        return json.dumps({"success": removed is not None})

    LogsResponse.put_query_definition = put_query_definition  # type: ignore[attr-defined]
    LogsResponse.describe_query_definitions = describe_query_definitions  # type: ignore[attr-defined]
    LogsResponse.delete_query_definition = delete_query_definition  # type: ignore[attr-defined]
    LogsResponse._auditor_extended = True  # type: ignore[attr-defined]
