"""Lambda: functions (configuration, environment by name only), aliases, resource policies and URLs.

``ListFunctions`` carries each function's configuration. Per function:
``GetPolicy``, ``GetFunctionUrlConfig`` (``ListFunctionUrlConfigs`` would be
one call per function too, and moto lacks it) and ``ListAliases``; per alias
(a qualified ARN with its own policy and URL): ``GetPolicy`` and
``GetFunctionUrlConfig`` with the alias as ``Qualifier``. A
``ResourceNotFoundException`` means "none". The URL is looked up whatever the
policy says: judging the policy is the rules' job, not the collector's.
``lambda:GetFunction`` is never called: it returns a presigned URL to the code
(the read-only guard refuses it). Environment values are classified in memory
and dropped.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from auditor.collect.common import error_code, paginate, per_resource, policy_doc
from auditor.collect.secrets_shape import classify_env
from auditor.collect.session import ClientFactory
from auditor.snapshot.base import JsonDoc
from auditor.snapshot.lambda_ import FunctionUrl, LambdaAlias, LambdaFunction, LambdaSection


def _function(
    raw: dict[str, Any],
    region: str,
    policy: JsonDoc | None,
    url: FunctionUrl | None,
    aliases: tuple[LambdaAlias, ...] = (),
) -> LambdaFunction:
    vpc = raw.get("VpcConfig") or {}
    variables = (raw.get("Environment") or {}).get("Variables") or {}
    return LambdaFunction(
        arn=raw["FunctionArn"],
        name=raw["FunctionName"],
        region=region,
        runtime=raw.get("Runtime", ""),
        role_arn=raw.get("Role", ""),
        handler=raw.get("Handler", ""),
        package_type=raw.get("PackageType", "Zip"),
        architectures=tuple(raw.get("Architectures", [])),
        memory_mb=int(raw.get("MemorySize", 128)),
        timeout_seconds=int(raw.get("Timeout", 3)),
        # AWS answers an empty VpcConfig (VpcId "") for functions outside a VPC.
        vpc_id=vpc.get("VpcId", "") or "",
        subnet_ids=tuple(vpc.get("SubnetIds", [])),
        security_group_ids=tuple(vpc.get("SecurityGroupIds", [])),
        # Values are classified here and dropped: only names and verdicts are kept.
        environment=tuple(classify_env(name, str(value)) for name, value in variables.items()),
        kms_key_arn=raw.get("KMSKeyArn", ""),
        tracing_mode=(raw.get("TracingConfig") or {}).get("Mode", ""),
        dead_letter_target_arn=(raw.get("DeadLetterConfig") or {}).get("TargetArn", ""),
        last_modified=raw.get("LastModified", ""),
        policy=policy,
        url=url,
        aliases=aliases,
    )


def _optional(call: Any, **params: Any) -> dict[str, Any] | None:
    """The answer of a per-function read, or None when the function has no such resource."""
    try:
        return dict(call(**params))
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        return None


def _policy_and_url(lam: Any, **target: str) -> tuple[JsonDoc | None, FunctionUrl | None]:
    """The resource policy and the function URL of a function or an alias."""
    policy = _optional(lam.get_policy, **target)
    url = _optional(lam.get_function_url_config, **target)
    return (
        policy_doc(policy.get("Policy")) if policy else None,
        FunctionUrl(url=url["FunctionUrl"], auth_type=url["AuthType"]) if url else None,
    )


def collect_lambda(clients: ClientFactory, region: str) -> LambdaSection:
    lam = clients("lambda", region)
    listed: list[dict[str, Any]] = paginate(lam, "list_functions", "Functions")

    def extras(
        raw: dict[str, Any],
    ) -> tuple[JsonDoc | None, FunctionUrl | None, tuple[LambdaAlias, ...]]:
        name = raw["FunctionName"]
        policy, url = _policy_and_url(lam, FunctionName=raw["FunctionArn"])
        aliases = []
        for alias in paginate(lam, "list_aliases", "Aliases", FunctionName=name):
            a_policy, a_url = _policy_and_url(lam, FunctionName=name, Qualifier=alias["Name"])
            aliases.append(
                LambdaAlias(
                    name=alias["Name"],
                    arn=alias["AliasArn"],
                    function_version=alias.get("FunctionVersion", ""),
                    policy=a_policy,
                    url=a_url,
                )
            )
        return policy, url, tuple(sorted(aliases, key=lambda a: a.name))

    # A failed call costs only its function: kept as listed, gapped (rules say UNKNOWN).
    answers = per_resource(extras, listed, lambda raw: str(raw["FunctionArn"]))
    functions = [
        _function(raw, region, *(answer or (None, None, ())))
        for raw, answer in zip(listed, answers, strict=True)
    ]
    return LambdaSection(functions=tuple(sorted(functions, key=lambda f: f.name)))
