"""The resources deploy/template.yaml creates, built in moto from the template itself.

The template is transformed with the SAM translator that cfn-lint ships
(offline), every intrinsic function is resolved with the parameters'
defaults, and each resource is created through the API with the properties
the template gives it: the roles' trust and policies, the function's
runtime and environment, the log group's retention, the alarms, the bucket's
encryption/versioning/public access block/lifecycle/policy, the encrypted
topic, the queue and the schedule. A resource type the builder does not know
fails the build, so the scenario cannot drift from the template silently.
"""

from __future__ import annotations

import functools
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "deploy" / "template.yaml"
STACK = "auditor"

ClientFn = Callable[..., Any]


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    """The template as written (short-form tags such as ``!Sub`` become ``{"Fn::Sub": ...}``).

    Plain PyYAML: fast, where cfn-lint takes seconds to import.
    """
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
        name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if suffix == "GetAtt":
                value = str(value).split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {name: value}

    Loader.add_multi_constructor("!", tag)
    doc: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)
    return doc


@functools.cache
def _transformed(path: Path, region: str) -> str:
    from cfnlint.decode import decode
    from cfnlint.template.transforms._sam import Transform

    template, problems = decode(str(path))
    assert not problems, problems
    transform = Transform(str(path), template, region)
    errors = transform.transform_template()
    assert not errors, errors
    return json.dumps(transform.template(), default=str)


def transformed_template(path: Path = TEMPLATE, region: str = "us-west-2") -> dict[str, Any]:
    """The template after the AWS::Serverless-2016-10-31 transform (plain CloudFormation),
    with the SAM translator that cfn-lint ships (offline; cached per process)."""
    out: dict[str, Any] = json.loads(_transformed(path, region))
    return out


@dataclass
class StackInfo:
    region: str
    account_id: str
    #: logical id -> what ``Ref`` gives; (logical id, attribute) -> ``GetAtt``.
    refs: dict[str, str] = field(default_factory=dict)
    attrs: dict[tuple[str, str], str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)

    def ids(self) -> set[str]:
        """Every name, id and ARN of the stack's resources."""
        return {*self.refs.values(), *self.attrs.values()}


class _Resolver:
    def __init__(self, template: dict[str, Any], info: StackInfo) -> None:
        self.template = template
        self.info = info
        self.params = {
            name: str(spec.get("Default", ""))
            for name, spec in template.get("Parameters", {}).items()
        }
        self.pseudo = {
            "AWS::Region": info.region,
            "AWS::AccountId": info.account_id,
            "AWS::Partition": "aws",
            "AWS::StackName": STACK,
            "AWS::URLSuffix": "amazonaws.com",
        }
        self.conditions = {
            name: bool(self(expr)) for name, expr in template.get("Conditions", {}).items()
        }

    def ref(self, name: str) -> str:
        if name in self.params:
            return self.params[name]
        if name in self.pseudo:
            return self.pseudo[name]
        return self.info.refs[name]

    def get_att(self, logical: str, attr: str) -> str:
        return self.info.attrs[(logical, attr)]

    def sub(self, text: str, extra: dict[str, Any]) -> str:
        def one(m: re.Match[str]) -> str:
            name = m.group(1)
            if name in extra:
                return str(self(extra[name]))
            if "." in name and not name.startswith("AWS::"):
                logical, attr = name.split(".", 1)
                return self.get_att(logical, attr)
            return self.ref(name)

        return re.sub(r"\$\{([^}!]+)\}", one, text)

    def __call__(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self(x) for x in node]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, value),) = node.items()
            if key == "Ref":
                return self.ref(value)
            if key == "Fn::GetAtt":
                logical, attr = value if isinstance(value, list) else value.split(".", 1)
                return self.get_att(logical, attr)
            if key == "Fn::Sub":
                if isinstance(value, list):
                    return self.sub(value[0], value[1])
                return self.sub(value, {})
            if key == "Fn::Join":
                return str(value[0]).join(str(self(x)) for x in self(value[1]))
            if key == "Fn::Equals":
                a, b = self(value)
                return a == b
            if key == "Fn::Not":
                return not self(value[0])
            if key == "Fn::If":
                name, yes, no = value
                return self(yes if self.conditions[name] else no)
            if key == "Condition":
                return self.conditions[value]
        return {k: self(v) for k, v in node.items()}


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("auditor/__init__.py", "")
    return buf.getvalue()


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation lifecycle rule in the S3 API's shape."""
    out: dict[str, Any] = {"ID": rule["Id"], "Status": rule["Status"]}
    out["Filter"] = {"Prefix": rule.get("Prefix", "")}
    expiration: dict[str, Any] = {}
    if "ExpirationInDays" in rule:
        expiration["Days"] = int(rule["ExpirationInDays"])
    if rule.get("ExpiredObjectDeleteMarker"):
        expiration["ExpiredObjectDeleteMarker"] = True
    if expiration:
        out["Expiration"] = expiration
    if "NoncurrentVersionExpiration" in rule:
        days = rule["NoncurrentVersionExpiration"]["NoncurrentDays"]
        out["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(days)}
    if "AbortIncompleteMultipartUpload" in rule:
        days = rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]
        out["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": int(days)}
    return out


#: Creation order: a resource comes after those its properties refer to.
ORDER = (
    "AWS::KMS::Key",
    "AWS::KMS::Alias",
    "AWS::S3::Bucket",
    "AWS::S3::BucketPolicy",
    "AWS::SNS::Topic",
    "AWS::SNS::TopicPolicy",
    "AWS::SNS::Subscription",
    "AWS::SQS::Queue",
    "AWS::SQS::QueuePolicy",
    "AWS::Logs::LogGroup",
    "AWS::IAM::Role",
    "AWS::Lambda::Function",
    "AWS::Lambda::EventInvokeConfig",
    "AWS::CloudWatch::Alarm",
    "AWS::Scheduler::Schedule",
)


def build_stack(client: ClientFn, region: str = "us-west-2") -> StackInfo:
    """Create the stack's resources with the unguarded ``client(service, region)``."""
    template = transformed_template(region=region)
    account = str(client("sts", region).get_caller_identity()["Account"])
    info = StackInfo(region=region, account_id=account)
    resolve = _Resolver(template, info)
    resources: dict[str, Any] = template["Resources"]
    unknown = {r["Type"] for r in resources.values()} - set(ORDER)
    assert not unknown, f"the stack builder does not know {unknown}"
    roles_last: list[str] = []

    def physical(logical: str) -> str:
        return f"{STACK}-{logical}-0A1B2C3D".lower() if logical != "Scanner" else logical

    for kind in ORDER:
        for logical, spec in resources.items():
            if spec["Type"] != kind:
                continue
            if "Condition" in spec and not resolve.conditions[spec["Condition"]]:
                continue
            # A role's policies may name the function (scheduler role): create it after.
            if kind == "AWS::IAM::Role" and _mentions(spec, "Scanner"):
                roles_last.append(logical)
                continue
            _create(client, region, resolve, info, logical, spec, physical(logical))
            info.types[logical] = kind
            if kind == "AWS::Lambda::Function":
                for role in roles_last:
                    _create(client, region, resolve, info, role, resources[role], physical(role))
                    info.types[role] = "AWS::IAM::Role"
                roles_last.clear()
    assert not roles_last
    return info


def _mentions(node: Any, logical: str) -> bool:
    text = json.dumps(node)
    return f'"{logical}"' in text or f"${{{logical}." in text


def _create(
    client: ClientFn,
    region: str,
    resolve: _Resolver,
    info: StackInfo,
    logical: str,
    spec: dict[str, Any],
    name: str,
) -> None:
    props = resolve(spec.get("Properties", {}))
    kind = spec["Type"]
    account = info.account_id
    if kind == "AWS::KMS::Key":
        kms = client("kms", region)
        key = kms.create_key(
            Description=props["Description"], Policy=json.dumps(props["KeyPolicy"])
        )
        key_id = key["KeyMetadata"]["KeyId"]
        if props.get("EnableKeyRotation"):
            kms.enable_key_rotation(KeyId=key_id)
        info.refs[logical] = key_id
        info.attrs[(logical, "Arn")] = key["KeyMetadata"]["Arn"]
    elif kind == "AWS::KMS::Alias":
        client("kms", region).create_alias(
            AliasName=props["AliasName"], TargetKeyId=props["TargetKeyId"]
        )
        info.refs[logical] = props["AliasName"]
    elif kind == "AWS::S3::Bucket":
        name = props.get("BucketName", name)
        s3 = client("s3", region)
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": r["ServerSideEncryptionByDefault"],
                        "BucketKeyEnabled": bool(r.get("BucketKeyEnabled", False)),
                    }
                    for r in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
                ]
            },
        )
        s3.put_bucket_versioning(
            Bucket=name, VersioningConfiguration=props["VersioningConfiguration"]
        )
        s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"],
        )
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=props["OwnershipControls"])
        s3.put_bucket_lifecycle_configuration(
            Bucket=name,
            LifecycleConfiguration={
                "Rules": [_lifecycle_rule(r) for r in props["LifecycleConfiguration"]["Rules"]]
            },
        )
        info.refs[logical] = name
        info.attrs[(logical, "Arn")] = f"arn:aws:s3:::{name}"
    elif kind == "AWS::S3::BucketPolicy":
        client("s3", region).put_bucket_policy(
            Bucket=props["Bucket"], Policy=json.dumps(props["PolicyDocument"])
        )
    elif kind == "AWS::SNS::Topic":
        name = props.get("TopicName", name)
        arn = client("sns", region).create_topic(
            Name=name,
            Attributes={
                "DisplayName": props["DisplayName"],
                "KmsMasterKeyId": props["KmsMasterKeyId"],
            },
        )["TopicArn"]
        info.refs[logical] = arn
        info.attrs[(logical, "TopicArn")] = arn
    elif kind == "AWS::SNS::TopicPolicy":
        for topic in props["Topics"]:
            client("sns", region).set_topic_attributes(
                TopicArn=topic,
                AttributeName="Policy",
                AttributeValue=json.dumps(props["PolicyDocument"]),
            )
    elif kind == "AWS::SNS::Subscription":
        client("sns", region).subscribe(
            TopicArn=props["TopicArn"], Protocol=props["Protocol"], Endpoint=props["Endpoint"]
        )
    elif kind == "AWS::SQS::Queue":
        sqs = client("sqs", region)
        url = sqs.create_queue(
            QueueName=name,
            Attributes={
                "SqsManagedSseEnabled": str(props["SqsManagedSseEnabled"]).lower(),
                "MessageRetentionPeriod": str(props["MessageRetentionPeriod"]),
            },
        )["QueueUrl"]
        info.refs[logical] = url
        info.attrs[(logical, "Arn")] = f"arn:aws:sqs:{region}:{account}:{name}"
        info.attrs[(logical, "QueueName")] = name
    elif kind == "AWS::SQS::QueuePolicy":
        for url in props["Queues"]:
            client("sqs", region).set_queue_attributes(
                QueueUrl=url, Attributes={"Policy": json.dumps(props["PolicyDocument"])}
            )
    elif kind == "AWS::Logs::LogGroup":
        logs = client("logs", region)
        group = props["LogGroupName"]
        logs.create_log_group(logGroupName=group)
        logs.put_retention_policy(logGroupName=group, retentionInDays=int(props["RetentionInDays"]))
        info.refs[logical] = group
        info.attrs[(logical, "Arn")] = f"arn:aws:logs:{region}:{account}:log-group:{group}:*"
    elif kind == "AWS::IAM::Role":
        iam = client("iam", region)
        role = iam.create_role(
            RoleName=name,
            AssumeRolePolicyDocument=json.dumps(props["AssumeRolePolicyDocument"]),
            Description=props.get("Description", ""),
        )["Role"]
        for arn in props.get("ManagedPolicyArns", []):
            iam.attach_role_policy(RoleName=name, PolicyArn=arn)
        for policy in props.get("Policies", []):
            # SAM's generated policies have no Version: IAM accepts that, moto does not.
            document = {"Version": "2012-10-17", **policy["PolicyDocument"]}
            iam.put_role_policy(
                RoleName=name, PolicyName=policy["PolicyName"], PolicyDocument=json.dumps(document)
            )
        info.refs[logical] = name
        info.attrs[(logical, "Arn")] = role["Arn"]
    elif kind == "AWS::Lambda::Function":
        fn = client("lambda", region).create_function(
            FunctionName=props["FunctionName"],
            Description=props["Description"],
            Runtime=props["Runtime"],
            Role=props["Role"],
            Handler=props["Handler"],
            Code={"ZipFile": _zip()},
            MemorySize=int(props["MemorySize"]),
            Timeout=int(props["Timeout"]),
            Architectures=props["Architectures"],
            Environment={
                "Variables": {k: str(v) for k, v in props["Environment"]["Variables"].items()}
            },
            LoggingConfig=props["LoggingConfig"],
        )
        info.refs[logical] = fn["FunctionName"]
        info.attrs[(logical, "Arn")] = fn["FunctionArn"]
    elif kind == "AWS::Lambda::EventInvokeConfig":
        client("lambda", region).put_function_event_invoke_config(
            FunctionName=props["FunctionName"],
            Qualifier=props["Qualifier"],
            MaximumRetryAttempts=int(props["MaximumRetryAttempts"]),
            MaximumEventAgeInSeconds=int(props["MaximumEventAgeInSeconds"]),
            DestinationConfig=props["DestinationConfig"],
        )
    elif kind == "AWS::CloudWatch::Alarm":
        client("cloudwatch", region).put_metric_alarm(
            AlarmName=name,
            AlarmDescription=props["AlarmDescription"],
            Namespace=props["Namespace"],
            MetricName=props["MetricName"],
            Dimensions=props["Dimensions"],
            Statistic=props["Statistic"],
            Period=int(props["Period"]),
            EvaluationPeriods=int(props["EvaluationPeriods"]),
            Threshold=float(props["Threshold"]),
            ComparisonOperator=props["ComparisonOperator"],
            TreatMissingData=props["TreatMissingData"],
            AlarmActions=props["AlarmActions"],
        )
        info.refs[logical] = name
        info.attrs[(logical, "Arn")] = f"arn:aws:cloudwatch:{region}:{account}:alarm:{name}"
    elif kind == "AWS::Scheduler::Schedule":
        target = dict(props["Target"])
        schedule = client("scheduler", region).create_schedule(
            Name=name,
            Description=props["Description"],
            ScheduleExpression=props["ScheduleExpression"],
            ScheduleExpressionTimezone=props["ScheduleExpressionTimezone"],
            FlexibleTimeWindow={
                k: (int(v) if k == "MaximumWindowInMinutes" else v)
                for k, v in props["FlexibleTimeWindow"].items()
            },
            Target={
                **target,
                "RetryPolicy": {k: int(v) for k, v in target["RetryPolicy"].items()},
            },
        )
        info.refs[logical] = name
        info.attrs[(logical, "Arn")] = schedule["ScheduleArn"]
    else:  # pragma: no cover - ORDER lists every handled type
        raise AssertionError(kind)
