"""Helpers shared by the Least Privilege rules (no rules here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from auditor.analysis.iam import Access, Decision, Permissions, Principal, trusted_services
from auditor.snapshot import Snapshot
from auditor.snapshot.iam import (
    IamGroup,
    IamRole,
    IamUser,
)

#: Service principals whose roles run workloads (task, function, instance roles).
WORKLOAD_SERVICES = ("ecs-tasks.amazonaws.com", "lambda.amazonaws.com", "ec2.amazonaws.com")


def _kind(principal: IamUser | IamGroup | IamRole) -> str:
    if isinstance(principal, IamUser):
        return "user"
    if isinstance(principal, IamGroup):
        return "group"
    return "role"


def _is_service_linked(role: IamRole) -> bool:
    return role.path.startswith("/aws-service-role/")


def _quoted(items: list[str], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _days(snap: Snapshot, moment: datetime) -> int:
    return (snap.collected_at - moment).days


def _fix_fields(principal: Principal | None, source: str) -> dict[str, str]:
    """Command fields removing the policy a statement comes from (detach or delete)."""
    ref = principal.source_ref(source) if principal is not None else None
    if ref is None:
        return {}
    if ref.managed:
        return {
            "verb": f"detach-{ref.owner_kind}-policy",
            "owner_kind": ref.owner_kind,
            "owner": ref.owner,
            "policy_flag": "--policy-arn",
            "policy": ref.policy,
        }
    return {
        "verb": f"delete-{ref.owner_kind}-policy",
        "owner_kind": ref.owner_kind,
        "owner": ref.owner,
        "policy_flag": "--policy-name",
        "policy": ref.policy,
    }


_REMOVE_POLICY_CMD = "aws iam {verb} --{owner_kind}-name {owner} {policy_flag} {policy}"


@dataclass(frozen=True)
class _AdminVerdict:
    """A principal's administrator decision (effective ``*`` on ``*``), and the boundary
    that caps an admin grant of its policies, if one does."""

    decision: Decision
    capped_by: str = ""

    @property
    def sources(self) -> str:
        labels = {
            st.label if "inline policy" in st.source else st.source
            for st in self.decision.statements
        }
        return _quoted(sorted(labels)) or "its policies"


def _admin_verdict(node: Principal) -> _AdminVerdict:
    decision = node.permissions.administrator()
    if decision.access is Access.DENIED and node.permissions.boundary is not None:
        unbounded = Permissions(
            node.permissions.statements, None, node.permissions.identity, node.permissions.now
        )
        if unbounded.administrator().access is not Access.DENIED:
            arn = node.boundary_arn
            return _AdminVerdict(decision, arn.rsplit("/", 1)[-1] or "(not collected)")
    return _AdminVerdict(decision)


def _workload_services(role: IamRole) -> frozenset[str]:
    """The workload service principals (:data:`WORKLOAD_SERVICES`) a role trusts."""
    return trusted_services(role.trust_policy) & frozenset(WORKLOAD_SERVICES)


def _broad_note(node: Principal) -> str:
    """For an identity that is not an administrator: a note when an Allow on every
    resource still grants every action but a few services' (PowerUserAccess's shape)."""
    for st in node.permissions.statements:
        if (
            st.allow
            and st.actions.negated
            and st.actions.names
            and ("*" in st.resources or st.not_resource)
        ):
            services = sorted({n.partition(":")[0] for n in st.actions.names})
            more = f" (+{len(services) - 3} more)" if len(services) > 3 else ""
            shown = ", ".join(services[:3]) + more
            return f"; broad: {st.label} allows every action but the {shown} ones"
    return ""
