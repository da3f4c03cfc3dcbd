"""Least Privilege: every identity holds only what its job needs, and nobody can grant more.

IAM is global: these rules' results carry the region ``global``. Every
permission question ("can P do A on R?", "who can use R?", "is P an
administrator?") is asked of the IAM engine, :mod:`auditor.analysis.iam`.

The rules live in one module per concern: ``root_and_credentials``,
``trust``, ``workload_roles``, ``escalation``, ``policies`` and
``administrators``. They are re-exported here for ``from auditor.rules.least_privilege
import ...``; the catalogue finds them in their own modules.
"""

from __future__ import annotations

from .administrators import (
    customer_policies_not_full_admin,
    identities_not_full_administrators,
    user_permissions_through_groups,
)
from .escalation import no_conditional_admin_or_escalation, no_escalation_path_to_admin
from .policies import (
    data_reads_scoped_to_resources,
    inline_policies_no_service_wildcards,
    managed_policies_no_service_wildcards,
)
from .root_and_credentials import (
    access_keys_rotated,
    console_users_have_mfa,
    password_policy_strong,
    root_has_no_access_keys,
    root_mfa_enabled,
    unused_access_keys_deactivated,
)
from .trust import (
    github_oidc_trust_restricts_audience,
    github_oidc_trust_restricts_subject,
    lambda_policies_not_public,
    role_trust_not_public,
)
from .workload_roles import (
    workload_roles_no_effective_admin,
    workload_roles_not_admin,
    workload_roles_not_shared,
)

__all__ = [
    "access_keys_rotated",
    "console_users_have_mfa",
    "customer_policies_not_full_admin",
    "data_reads_scoped_to_resources",
    "github_oidc_trust_restricts_audience",
    "github_oidc_trust_restricts_subject",
    "identities_not_full_administrators",
    "inline_policies_no_service_wildcards",
    "lambda_policies_not_public",
    "managed_policies_no_service_wildcards",
    "no_conditional_admin_or_escalation",
    "no_escalation_path_to_admin",
    "password_policy_strong",
    "role_trust_not_public",
    "root_has_no_access_keys",
    "root_mfa_enabled",
    "unused_access_keys_deactivated",
    "user_permissions_through_groups",
    "workload_roles_no_effective_admin",
    "workload_roles_not_admin",
    "workload_roles_not_shared",
]
