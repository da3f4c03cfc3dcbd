"""Lambda: functions, their environment (names only), resource policies and URLs."""

from __future__ import annotations

from auditor.snapshot.base import EnvVar, JsonDoc, Model, Section


class FunctionUrl(Model):
    url: str
    #: ``NONE`` (public) or ``AWS_IAM``.
    auth_type: str


class LambdaAlias(Model):
    """An alias (a qualified ARN ``...:function:NAME:ALIAS``): it has its own
    resource policy and its own function URL, separate from the function's."""

    name: str
    arn: str
    function_version: str = ""
    #: None when the alias has no resource policy.
    policy: JsonDoc | None = None
    #: None when the alias has no function URL.
    url: FunctionUrl | None = None


class LambdaFunction(Model):
    arn: str
    name: str
    region: str
    #: "" for container-image functions.
    runtime: str
    role_arn: str
    handler: str = ""
    package_type: str = "Zip"
    architectures: tuple[str, ...] = ()
    memory_mb: int = 128
    timeout_seconds: int = 3
    vpc_id: str = ""
    subnet_ids: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] = ()
    environment: tuple[EnvVar, ...] = ()
    kms_key_arn: str = ""
    tracing_mode: str = ""
    dead_letter_target_arn: str = ""
    last_modified: str = ""
    #: None when the function has no resource policy.
    policy: JsonDoc | None = None
    #: None when the (unqualified) function has no URL.
    url: FunctionUrl | None = None
    #: The function's aliases, each with its own policy and URL.
    aliases: tuple[LambdaAlias, ...] = ()


class LambdaSection(Section):
    functions: tuple[LambdaFunction, ...] = ()
