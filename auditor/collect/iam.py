"""IAM (global): principals and policies in bulk, account settings, credential report, IdPs.

Users, groups, roles and managed policies all come from one paginated
``GetAccountAuthorizationDetails``; no per-principal calls. The only
per-resource calls are ``GetOpenIDConnectProvider`` (IAM has no bulk form).
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from auditor.collect.common import error_code, per_resource, policy_doc, tags_dict
from auditor.collect.session import ClientFactory
from auditor.snapshot.iam import (
    AccountSummary,
    AttachedPolicy,
    CredentialReportRow,
    IamGroup,
    IamRole,
    IamSection,
    IamUser,
    InlinePolicy,
    ManagedPolicy,
    OidcProvider,
    PasswordPolicy,
    SamlProvider,
)

#: Pauses between ``GetCredentialReport`` attempts while IAM builds the report
#: (about 30 s in all). When it is still not ready, the last error propagates
#: and the runner records the gap.
CREDENTIAL_REPORT_DELAYS: tuple[float, ...] = (0.5, 1, 1, 2, 2, 4, 4, 5, 5, 5)

#: ``GetCredentialReport`` answers meaning "not ready yet".
_REPORT_NOT_READY = frozenset({"ReportInProgress", "ReportNotPresent", "ReportExpired"})
#: Answers meaning no usable report exists: ask IAM to build one again.
_REPORT_REGENERATE = frozenset({"ReportNotPresent", "ReportExpired"})

#: Credential report values that stand for "no value".
_REPORT_NONE = frozenset({"", "N/A", "no_information", "not_supported"})


def _utc(value: Any) -> datetime | None:
    """A timezone-aware UTC datetime (botocore gives tzlocal/tzutc ones), or None."""
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _created(raw: dict[str, Any]) -> datetime:
    created = _utc(raw.get("CreateDate"))
    if created is None:
        raise ValueError(f"IAM entity without CreateDate: {raw.get('Arn', '?')}")
    return created


def _inline(items: Iterable[dict[str, Any]] | None) -> tuple[InlinePolicy, ...]:
    policies = (
        InlinePolicy(name=p["PolicyName"], document=policy_doc(p.get("PolicyDocument")) or {})
        for p in items or ()
    )
    return tuple(sorted(policies, key=lambda p: p.name))


def _attached(items: Iterable[dict[str, Any]] | None) -> tuple[AttachedPolicy, ...]:
    policies = (
        AttachedPolicy(arn=p["PolicyArn"], name=p.get("PolicyName") or _arn_name(p["PolicyArn"]))
        for p in items or ()
    )
    return tuple(sorted(policies, key=lambda p: p.arn))


def _arn_name(arn: str) -> str:
    """The last path segment of an ARN (``.../service-role/Name`` -> ``Name``)."""
    return arn.rsplit("/", 1)[-1]


def _boundary(raw: dict[str, Any]) -> str:
    return str((raw.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn", ""))


def _user(raw: dict[str, Any]) -> IamUser:
    return IamUser(
        name=raw["UserName"],
        arn=raw["Arn"],
        id=raw["UserId"],
        path=raw.get("Path", "/"),
        created=_created(raw),
        groups=tuple(sorted(raw.get("GroupList", []))),
        inline_policies=_inline(raw.get("UserPolicyList")),
        attached_policies=_attached(raw.get("AttachedManagedPolicies")),
        permissions_boundary_arn=_boundary(raw),
        tags=tags_dict(raw.get("Tags")),
    )


def _group(raw: dict[str, Any]) -> IamGroup:
    return IamGroup(
        name=raw["GroupName"],
        arn=raw["Arn"],
        id=raw["GroupId"],
        path=raw.get("Path", "/"),
        inline_policies=_inline(raw.get("GroupPolicyList")),
        attached_policies=_attached(raw.get("AttachedManagedPolicies")),
    )


def _role(raw: dict[str, Any]) -> IamRole:
    last_used = raw.get("RoleLastUsed") or {}
    return IamRole(
        name=raw["RoleName"],
        arn=raw["Arn"],
        id=raw["RoleId"],
        path=raw.get("Path", "/"),
        created=_created(raw),
        trust_policy=policy_doc(raw.get("AssumeRolePolicyDocument")) or {},
        inline_policies=_inline(raw.get("RolePolicyList")),
        attached_policies=_attached(raw.get("AttachedManagedPolicies")),
        instance_profile_arns=tuple(sorted(p["Arn"] for p in raw.get("InstanceProfileList", []))),
        last_used=_utc(last_used.get("LastUsedDate")),
        last_used_region=str(last_used.get("Region", "")),
        # RoleDetail does not carry MaxSessionDuration today; the model default stands then.
        max_session_duration=int(raw.get("MaxSessionDuration", 3600)),
        permissions_boundary_arn=_boundary(raw),
        tags=tags_dict(raw.get("Tags")),
    )


def _is_aws_managed(arn: str) -> bool:
    # arn:<partition>:iam::aws:policy/...
    parts = arn.split(":")
    return len(parts) > 4 and parts[4] == "aws"


def _policy(raw: dict[str, Any]) -> ManagedPolicy:
    arn = raw["Arn"]
    default_id = raw.get("DefaultVersionId", "")
    versions = raw.get("PolicyVersionList", [])
    default = next(
        (v for v in versions if v.get("IsDefaultVersion") or v.get("VersionId") == default_id),
        None,
    )
    return ManagedPolicy(
        arn=arn,
        # moto leaves PolicyName out of ManagedPolicyDetail; the ARN ends with it.
        name=raw.get("PolicyName") or _arn_name(arn),
        aws_managed=_is_aws_managed(arn),
        default_version_id=default_id,
        attachment_count=int(raw.get("AttachmentCount", 0)),
        document=(policy_doc(default.get("Document")) if default else None) or {},
    )


def _authorization_details(
    iam: Any,
) -> tuple[list[IamUser], list[IamGroup], list[IamRole], list[ManagedPolicy]]:
    users: list[dict[str, Any]] = []
    groups: list[dict[str, Any]] = []
    roles: list[dict[str, Any]] = []
    policies: list[dict[str, Any]] = []
    for page in iam.get_paginator("get_account_authorization_details").paginate():
        users.extend(page.get("UserDetailList", []))
        groups.extend(page.get("GroupDetailList", []))
        roles.extend(page.get("RoleDetailList", []))
        policies.extend(page.get("Policies", []))

    referenced = {
        p["PolicyArn"]
        for principal in (*users, *groups, *roles)
        for p in principal.get("AttachedManagedPolicies", [])
    }
    # Every customer managed policy; AWS managed ones only when something uses them.
    kept = [
        _policy(p)
        for p in policies
        if not _is_aws_managed(p["Arn"])
        or int(p.get("AttachmentCount", 0)) > 0
        or p["Arn"] in referenced
    ]
    return (
        sorted((_user(u) for u in users), key=lambda u: u.name),
        sorted((_group(g) for g in groups), key=lambda g: g.name),
        sorted((_role(r) for r in roles), key=lambda r: r.name),
        sorted(kept, key=lambda p: p.arn),
    )


def _account_summary(iam: Any) -> AccountSummary:
    summary = iam.get_account_summary()["SummaryMap"]
    return AccountSummary(
        root_mfa_enabled=bool(summary.get("AccountMFAEnabled", 0)),
        root_access_keys_present=bool(summary.get("AccountAccessKeysPresent", 0)),
        users=int(summary.get("Users", 0)),
        roles=int(summary.get("Roles", 0)),
        policies=int(summary.get("Policies", 0)),
    )


def _password_policy(iam: Any) -> PasswordPolicy:
    try:
        raw = iam.get_account_password_policy()["PasswordPolicy"]
    except ClientError as exc:
        if error_code(exc) != "NoSuchEntity":
            raise
        return PasswordPolicy(present=False)
    return PasswordPolicy(
        present=True,
        minimum_length=int(raw.get("MinimumPasswordLength", 0)),
        require_symbols=bool(raw.get("RequireSymbols", False)),
        require_numbers=bool(raw.get("RequireNumbers", False)),
        require_uppercase=bool(raw.get("RequireUppercaseCharacters", False)),
        require_lowercase=bool(raw.get("RequireLowercaseCharacters", False)),
        max_age_days=int(raw.get("MaxPasswordAge", 0)),
        reuse_prevention=int(raw.get("PasswordReusePrevention", 0)),
    )


def fetch_credential_report(
    iam: Any,
    delays: Iterable[float] = CREDENTIAL_REPORT_DELAYS,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """The credential report CSV: generate, then read it, waiting briefly while IAM builds it.

    Raises the last "not ready" ``ClientError`` when the report is still not
    ready after ``delays`` (the runner records it as a gap).
    """
    iam.generate_credential_report()
    pauses = iter(delays)
    while True:
        try:
            content = iam.get_credential_report()["Content"]
        except ClientError as exc:
            code = error_code(exc)
            if code not in _REPORT_NOT_READY:
                raise
            pause = next(pauses, None)
            if pause is None:
                raise
            sleep(pause)
            if code in _REPORT_REGENERATE:
                iam.generate_credential_report()
            continue
        return content.decode("utf-8") if isinstance(content, bytes) else str(content)


def _report_date(value: str | None) -> datetime | None:
    text = (value or "").strip()
    if text in _REPORT_NONE:
        return None
    try:
        return _utc(datetime.fromisoformat(text))
    except ValueError:
        return None


def _report_bool(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def parse_credential_report(text: str) -> tuple[CredentialReportRow, ...]:
    """Rows of the credential report CSV, root (``<root_account>``) included.

    ``N/A``, ``no_information`` and ``not_supported`` become None for dates
    and False for flags; an unreadable date also becomes None.
    """
    rows: list[CredentialReportRow] = []
    for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))):
        if not row.get("user"):
            continue
        rows.append(
            CredentialReportRow(
                user=row["user"],
                arn=row.get("arn") or "",
                user_created=_report_date(row.get("user_creation_time")),
                password_enabled=_report_bool(row.get("password_enabled")),
                password_last_used=_report_date(row.get("password_last_used")),
                password_last_changed=_report_date(row.get("password_last_changed")),
                mfa_active=_report_bool(row.get("mfa_active")),
                access_key_1_active=_report_bool(row.get("access_key_1_active")),
                access_key_1_last_rotated=_report_date(row.get("access_key_1_last_rotated")),
                access_key_1_last_used=_report_date(row.get("access_key_1_last_used_date")),
                access_key_2_active=_report_bool(row.get("access_key_2_active")),
                access_key_2_last_rotated=_report_date(row.get("access_key_2_last_rotated")),
                access_key_2_last_used=_report_date(row.get("access_key_2_last_used_date")),
            )
        )
    return tuple(rows)


def _oidc_providers(iam: Any) -> list[OidcProvider]:
    arns = sorted(
        p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    )

    def describe(arn: str) -> OidcProvider | None:
        try:
            raw = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
        except ClientError as exc:
            if error_code(exc) != "NoSuchEntity":  # deleted since it was listed
                raise
            return None
        return OidcProvider(
            arn=arn, url=str(raw.get("Url", "")), client_ids=tuple(raw.get("ClientIDList", []))
        )

    # A failed call costs only its provider (gapped).
    return [p for p in per_resource(describe, arns, lambda arn: arn) if p is not None]


def _saml_providers(iam: Any) -> list[SamlProvider]:
    providers = (
        SamlProvider(arn=p["Arn"], name=_arn_name(p["Arn"]))
        for p in iam.list_saml_providers()["SAMLProviderList"]
    )
    return sorted(providers, key=lambda p: p.arn)


def collect_credential_report(clients: ClientFactory, region: str) -> IamSection:
    """The credential report (the ``iam-credential-report`` unit, gapped on its own).

    Generating it needs ``iam:GenerateCredentialReport`` and can take a while;
    a failure here must not cost the principals and policies.
    """
    iam = clients("iam", region)
    return IamSection(credential_report=parse_credential_report(fetch_credential_report(iam)))


def collect_iam(clients: ClientFactory, region: str) -> IamSection:
    """IAM is global: ``region`` only chooses the client's endpoint region.

    Principals, policies, account settings and identity providers; the
    credential report is its own unit (:func:`collect_credential_report`).
    """
    iam = clients("iam", region)
    users, groups, roles, policies = _authorization_details(iam)
    return IamSection(
        users=tuple(users),
        groups=tuple(groups),
        roles=tuple(roles),
        policies=tuple(policies),
        account_summary=(_account_summary(iam),),
        password_policy=(_password_policy(iam),),
        oidc_providers=tuple(_oidc_providers(iam)),
        saml_providers=tuple(_saml_providers(iam)),
    )
