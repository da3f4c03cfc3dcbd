"""The exception tree. Every error the CLI turns into a one-line message.

    AuditorError                 root; carries the process exit code
    ├── InputError               bad flag, file, snapshot, baseline or config (exit 2)
    │   └── SnapshotError        corrupt, truncated or unknown-schema snapshot (exit 2)
    ├── ReadOnlyViolation        an AWS operation that is not a read was attempted
    └── CollectionError          the scan could not start (no credentials, no region)

Programming errors are not wrapped: they raise as themselves.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3


class AuditorError(Exception):
    """Root of every error auditor raises on purpose."""

    exit_code: int = EXIT_USAGE


class InputError(AuditorError):
    """A file or argument given by the user cannot be used."""

    exit_code = EXIT_USAGE


class SnapshotError(InputError):
    """A snapshot file is corrupt, truncated or of an unknown schema."""


class ReadOnlyViolation(AuditorError):
    """A scanning session tried an AWS operation outside the read-only allow-list."""

    exit_code = EXIT_USAGE


class CollectionError(AuditorError):
    """Collection could not start at all (no credentials, no usable region)."""

    exit_code = EXIT_USAGE
