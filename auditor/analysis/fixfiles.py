"""The files a fix command reads, built from the account's own resources.

A fix that needs more than flags (a dashboard body, saved Logs Insights
queries) gets its input as a file: the rule attaches it to its check
(:meth:`auditor.engine.model.Check.with_files`), the report writes it to
``fixes/`` beside itself, and the command reads it with ``file://NAME`` when
run from there. Everything here is a pure function of the snapshot: the
same account gives the same bytes.

AWS names end up inside JSON (escaped by :func:`json.dumps`) and, slugged,
in file names; never in shell text.
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

from auditor.snapshot import Snapshot

#: The dashboard the OB002 fix creates.
DASHBOARD_NAME = "operations"
#: The topic the alarm fixes create and notify (the same fix creates it: ``sns create-topic``
#: is idempotent, so running several alarm fixes creates it once).
ALERTS_TOPIC = "auditor-alerts"

_SLUG = re.compile(r"[^A-Za-z0-9._-]+")

#: Widgets per row of the dashboard (24 columns wide).
_WIDTH = 8
_HEIGHT = 6


def slug(name: str, limit: int = 60) -> str:
    """``name`` as a plain file-name part: letters, digits, ``.``, ``_``, ``-``."""
    return _SLUG.sub("-", name).strip("-.")[:limit] or "x"


def alerts_topic_arn(partition: str, region: str, account: str) -> str:
    return f"arn:{partition}:sns:{region}:{account}:{ALERTS_TOPIC}"


#: The lines an alarm fix starts with: create the topic it notifies (fields of
#: :func:`topic_fields`); who is notified stays the user's decision.
TOPIC_SETUP = (
    "aws sns create-topic --name {topic_name} --region {region}\n"
    "# Who is notified is your decision, e.g.: aws sns subscribe --topic-arn {topic} "
    "--protocol email --notification-endpoint <YOUR_EMAIL> --region {region}\n"
)


def topic_fields(snap: Snapshot, region: str) -> dict[str, str]:
    """The command fields of the alerts topic the alarm fixes create and notify."""
    return {
        "topic_name": ALERTS_TOPIC,
        "topic": alerts_topic_arn(snap.partition, region, snap.account_id),
    }


def _metric_widget(
    title: str, region: str, metrics: list[list[Any]], stat: str = "Average"
) -> dict[str, Any]:
    return {
        "type": "metric",
        "width": _WIDTH,
        "height": _HEIGHT,
        "properties": {
            "title": title,
            "region": region,
            "metrics": metrics,
            "stat": stat,
            "period": 300,
            "view": "timeSeries",
        },
    }


def dashboard_body(snap: Snapshot) -> str:
    """A CloudWatch dashboard for the account's services, functions and databases (every
    scanned region): CPU and memory of every ECS service, invocations, errors and duration
    of every Lambda function, CPU, connections and free storage of every database."""
    widgets: list[dict[str, Any]] = []
    services = sorted(snap.ecs.services, key=lambda s: (s.region, s.cluster_arn, s.name))
    for s in services:
        region = s.region
        cluster = s.cluster_arn.rsplit("/", 1)[-1]
        dims = ["ClusterName", cluster, "ServiceName", s.name]
        widgets.append(
            _metric_widget(
                f"ECS {s.name}: CPU and memory %",
                region,
                [["AWS/ECS", "CPUUtilization", *dims], ["AWS/ECS", "MemoryUtilization", *dims]],
            )
        )
    for fn in sorted(snap.lambda_.functions, key=lambda f: (f.region, f.name)):
        region = fn.region
        dims = ["FunctionName", fn.name]
        widgets.append(
            _metric_widget(
                f"Lambda {fn.name}: invocations and errors",
                region,
                [["AWS/Lambda", "Invocations", *dims], ["AWS/Lambda", "Errors", *dims]],
                stat="Sum",
            )
        )
        widgets.append(
            _metric_widget(
                f"Lambda {fn.name}: duration (ms)", region, [["AWS/Lambda", "Duration", *dims]]
            )
        )
    for db in sorted(snap.rds.instances, key=lambda d: (d.region, d.id)):
        region = db.region
        dims = ["DBInstanceIdentifier", db.id]
        widgets.append(
            _metric_widget(
                f"RDS {db.id}: CPU % and connections",
                region,
                [["AWS/RDS", "CPUUtilization", *dims], ["AWS/RDS", "DatabaseConnections", *dims]],
            )
        )
        widgets.append(
            _metric_widget(
                f"RDS {db.id}: free storage (bytes)",
                region,
                [["AWS/RDS", "FreeStorageSpace", *dims]],
                stat="Minimum",
            )
        )
    if not widgets:
        widgets.append(
            {
                "type": "text",
                "width": 24,
                "height": 2,
                "properties": {"markdown": "No ECS service, Lambda function or database yet."},
            }
        )
    for i, w in enumerate(widgets):  # a grid, left to right, top to bottom
        w["x"] = (i * _WIDTH) % 24 if w["width"] == _WIDTH else 0
        w["y"] = (i * _WIDTH) // 24 * _HEIGHT
    return json.dumps({"widgets": widgets}, indent=1, sort_keys=True) + "\n"


#: (file slug, title, query), for the questions every operator asks.
_ERRORS = (
    "errors",
    "Errors by log stream",
    "fields @timestamp, @logStream, @message\n"
    "| filter @message like /(?i)(error|exception|traceback|fatal)/\n"
    "| stats count() as errors by @logStream\n"
    "| sort errors desc",
)
_SLOWEST = (
    "slowest-requests",
    "Slowest Lambda invocations",
    "fields @timestamp, @requestId, @duration, @memorySize, @maxMemoryUsed\n"
    '| filter @type = "REPORT"\n| sort @duration desc\n| limit 25',
)
_RESTARTS = (
    "task-restarts",
    "ECS task starts per hour (a task writes to a new log stream)",
    "fields @logStream\n| stats count_distinct(@logStream) as task_starts by bin(1h)\n"
    "| sort @timestamp desc",
)


def query_definitions(snap: Snapshot, region: str) -> dict[str, str]:
    """``put-query-definition --cli-input-json`` inputs for the region's log groups,
    by file name: errors (every group), slowest requests (Lambda groups), task
    restarts (the groups ECS containers write to)."""
    groups = sorted(g.name for g in snap.logs.log_groups if g.region == region)
    lambda_groups = [g for g in groups if g.startswith("/aws/lambda/")]
    ecs_groups = sorted(
        {
            c.log_group
            for td in snap.ecs.task_definitions
            if td.region == region
            for c in td.containers
            if c.log_group
        }
        & set(groups)
    )
    out: dict[str, str] = {}
    for (key, title, query), targets in (
        (_ERRORS, groups),
        (_SLOWEST, lambda_groups),
        (_RESTARTS, ecs_groups),
    ):
        if not targets:
            continue
        doc = {"name": f"auditor/{title}", "logGroupNames": targets[:50], "queryString": query}
        out[f"query-{key}.json"] = json.dumps(doc, indent=1, sort_keys=True) + "\n"
    return out


#: The deploy role the DA001 fix creates when the account has no CI OIDC role.
DEPLOY_ROLE = "github-actions-deploy"
GITHUB_ISSUER = "token.actions.githubusercontent.com"


def github_deploy_workflow(snap: Snapshot, role_arn: str) -> str:
    """A GitHub Actions workflow that deploys the account's ECS services with OIDC.

    For every ECR repository an ECS service runs an image from: build, tag with
    the commit, push; then a new deployment of each service. ``role_arn`` is the
    role the workflow assumes (no stored keys).
    """
    repos = {r.name: r for r in snap.ecr.repositories}
    images: dict[str, set[str]] = {}  # task family -> repository names
    for td in snap.ecs.task_definitions:
        for c in td.containers:
            name = c.image.split("/", 1)[-1].split("@")[0].split(":")[0] if c.image else ""
            if name in repos:
                images.setdefault(td.family, set()).add(name)
    regions = sorted({s.region for s in snap.ecs.services} | {r.region for r in repos.values()})
    region = regions[0] if regions else (snap.regions[0] if snap.regions else "us-east-1")
    lines = [
        "# Deploy on every push to main, with short-lived OIDC credentials (no stored keys).",
        "# Generated by auditor from the account's ECR repositories and ECS services.",
        "name: deploy",
        "on:",
        "  push:",
        "    branches: [main]",
        "permissions:",
        "  id-token: write",
        "  contents: read",
        "jobs:",
        "  deploy:",
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - uses: actions/checkout@v4",
        "      - uses: aws-actions/configure-aws-credentials@v4",
        "        with:",
        f"          role-to-assume: {json.dumps(role_arn)}",
        f"          aws-region: {json.dumps(region)}",
        "      - id: ecr",
        "        uses: aws-actions/amazon-ecr-login@v2",
    ]
    # Names go into YAML as JSON strings and into shell lines shlex-quoted, inside block
    # scalars (``run: |``), where YAML takes every character literally.
    for name in sorted({n for names in images.values() for n in names}):
        image = shlex.quote(f"{repos[name].uri}:") + "${{ github.sha }}"
        lines += [
            f"      - name: {json.dumps('build and push ' + name)}",
            "        run: |",
            f"          docker build -t {image} {shlex.quote('services/' + name)}",
            f"          docker push {image}",
        ]
    for s in sorted(snap.ecs.services, key=lambda s: (s.region, s.name)):
        cluster = s.cluster_arn.rsplit("/", 1)[-1]
        lines += [
            f"      - name: {json.dumps('deploy ' + s.name)}",
            "        run: |",
            f"          aws ecs update-service --cluster {shlex.quote(cluster)} "
            f"--service {shlex.quote(s.name)} --force-new-deployment "
            f"--region {shlex.quote(s.region)}",
        ]
    return "\n".join(lines) + "\n"


def github_trust_policy(snap: Snapshot) -> str:
    """The deploy role's trust: GitHub's OIDC provider, one repository's main branch.

    The repository is the user's to name: ``<OWNER>/<REPO>`` stays until they do.
    """
    provider = f"arn:{snap.partition}:iam::{snap.account_id}:oidc-provider/{GITHUB_ISSUER}"
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {f"{GITHUB_ISSUER}:aud": "sts.amazonaws.com"},
                    "StringLike": {
                        f"{GITHUB_ISSUER}:sub": "repo:<OWNER>/<REPO>:ref:refs/heads/main"
                    },
                },
            }
        ],
    }
    return json.dumps(doc, indent=1) + "\n"


def github_deploy_policy(snap: Snapshot) -> str:
    """What the deploy role may do: push to the account's ECR repositories and roll
    its ECS services, nothing else."""
    repos = sorted(r.arn for r in snap.ecr.repositories)
    services = sorted(s.arn for s in snap.ecs.services)
    statements: list[dict[str, Any]] = [
        {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}
    ]
    if repos:
        statements.append(
            {
                "Effect": "Allow",
                "Action": [
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:CompleteLayerUpload",
                    "ecr:InitiateLayerUpload",
                    "ecr:PutImage",
                    "ecr:UploadLayerPart",
                ],
                "Resource": repos,
            }
        )
    if services:
        statements.append(
            {
                "Effect": "Allow",
                "Action": ["ecs:UpdateService", "ecs:DescribeServices"],
                "Resource": services,
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=1) + "\n"


def create_bucket_line(bucket: str, region: str) -> str:
    """Shell text creating ``bucket`` in ``region`` unless it is already there (us-east-1
    takes no location constraint), then blocking public access to it (DD009): a bucket
    a fix creates must not be a finding of its own."""
    b, r = shlex.quote(bucket), shlex.quote(region)
    where = (
        "" if region == "us-east-1" else f" --create-bucket-configuration LocationConstraint={r}"
    )
    return (
        f"aws s3api head-bucket --bucket {b} --region {r} 2>/dev/null || "
        f"aws s3api create-bucket --bucket {b} --region {r}{where}\n"
        f"aws s3api put-public-access-block --bucket {b} --region {r} "
        "--public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,"
        "BlockPublicPolicy=true,RestrictPublicBuckets=true"
    )


def config_bucket_policy(partition: str, account: str, bucket: str) -> str:
    """The bucket policy AWS Config needs to deliver to ``bucket`` (AWS's documented one)."""
    arn = f"arn:{partition}:s3:::{bucket}"
    source = {"StringEquals": {"AWS:SourceAccount": account}}
    service = {"Service": "config.amazonaws.com"}
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AWSConfigBucketPermissionsCheck",
                "Effect": "Allow",
                "Principal": service,
                "Action": ["s3:GetBucketAcl", "s3:ListBucket"],
                "Resource": arn,
                "Condition": source,
            },
            {
                "Sid": "AWSConfigBucketDelivery",
                "Effect": "Allow",
                "Principal": service,
                "Action": "s3:PutObject",
                "Resource": f"{arn}/AWSLogs/{account}/Config/*",
                "Condition": {
                    "StringEquals": {
                        "s3:x-amz-acl": "bucket-owner-full-control",
                        "AWS:SourceAccount": account,
                    }
                },
            },
        ],
    }
    return json.dumps(doc, indent=1) + "\n"
