"""The reference architecture: the account the hand-written review judged, built through the API.

``build_reference(client, region)`` creates, with the clients the caller
injects (``client(service, region)`` returns an *unguarded* boto3 client):

Network
    VPC ``10.0.0.0/16``; two public subnets (route ``0.0.0.0/0`` to an internet
    gateway) and two private subnets (route ``0.0.0.0/0`` to a NAT gateway in
    the first public subnet), one per availability zone.
Security groups
    ``ecs-tasks-sg`` and ``db-query-lambda-sg`` (no ingress, default egress),
    ``rds-sg`` admitting only those two groups on 5432.
Data
    RDS PostgreSQL ``trading-db`` in a DB subnet group of the private subnets:
    not public, encrypted, deletion protection, 7-day backups.
Compute
    ECS Fargate cluster ``ops-pipeline-cluster`` (Container Insights
    disabled) running ``dispatcher-service``, ``signal-engine-service`` and
    ``market-data-service`` in the private subnets without public addresses.
    Each task definition pulls ``<repo>:latest`` from ECR, logs with awslogs
    to ``/ecs/<name>`` and takes its credentials from Secrets Manager through
    ``secrets``/``valueFrom``; each service has its own task role, all share
    one execution role. Lambda ``db-query-bridge`` (python3.12) runs in the
    private subnets with ``db-query-lambda-sg`` and a role scoped to the one
    DB secret, its own log group and the VPC ENI actions.
Secrets
    ``ops-pipeline/db-credentials`` (rotation rules: every 30 days) and
    ``ops-pipeline/alpaca-api-key`` (no rotation: a broker key is rotated by
    hand at the broker).
Audit logging
    Multi-region trail ``ops-pipeline-trail``: log file validation, a KMS key,
    an S3 bucket with the full public access block, CloudWatch Logs delivery,
    logging started, the default all-management-events selector put
    explicitly. Log groups ``/ecs/*``, ``/aws/lambda/db-query-bridge`` (30
    days) and the trail's group (365 days). GuardDuty detector enabled.
S3
    Block Public Access on for the whole account; the trail and flow-log
    buckets also block it themselves and refuse plain HTTP.
Images and deployment
    One ECR repository per service (scan on push, MUTABLE tags, no lifecycle
    policy), each holding a ``latest`` image. The GitHub Actions OIDC
    provider and ``GitHubActionsDeployRole`` trusting it with ``aud`` and
    ``sub`` (main branch of one repository) conditions, allowed to push to
    the three repositories and to update the three services. No CodePipeline,
    no CodeBuild, no dashboards, no alarms, no metric filters, no saved
    Logs Insights queries.

Choices made where the review is silent
---------------------------------------
* GuardDuty is enabled and no AWS Config recorder exists: the review grades
  Audit Logging "A", not "A+" ("CloudTrail, CloudWatch"), and Config is the
  usual missing piece of a solo account. IAM Access Analyzer would be
  created too, but moto cannot (see below).
* ``GitHubActionsDeployRole`` exists although the review says "CI/CD: None":
  the review's own workflow snippet assumes such a role
  (``role-to-assume: .../GitHubActions``), and the OIDC trust rules need one
  to judge. There is still no pipeline.
* The execution role is shared by the three services of one application
  (all tagged ``Project=ops-pipeline``); task roles are per service.
* The review grades Defense in Depth A+, so the account has the baseline
  hardening such a grade implies: VPC flow logs (all traffic, to S3), EBS
  encryption by default, and the application VPC's default security group
  stripped of its rules. The unused default VPC is left as AWS makes it (the
  rules skip unused default VPCs). Public subnets do not map public IPs on
  launch.
* Every planted secret value and environment value is listed in
  :attr:`ReferenceInfo.planted_values`: none may ever appear in a snapshot.

What moto cannot represent
--------------------------
(moto 5.2; measured, see ``docs/contributing.md``.)

* **ECS deployment circuit breaker**: requested (enabled, with rollback) but
  moto drops ``deploymentConfiguration``, so a snapshot shows it disabled.
* **AWS-managed network interfaces** of RDS, Lambda-in-VPC and Fargate tasks
  are never created by moto: stand-in ENIs with AWS's descriptions are
  created in the private subnets with the right security groups.
  ``requester_id``/``interface_type`` cannot be set, so they look like
  ordinary interfaces.
* **IAM Access Analyzer** is not implemented at all (every call answers
  HTTP 500, or 404 in-process): no analyzer is created, and a collection
  records an error gap for the ``accessanalyzer`` unit.
* **Saved Logs Insights queries**: ``logs:DescribeQueryDefinitions`` is not
  implemented, so the ``logs-queries`` unit records an error gap. The
  reference has no saved queries anyway (the review recommends adding them).
* **Secret rotation Lambda**: setting one makes moto invoke it through Docker,
  so the DB secret has rotation *rules* (enabled, 30 days) and no
  rotation function ARN. ``LastAccessedDate`` is never set by moto.
* **Root account state**: no API sets root MFA, and moto hard-codes it off.
  When moto runs in the same process, ``auditor.demo.simulator.set_root_mfa``
  turns it on (the review's "no root access anywhere"); this builder, which
  only talks to the API, does not. Root access keys and last use cannot be set.
* **Lambda's VPC id**: moto answers ``VpcConfig.VpcId`` with a fixed
  ``vpc-123abc`` whatever the subnets; the subnet and security group ids are
  right.
* **Running tasks**: services report desired counts; moto starts no tasks.
* AWS managed policies are not loaded by default, so the execution role
  carries an inline equivalent of ``AmazonECSTaskExecutionRolePolicy`` scoped
  to the three repositories, log groups and secrets.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: ``client(service, region)`` -> an unguarded boto3 client (injected by the caller).
ClientFn = Callable[[str, str], Any]

PROJECT = "ops-pipeline"
CLUSTER = "ops-pipeline-cluster"
#: Service short names: ``<name>-service``, task family ``<name>``, log group
#: ``/ecs/<name>``, ECR repository ``<name>``, task role ``<name>-task-role``.
SERVICE_NAMES = ("dispatcher", "signal-engine", "market-data")
#: Services that also need the broker API key.
_NEEDS_BROKER_KEY = frozenset({"dispatcher", "market-data"})
EXECUTION_ROLE = "ops-pipeline-ecs-execution-role"
FUNCTION = "db-query-bridge"
FUNCTION_ROLE = "db-query-bridge-role"
DB_INSTANCE = "trading-db"
DB_SUBNET_GROUP = "trading-db-subnets"
DB_NAME = "trading"
DB_PORT = 5432
DB_SECRET = "ops-pipeline/db-credentials"
BROKER_SECRET = "ops-pipeline/alpaca-api-key"
TRAIL = "ops-pipeline-trail"
TRAIL_LOG_GROUP = "aws-cloudtrail-logs-ops-pipeline"
TRAIL_ROLE = "ops-pipeline-trail-cloudwatch-role"
DEPLOY_ROLE = "GitHubActionsDeployRole"
GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_REPOSITORY = "example-trader/ops-pipeline"
GITHUB_SUBJECT = f"repo:{GITHUB_REPOSITORY}:ref:refs/heads/main"
LOG_RETENTION_DAYS = 30
TRAIL_LOG_RETENTION_DAYS = 365

# Planted values: present in the account, never allowed in a snapshot.
_DB_PASSWORD = "demo-only-Pw-7c1f9e2ab84d03f6"
_BROKER_KEY = "PKDEMO7Q2W9E4R1T6Y3U"
_BROKER_SECRET_KEY = "demo-only-broker-secret-5b8e0d2c9a17"
_BROKER_BASE_URL = "https://paper-api.alpaca.markets"
_ALLOWED_SCHEMAS = "market_data,signals,trades,audit_log"

_TAGS = [{"Key": "Project", "Value": PROJECT}]
_POLICY_VERSION = "2012-10-17"


@dataclass(frozen=True)
class ReferenceInfo:
    """Names and ids of what :func:`build_reference` created."""

    region: str
    account_id: str
    vpc_id: str
    public_subnet_ids: tuple[str, ...]
    private_subnet_ids: tuple[str, ...]
    internet_gateway_id: str
    nat_gateway_id: str
    ecs_tasks_sg_id: str
    lambda_sg_id: str
    rds_sg_id: str
    db_instance_id: str
    db_subnet_group: str
    cluster_name: str
    service_names: tuple[str, ...]
    task_families: tuple[str, ...]
    execution_role_name: str
    task_role_names: tuple[str, ...]
    function_name: str
    function_role_name: str
    db_secret_name: str
    db_secret_arn: str
    broker_secret_name: str
    trail_name: str
    trail_bucket: str
    trail_kms_key_arn: str
    trail_log_group: str
    trail_role_name: str
    log_group_names: tuple[str, ...]
    repository_names: tuple[str, ...]
    oidc_provider_arn: str
    deploy_role_name: str
    guardduty_detector_id: str
    #: Secret values and environment values planted in the account; a
    #: snapshot must never contain any of them.
    planted_values: tuple[str, ...]

    @property
    def secret_names(self) -> tuple[str, ...]:
        return (self.db_secret_name, self.broker_secret_name)

    @property
    def role_names(self) -> tuple[str, ...]:
        return (
            self.execution_role_name,
            *self.task_role_names,
            self.function_role_name,
            self.trail_role_name,
            self.deploy_role_name,
        )


# --------------------------------------------------------------------- helpers


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": _POLICY_VERSION, "Statement": list(statements)})


def _allow(actions: list[str], resources: list[str] | str, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def _trust(service: str) -> str:
    return _doc({"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"})


def _role(iam: Any, name: str, trust: str, policy: str, description: str) -> str:
    arn = iam.create_role(
        RoleName=name, AssumeRolePolicyDocument=trust, Description=description, Tags=_TAGS
    )["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName=f"{name}-policy", PolicyDocument=policy)
    return str(arn)


def _repository_arns(account_id: str, region: str) -> list[str]:
    return [f"arn:aws:ecr:{region}:{account_id}:repository/{n}" for n in SERVICE_NAMES]


def _name_tag(name: str) -> list[dict[str, Any]]:
    return [{"Key": "Name", "Value": name}, *_TAGS]


def _lambda_zip() -> bytes:
    """A tiny deterministic deployment package (never invoked)."""
    source = (
        "import json\n\n\n"
        "def handler(event, context):\n"
        '    return {"statusCode": 501, "body": json.dumps("demo: not connected")}\n'
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("handler.py", date_time=(2024, 1, 1, 0, 0, 0)), source)
    return buf.getvalue()


# -------------------------------------------------------------------- network


@dataclass(frozen=True)
class _Network:
    vpc_id: str
    public: tuple[str, ...]
    private: tuple[str, ...]
    igw_id: str
    nat_id: str


def _network(ec2: Any, region: str) -> _Network:
    vpc_id = ec2.create_vpc(
        CidrBlock="10.0.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": _name_tag(f"{PROJECT}-vpc")}],
    )["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})

    def subnet(cidr: str, az: str, name: str) -> str:
        return str(
            ec2.create_subnet(
                VpcId=vpc_id,
                CidrBlock=cidr,
                AvailabilityZone=f"{region}{az}",
                TagSpecifications=[{"ResourceType": "subnet", "Tags": _name_tag(name)}],
            )["Subnet"]["SubnetId"]
        )

    public = (
        subnet("10.0.0.0/24", "a", f"{PROJECT}-public-a"),
        subnet("10.0.1.0/24", "b", f"{PROJECT}-public-b"),
    )
    private = (
        subnet("10.0.10.0/24", "a", f"{PROJECT}-private-a"),
        subnet("10.0.11.0/24", "b", f"{PROJECT}-private-b"),
    )

    igw_id = ec2.create_internet_gateway(
        TagSpecifications=[
            {"ResourceType": "internet-gateway", "Tags": _name_tag(f"{PROJECT}-igw")}
        ]
    )["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)

    def route_table(name: str, subnets: tuple[str, ...], **target: str) -> None:
        rt = ec2.create_route_table(
            VpcId=vpc_id,
            TagSpecifications=[{"ResourceType": "route-table", "Tags": _name_tag(name)}],
        )["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", **target)
        for subnet_id in subnets:
            ec2.associate_route_table(RouteTableId=rt, SubnetId=subnet_id)

    route_table(f"{PROJECT}-public-rt", public, GatewayId=igw_id)
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat_id = ec2.create_nat_gateway(
        SubnetId=public[0],
        AllocationId=eip,
        TagSpecifications=[{"ResourceType": "natgateway", "Tags": _name_tag(f"{PROJECT}-nat")}],
    )["NatGateway"]["NatGatewayId"]
    route_table(f"{PROJECT}-private-rt", private, NatGatewayId=nat_id)
    return _Network(str(vpc_id), public, private, str(igw_id), str(nat_id))


def _block_public_s3(s3control: Any, account_id: str) -> None:
    """S3 Block Public Access for the whole account (all four switches)."""
    from auditor.collect.session import keep_endpoint_host

    # S3 Control addresses <account>.<endpoint>: on a one-host endpoint, keep the host.
    s3control.meta.events.register("before-sign.s3-control", keep_endpoint_host)
    s3control.put_public_access_block(
        AccountId=account_id,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )


def _harden_network(ec2: Any, s3: Any, vpc_id: str, region: str, account_id: str) -> None:
    """Flow logs (to a private, TLS-only bucket), EBS encryption by default, a closed
    default security group."""
    bucket = f"{PROJECT}-flow-logs-{account_id}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=_doc(
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ),
    )
    out = ec2.create_flow_logs(
        ResourceIds=[vpc_id],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="s3",
        LogDestination=f"arn:aws:s3:::{bucket}",
    )
    if out.get("Unsuccessful"):
        raise RuntimeError(f"flow log not created: {out['Unsuccessful']}")
    ec2.enable_ebs_encryption_by_default()
    groups = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"]
    for group in groups:
        if group["IpPermissions"]:
            ec2.revoke_security_group_ingress(
                GroupId=group["GroupId"], IpPermissions=group["IpPermissions"]
            )
        if group["IpPermissionsEgress"]:
            ec2.revoke_security_group_egress(
                GroupId=group["GroupId"], IpPermissions=group["IpPermissionsEgress"]
            )


def _security_groups(ec2: Any, vpc_id: str) -> tuple[str, str, str]:
    """(ecs-tasks-sg, db-query-lambda-sg, rds-sg); only rds-sg has ingress."""

    def group(name: str, description: str) -> str:
        return str(
            ec2.create_security_group(
                GroupName=name,
                Description=description,
                VpcId=vpc_id,
                TagSpecifications=[{"ResourceType": "security-group", "Tags": _name_tag(name)}],
            )["GroupId"]
        )

    tasks = group("ecs-tasks-sg", "ECS Fargate tasks: no inbound")
    bridge = group("db-query-lambda-sg", "db-query-bridge Lambda: no inbound")
    rds = group("rds-sg", "trading-db: PostgreSQL from ECS tasks and the query bridge only")
    ec2.authorize_security_group_ingress(
        GroupId=rds,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": DB_PORT,
                "ToPort": DB_PORT,
                "UserIdGroupPairs": [
                    {"GroupId": tasks, "Description": "ECS tasks"},
                    {"GroupId": bridge, "Description": "db-query-bridge"},
                ],
            }
        ],
    )
    return tasks, bridge, rds


def _standin_enis(
    ec2: Any, subnets: tuple[str, ...], account_id: str, region: str, groups: dict[str, str]
) -> None:
    """ENIs AWS would create for RDS, the Lambda and the Fargate tasks (moto does not)."""
    descriptions = {
        "rds": ["RDSNetworkInterface"],
        "lambda": [
            f"AWS Lambda VPC ENI-{FUNCTION}-{i:08x}-0000-4000-8000-000000000000"
            for i in range(len(subnets))
        ],
        "ecs": [
            f"arn:aws:ecs:{region}:{account_id}:attachment/{i:08x}-demo-4000-8000-{n}"
            for i, n in enumerate(SERVICE_NAMES)
        ],
    }
    for kind, texts in descriptions.items():
        for i, text in enumerate(texts):
            ec2.create_network_interface(
                SubnetId=subnets[i % len(subnets)], Groups=[groups[kind]], Description=text
            )


# -------------------------------------------------------------------- secrets


def _secrets(sm: Any, db_host: str) -> tuple[str, str]:
    """(db secret ARN, broker secret ARN)."""
    db_arn = sm.create_secret(
        Name=DB_SECRET,
        Description="trading-db application credentials",
        SecretString=json.dumps(
            {
                "engine": "postgres",
                "host": db_host,
                "port": DB_PORT,
                "dbname": DB_NAME,
                "username": "trading_app",
                "password": _DB_PASSWORD,
            }
        ),
        Tags=_TAGS,
    )["ARN"]
    # Rotation rules only: a rotation function ARN would make moto invoke it via Docker.
    sm.rotate_secret(
        SecretId=DB_SECRET, RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False
    )
    broker_arn = sm.create_secret(
        Name=BROKER_SECRET,
        Description="Alpaca paper-trading API key (rotated by hand at the broker)",
        SecretString=json.dumps({"key_id": _BROKER_KEY, "secret_key": _BROKER_SECRET_KEY}),
        Tags=_TAGS,
    )["ARN"]
    return str(db_arn), str(broker_arn)


# ------------------------------------------------------------------------ RDS


def _database(rds: Any, private: tuple[str, ...], rds_sg: str) -> str:
    """Create ``trading-db``; returns its endpoint address."""
    rds.create_db_subnet_group(
        DBSubnetGroupName=DB_SUBNET_GROUP,
        DBSubnetGroupDescription="trading-db: private subnets only",
        SubnetIds=list(private),
        Tags=_TAGS,
    )
    db = rds.create_db_instance(
        DBInstanceIdentifier=DB_INSTANCE,
        Engine="postgres",
        EngineVersion="16.3",
        DBInstanceClass="db.t4g.micro",
        AllocatedStorage=20,
        DBName=DB_NAME,
        MasterUsername="trading_admin",
        MasterUserPassword=_DB_PASSWORD,
        DBSubnetGroupName=DB_SUBNET_GROUP,
        VpcSecurityGroupIds=[rds_sg],
        Port=DB_PORT,
        PubliclyAccessible=False,
        StorageEncrypted=True,
        DeletionProtection=True,
        BackupRetentionPeriod=7,
        MultiAZ=False,
        AutoMinorVersionUpgrade=True,
        CopyTagsToSnapshot=True,
        Tags=_TAGS,
    )["DBInstance"]
    return str(db.get("Endpoint", {}).get("Address", f"{DB_INSTANCE}.internal"))


# ---------------------------------------------------------------- ECR and logs


def _repositories(ecr: Any) -> dict[str, str]:
    """One repository per service, each holding a ``latest`` image; name -> URI."""
    uris: dict[str, str] = {}
    for name in SERVICE_NAMES:
        repo = ecr.create_repository(
            repositoryName=name,
            imageScanningConfiguration={"scanOnPush": True},
            imageTagMutability="MUTABLE",
            tags=[{"Key": "Project", "Value": PROJECT}],
        )["repository"]
        uris[name] = str(repo["repositoryUri"])
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 1024,
                "digest": "sha256:" + f"{name}-config".encode().hex().ljust(64, "0")[:64],
            },
            "layers": [],
        }
        ecr.put_image(repositoryName=name, imageManifest=json.dumps(manifest), imageTag="latest")
    return uris


def _log_groups(logs: Any) -> tuple[str, ...]:
    names = (*(f"/ecs/{n}" for n in SERVICE_NAMES), f"/aws/lambda/{FUNCTION}")
    for name in names:
        logs.create_log_group(logGroupName=name, tags={"Project": PROJECT})
        logs.put_retention_policy(logGroupName=name, retentionInDays=LOG_RETENTION_DAYS)
    return names


# ------------------------------------------------------------------------ IAM


@dataclass(frozen=True)
class _Roles:
    execution_arn: str
    task_arns: dict[str, str]
    function_arn: str


def _workload_roles(
    iam: Any, account_id: str, region: str, db_secret_arn: str, broker_secret_arn: str
) -> _Roles:
    ecs_log_arns = [
        f"arn:aws:logs:{region}:{account_id}:log-group:/ecs/{n}:*" for n in SERVICE_NAMES
    ]
    execution_arn = _role(
        iam,
        EXECUTION_ROLE,
        _trust("ecs-tasks.amazonaws.com"),
        _doc(
            _allow(["ecr:GetAuthorizationToken"], "*"),
            _allow(
                [
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchGetImage",
                ],
                _repository_arns(account_id, region),
            ),
            _allow(["logs:CreateLogStream", "logs:PutLogEvents"], ecs_log_arns),
            _allow(["secretsmanager:GetSecretValue"], [db_secret_arn, broker_secret_arn]),
        ),
        "Pulls images, writes logs and injects secrets for the ops-pipeline services",
    )
    task_arns = {
        name: _role(
            iam,
            f"{name}-task-role",
            _trust("ecs-tasks.amazonaws.com"),
            _doc(
                _allow(
                    ["cloudwatch:PutMetricData"],
                    "*",
                    Condition={"StringEquals": {"cloudwatch:namespace": f"OpsPipeline/{name}"}},
                )
            ),
            f"{name}-service task role: its own metrics namespace only",
        )
        for name in SERVICE_NAMES
    }
    function_log = f"arn:aws:logs:{region}:{account_id}:log-group:/aws/lambda/{FUNCTION}"
    function_arn = _role(
        iam,
        FUNCTION_ROLE,
        _trust("lambda.amazonaws.com"),
        _doc(
            _allow(["secretsmanager:GetSecretValue"], [db_secret_arn]),
            _allow(["logs:CreateLogStream", "logs:PutLogEvents"], [f"{function_log}:*"]),
            _allow(
                [
                    "ec2:CreateNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DeleteNetworkInterface",
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:UnassignPrivateIpAddresses",
                ],
                "*",
            ),
        ),
        "db-query-bridge: reads the DB secret, writes its logs, attaches to the VPC",
    )
    return _Roles(execution_arn, task_arns, function_arn)


def _github_deploy(iam: Any, account_id: str, region: str) -> str:
    """The GitHub Actions OIDC provider and the deploy role; returns the provider ARN."""
    provider_arn = str(
        iam.create_open_id_connect_provider(
            Url=f"https://{GITHUB_OIDC_HOST}",
            ClientIDList=["sts.amazonaws.com"],
            ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"],
            Tags=_TAGS,
        )["OpenIDConnectProviderArn"]
    )
    trust = _doc(
        {
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    f"{GITHUB_OIDC_HOST}:aud": "sts.amazonaws.com",
                    f"{GITHUB_OIDC_HOST}:sub": GITHUB_SUBJECT,
                }
            },
        }
    )
    service_arns = [
        f"arn:aws:ecs:{region}:{account_id}:service/{CLUSTER}/{n}-service" for n in SERVICE_NAMES
    ]
    _role(
        iam,
        DEPLOY_ROLE,
        trust,
        _doc(
            _allow(["ecr:GetAuthorizationToken"], "*"),
            _allow(
                [
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:InitiateLayerUpload",
                    "ecr:UploadLayerPart",
                    "ecr:CompleteLayerUpload",
                    "ecr:PutImage",
                    "ecr:BatchGetImage",
                ],
                _repository_arns(account_id, region),
            ),
            _allow(["ecs:UpdateService", "ecs:DescribeServices"], service_arns),
        ),
        f"GitHub Actions deploys from {GITHUB_REPOSITORY} (main): push images, roll services",
    )
    return provider_arn


# ------------------------------------------------------------------ workloads


def _ecs(
    ecs: Any,
    region: str,
    roles: _Roles,
    uris: dict[str, str],
    db_secret_arn: str,
    broker_secret_arn: str,
    db_host: str,
    private: tuple[str, ...],
    tasks_sg: str,
) -> None:
    """The cluster, one task definition (family ``<name>``) and one service per name."""
    ecs.create_cluster(
        clusterName=CLUSTER,
        settings=[{"name": "containerInsights", "value": "disabled"}],
        tags=[{"key": "Project", "value": PROJECT}],
    )
    for name in SERVICE_NAMES:
        secrets = [
            {"name": "DB_USERNAME", "valueFrom": f"{db_secret_arn}:username::"},
            {"name": "DB_PASSWORD", "valueFrom": f"{db_secret_arn}:password::"},
        ]
        environment = [
            {"name": "DB_HOST", "value": db_host},
            {"name": "DB_NAME", "value": DB_NAME},
            {"name": "LOG_LEVEL", "value": "INFO"},
        ]
        if name in _NEEDS_BROKER_KEY:
            secrets += [
                {"name": "ALPACA_API_KEY_ID", "valueFrom": f"{broker_secret_arn}:key_id::"},
                {"name": "ALPACA_API_SECRET_KEY", "valueFrom": f"{broker_secret_arn}:secret_key::"},
            ]
            environment.append({"name": "ALPACA_BASE_URL", "value": _BROKER_BASE_URL})
        td_arn = ecs.register_task_definition(
            family=name,
            taskRoleArn=roles.task_arns[name],
            executionRoleArn=roles.execution_arn,
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            containerDefinitions=[
                {
                    "name": name,
                    "image": f"{uris[name]}:latest",
                    "essential": True,
                    "environment": environment,
                    "secrets": secrets,
                    "logConfiguration": {
                        "logDriver": "awslogs",
                        "options": {
                            "awslogs-group": f"/ecs/{name}",
                            "awslogs-region": region,
                            "awslogs-stream-prefix": "ecs",
                        },
                    },
                }
            ],
            tags=[{"key": "Project", "value": PROJECT}],
        )["taskDefinition"]["taskDefinitionArn"]
        ecs.create_service(
            cluster=CLUSTER,
            serviceName=f"{name}-service",
            taskDefinition=td_arn,
            desiredCount=1,
            launchType="FARGATE",
            networkConfiguration={
                "awsvpcConfiguration": {
                    "subnets": list(private),
                    "securityGroups": [tasks_sg],
                    "assignPublicIp": "DISABLED",
                }
            },
            # Dropped by moto 5.2 (see "What moto cannot represent").
            deploymentConfiguration={
                "deploymentCircuitBreaker": {"enable": True, "rollback": True},
                "maximumPercent": 200,
                "minimumHealthyPercent": 100,
            },
            enableExecuteCommand=False,
            tags=[{"key": "Project", "value": PROJECT}],
        )


def _function(
    lam: Any, role_arn: str, private: tuple[str, ...], sg: str, db_secret_arn: str, db_host: str
) -> None:
    lam.create_function(
        FunctionName=FUNCTION,
        Runtime="python3.12",
        Role=role_arn,
        Handler="handler.handler",
        Code={"ZipFile": _lambda_zip()},
        Description="Query bridge: read-only SQL against trading-db for the developer",
        Timeout=30,
        MemorySize=256,
        VpcConfig={"SubnetIds": list(private), "SecurityGroupIds": [sg]},
        Environment={
            "Variables": {
                "DB_SECRET_ARN": db_secret_arn,
                "DB_HOST": db_host,
                "DB_NAME": DB_NAME,
                "ALLOWED_SCHEMAS": _ALLOWED_SCHEMAS,
                "MAX_ROWS": "5000",
            }
        },
        Tags={"Project": PROJECT},
    )


# -------------------------------------------------------------- audit logging


def _trail(client: ClientFn, region: str, account_id: str) -> tuple[str, str, str]:
    """KMS key, bucket, log group, delivery role and the trail; (bucket, key ARN, log group)."""
    kms, s3, logs, iam = (client(s, region) for s in ("kms", "s3", "logs", "iam"))
    cloudtrail = client("cloudtrail", region)
    trail_arn = f"arn:aws:cloudtrail:{region}:{account_id}:trail/{TRAIL}"

    key_policy = _doc(
        {
            "Sid": "AccountAdministers",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "CloudTrailEncryptsLogs",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:GenerateDataKey*",
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:SourceArn": trail_arn},
                "StringLike": {
                    "kms:EncryptionContext:aws:cloudtrail:arn": (
                        f"arn:aws:cloudtrail:*:{account_id}:trail/*"
                    )
                },
            },
        },
        {
            "Sid": "CloudTrailDescribesKey",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:DescribeKey",
            "Resource": "*",
        },
    )
    key_arn = str(
        kms.create_key(
            Description=f"{TRAIL} log encryption",
            Policy=key_policy,
            Tags=[{"TagKey": "Project", "TagValue": PROJECT}],
        )["KeyMetadata"]["Arn"]
    )
    kms.enable_key_rotation(KeyId=key_arn)
    kms.create_alias(AliasName=f"alias/{TRAIL}", TargetKeyId=key_arn)

    bucket = f"{PROJECT}-cloudtrail-{account_id}"
    create: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":
        create["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**create)
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=_doc(
            {
                "Sid": "AWSCloudTrailAclCheck",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:GetBucketAcl",
                "Resource": f"arn:aws:s3:::{bucket}",
                "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}},
            },
            {
                "Sid": "AWSCloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/AWSLogs/{account_id}/*",
                "Condition": {
                    "StringEquals": {
                        "s3:x-amz-acl": "bucket-owner-full-control",
                        "aws:SourceArn": trail_arn,
                    }
                },
            },
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ),
    )

    logs.create_log_group(logGroupName=TRAIL_LOG_GROUP, tags={"Project": PROJECT})
    logs.put_retention_policy(
        logGroupName=TRAIL_LOG_GROUP, retentionInDays=TRAIL_LOG_RETENTION_DAYS
    )
    log_group_arn = f"arn:aws:logs:{region}:{account_id}:log-group:{TRAIL_LOG_GROUP}"
    role_arn = _role(
        iam,
        TRAIL_ROLE,
        _trust("cloudtrail.amazonaws.com"),
        _doc(_allow(["logs:CreateLogStream", "logs:PutLogEvents"], [f"{log_group_arn}:*"])),
        f"{TRAIL} delivers to CloudWatch Logs",
    )

    cloudtrail.create_trail(
        Name=TRAIL,
        S3BucketName=bucket,
        IsMultiRegionTrail=True,
        IncludeGlobalServiceEvents=True,
        EnableLogFileValidation=True,
        KmsKeyId=key_arn,
        CloudWatchLogsLogGroupArn=f"{log_group_arn}:*",
        CloudWatchLogsRoleArn=role_arn,
        TagsList=_TAGS,
    )
    # AWS's default for a new trail; moto starts with no selectors, so put it explicitly.
    cloudtrail.put_event_selectors(
        TrailName=TRAIL,
        EventSelectors=[
            {"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": []}
        ],
    )
    cloudtrail.start_logging(Name=TRAIL)
    return bucket, key_arn, TRAIL_LOG_GROUP


# ---------------------------------------------------------------------- build


def build_reference(client: ClientFn, region: str = "us-west-2") -> ReferenceInfo:
    """Create the reference account in ``region`` (IAM is global) and say what was made.

    Call it once on an empty account: names are fixed, so a second call fails
    on the first name that already exists.
    """
    account_id = str(client("sts", region).get_caller_identity()["Account"])
    ec2, iam = client("ec2", region), client("iam", region)

    net = _network(ec2, region)
    _harden_network(ec2, client("s3", region), net.vpc_id, region, account_id)
    _block_public_s3(client("s3control", region), account_id)
    tasks_sg, bridge_sg, rds_sg = _security_groups(ec2, net.vpc_id)
    db_host = _database(client("rds", region), net.private, rds_sg)
    db_secret_arn, broker_secret_arn = _secrets(client("secretsmanager", region), db_host)
    log_groups = _log_groups(client("logs", region))
    uris = _repositories(client("ecr", region))
    roles = _workload_roles(iam, account_id, region, db_secret_arn, broker_secret_arn)
    _ecs(
        client("ecs", region),
        region,
        roles,
        uris,
        db_secret_arn,
        broker_secret_arn,
        db_host,
        net.private,
        tasks_sg,
    )
    _function(
        client("lambda", region),
        roles.function_arn,
        net.private,
        bridge_sg,
        db_secret_arn,
        db_host,
    )
    _standin_enis(
        ec2,
        net.private,
        account_id,
        region,
        {"rds": rds_sg, "lambda": bridge_sg, "ecs": tasks_sg},
    )
    bucket, key_arn, trail_log_group = _trail(client, region, account_id)
    oidc_arn = _github_deploy(iam, account_id, region)
    detector_id = str(
        client("guardduty", region).create_detector(
            Enable=True, FindingPublishingFrequency="SIX_HOURS", Tags={"Project": PROJECT}
        )["DetectorId"]
    )

    return ReferenceInfo(
        region=region,
        account_id=account_id,
        vpc_id=net.vpc_id,
        public_subnet_ids=net.public,
        private_subnet_ids=net.private,
        internet_gateway_id=net.igw_id,
        nat_gateway_id=net.nat_id,
        ecs_tasks_sg_id=tasks_sg,
        lambda_sg_id=bridge_sg,
        rds_sg_id=rds_sg,
        db_instance_id=DB_INSTANCE,
        db_subnet_group=DB_SUBNET_GROUP,
        cluster_name=CLUSTER,
        service_names=tuple(f"{n}-service" for n in SERVICE_NAMES),
        task_families=SERVICE_NAMES,
        execution_role_name=EXECUTION_ROLE,
        task_role_names=tuple(f"{n}-task-role" for n in SERVICE_NAMES),
        function_name=FUNCTION,
        function_role_name=FUNCTION_ROLE,
        db_secret_name=DB_SECRET,
        db_secret_arn=db_secret_arn,
        broker_secret_name=BROKER_SECRET,
        trail_name=TRAIL,
        trail_bucket=bucket,
        trail_kms_key_arn=key_arn,
        trail_log_group=trail_log_group,
        trail_role_name=TRAIL_ROLE,
        log_group_names=log_groups,
        repository_names=SERVICE_NAMES,
        oidc_provider_arn=oidc_arn,
        deploy_role_name=DEPLOY_ROLE,
        guardduty_detector_id=detector_id,
        planted_values=(
            _DB_PASSWORD,
            _BROKER_KEY,
            _BROKER_SECRET_KEY,
            _BROKER_BASE_URL,
            _ALLOWED_SCHEMAS,
        ),
    )
