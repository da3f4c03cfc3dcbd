"""Zero Trust: no standing or public access paths; every session is authenticated and audited.

The rules look for the doors that stay open between uses: SSH/RDP bastions,
instance key pairs, unauthenticated function URLs, unaudited ECS Exec,
long-lived user access keys and the IMDSv1 credential endpoint.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from auditor.analysis.iam import open_grants
from auditor.analysis.ipspace import format_ports
from auditor.analysis.reachability import ResourceReach, path_text, reach_of
from auditor.engine.model import Check, Principle, Severity, rule
from auditor.snapshot import Snapshot
from auditor.snapshot.ec2 import ALL_PROTOCOLS, Instance, SgRule
from auditor.snapshot.ecs import EcsCluster, EcsService, TaskDefinition

#: Remote administration ports: SSH and RDP.
ADMIN_PORTS = (22, 3389)
#: Instance states that no longer run and never will again.
_GONE = frozenset({"terminated", "shutting-down"})


def _live_instances(snap: Snapshot) -> Iterator[Instance]:
    return (i for i in snap.ec2.instances if i.state not in _GONE)


# --- bastions and key pairs ----------------------------------------------------------


def _revoke_permission(r: SgRule) -> str:
    """``--ip-permissions`` JSON that revokes exactly this rule."""
    perm: dict[str, Any] = {"IpProtocol": r.protocol}
    if r.protocol != ALL_PROTOCOLS and r.from_port is not None:
        perm["FromPort"] = r.from_port
        perm["ToPort"] = r.to_port if r.to_port is not None else r.from_port
    if r.cidr:
        perm["IpRanges"] = [{"CidrIp": r.cidr}]
    else:
        perm["Ipv6Ranges"] = [{"CidrIpv6": r.ipv6_cidr}]
    return json.dumps([perm], separators=(",", ":"))


_ADMIN_NAMES = {22: "SSH", 3389: "RDP"}


@rule(
    id="ZT001",
    slug="no-internet-bastion-hosts",
    title="No instance is an internet-facing SSH/RDP bastion",
    action="Replace the internet-facing bastion {target} with SSM Session Manager",
    principle=Principle.ZERO_TRUST,
    severity=Severity.HIGH,
    needs=("ec2",),
    effort_minutes=30,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws ec2 revoke-security-group-ingress --group-id {group_id}"
        " --ip-permissions {permissions} --region {region}"
    ),
)
def no_internet_bastion_hosts(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    No instance that is not terminated is reachable from the internet at
    large on TCP port 22 (SSH) or 3389 (RDP) through the whole path: a public
    address (public IPv4, or IPv6 on one of its interfaces), a subnet routed
    back through an internet gateway, a network ACL admitting the port (and
    the replies), and a security group rule admitting it from an
    internet-scale source such as `0.0.0.0/0` or `::/0` (see NI007 for the
    exact path semantics, computed by the same analysis). A stopped instance
    is judged on its configuration: starting it opens the door again.

    An instance whose world-open SSH rule is blocked by its network ACL, or
    that sits in a private subnet, passes here; the security group is still
    reported by NI003 and, when one change would open the path, by NI008.

    ## Why it matters
    A bastion is a standing door into the network, guarded by keys that are
    copied around and rarely rotated, and scanned by the whole internet
    around the clock. It is the opposite of "no persistent access paths".

    ## Remediation
    Use SSM Session Manager (`aws ssm start-session --target <instance>`,
    also for port forwarding to a database) or EC2 Instance Connect Endpoint:
    both need no inbound port and log every session. Then revoke the
    world-open rule of the path shown in the evidence (the command revokes
    exactly that rule; scan again if another rule opens the port too).

    ## References
    - https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager.html
    - https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/connect-using-eice.html
    """
    for instance in _live_instances(snap):
        reach = reach_of(snap, instance)
        if reach is None:
            continue
        world = reach.world_ports("tcp")
        open_ports = [p for p in ADMIN_PORTS if p in world]
        found = reach.path("tcp", open_ports[0]) if open_ports else None
        if found is None:
            yield Check.of(
                instance,
                ok=True,
                evidence=_bastion_pass_evidence(reach),
                group_id="",
                permissions="[]",
            )
            continue
        placement, grant = found
        names = ", ".join(f"tcp {p} ({_ADMIN_NAMES[p]})" for p in open_ports)
        yield Check.of(
            instance,
            ok=False,
            evidence=f"{names} reachable from the internet: "
            + path_text(placement, grant, reach.label),
            group_id=grant.group_id,
            permissions=_revoke_permission(grant.rule),
        )


def _bastion_pass_evidence(reach: ResourceReach) -> str:
    if not reach.reachable:
        return "SSH/RDP not reachable from the internet: " + "; ".join(reach.blockers)
    narrow = [p for p in ADMIN_PORTS if p in reach.reachable_ports("tcp")]
    if narrow:
        return (
            f"tcp {', '.join(map(str, narrow))} reachable only from known addresses, "
            "not from the internet at large"
        )
    reachable = format_ports(reach.reachable_ports("tcp")) or "none"
    return f"SSH/RDP not reachable from the internet (reachable: tcp {reachable})"


@rule(
    id="ZT002",
    slug="instances-without-ssh-key-pairs",
    title="Instances are launched without SSH key pairs",
    action="Launch {target} without an SSH key pair",
    principle=Principle.ZERO_TRUST,
    severity=Severity.LOW,
    needs=("ec2",),
    effort_minutes=60,
    monthly_cost_usd=0,
)
def instances_without_ssh_key_pairs(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    No instance that is not terminated was launched with an EC2 key pair
    (`KeyName`).

    Severity is low: a key pair alone opens nothing (ZT001 reports the hosts
    where it meets an open port); it is a standing credential waiting for a
    path.

    ## Why it matters
    A key pair is a long-lived shared credential: the private key sits on
    laptops, is rarely rotated, is not tied to a person, and its sessions
    leave no identity in CloudTrail. Anyone who has it, and reaches the
    instance, is in.

    ## Remediation
    Give the instance profile `AmazonSSMManagedInstanceCore` and connect with
    SSM Session Manager. The key stays in the instance's `authorized_keys`
    until it is replaced, so rebuild the instance (or its launch template /
    Auto Scaling group) without a key pair, then delete the key pair with
    `aws ec2 delete-key-pair --key-name <name>`. No single command fixes a
    running instance, so this rule has none.

    ## References
    - https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager.html
    """
    for instance in _live_instances(snap):
        yield Check.of(
            instance,
            ok=not instance.key_name,
            evidence=f"launched with key pair {instance.key_name}"
            if instance.key_name
            else "no key pair",
        )


# --- Lambda and ECS ------------------------------------------------------------------


@rule(
    id="ZT003",
    slug="lambda-function-urls-authenticated",
    title="Lambda function URLs require IAM authentication",
    action="Require IAM authentication on the function URL of {target}",
    principle=Principle.ZERO_TRUST,
    severity=Severity.HIGH,
    needs=("lambda",),
    effort_minutes=30,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws lambda update-function-url-config --function-name {name}"
        " --auth-type AWS_IAM --region {region}"
    ),
)
def lambda_function_urls_authenticated(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    No Lambda function, and no alias of one (a qualified ARN such as
    `my-function:live`, which has its own URL and its own resource policy),
    has a function URL with auth type `NONE` whose resource policy lets
    everyone (`Principal: *` with no condition pinning the caller) call
    `lambda:InvokeFunctionUrl`. Functions without a URL, URLs with
    `AWS_IAM`, and `NONE` URLs that no statement opens to everyone (AWS
    answers them 403) pass; the evidence says which.

    ## Why it matters
    A `NONE` function URL open to everyone is a public HTTPS endpoint: anyone
    who learns it runs the function with its role's permissions, and pays
    nothing while you pay per invocation. Any authentication then lives only
    in the code. An alias URL is as public as the function's own.

    ## Remediation
    Switch the URL to `AWS_IAM` (callers sign requests with SigV4, e.g.
    `awscurl` or an SDK) with the command shown (for an alias the function
    name carries it: `my-function:live`). For a webhook that cannot sign, put
    API Gateway or CloudFront with a WAF and a shared-secret check in front,
    or delete the URL (`aws lambda delete-function-url-config`).

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html
    - https://docs.aws.amazon.com/lambda/latest/dg/configuration-aliases.html
    """
    for fn in snap.lambda_.functions:
        targets = [(fn.arn, fn.name, fn.policy, fn.url)]
        targets += [(a.arn, f"{fn.name}:{a.name}", a.policy, a.url) for a in fn.aliases if a.url]
        for arn, name, policy, url in targets:
            if url is None:
                ok, evidence = True, "no function URL"
            elif url.auth_type != "NONE":
                ok, evidence = True, f"function URL with auth type {url.auth_type}"
            else:
                grants = [
                    g.label
                    for g in open_grants(policy, "lambda:InvokeFunctionUrl", now=snap.collected_at)
                ]
                ok = not grants
                evidence = (
                    f"function URL with auth type NONE: {url.url}"
                    f" (statement {', '.join(grants)} lets anyone invoke it)"
                    if grants
                    else f"function URL with auth type NONE, but no policy statement lets "
                    f"everyone invoke it: {url.url}"
                )
            yield Check(resource_id=arn, ok=ok, evidence=evidence, region=fn.region, name=name)


def _cluster_for(snap: Snapshot, service: EcsService) -> EcsCluster | None:
    return next((c for c in snap.ecs.clusters if c.arn == service.cluster_arn), None)


def _task_definition_for(snap: Snapshot, service: EcsService) -> TaskDefinition | None:
    return next(
        (td for td in snap.ecs.task_definitions if td.arn == service.task_definition_arn), None
    )


def exec_audit_gap(cluster: EcsCluster, td: TaskDefinition | None) -> str | None:
    """Why ECS Exec sessions of a service would not be logged: "" when they are,
    None when the snapshot cannot tell (the task definition was not collected).

    ``NONE`` logs nothing. ``OVERRIDE`` logs to the cluster's log group or S3
    bucket (none set: nothing). ``DEFAULT`` (or unset) logs to each
    container's ``awslogs`` group: every container must have one.
    """
    mode = cluster.execute_command_logging or "DEFAULT"
    if mode == "NONE":
        return f"cluster {cluster.name} sets execute-command logging to NONE"
    if mode == "OVERRIDE":
        if cluster.execute_command_log_group or cluster.execute_command_s3_bucket:
            return ""
        return f"cluster {cluster.name} overrides exec logging with no log group or bucket"
    if td is None:
        return None
    unlogged = [c.name for c in td.containers if c.log_driver != "awslogs"]
    if unlogged or not td.containers:
        names = ", ".join(unlogged[:3]) or "none"
        return f"DEFAULT exec logging and containers without awslogs: {names}"
    return ""


@rule(
    id="ZT004",
    slug="ecs-exec-audited",
    title="ECS Exec is enabled only where sessions are logged",
    action="Log the ECS Exec sessions of {target}",
    principle=Principle.ZERO_TRUST,
    severity=Severity.MEDIUM,
    needs=("ecs",),
    effort_minutes=10,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws ecs update-service --cluster {cluster} --service {name}"
        " --disable-execute-command --force-new-deployment --region {region}"
    ),
)
def ecs_exec_audited(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every ECS service with `enableExecuteCommand` runs where exec sessions
    are logged: its cluster's execute-command logging is `OVERRIDE` with a
    CloudWatch log group or S3 bucket, or `DEFAULT`/unset with every
    container of the service's task definition using the `awslogs` driver.
    `NONE` fails. Services without ECS Exec pass. A service whose cluster or
    task definition is missing from the snapshot gets no verdict.

    ## Why it matters
    ECS Exec is a shell inside a running production container. CloudTrail
    records that a session started, but only session logging records what was
    typed and shown: without it, an interactive session is an unaudited path
    to the task role's credentials and the data the service reaches.

    ## Remediation
    If nobody needs a shell, disable it (the command; it redeploys the
    service). Otherwise keep it and turn on session logging:
    `aws ecs update-cluster --cluster <cluster> --configuration
    'executeCommandConfiguration={logging=OVERRIDE,logConfiguration={cloudWatchLogGroupName=/aws/ecs/exec}}'`,
    and allow `ecs:ExecuteCommand` only to a break-glass role.

    ## References
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html#ecs-exec-logging
    """
    for service in snap.ecs.services:
        if not service.enable_execute_command:
            yield Check.of(
                service, ok=True, evidence="ECS Exec disabled", cluster=service.cluster_arn
            )
            continue
        cluster = _cluster_for(snap, service)
        gap = (
            None
            if cluster is None
            else exec_audit_gap(cluster, _task_definition_for(snap, service))
        )
        if gap is None:  # the snapshot lacks the cluster or task definition: no verdict
            continue
        yield Check.of(
            service,
            ok=not gap,
            evidence=f"ECS Exec enabled but sessions are not logged: {gap}"
            if gap
            else "ECS Exec enabled with session logging",
            cluster=service.cluster_arn,
        )


# --- IAM users -----------------------------------------------------------------------


@rule(
    id="ZT005",
    slug="no-long-lived-user-access-keys",
    title="No IAM user holds an active long-lived access key",
    action="Replace the long-lived access keys of {target} with roles",
    principle=Principle.ZERO_TRUST,
    severity=Severity.MEDIUM,
    needs=("iam", "iam-credential-report"),
    effort_minutes=120,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws iam list-access-keys --user-name {name} --query"
        " \"AccessKeyMetadata[?Status=='Active'].AccessKeyId\" --output text"
        " | xargs -n1 aws iam update-access-key --user-name {name} --status Inactive"
        " --access-key-id"
    ),
)
def no_long_lived_user_access_keys(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    No IAM user (root is LP001's) has an active access key in the credential
    report, whatever its age: one result per user, naming each key's age.
    Users without active keys pass.

    The scanner cannot know whether a role would serve, so every key is
    reported; waive the few that truly need one (a third-party tool that
    cannot assume a role), with a reason and an expiry date.

    ## Why it matters
    An access key is a bearer credential that works from anywhere until
    someone deletes it. Workloads on AWS get short-lived role credentials for
    free (task roles, Lambda roles, instance profiles); CI gets them through
    OIDC (GitHub Actions); people get them through IAM Identity Center.

    ## Remediation
    Move the key's consumer to a role (or `aws sso login` for people), then
    deactivate the user's keys (the command), watch for errors, and delete
    them and, if nothing else needs it, the user.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#bp-workloads-use-roles
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html
    """
    for row in snap.iam.credential_report:
        if row.is_root:
            continue
        keys = [
            (n, rotated)
            for n, active, rotated in (
                (1, row.access_key_1_active, row.access_key_1_last_rotated),
                (2, row.access_key_2_active, row.access_key_2_last_rotated),
            )
            if active
        ]
        ages = [
            f"key {n} {(snap.collected_at - rotated).days} days old"
            if rotated is not None
            else f"key {n} of unknown age"
            for n, rotated in keys
        ]
        yield Check(
            resource_id=row.arn,
            ok=not keys,
            evidence=f"user {row.user} has active access keys: {', '.join(ages)}"
            if keys
            else f"user {row.user} has no active access key",
            name=row.user,
        )


# --- instance metadata ---------------------------------------------------------------


@rule(
    id="ZT006",
    slug="instances-require-imdsv2",
    title="Instances require IMDSv2 (session tokens) for the metadata service",
    action="Require IMDSv2 on {target}",
    principle=Principle.ZERO_TRUST,
    severity=Severity.HIGH,
    needs=("ec2",),
    effort_minutes=15,
    monthly_cost_usd=0,
    remediation_cmd=(
        "aws ec2 modify-instance-metadata-options --instance-id {id}"
        " --http-tokens required --http-endpoint enabled --region {region}"
    ),
    frameworks={"cis": ["5.7"], "fsbp": ["EC2.8"]},
)
def instances_require_imdsv2(snap: Snapshot) -> Iterator[Check]:
    """
    ## What it checks
    Every instance that is not terminated has `HttpTokens` `required`, or has
    the metadata endpoint disabled.

    ## Why it matters
    IMDSv1 answers any plain GET from the instance, so a server-side request
    forgery in the application hands out the instance role's credentials
    (the 2019 Capital One breach). IMDSv2 needs a PUT-issued session token
    that such requests cannot obtain.

    ## Remediation
    Check that the software on the instance uses a recent AWS SDK or CLI
    (all current ones speak IMDSv2), then require tokens (the command). Set
    `HttpTokens=required` in launch templates too, or account-wide with
    `aws ec2 modify-instance-metadata-defaults`.

    ## References
    - https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-8
    - https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-existing-instances.html
    """
    for instance in _live_instances(snap):
        ok = instance.http_tokens == "required" or instance.http_endpoint == "disabled"
        yield Check.of(
            instance,
            ok=ok,
            evidence="IMDSv2 required"
            if instance.http_tokens == "required"
            else "metadata endpoint disabled"
            if ok
            else f"IMDSv1 allowed (HttpTokens {instance.http_tokens or 'unset'})",
        )
