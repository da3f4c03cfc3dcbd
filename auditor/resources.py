"""Where auditor's resource folders are: the rule catalogue and the report templates.

The repository keeps them at the top level (``rules/``, ``reports/``); the
wheel maps them inside the package (``auditor/rules``, ``auditor/reports``,
see ``force-include`` in pyproject.toml) so no generic top-level name is
installed into site-packages. These functions find whichever layout is in
use:

* **installed wheel**: the folder inside the installed ``auditor`` package;
* **editable install or source checkout**: the repository's top-level folder.

Pure path arithmetic: no imports beyond the standard library, no I/O beyond
``is_file``/``is_dir`` checks, so ``auditor --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path

#: The installed (or checked-out) ``auditor`` package directory.
PACKAGE_DIR = Path(__file__).resolve().parent

#: Every resource folder carries this file in both layouts.
_MARKER = "README.md"


class ResourceMissingError(FileNotFoundError):
    """auditor's installation lacks a resource folder (a broken install or checkout)."""


def _source_root() -> Path | None:
    """The repository root when running from a checkout or an editable install."""
    root = PACKAGE_DIR.parent
    return root if (root / "pyproject.toml").is_file() else None


def resource_dir(name: str) -> Path:
    """The folder holding resource ``name`` (``"rules"`` or ``"reports"``).

    The folder inside the package wins when it carries the resource (the wheel
    layout); otherwise the checkout's top-level folder is used.
    """
    inside = PACKAGE_DIR / name
    if (inside / _MARKER).is_file():
        return inside
    root = _source_root()
    if root is not None and (root / name / _MARKER).is_file():
        return root / name
    raise ResourceMissingError(
        f"auditor's {name}/ folder is missing (looked in {inside}"
        + (f" and {root / name}" if root is not None else "")
        + "): reinstall auditor"
    )


def rules_dir() -> Path:
    """The rule catalogue folder (rule modules by principle and their data files)."""
    return resource_dir("rules")


def reports_dir() -> Path:
    """The report templates folder (Jinja2)."""
    return resource_dir("reports")
