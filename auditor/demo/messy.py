"""The "messy startup": an account with planted violations on every principle, plus look-alikes.

``build_messy(client, region)`` creates it with injected, unguarded clients
(``client(service, region)``). Each planted violation is listed in
:data:`PLANTED` with the rule intent it must trigger; each look-alike in
:data:`LOOK_ALIKES` is a resource that resembles a violation but is fine and
must never be flagged. ``tests/scenarios/messy_expected.json`` holds the exact
set of findings a scan must produce.

What moto cannot represent here: key and password ages (everything is
created "now"), root account state (root MFA is off, as moto hard-codes),
ECS circuit breakers and ``enableExecuteCommand`` (moto drops both), a public
trail bucket policy (moto does not implement ``GetBucketPolicyStatus``).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

ClientFn = Callable[[str, str], Any]

#: (resource name, what is wrong) for every planted violation.
PLANTED: tuple[tuple[str, str], ...] = (
    ("dev-alice", "console password without MFA, and no account password policy"),
    ("ci-bot", "long-lived access key; PassRole + lambda:CreateFunction on *"),
    ("s3-everything", "customer policy granting s3:* on *"),
    ("app-admin-task-role", "ECS task role with * on *"),
    ("partner-access", "trust policy open to any AWS principal"),
    ("github-deploy-any-branch", "GitHub OIDC trust without sub condition"),
    (
        "public-webhook",
        "Lambda resource policy open to *; function URL auth NONE; plaintext secret env",
    ),
    (
        "legacy-report",
        "Lambda on python3.8; a GitHub token in an env var with a neutral name (REPORT_UPLOAD);"
        " never logged (no log group)",
    ),
    ("lambda-basic", "one role shared by three unrelated functions"),
    ("bastion", "public instance with SSH open to the world, key pair, IMDSv1"),
    ("ssh-world", "security group with SSH open to the world"),
    ("wide-open", "security group open to all traffic from 0.0.0.0/0"),
    ("db-open", "MySQL 3306 open to 0.0.0.0/0"),
    (
        "legacy-mysql",
        "RDS public, unencrypted, no deletion protection, 1-day backups, public subnets",
    ),
    ("api-service", "ECS service with a public IP"),
    (
        "api",
        "task definition: plaintext DB_PASSWORD and a Redis URL with a password in env,"
        " :latest image, no log configuration, a sidecar image from Docker Hub,"
        " writable root filesystem",
    ),
    (
        "host-daemons",
        "task definition on the host network: a privileged container, another running as root",
    ),
    ("ssh-half-internet", "security group with SSH open to 0.0.0.0/1: half the internet"),
    ("startup-cluster", "Container Insights off"),
    ("prod/stripe-key", "secret without rotation"),
    ("prod/shared-token", "secret resource policy open to *"),
    ("startup-trail", "single-region trail, no validation, no KMS, no CloudWatch Logs"),
    (
        "startup-trail-logs-bucket",
        "S3 bucket without Block Public Access (none at account level) or a TLS-only policy",
    ),
    ("/app/debug", "log group without retention"),
    ("api-repo", "ECR: no scan on push, mutable tags, no lifecycle policy"),
    ("cpu-alarm-no-action", "alarm without action"),
    ("vpc", "no flow logs; default security group allows traffic"),
    ("region", "EBS encryption by default off; no GuardDuty; no Config recorder"),
    ("account", "no dashboards, no pipeline, no saved queries, no CIS alarms"),
    # privilege escalation (auditor.analysis.iam)
    ("contractor-dave", "two-hop AssumeRole chain: support-triage, then the ops-break-glass admin"),
    ("support-triage", "may assume the ops-break-glass admin role"),
    ("policy-editor", "iam:CreatePolicyVersion on the managed policy it holds"),
    ("release-bot", "iam:PassRole on ops-automation + lambda:CreateFunction + InvokeFunction"),
    ("ops-automation", "Lambda role with iam:* on *: an administrator in effect"),
    ("analytics-task-role", "secretsmanager:GetSecretValue and ssm:GetParameter* on *"),
    # administrators (CIS 1.15/1.16, FSBP IAM.1/IAM.2)
    ("legacy-full-access", "customer managed policy granting * on *, attached to nothing"),
    ("ci-deployer", "CI role with * on * 'only in us-east-1': the caller picks the region"),
    ("mfa-admins", "role that is an administrator whenever its caller has MFA"),
    # internet exposure through the whole path (auditor.analysis.reachability)
    ("exposed-pg", "RDS PostgreSQL public, in public subnets, 5432 open to the world: reachable"),
    ("pg-world", "security group with PostgreSQL 5432 open to the world"),
    ("private-flagged-pg", "public flag and a world-open group: one route from the internet"),
    ("acl-guarded-pg", "public, public subnet, world-open group: only its network ACL holds"),
)

#: Resources that look like violations and are not: (name, rules that must not flag it).
LOOK_ALIKES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("alb-public", ("NI003", "NI004", "NI005")),  # 80/443 open to the world: a load balancer
    ("office-ssh", ("NI003", "NI004", "NI005")),  # 22 open to one /32 only
    ("app-from-alb", ("NI003", "NI004", "NI005")),  # 8080 from another security group
    ("prod/db-password", ("SM001", "SM004")),  # rotated, no resource policy
    ("worker-task-role", ("LP003", "LP004", "LP013")),  # scoped task role
    # digest-pinned, secret via valueFrom (plus a commit SHA, a queue URL, a token TTL and
    # a secret *name* in plain env: not secrets), logs, image from the account's own ECR
    ("worker", ("DA003", "SM005", "OB013", "DA007")),
    ("worker:1", ("LP030", "LP031", "LP032")),  # read-only root filesystem, awsvpc
    ("host-nonroot-daemon:1", ("LP030", "LP031", "LP032")),  # host network, uid 1000
    ("ssh-vpn-range", ("NI003", "NI004", "NI005")),  # 22 from 10.0.0.0/8: private addresses
    ("worker-service", ("NI006",)),  # private, no public IP
    ("github-deploy-main", ("LP008",)),  # OIDC trust with sub and aud conditions
    # reference env plus secret-looking names and values that are not secrets (AUTHOR,
    # OAUTH_ISSUER, NEXTAUTH_URL, a password-less DATABASE_URL, PWD, a publishable key...),
    # no URL, current runtime, its log group exists
    ("private-fn", ("SM006", "ZT003", "LP014", "DA006", "OB015")),
    ("/ecs/worker", ("OB014",)),  # 30-day retention
    ("/aws/lambda/private-fn", ("OB014",)),  # 14-day retention
    ("worker-repo", ("DD007", "DA004", "DA005")),  # scan on push, immutable, lifecycle
    ("build-runner", ("LP015",)),  # PassRole limited to the harmless lambda-basic
    ("worker-task-role", ("LP015", "LP016", "LP017")),  # scoped task role
    # administrator look-alikes (LP019-LP022)
    ("power-users", ("LP019",)),  # every action but IAM/Organizations/Account: not * on *
    ("power-user-access", ("LP020",)),  # the policy behind it (a NotAction: LP004's)
    ("sealed-admin", ("LP004", "LP020")),  # Allow * with Deny *: grants nothing
    ("expired-break-glass", ("LP019", "LP022")),  # * on * until 2020: no grant today
    # network look-alikes: exposed-looking, but no path from the internet today
    ("private-flagged-pg", ("NI007", "NI002")),  # PubliclyAccessible, but private subnets
    ("acl-guarded-pg", ("NI007",)),  # 5432 open to the world, denied by the network ACL
)

_DOC_VERSION = "2012-10-17"
_FAKE_STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"  # planted plaintext (never stored)
_FAKE_DB_PASSWORD = "Sup3r-Secret-Pa55word-!"
_FAKE_GITHUB_TOKEN = "ghp_" + "F4k3" * 9  # the shape of a GitHub token, obviously fake
_FAKE_REDIS_URL = "redis://:" + "n0t-A-r3al-pa55" + "@cache.internal:6379/0"
#: Environment values that look like secrets by name or by entropy and are not.
_LOOK_ALIKE_ENV = {
    "AUTHOR": "jane",
    "AUTH_MODE": "cognito",
    "OAUTH_ISSUER": "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_Ab12Cd34E",
    "NEXTAUTH_URL": "https://app.example.com/api/auth",
    "DATABASE_URL": "postgres://app@db.internal:5432/app",
    "PWD": "/var/task",
    "ACCESS_KEY_MAX_AGE": "90",
    "SECRETS_PREFIX": "prod/",
    "STRIPE_PUBLISHABLE_KEY": "pk_live_" + "51Hx0Y2eZvKYlo2C0aBcDeFgHiJ",
    "TOKEN_TTL": "3600",
}


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": _DOC_VERSION, "Statement": list(statements)})


def _trust_service(service: str) -> str:
    return _doc({"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"})


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    return buf.getvalue()


def _iam(iam: Any, account: str) -> dict[str, str]:
    roles: dict[str, str] = {}
    # dev-alice: console access, no MFA
    iam.create_user(UserName="dev-alice")
    iam.create_login_profile(UserName="dev-alice", Password="Initial-Passw0rd!")
    # ci-bot: long-lived key; PassRole + CreateFunction on *
    iam.create_user(UserName="ci-bot")
    iam.create_access_key(UserName="ci-bot")
    iam.put_user_policy(
        UserName="ci-bot",
        PolicyName="deploy-lambdas",
        PolicyDocument=_doc(
            {
                "Sid": "DeployAnything",
                "Effect": "Allow",
                "Action": ["iam:PassRole", "lambda:CreateFunction", "lambda:UpdateFunctionCode"],
                "Resource": "*",
            }
        ),
    )
    # s3-everything: service-wide wildcard, attached to dev-alice
    arn = iam.create_policy(
        PolicyName="s3-everything",
        PolicyDocument=_doc({"Sid": "AllS3", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
    )["Policy"]["Arn"]
    iam.attach_user_policy(UserName="dev-alice", PolicyArn=arn)
    # workload role with admin
    roles["admin"] = iam.create_role(
        RoleName="app-admin-task-role",
        AssumeRolePolicyDocument=_trust_service("ecs-tasks.amazonaws.com"),
    )["Role"]["Arn"]
    iam.put_role_policy(
        RoleName="app-admin-task-role",
        PolicyName="everything",
        PolicyDocument=_doc({"Sid": "Admin", "Effect": "Allow", "Action": "*", "Resource": "*"}),
    )
    # look-alike: scoped task role
    roles["worker"] = iam.create_role(
        RoleName="worker-task-role",
        AssumeRolePolicyDocument=_trust_service("ecs-tasks.amazonaws.com"),
    )["Role"]["Arn"]
    iam.put_role_policy(
        RoleName="worker-task-role",
        PolicyName="queue",
        PolicyDocument=_doc(
            {
                "Effect": "Allow",
                "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage"],
                "Resource": f"arn:aws:sqs:us-west-2:{account}:jobs",
            }
        ),
    )
    # trust open to anyone
    iam.create_role(
        RoleName="partner-access",
        AssumeRolePolicyDocument=_doc(
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
        ),
    )
    # GitHub OIDC: one role without sub (any repo, any branch), one scoped (look-alike)
    provider = iam.create_open_id_connect_provider(
        Url="https://token.actions.githubusercontent.com",
        ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"],
    )["OpenIDConnectProviderArn"]
    host = "token.actions.githubusercontent.com"
    iam.create_role(
        RoleName="github-deploy-any-branch",
        AssumeRolePolicyDocument=_doc(
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {f"{host}:aud": "sts.amazonaws.com"}},
            }
        ),
    )
    iam.create_role(
        RoleName="github-deploy-main",
        AssumeRolePolicyDocument=_doc(
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{host}:aud": "sts.amazonaws.com",
                        f"{host}:sub": "repo:startup/app:ref:refs/heads/main",
                    }
                },
            }
        ),
    )
    roles["lambda"] = iam.create_role(
        RoleName="lambda-basic", AssumeRolePolicyDocument=_trust_service("lambda.amazonaws.com")
    )["Role"]["Arn"]
    roles["execution"] = iam.create_role(
        RoleName="ecs-execution", AssumeRolePolicyDocument=_trust_service("ecs-tasks.amazonaws.com")
    )["Role"]["Arn"]
    _iam_escalations(iam, account)
    _iam_administrators(iam, account)
    return roles


def _iam_administrators(iam: Any, account: str) -> None:
    """Full-administrator grants (planted) and their look-alikes."""
    everything = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    root = {"AWS": f"arn:aws:iam::{account}:root"}
    iam.create_policy(
        PolicyName="legacy-full-access", PolicyDocument=_doc({"Sid": "All", **everything})
    )
    iam.create_role(
        RoleName="ci-deployer",
        AssumeRolePolicyDocument=_doc(
            {"Effect": "Allow", "Principal": root, "Action": "sts:AssumeRole"}
        ),
    )
    iam.put_role_policy(
        RoleName="ci-deployer",
        PolicyName="deploy",
        PolicyDocument=_doc(
            {
                "Sid": "OnlyUsEast1",
                **everything,
                "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
            }
        ),
    )
    iam.create_role(
        RoleName="mfa-admins",
        AssumeRolePolicyDocument=_doc(
            {"Effect": "Allow", "Principal": root, "Action": "sts:AssumeRole"}
        ),
    )
    iam.put_role_policy(
        RoleName="mfa-admins",
        PolicyName="admin-with-mfa",
        PolicyDocument=_doc(
            {
                "Sid": "AdminWithMfa",
                **everything,
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ),
    )
    # look-alikes
    power = iam.create_policy(
        PolicyName="power-user-access",
        PolicyDocument=_doc(
            {
                "Sid": "AllButIdentity",
                "Effect": "Allow",
                "NotAction": ["iam:*", "organizations:*", "account:*"],
                "Resource": "*",
            }
        ),
    )["Policy"]["Arn"]
    iam.create_group(GroupName="power-users")
    iam.attach_group_policy(GroupName="power-users", PolicyArn=power)
    iam.create_policy(
        PolicyName="sealed-admin",
        PolicyDocument=_doc(
            {"Sid": "All", **everything},
            {"Sid": "Sealed", "Effect": "Deny", "Action": "*", "Resource": "*"},
        ),
    )
    iam.create_role(
        RoleName="expired-break-glass",
        AssumeRolePolicyDocument=_doc(
            {"Effect": "Allow", "Principal": root, "Action": "sts:AssumeRole"}
        ),
    )
    iam.put_role_policy(
        RoleName="expired-break-glass",
        PolicyName="until-2020",
        PolicyDocument=_doc(
            {
                "Sid": "Until2020",
                **everything,
                "Condition": {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
            }
        ),
    )


def _iam_escalations(iam: Any, account: str) -> None:
    """Planted escalation paths, one look-alike, and an identity reading every secret."""

    def role_arn(name: str) -> str:
        return f"arn:aws:iam::{account}:role/{name}"

    # two-hop chain: contractor-dave -> support-triage -> ops-break-glass (admin)
    iam.create_user(UserName="contractor-dave")
    iam.put_user_policy(
        UserName="contractor-dave",
        PolicyName="triage-access",
        PolicyDocument=_doc(
            {
                "Sid": "AssumeTriage",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": role_arn("support-triage"),
            }
        ),
    )
    iam.create_role(
        RoleName="support-triage",
        AssumeRolePolicyDocument=_doc(
            {
                "Sid": "AnyoneInTheAccount",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": "sts:AssumeRole",
            }
        ),
    )
    iam.put_role_policy(
        RoleName="support-triage",
        PolicyName="escalate",
        PolicyDocument=_doc(
            {
                "Sid": "AssumeBreakGlass",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": role_arn("ops-break-glass"),
            }
        ),
    )
    iam.create_role(
        RoleName="ops-break-glass",
        AssumeRolePolicyDocument=_doc(
            {
                "Sid": "FromTriage",
                "Effect": "Allow",
                "Principal": {"AWS": role_arn("support-triage")},
                "Action": "sts:AssumeRole",
            }
        ),
    )
    iam.put_role_policy(
        RoleName="ops-break-glass",
        PolicyName="break-glass",
        PolicyDocument=_doc(
            {"Sid": "BreakGlass", "Effect": "Allow", "Action": "*", "Resource": "*"}
        ),
    )
    # iam:CreatePolicyVersion on the policy the user holds: it can rewrite its own permissions
    own = f"arn:aws:iam::{account}:policy/self-service-iam"
    iam.create_policy(
        PolicyName="self-service-iam",
        PolicyDocument=_doc(
            {
                "Sid": "EditOwnPolicy",
                "Effect": "Allow",
                "Action": ["iam:CreatePolicyVersion", "iam:GetPolicyVersion"],
                "Resource": own,
            }
        ),
    )
    iam.create_user(UserName="policy-editor")
    iam.attach_user_policy(UserName="policy-editor", PolicyArn=own)
    # PassRole + CreateFunction + InvokeFunction, to a Lambda role that may rewrite IAM
    iam.create_role(
        RoleName="ops-automation", AssumeRolePolicyDocument=_trust_service("lambda.amazonaws.com")
    )
    iam.put_role_policy(
        RoleName="ops-automation",
        PolicyName="manage-iam",
        PolicyDocument=_doc(
            {"Sid": "ManageIam", "Effect": "Allow", "Action": "iam:*", "Resource": "*"}
        ),
    )
    lambda_deploy = ["lambda:CreateFunction", "lambda:InvokeFunction"]
    iam.create_user(UserName="release-bot")
    iam.put_user_policy(
        UserName="release-bot",
        PolicyName="release",
        PolicyDocument=_doc(
            {
                "Sid": "PassAutomationRole",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": role_arn("ops-automation"),
            },
            {
                "Sid": "ReleaseFunctions",
                "Effect": "Allow",
                "Action": lambda_deploy,
                "Resource": "*",
            },
        ),
    )
    # look-alike: the same, but PassRole limited to the harmless lambda-basic role
    iam.create_user(UserName="build-runner")
    iam.put_user_policy(
        UserName="build-runner",
        PolicyName="build",
        PolicyDocument=_doc(
            {
                "Sid": "PassBasicRole",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": role_arn("lambda-basic"),
            },
            {"Sid": "BuildFunctions", "Effect": "Allow", "Action": lambda_deploy, "Resource": "*"},
        ),
    )
    # a task role that may read every secret and parameter
    iam.create_role(
        RoleName="analytics-task-role",
        AssumeRolePolicyDocument=_trust_service("ecs-tasks.amazonaws.com"),
    )
    iam.put_role_policy(
        RoleName="analytics-task-role",
        PolicyName="read-config",
        PolicyDocument=_doc(
            {
                "Sid": "ReadAllConfig",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue", "ssm:GetParameter*"],
                "Resource": "*",
            }
        ),
    )


def _network_exposures(client: ClientFn, region: str, ids: dict[str, str]) -> None:
    """Network paths (NI007/NI008): one database the internet reaches, and two look-alikes.

    * ``exposed-pg``: public, in the public subnets, behind ``pg-world`` (5432 from
      0.0.0.0/0), default network ACL: the whole path is open.
    * ``private-flagged-pg``: ``PubliclyAccessible`` and ``pg-world`` too, but in private
      subnets (no internet-gateway route): not reachable, one route away (NI008).
    * ``acl-guarded-pg``: public, in a public subnet, behind ``pg-world``; the subnet's
      network ACL denies 5432 inbound (rule 50, before the allow-all rule 100): not
      reachable, one ACL edit away (NI008).

    Compliant otherwise (encrypted, deletion protection, 7-day backups), so only the
    network rules speak. Finds the VPC's public route table and subnets by the ids
    ``build_messy`` returns.
    """
    ec2, rds = client("ec2", region), client("rds", region)
    vpc = ids["vpc"]
    public_rt = ec2.describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": [ids["public_subnet"]]}]
    )["RouteTables"][0]
    public = sorted(a["SubnetId"] for a in public_rt["Associations"] if a.get("SubnetId"))
    private_b = ec2.create_subnet(
        VpcId=vpc, CidrBlock="10.20.11.0/24", AvailabilityZone=f"{region}b"
    )["Subnet"]["SubnetId"]
    guarded = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.3.0/24", AvailabilityZone=f"{region}c")[
        "Subnet"
    ]["SubnetId"]
    ec2.associate_route_table(RouteTableId=public_rt["RouteTableId"], SubnetId=guarded)
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    for number, egress, allow, ports in (
        (50, False, False, {"From": 5432, "To": 5432}),
        (100, False, True, None),
        (100, True, True, None),
    ):
        extra: dict[str, Any] = {"PortRange": ports} if ports else {}
        ec2.create_network_acl_entry(
            NetworkAclId=acl,
            RuleNumber=number,
            Protocol="6" if ports else "-1",
            RuleAction="allow" if allow else "deny",
            Egress=egress,
            CidrBlock="0.0.0.0/0",
            **extra,
        )
    current = ec2.describe_network_acls(
        Filters=[{"Name": "association.subnet-id", "Values": [guarded]}]
    )["NetworkAcls"][0]
    association = next(
        a["NetworkAclAssociationId"] for a in current["Associations"] if a["SubnetId"] == guarded
    )
    ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=acl)
    ids.update(private_subnet_b=private_b, guarded_subnet=guarded, guarded_acl=acl)

    pg_world = str(
        ec2.create_security_group(GroupName="pg-world", Description="pg-world", VpcId=vpc)[
            "GroupId"
        ]
    )
    ec2.authorize_security_group_ingress(
        GroupId=pg_world,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    ids["pg-world"] = pg_world
    for name, subnets, public_flag in (
        ("exposed-pg", public, True),
        ("private-flagged-pg", [ids["private_subnet"], private_b], True),
        ("acl-guarded-pg", [guarded], True),
    ):
        rds.create_db_subnet_group(
            DBSubnetGroupName=f"{name}-subnets",
            DBSubnetGroupDescription=name,
            SubnetIds=subnets,
        )
        rds.create_db_instance(
            DBInstanceIdentifier=name,
            DBInstanceClass="db.t4g.micro",
            Engine="postgres",
            MasterUsername="app",
            MasterUserPassword=_FAKE_DB_PASSWORD,
            AllocatedStorage=20,
            Port=5432,
            PubliclyAccessible=public_flag,
            StorageEncrypted=True,
            DeletionProtection=True,
            BackupRetentionPeriod=7,
            DBSubnetGroupName=f"{name}-subnets",
            VpcSecurityGroupIds=[pg_world],
        )


def build_messy(client: ClientFn, region: str = "us-west-2") -> dict[str, str]:
    """Create the messy account; returns a few ids for tests (vpc, sg ids, subnets)."""
    account = client("sts", region).get_caller_identity()["Account"]
    ec2 = client("ec2", region)
    ids: dict[str, str] = {}
    roles = _iam(client("iam", region), account)

    # --- network: one VPC, a public and a private subnet, no flow logs
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": "startup-vpc"}])
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    public_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    public = []
    for i, az in enumerate(("a", "b")):
        sub = ec2.create_subnet(
            VpcId=vpc, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=f"{region}{az}"
        )["Subnet"]["SubnetId"]
        ec2.associate_route_table(RouteTableId=public_rt, SubnetId=sub)
        public.append(sub)
    private = ec2.create_subnet(
        VpcId=vpc, CidrBlock="10.20.10.0/24", AvailabilityZone=f"{region}a"
    )["Subnet"]["SubnetId"]
    ids.update(vpc=vpc, public_subnet=public[0], private_subnet=private)

    def sg(name: str, rules: list[dict[str, Any]]) -> str:
        gid = str(ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"])
        if rules:
            ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=rules)
        ids[name] = gid
        return gid

    world = [{"CidrIp": "0.0.0.0/0"}]
    sg("wide-open", [{"IpProtocol": "-1", "IpRanges": world}])
    sg("db-open", [{"IpProtocol": "tcp", "FromPort": 3306, "ToPort": 3306, "IpRanges": world}])
    ssh_world = sg(
        "ssh-world", [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": world}]
    )
    alb = sg(
        "alb-public",
        [
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": world},
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": world},
        ],
    )
    sg(
        "ssh-half-internet",
        [
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/1"}],
            }
        ],
    )
    sg(
        "ssh-vpn-range",
        [
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
            }
        ],
    )
    sg(
        "office-ssh",
        [
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "203.0.113.7/32"}],
            }
        ],
    )
    app_sg = sg(
        "app-from-alb",
        [
            {
                "IpProtocol": "tcp",
                "FromPort": 8080,
                "ToPort": 8080,
                "UserIdGroupPairs": [{"GroupId": alb}],
            }
        ],
    )

    # --- bastion: public IP, SSH to the world, key pair, IMDSv1 allowed
    ec2.create_key_pair(KeyName="founder-laptop")
    ec2.modify_subnet_attribute(SubnetId=public[0], MapPublicIpOnLaunch={"Value": True})
    ids["bastion"] = ec2.run_instances(
        ImageId="ami-12c6146b",
        MinCount=1,
        MaxCount=1,
        InstanceType="t3.micro",
        KeyName="founder-laptop",
        SubnetId=public[0],
        SecurityGroupIds=[ssh_world],
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "bastion"}]}
        ],
    )["Instances"][0]["InstanceId"]

    # --- RDS: public, unencrypted, in public subnets, MySQL open to the world
    rds = client("rds", region)
    rds.create_db_subnet_group(
        DBSubnetGroupName="legacy-public-subnets",
        DBSubnetGroupDescription="legacy",
        SubnetIds=public,
    )
    rds.create_db_instance(
        DBInstanceIdentifier="legacy-mysql",
        DBInstanceClass="db.t3.micro",
        Engine="mysql",
        MasterUsername="admin",
        MasterUserPassword=_FAKE_DB_PASSWORD,
        AllocatedStorage=20,
        PubliclyAccessible=True,
        StorageEncrypted=False,
        DeletionProtection=False,
        BackupRetentionPeriod=1,
        DBSubnetGroupName="legacy-public-subnets",
        VpcSecurityGroupIds=[ids["db-open"]],
    )

    # --- secrets
    sm = client("secretsmanager", region)
    sm.create_secret(Name="prod/stripe-key", SecretString=_FAKE_STRIPE)
    shared = sm.create_secret(Name="prod/shared-token", SecretString="shared-token-value-123")[
        "ARN"
    ]
    sm.put_resource_policy(
        SecretId=shared,
        ResourcePolicy=_doc(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
            }
        ),
    )
    db_secret = sm.create_secret(Name="prod/db-password", SecretString=_FAKE_DB_PASSWORD)["ARN"]
    sm.rotate_secret(
        SecretId=db_secret, RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False
    )

    # --- ECR: one careless repository, one careful
    ecr = client("ecr", region)
    repo = ecr.create_repository(repositoryName="api-repo")["repository"]["repositoryUri"]
    worker_repo = ecr.create_repository(
        repositoryName="worker-repo",
        imageTagMutability="IMMUTABLE",
        imageScanningConfiguration={"scanOnPush": True},
    )["repository"]["repositoryUri"]
    ecr.put_lifecycle_policy(
        repositoryName="worker-repo",
        lifecyclePolicyText=json.dumps(
            {
                "rules": [
                    {
                        "rulePriority": 1,
                        "selection": {
                            "tagStatus": "untagged",
                            "countType": "sinceImagePushed",
                            "countUnit": "days",
                            "countNumber": 7,
                        },
                        "action": {"type": "expire"},
                    }
                ]
            }
        ),
    )

    # --- logs
    logs = client("logs", region)
    logs.create_log_group(logGroupName="/app/debug")
    logs.create_log_group(logGroupName="/ecs/worker")
    logs.put_retention_policy(logGroupName="/ecs/worker", retentionInDays=30)
    # private-fn has run and logged; legacy-report and public-webhook never have
    logs.create_log_group(logGroupName="/aws/lambda/private-fn")
    logs.put_retention_policy(logGroupName="/aws/lambda/private-fn", retentionInDays=14)

    # --- ECS: no insights, no exec logging; a public service with exec; a careful worker
    ecs = client("ecs", region)
    ecs.create_cluster(clusterName="startup-cluster")
    api_td = ecs.register_task_definition(
        family="api",
        taskRoleArn=roles["admin"],
        executionRoleArn=roles["execution"],
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[
            {
                "name": "api",
                "image": f"{repo}:latest",
                "memory": 512,
                "environment": [
                    {"name": "DB_PASSWORD", "value": _FAKE_DB_PASSWORD},
                    {"name": "CACHE_URL", "value": _FAKE_REDIS_URL},
                    {"name": "LOG_LEVEL", "value": "debug"},
                ],
            },
            {  # a proxy sidecar pulled straight from Docker Hub (DA007)
                "name": "proxy",
                "image": "nginx:1.27",
                "memory": 128,
                "essential": False,
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/app/debug",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "proxy",
                    },
                },
            },
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    worker_td = ecs.register_task_definition(
        family="worker",
        taskRoleArn=roles["worker"],
        executionRoleArn=roles["execution"],
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[
            {
                "name": "worker",
                "image": f"{worker_repo}@sha256:{'0' * 64}",
                "memory": 512,
                "readonlyRootFilesystem": True,
                "secrets": [{"name": "DB_PASSWORD", "valueFrom": db_secret}],
                "environment": [
                    {"name": "GIT_SHA", "value": "3f786850e387550fdab836ed7e6dc881de23001b"},
                    {
                        "name": "QUEUE_URL",
                        "value": f"https://sqs.{region}.amazonaws.com/123456789012/jobs",
                    },
                    {"name": "JWT_SECRET_NAME", "value": "prod/jwt-signing"},
                    {"name": "TOKEN_EXPIRY", "value": "15m"},
                ],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/worker",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "w",
                    },
                },
            }
        ],
    )["taskDefinition"]["taskDefinitionArn"]

    # EC2 launch type daemons on the host network: a privileged agent beside a
    # collector running as root; and a careful one running as uid 1000
    def daemon(name: str, **settings: Any) -> dict[str, Any]:
        return {
            "name": name,
            "image": f"{worker_repo}@sha256:{'1' * 64}",
            "memory": 256,
            "readonlyRootFilesystem": True,
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": "/ecs/worker",
                    "awslogs-region": region,
                    "awslogs-stream-prefix": name,
                },
            },
            **settings,
        }

    for family, containers in (
        ("host-daemons", [daemon("agent", privileged=True), daemon("collector", user="root")]),
        ("host-nonroot-daemon", [daemon("exporter", user="1000")]),
    ):
        ecs.register_task_definition(
            family=family,
            networkMode="host",
            requiresCompatibilities=["EC2"],
            containerDefinitions=containers,
        )
    ecs.create_service(
        cluster="startup-cluster",
        serviceName="api-service",
        taskDefinition=api_td,
        desiredCount=1,
        launchType="FARGATE",
        enableExecuteCommand=True,
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": public,
                "securityGroups": [app_sg],
                "assignPublicIp": "ENABLED",
            }
        },
    )
    ecs.create_service(
        cluster="startup-cluster",
        serviceName="worker-service",
        taskDefinition=worker_td,
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": [private],
                "securityGroups": [app_sg],
                "assignPublicIp": "DISABLED",
            }
        },
    )

    # --- Lambda: a public webhook with a plaintext secret, an old runtime, a careful function
    lam = client("lambda", region)
    code = {"ZipFile": _zip()}
    lam.create_function(
        FunctionName="public-webhook",
        Runtime="python3.12",
        Role=roles["lambda"],
        Handler="handler.handler",
        Code=code,
        Environment={"Variables": {"STRIPE_SECRET_KEY": _FAKE_STRIPE}},
    )
    lam.add_permission(
        FunctionName="public-webhook",
        StatementId="anyone",
        Action="lambda:InvokeFunction",
        Principal="*",
    )
    lam.create_function_url_config(FunctionName="public-webhook", AuthType="NONE")
    lam.add_permission(
        FunctionName="public-webhook",
        StatementId="public-url",
        Action="lambda:InvokeFunctionUrl",
        Principal="*",
        FunctionUrlAuthType="NONE",
    )
    lam.create_function(
        FunctionName="legacy-report",
        Runtime="python3.8",
        Role=roles["lambda"],
        Handler="handler.handler",
        Code=code,
        Environment={"Variables": {"REPORT_UPLOAD": _FAKE_GITHUB_TOKEN, "LOG_LEVEL": "info"}},
    )
    lam.create_function(
        FunctionName="private-fn",
        Runtime="python3.12",
        Role=roles["lambda"],
        Handler="handler.handler",
        Code=code,
        Environment={
            "Variables": {"DB_SECRET_ARN": db_secret, "LOG_LEVEL": "info", **_LOOK_ALIKE_ENV}
        },
    )

    # --- CloudTrail: single-region, no validation, no KMS, no CloudWatch Logs, open bucket
    s3 = client("s3", region)
    bucket = "startup-trail-logs-bucket"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    ct = client("cloudtrail", region)
    ct.create_trail(Name="startup-trail", S3BucketName=bucket, IsMultiRegionTrail=False)
    ct.start_logging(Name="startup-trail")
    ct.put_event_selectors(
        TrailName="startup-trail",
        EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True}],
    )

    # --- CloudWatch: one alarm that notifies nobody
    cw = client("cloudwatch", region)
    cw.put_metric_alarm(
        AlarmName="cpu-alarm-no-action",
        Namespace="AWS/ECS",
        MetricName="CPUUtilization",
        Dimensions=[{"Name": "ClusterName", "Value": "startup-cluster"}],
        Statistic="Average",
        Period=300,
        EvaluationPeriods=1,
        Threshold=90,
        ComparisonOperator="GreaterThanThreshold",
    )
    _network_exposures(client, region, ids)
    return ids


#: Values planted in the account that must never appear in a snapshot or report.
PLANTED_VALUES: tuple[str, ...] = (
    _FAKE_STRIPE,
    _FAKE_DB_PASSWORD,
    "shared-token-value-123",
    _FAKE_GITHUB_TOKEN,
    _FAKE_REDIS_URL,
)
