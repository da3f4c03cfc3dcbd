"""``gate --framework cis-5.0 --fail-on-control-fail``: a newly failing control fails the gate."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from auditor.cli import main
from auditor.engine.frameworks import get_framework
from auditor.engine.model import Status
from auditor.gate.controls import control_failures
from auditor.render.json import write_results
from tests.render.factories import info, result_of, rr

LP001 = info("LP001").model_copy(update={"frameworks": {"cis": ("1.3",), "fsbp": ("IAM.4",)}})
OB002 = info("OB002").model_copy(update={"frameworks": {}})

CLEAN = result_of([LP001, OB002], [rr(LP001, "root", Status.PASS), rr(OB002, "acct", Status.PASS)])
ROOT_KEYS = result_of(
    [LP001, OB002], [rr(LP001, "root", Status.FAIL), rr(OB002, "acct", Status.PASS)]
)
OTHER_FAIL = result_of(
    [LP001, OB002], [rr(LP001, "root", Status.PASS), rr(OB002, "acct", Status.FAIL)]
)
ROOT_WAIVED = result_of(
    [LP001, OB002],
    [rr(LP001, "root", Status.FAIL, waived=True), rr(OB002, "acct", Status.PASS)],
)
CIS = get_framework("cis-5.0")


def test_only_controls_that_newly_fail_are_reasons() -> None:
    (reason,) = control_failures(CLEAN, ROOT_KEYS, CIS)
    assert reason.subject == "cis-5.0/1.3"
    assert reason.message.startswith("cis-5.0 control 1.3 now fails (")
    assert "LP001" in reason.message and reason.message.endswith(": root")
    assert control_failures(ROOT_KEYS, ROOT_KEYS, CIS) == []  # already failing
    assert control_failures(CLEAN, OTHER_FAIL, CIS) == []  # OB002 decides no CIS control
    assert control_failures(CLEAN, ROOT_WAIVED, CIS) == []  # accepted risk


def _gate(tmp_path: Path, baseline: object, current: object, *flags: str) -> tuple[int, str]:
    b, c = tmp_path / "baseline.json", tmp_path / "current.json"
    write_results(baseline, b)  # type: ignore[arg-type]
    write_results(current, c)  # type: ignore[arg-type]
    run = CliRunner().invoke(
        main,
        ["gate", "--baseline", str(b), "--current", str(c), "--fail-on-new", "none",
         "--no-fail-on-grade-drop", *flags],
    )  # fmt: skip
    return run.exit_code, run.output


def test_gate_fails_on_a_new_control_failure_only_when_asked(tmp_path: Path) -> None:
    code, out = _gate(tmp_path, CLEAN, ROOT_KEYS)
    assert code == 0, out
    code, out = _gate(
        tmp_path, CLEAN, ROOT_KEYS, "--framework", "cis-5.0", "--fail-on-control-fail"
    )
    assert code == 1, out
    assert "cis-5.0 control 1.3 now fails" in out
    code, out = _gate(tmp_path, CLEAN, ROOT_KEYS, "--framework", "fsbp", "--fail-on-control-fail")
    assert code == 1 and "fsbp control IAM.4 now fails" in out
    code, out = _gate(tmp_path, ROOT_KEYS, ROOT_KEYS, "--fail-on-control-fail")
    assert code == 0, out


def test_gate_unknown_framework_is_exit_2(tmp_path: Path) -> None:
    code, out = _gate(tmp_path, CLEAN, CLEAN, "--framework", "cis-1.0", "--fail-on-control-fail")
    assert code == 2
    assert "Invalid value for '--framework'" in out
