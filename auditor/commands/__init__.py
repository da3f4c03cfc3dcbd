"""CLI commands beyond the core ones in :mod:`auditor.cli`, one module per area."""
