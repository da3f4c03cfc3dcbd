"""KMS: the keys of each region and, for customer managed symmetric keys, their rotation."""

from __future__ import annotations

from auditor.snapshot.base import Model, Section


class KmsKey(Model):
    id: str
    arn: str
    region: str
    #: ``CUSTOMER`` or ``AWS`` ("" when the key could not be described).
    manager: str = ""
    #: ``SYMMETRIC_DEFAULT``, ``RSA_2048``, ``HMAC_256``...
    key_spec: str = ""
    #: ``Enabled``, ``Disabled``, ``PendingDeletion``...
    state: str = ""
    #: ``AWS_KMS``, ``EXTERNAL``, ``AWS_CLOUDHSM``, ``EXTERNAL_KEY_STORE``.
    origin: str = ""
    #: Automatic rotation, read for enabled customer managed symmetric keys made
    #: by KMS (the only keys that can rotate automatically); None otherwise.
    rotation_enabled: bool | None = None
    #: Why the key could not be described or its rotation read ("" when it could).
    error_code: str = ""

    @property
    def rotatable(self) -> bool:
        """A key automatic rotation applies to (what CIS 3.6 and FSBP KMS.4 judge)."""
        return (
            self.manager == "CUSTOMER"
            and self.key_spec == "SYMMETRIC_DEFAULT"
            and self.state == "Enabled"
            and self.origin == "AWS_KMS"
        )


class KmsSection(Section):
    keys: tuple[KmsKey, ...] = ()
