"""S3: the account's and each bucket's Block Public Access settings."""

from __future__ import annotations

from auditor.snapshot.base import JsonDoc, Model, Section


class BlockPublicAccess(Model):
    """The four Block Public Access switches (all False when none is configured)."""

    block_public_acls: bool = False
    ignore_public_acls: bool = False
    block_public_policy: bool = False
    restrict_public_buckets: bool = False

    @property
    def all_on(self) -> bool:
        return (
            self.block_public_acls
            and self.ignore_public_acls
            and self.block_public_policy
            and self.restrict_public_buckets
        )

    @property
    def off(self) -> tuple[str, ...]:
        """The names of the switches that are off, in AWS's spelling."""
        names = {
            "BlockPublicAcls": self.block_public_acls,
            "IgnorePublicAcls": self.ignore_public_acls,
            "BlockPublicPolicy": self.block_public_policy,
            "RestrictPublicBuckets": self.restrict_public_buckets,
        }
        return tuple(n for n, on in names.items() if not on)


class S3AccountSettings(Model):
    """Account-level S3 settings (one per snapshot)."""

    #: None when the settings could not be read (``error_code`` says why).
    block_public_access: BlockPublicAccess | None
    error_code: str = ""


class S3Bucket(Model):
    name: str
    arn: str
    #: The bucket's region ("" when it could not be read).
    region: str
    #: The bucket's own settings; all off when none are configured; None when
    #: they could not be read (``error_code`` says why).
    block_public_access: BlockPublicAccess | None
    error_code: str = ""
    #: The bucket policy as AWS returned it (None: no policy, or not read).
    policy: JsonDoc | None = None
    #: Why the policy could not be read ("" when it could, or the bucket could not).
    policy_error: str = ""


class S3Section(Section):
    account: tuple[S3AccountSettings, ...] = ()
    buckets: tuple[S3Bucket, ...] = ()
