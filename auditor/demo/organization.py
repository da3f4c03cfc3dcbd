"""An AWS Organization on a moto server: member accounts built through the API.

``build_organization(url, members, reference=..., denied=...)`` creates, on
the moto server at ``url`` (plain, unguarded clients, for scenario building
only):

* an organization whose management account is the caller's (moto's default
  ``123456789012``), and ``members`` member accounts (``CreateAccount``, which
  in moto also creates ``OrganizationAccountAccessRole`` in each member, as
  AWS does);
* in every member, a *small* estate: one ECS cluster ``app-cluster`` with
  Container Insights disabled and one log group ``/app/logs`` without
  retention;
* in the first ``reference`` members, the whole reference architecture
  (:func:`auditor.demo.reference.build_reference`) instead;
* in the ``denied`` member accounts (indexes into the members), the
  organization role is deleted: AWS would refuse AssumeRole; moto hands out
  credentials anyway, and the scanner's role check finds the role missing.

Clients for a member act in that member through assumed-role credentials,
which is how moto tells accounts apart.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

ORG_ROLE = "OrganizationAccountAccessRole"
SMALL_CLUSTER = "app-cluster"
SMALL_LOG_GROUP = "/app/logs"


@dataclass(frozen=True)
class OrgScenario:
    management: str
    members: tuple[str, ...]
    reference: tuple[str, ...]
    denied: tuple[str, ...]


def member_client(url: str | None, account_id: str, region: str) -> Callable[..., Any]:
    """``client(service, region)`` acting in ``account_id`` (assumed-role credentials)."""
    from auditor.collect.session import make_boto_session

    role_arn = f"arn:aws:iam::{account_id}:role/{ORG_ROLE}"
    session = make_boto_session(region=region, role_arn=role_arn, endpoint_url=url or None)

    @functools.cache
    def client(service: str, client_region: str = region) -> Any:
        return session.client(service, region_name=client_region, endpoint_url=url)  # type: ignore[call-overload]

    return client


def build_small(client: Callable[..., Any], region: str) -> None:
    """The small member estate (see module doc)."""
    client("ecs", region).create_cluster(
        clusterName=SMALL_CLUSTER, settings=[{"name": "containerInsights", "value": "disabled"}]
    )
    client("logs", region).create_log_group(logGroupName=SMALL_LOG_GROUP)


def build_organization(
    url: str,
    members: int,
    *,
    region: str = "us-west-2",
    reference: int = 0,
    denied: Sequence[int] = (),
    names: Sequence[str] | None = None,
) -> OrgScenario:
    """Create the organization and its members (see module doc)."""
    from auditor.collect.session import make_boto_session
    from auditor.demo.reference import build_reference
    from auditor.demo.simulator import set_root_mfa

    org = make_boto_session(region="us-east-1").client("organizations", endpoint_url=url)
    management = str(org.create_organization(FeatureSet="ALL")["Organization"]["MasterAccountId"])
    ids: list[str] = []
    for i in range(members):
        name = names[i] if names is not None else f"member-{i:03d}"
        status = org.create_account(Email=f"member-{i}@example.com", AccountName=name)
        ids.append(str(status["CreateAccountStatus"]["AccountId"]))
    for i, account_id in enumerate(ids):
        client = member_client(url, account_id, region)
        if i < reference:
            build_reference(client, region)
            set_root_mfa(account_id)  # the server must run in this process
        else:
            build_small(client, region)
        if i in denied:
            iam = client("iam", region)
            for policy in iam.list_attached_role_policies(RoleName=ORG_ROLE)["AttachedPolicies"]:
                iam.detach_role_policy(RoleName=ORG_ROLE, PolicyArn=policy["PolicyArn"])
            for name in iam.list_role_policies(RoleName=ORG_ROLE)["PolicyNames"]:
                iam.delete_role_policy(RoleName=ORG_ROLE, PolicyName=name)
            iam.delete_role(RoleName=ORG_ROLE)
    return OrgScenario(
        management=management,
        members=tuple(ids),
        reference=tuple(ids[:reference]),
        denied=tuple(ids[i] for i in denied),
    )
