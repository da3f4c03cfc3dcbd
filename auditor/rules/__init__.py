"""The rule catalogue, importable as ``auditor.rules``.

The catalogue's modules live in the repository's top-level ``rules/`` folder
(one module per principle, plus data files such as ``frameworks/cis-5.0.yaml``).

* In the **wheel** they are force-included beside this file, so the ordinary
  package path finds them.
* From a **checkout or editable install** this package's ``__path__`` is
  extended with the top-level folder, so ``import auditor.rules.<module>``
  finds the same modules without a top-level ``rules`` import name.

The top-level ``rules/`` folder must not have an ``__init__.py`` of its own:
in the wheel it would collide with this one.
"""

from __future__ import annotations

from pathlib import Path

from auditor.resources import rules_dir

_catalogue = rules_dir()
if all(Path(entry).resolve() != _catalogue for entry in __path__):
    __path__.append(str(_catalogue))
