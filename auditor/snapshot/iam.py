"""IAM (global): principals, policies, credential report, account settings."""

from __future__ import annotations

from datetime import datetime

from auditor.snapshot.base import JsonDoc, Model, Section


class InlinePolicy(Model):
    name: str
    document: JsonDoc


class AttachedPolicy(Model):
    arn: str
    name: str


class IamUser(Model):
    name: str
    arn: str
    id: str
    path: str
    created: datetime
    groups: tuple[str, ...]
    inline_policies: tuple[InlinePolicy, ...]
    attached_policies: tuple[AttachedPolicy, ...]
    permissions_boundary_arn: str = ""
    tags: dict[str, str] = {}


class IamGroup(Model):
    name: str
    arn: str
    id: str
    path: str
    inline_policies: tuple[InlinePolicy, ...]
    attached_policies: tuple[AttachedPolicy, ...]


class IamRole(Model):
    name: str
    arn: str
    id: str
    path: str
    created: datetime
    trust_policy: JsonDoc
    inline_policies: tuple[InlinePolicy, ...]
    attached_policies: tuple[AttachedPolicy, ...]
    instance_profile_arns: tuple[str, ...] = ()
    #: None when AWS has no record of the role ever being used.
    last_used: datetime | None = None
    last_used_region: str = ""
    max_session_duration: int = 3600
    permissions_boundary_arn: str = ""
    tags: dict[str, str] = {}


class ManagedPolicy(Model):
    """A managed policy with its default version's document.

    Customer managed policies are all collected; AWS managed ones only when
    attached to a principal (their document is needed to evaluate it).
    """

    arn: str
    name: str
    aws_managed: bool
    default_version_id: str
    attachment_count: int
    document: JsonDoc


class CredentialReportRow(Model):
    """One row of the IAM credential report. ``user == "<root_account>"`` is root.

    Dates are None where the report says ``N/A`` or ``no_information``.
    """

    user: str
    arn: str
    user_created: datetime | None
    password_enabled: bool
    password_last_used: datetime | None
    password_last_changed: datetime | None
    mfa_active: bool
    access_key_1_active: bool
    access_key_1_last_rotated: datetime | None
    access_key_1_last_used: datetime | None
    access_key_2_active: bool
    access_key_2_last_rotated: datetime | None
    access_key_2_last_used: datetime | None

    @property
    def is_root(self) -> bool:
        return self.user == "<root_account>"


class AccountSummary(Model):
    root_mfa_enabled: bool
    root_access_keys_present: bool
    users: int
    roles: int
    policies: int


class PasswordPolicy(Model):
    """The account password policy; ``present`` is False when none is set."""

    present: bool
    minimum_length: int = 0
    require_symbols: bool = False
    require_numbers: bool = False
    require_uppercase: bool = False
    require_lowercase: bool = False
    max_age_days: int = 0
    reuse_prevention: int = 0


class OidcProvider(Model):
    arn: str
    url: str
    client_ids: tuple[str, ...]


class SamlProvider(Model):
    arn: str
    name: str


class IamSection(Section):
    users: tuple[IamUser, ...] = ()
    groups: tuple[IamGroup, ...] = ()
    roles: tuple[IamRole, ...] = ()
    policies: tuple[ManagedPolicy, ...] = ()
    credential_report: tuple[CredentialReportRow, ...] = ()
    #: One element when collected (IAM is global); a tuple keeps merge uniform.
    account_summary: tuple[AccountSummary, ...] = ()
    password_policy: tuple[PasswordPolicy, ...] = ()
    oidc_providers: tuple[OidcProvider, ...] = ()
    saml_providers: tuple[SamlProvider, ...] = ()
