"""pytest plugin: fail a run that collected fewer tests than expected.

Registered with ``-p tests._min_tests`` in pyproject's ``addopts``. It acts
only when ``AUDITOR_MIN_TESTS`` is set (``.ci/run`` sets it), so running a
single file by hand is unaffected. A suite that silently lost its tests (a
broken ``testpaths``, a module that stopped being collected) then fails CI
instead of passing with a handful of tests; pytest itself already fails a
run that collected none (exit code 5).
"""

from __future__ import annotations

import os

import pytest

ENV_VAR = "AUDITOR_MIN_TESTS"
_collected = pytest.StashKey[int]()


def _minimum() -> int:
    raw = os.environ.get(ENV_VAR, "").strip()
    if not raw:
        return 0
    try:
        return int(raw)
    except ValueError:
        raise pytest.UsageError(f"{ENV_VAR} must be an integer, not {raw!r}") from None


def pytest_configure(config: pytest.Config) -> None:
    _minimum()  # a malformed value is a usage error before anything runs


def pytest_collection_finish(session: pytest.Session) -> None:
    session.config.stash[_collected] = len(session.items)


def _shortfall(config: pytest.Config) -> str | None:
    minimum = _minimum()
    collected = config.stash.get(_collected, 0)
    if minimum and collected < minimum and not config.option.collectonly:
        return f"only {collected} test(s) collected, {ENV_VAR} asks for at least {minimum}"
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _shortfall(session.config) and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    message = _shortfall(terminalreporter.config)
    if message:
        terminalreporter.write_sep("=", f"FAILED: {message}", red=True, bold=True)
