"""``--rules-dir DIR`` (repeatable): folders of user rule modules, for scan, gate, baseline, rules.

Only click is imported here; the folders are loaded by
:func:`auditor.config.load_setup` when a command runs (docs/custom-rules.md).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def rules_dir_option(fn: F) -> F:
    option = click.option(
        "--rules-dir",
        "rules_dirs",
        multiple=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="A folder of your own rule modules (repeatable; also `rules_dirs:` in the config).",
    )
    return option(fn)
