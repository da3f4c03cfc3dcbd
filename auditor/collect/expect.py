"""Every AWS answer is checked before a collector reads it.

botocore is lenient with a bad answer: a JSON body that is not JSON is
parsed as ``{"message": <text>}`` and returned as a success, and members
of the wrong type pass through. A collector reading it would then crash
(``KeyError``) or, worse, see "no resources" and let rules PASS. So one
``after-call`` hook, installed on the scanning session, checks each
successful answer:

1. a JSON-protocol body (``json``, ``rest-json``) is a JSON object;
2. every member present has the type botocore's service model gives it
   (structure, list, map, string, number, boolean...), recursively;
3. the keys the collectors read by index are present: :data:`EXPECTED`,
   one entry per operation, as paths (``clusters[].clusterArn``: the list
   ``clusters`` is there and each item has ``clusterArn``; a ``?`` after a
   name makes that member optional).

An answer failing a check raises :class:`MalformedResponse`, a
``ClientError`` with the code ``malformed_response``: the runner records
it as a gap like any failed call. XML bodies botocore cannot parse raise
``ResponseParserError`` before this hook; :func:`current_operation` names
the operation for that gap.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

#: Error code (and gap error code) of an answer that is not what the API promises.
MALFORMED = "malformed_response"

#: What the collectors read by index, per ``client:Operation`` (boto3 client name).
EXPECTED: dict[str, tuple[str, ...]] = {
    "sts:GetCallerIdentity": ("Account", "Arn"),
    # EC2 (query protocol)
    "ec2:DescribeRegions": ("Regions[].RegionName",),
    "ec2:DescribeInstances": ("Reservations[].Instances?[].InstanceId",),
    "ec2:DescribeVpcs": ("Vpcs[].VpcId",),
    "ec2:DescribeSubnets": ("Subnets[].SubnetId",),
    "ec2:DescribeRouteTables": ("RouteTables[].RouteTableId",),
    "ec2:DescribeInternetGateways": ("InternetGateways[].InternetGatewayId",),
    "ec2:DescribeNatGateways": ("NatGateways[].NatGatewayId",),
    "ec2:DescribeNetworkAcls": (
        "NetworkAcls[].NetworkAclId",
        "NetworkAcls[].Entries?[].RuleNumber",
    ),
    "ec2:DescribeSecurityGroups": ("SecurityGroups[].GroupId",),
    "ec2:DescribeNetworkInterfaces": ("NetworkInterfaces[].NetworkInterfaceId",),
    "ec2:DescribeFlowLogs": ("FlowLogs[].FlowLogId",),
    "ec2:DescribeVpcEndpoints": ("VpcEndpoints[].VpcEndpointId",),
    "ec2:GetEbsEncryptionByDefault": ("EbsEncryptionByDefault",),
    # IAM (query protocol)
    "iam:GetAccountAuthorizationDetails": (
        "UserDetailList[].UserName",
        "UserDetailList[].Arn",
        "UserDetailList[].UserId",
        "GroupDetailList[].GroupName",
        "GroupDetailList[].Arn",
        "GroupDetailList[].GroupId",
        "RoleDetailList[].RoleName",
        "RoleDetailList[].Arn",
        "RoleDetailList[].RoleId",
        "Policies[].Arn",
    ),
    "iam:GetAccountSummary": ("SummaryMap",),
    "iam:GetAccountPasswordPolicy": ("PasswordPolicy",),
    "iam:GenerateCredentialReport": (),
    "iam:GetCredentialReport": ("Content",),
    "iam:ListOpenIDConnectProviders": ("OpenIDConnectProviderList[].Arn",),
    "iam:GetOpenIDConnectProvider": (),
    "iam:ListSAMLProviders": ("SAMLProviderList[].Arn",),
    # RDS (query protocol)
    "rds:DescribeDBSubnetGroups": ("DBSubnetGroups",),
    "rds:DescribeDBClusters": ("DBClusters[].DBClusterIdentifier",),
    "rds:DescribeDBInstances": ("DBInstances[].DBInstanceIdentifier",),
    # Secrets Manager (JSON)
    "secretsmanager:ListSecrets": ("SecretList[].ARN", "SecretList[].Name"),
    "secretsmanager:GetResourcePolicy": ("ARN",),
    # CloudTrail (JSON) and the trail bucket (S3, rest-xml)
    "cloudtrail:DescribeTrails": ("trailList[].TrailARN", "trailList[].Name"),
    "cloudtrail:GetTrailStatus": ("IsLogging",),
    "cloudtrail:GetEventSelectors": ("TrailARN",),
    "s3:GetPublicAccessBlock": ("PublicAccessBlockConfiguration",),
    "s3:GetBucketPolicyStatus": ("PolicyStatus",),
    # ECS (JSON)
    "ecs:ListClusters": ("clusterArns",),
    "ecs:DescribeClusters": ("clusters[].clusterArn", "clusters[].clusterName"),
    "ecs:ListServices": ("serviceArns",),
    "ecs:DescribeServices": ("services[].serviceArn", "services[].serviceName"),
    "ecs:ListTaskDefinitions": ("taskDefinitionArns",),
    "ecs:DescribeTaskDefinition": (
        "taskDefinition.taskDefinitionArn",
        "taskDefinition.family",
        "taskDefinition.revision",
        "taskDefinition.containerDefinitions[].name",
        "taskDefinition.containerDefinitions[].secrets?[].name",
        "taskDefinition.containerDefinitions[].secrets?[].valueFrom",
        "taskDefinition.containerDefinitions[].environment?[].name",
    ),
    # Lambda (rest-json)
    "lambda:ListFunctions": ("Functions[].FunctionArn", "Functions[].FunctionName"),
    "lambda:GetPolicy": ("Policy",),
    "lambda:GetFunctionUrlConfig": ("FunctionUrl", "AuthType"),
    # CloudWatch (query protocol) and Logs (JSON)
    "cloudwatch:ListDashboards": (
        "DashboardEntries[].DashboardName",
        "DashboardEntries[].DashboardArn",
    ),
    "cloudwatch:DescribeAlarms": (
        "MetricAlarms?[].AlarmName",
        "MetricAlarms?[].AlarmArn",
        "CompositeAlarms?[].AlarmName",
        "CompositeAlarms?[].AlarmArn",
    ),
    "logs:DescribeLogGroups": ("logGroups[].logGroupName",),
    "logs:DescribeMetricFilters": (
        "metricFilters[].filterName",
        "metricFilters[].metricTransformations?[].metricNamespace",
        "metricFilters[].metricTransformations?[].metricName",
    ),
    "logs:DescribeQueryDefinitions": ("queryDefinitions[].queryDefinitionId",),
    # ECR (JSON)
    "ecr:DescribeRepositories": (
        "repositories[].repositoryArn",
        "repositories[].repositoryName",
        "repositories[].registryId",
    ),
    "ecr:GetLifecyclePolicy": ("repositoryName",),
    "ecr:GetRegistryScanningConfiguration": ("scanningConfiguration",),
    # CodePipeline, CodeBuild (JSON)
    "codepipeline:ListPipelines": ("pipelines[].name",),
    "codepipeline:GetPipeline": ("pipeline.name", "pipeline.stages?[].name"),
    "codebuild:ListProjects": ("projects",),
    "codebuild:BatchGetProjects": ("projects[].name", "projects[].arn"),
    # Detection (rest-json, JSON)
    "guardduty:ListDetectors": ("DetectorIds",),
    "guardduty:GetDetector": ("Status",),
    "config:DescribeConfigurationRecorders": ("ConfigurationRecorders[].name",),
    "config:DescribeConfigurationRecorderStatus": ("ConfigurationRecordersStatus[].name",),
    "accessanalyzer:ListAnalyzers": ("analyzers[].arn", "analyzers[].name"),
}

_JSON_PROTOCOLS = frozenset({"json", "rest-json"})

#: Python types botocore gives each scalar shape type.
_SCALARS: dict[str, tuple[type, ...]] = {
    # botocore's own handlers decode some JSON documents in strings (IAM policies).
    "string": (str, dict),
    "integer": (int,),
    "long": (int,),
    "boolean": (bool,),
    "float": (int, float),
    "double": (int, float),
    "timestamp": (datetime, str, int, float),
    "blob": (bytes, bytearray, str),
}

_local = threading.local()


class MalformedResponse(ClientError):
    """A successful answer that is not what the API promises (code ``malformed_response``)."""

    def __init__(self, operation: str, problem: str, status: int = 200) -> None:
        super().__init__(
            {
                "Error": {
                    "Code": MALFORMED,
                    "Message": f"HTTP {status} answer is not what the API promises: {problem}",
                },
            },
            operation,
        )


def operation_key(model: Any) -> str:
    """``client:Operation`` of an operation model (``ecs:DescribeClusters``)."""
    return f"{model.service_model.service_name}:{model.name}"


def current_operation() -> str:
    """The operation this thread called last (names a gap whose exception does not)."""
    return str(getattr(_local, "operation", ""))


def remember_operation(exc: BaseException) -> None:
    """Tag ``exc`` with this thread's last operation, before it reaches another thread."""
    if not hasattr(exc, "operation_name") and not hasattr(exc, "auditor_operation"):
        exc.auditor_operation = current_operation()  # type: ignore[attr-defined]


def operation_of(exc: BaseException) -> str:
    """The operation an exception came from (its own, a remembered one, or this thread's)."""
    named = getattr(exc, "operation_name", None) or getattr(exc, "auditor_operation", None)
    return str(named) if named else current_operation()


def note_operation(model: Any, **_: Any) -> None:
    """botocore ``before-call`` hook: remember the operation this thread is calling."""
    _local.operation = str(model.name)


def _type_problem(value: Any, shape: Any, where: str) -> str | None:
    """The first member whose type is not the one the service model gives it."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return f"{where or 'the answer'} is not an object"
        members = shape.members
        for name, item in value.items():
            if name in members and item is not None:
                problem = _type_problem(item, members[name], f"{where}.{name}" if where else name)
                if problem:
                    return problem
        return None
    if kind == "list":
        if not isinstance(value, list):
            return f"{where} is not a list"
        for i, item in enumerate(value):
            problem = _type_problem(item, shape.member, f"{where}[{i}]")
            if problem:
                return problem
        return None
    if kind == "map":
        if not isinstance(value, dict):
            return f"{where} is not a map"
        for key, item in value.items():
            problem = _type_problem(item, shape.value, f"{where}[{key!r}]")
            if problem:
                return problem
        return None
    expected = _SCALARS.get(kind)
    if expected is None:  # document and any future type: not checked
        return None
    if not isinstance(value, expected) or (kind != "boolean" and isinstance(value, bool)):
        return f"{where} is {type(value).__name__}, not {kind}"
    return None


def _path_problem(value: Any, segments: list[str], where: str) -> str | None:
    """The first place where ``segments`` (one :data:`EXPECTED` path) is not satisfied."""
    if not segments:
        return None
    segment, rest = segments[0], segments[1:]
    many = segment.endswith("[]")
    name = segment.removesuffix("[]")
    optional = name.endswith("?")
    name = name.removesuffix("?")
    if not isinstance(value, dict):
        return f"{where or 'the answer'} is not an object"
    child = value.get(name)
    if child is None:
        return None if optional else f"{where}{name} is missing"
    if not many:
        return _path_problem(child, rest, f"{where}{name}.")
    if not isinstance(child, list):
        return f"{where}{name} is not a list"
    for i, item in enumerate(child):
        problem = _path_problem(item, rest, f"{where}{name}[{i}].")
        if problem:
            return problem
    return None


def problem_with(model: Any, body: bytes | None, parsed: dict[str, Any]) -> str | None:
    """Why a successful answer is malformed, or None when it is what the API promises.

    ``body`` is the raw HTTP body (None when there was no HTTP exchange).
    """
    protocol = model.service_model.resolved_protocol
    output = model.output_shape
    payload = output.serialization.get("payload") if output is not None else None
    if protocol in _JSON_PROTOCOLS and body and body.strip() and not payload:
        try:
            doc = json.loads(body)
        except ValueError:
            return "the body is not JSON"
        if not isinstance(doc, dict):
            return "the body is not a JSON object"
    if output is not None:
        problem = _type_problem(parsed, output, "")
        if problem:
            return problem
    for path in EXPECTED.get(operation_key(model), ()):
        problem = _path_problem(parsed, path.split("."), "")
        if problem:
            return problem
    return None


def check_response(
    http_response: Any = None, parsed: Any = None, model: Any = None, **_: Any
) -> None:
    """botocore ``after-call`` hook: raise :class:`MalformedResponse` for a malformed answer."""
    if http_response is None or model is None or not isinstance(parsed, dict):
        return
    status = int(getattr(http_response, "status_code", 0) or 0)
    if status >= 300 or model.has_streaming_output:
        return
    try:
        body: bytes | None = http_response.content
    except AttributeError:  # an answer made up before sending (a stub): no HTTP body
        body = None
    problem = problem_with(model, body, parsed)
    if problem:
        raise MalformedResponse(str(model.name), problem, status)


def install_response_checks(events: Any) -> None:
    """Register the checks on a botocore event emitter (a session's ``events``)."""
    events.register("before-call", note_operation, unique_id="auditor-note-operation")
    events.register("after-call", check_response, unique_id="auditor-check-response")
