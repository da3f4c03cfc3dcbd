"""Lambda: functions, their environment (names only), resource policies and URLs."""

from __future__ import annotations

from auditor.snapshot.base import EnvVar, JsonDoc, Model, Section


class FunctionUrl(Model):
    url: str
    #: ``NONE`` (public) or ``AWS_IAM``.
    auth_type: str


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
    #: None when the function has no URL, or when its resource policy grants no
    #: ``lambda:InvokeFunctionUrl`` (then a URL cannot be invoked and is not looked up).
    url: FunctionUrl | None = None


class LambdaSection(Section):
    functions: tuple[LambdaFunction, ...] = ()
