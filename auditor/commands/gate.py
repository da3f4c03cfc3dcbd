"""The CI commands: ``gate``, ``baseline``, ``diff`` and ``export`` (docs/gate.md).

Only click and the standard library are imported at module level; every
command imports the engine, pydantic and rich when it runs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

from auditor.commands.common import aws_options, errors_to_exit, run_collection
from auditor.commands.compliance import DEFAULT_FRAMEWORK, framework_choices
from auditor.commands.rules_dirs import rules_dir_option

if TYPE_CHECKING:
    from auditor.config import Config
    from auditor.engine.catalogue import Catalogue
    from auditor.engine.results import ScanResult

_FilePath = click.Path(dir_okay=False, path_type=Path)
_SCAN_OPTIONS = (
    "profile",
    "role_arn",
    "external_id",
    "regions",
    "all_regions",
    "endpoint_url",
    "services",
    "workers",
)
_SEVERITIES = ("critical", "high", "medium", "low", "none")


# ------------------------------------------------------------------ shared


def _load_config(
    config_path: Path | None, rules_dirs: tuple[Path, ...] = ()
) -> tuple[Catalogue, Config]:
    from auditor.config import load_setup

    return load_setup(config_path, rules_dirs)


def _current_result(
    ctx: click.Context,
    current: Path | None,
    snapshot: Path | None,
    config: Config,
    aws: dict[str, Any],
    catalogue: Catalogue | None = None,
) -> ScanResult:
    """The result to judge: ``--current`` as is, ``--snapshot`` evaluated, or a fresh scan."""
    from auditor.errors import InputError

    if current is not None and snapshot is not None:
        raise InputError("--current and --snapshot cannot be combined")
    if current is not None or snapshot is not None:
        given = [
            param.opts[0]
            for param in ctx.command.params
            if param.name in _SCAN_OPTIONS
            and ctx.get_parameter_source(param.name) is ParameterSource.COMMANDLINE
        ]
        if given:
            raise InputError(
                f"{given[0]} is a scan option: it cannot be combined with --current or --snapshot"
            )
    if current is not None:
        from auditor.render.json import load_results

        return load_results(current)
    from auditor.engine.catalogue import load_catalogue
    from auditor.engine.evaluate import evaluate

    catalogue = catalogue if catalogue is not None else load_catalogue()
    if snapshot is not None:
        from auditor.snapshot.io import load_snapshot

        snap = load_snapshot(snapshot)
    else:
        snap = run_collection(**aws)
    return evaluate(snap, catalogue, config)


def _source_options(fn: Any) -> Any:
    """``--current``, ``--snapshot``, ``--config``, ``--rules-dir`` and the scan options."""
    fn = rules_dir_option(aws_options(fn))
    for option in reversed(
        [
            click.option(
                "--current",
                "current_path",
                type=_FilePath,
                help="Judge this results.json instead of scanning.",
            ),
            click.option(
                "--snapshot",
                "snapshot",
                type=_FilePath,
                help="Evaluate this saved snapshot instead of scanning (no AWS call).",
            ),
            click.option(
                "--config",
                "config_path",
                type=_FilePath,
                help="Config file (thresholds, waivers, gate policy). "
                "Default: ./.auditor.yaml if present.",
            ),
        ]
    ):
        fn = option(fn)
    return fn


def _min_grades(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> dict[str, str] | None:
    from auditor.gate.policy import normalise_grade, normalise_subject

    floors: dict[str, str] = {}
    for value in values:
        subject, _, grade = value.rpartition("=")
        try:
            floors[normalise_subject(subject or "overall")] = normalise_grade(grade)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    return floors or None


def _write(path: Path, text: str) -> None:
    from auditor.atomic import write_text_atomic

    write_text_atomic(path, text)


def _stdout_console() -> Any:
    from auditor.render.terminal import make_console

    return make_console(file=sys.stdout)


# ------------------------------------------------------------------ gate


@click.command(name="gate")
@click.option(
    "--baseline",
    "baseline_path",
    type=_FilePath,
    required=True,
    help="The baseline (a results.json or an `auditor baseline` file).",
)
@_source_options
@click.option(
    "--fail-on-grade-drop/--no-fail-on-grade-drop",
    default=None,
    help="Fail when any principle, Security, Operations or Overall grade drops. [default: on]",
)
@click.option(
    "--max-score-drop",
    type=click.FloatRange(min=0),
    help="Fail when any score drops by more than this many points.",
)
@click.option(
    "--fail-on-new",
    type=click.Choice(_SEVERITIES, case_sensitive=False),
    help="Fail on a new FAIL finding at or above this severity (none: never). [default: high]",
)
@click.option(
    "--min-grade",
    "min_grade",
    multiple=True,
    callback=_min_grades,
    metavar="[SUBJECT=]GRADE",
    help="Floor on the current grade: `B` (overall) or `network_isolation=A` (repeatable).",
)
@click.option(
    "--fail-on-incomplete/--no-fail-on-incomplete",
    default=None,
    help="A newly incomplete result fails the gate (exit 1) instead of exiting 3.",
)
@click.option(
    "--allow-account-change",
    is_flag=True,
    default=None,
    help="Compare results of two different accounts (otherwise exit 2).",
)
@click.option(
    "--save-results",
    type=_FilePath,
    help="Also write the current result (results.json) here.",
)
@click.option(
    "--markdown",
    "markdown_path",
    type=_FilePath,
    help="Write the verdict and the diff as Markdown (a pull-request comment) here.",
)
@click.option("--json", "json_path", type=_FilePath, help="Write the outcome as JSON here.")
@click.option(
    "--update-baseline",
    is_flag=True,
    help="When the gate passes, write the current result as the new baseline (a ratchet).",
)
@click.option(
    "--framework",
    type=click.Choice(framework_choices()),
    default=DEFAULT_FRAMEWORK,
    show_default=True,
    help="The compliance framework --fail-on-control-fail looks at.",
)
@click.option(
    "--fail-on-control-fail",
    is_flag=True,
    help="Fail when a control of --framework fails now and did not in the baseline.",
)
@click.pass_context
@errors_to_exit
def gate(
    ctx: click.Context,
    /,
    baseline_path: Path,
    current_path: Path | None,
    snapshot: Path | None,
    config_path: Path | None,
    fail_on_grade_drop: bool | None,
    max_score_drop: float | None,
    fail_on_new: str | None,
    min_grade: dict[str, str] | None,
    fail_on_incomplete: bool | None,
    allow_account_change: bool | None,
    save_results: Path | None,
    markdown_path: Path | None,
    json_path: Path | None,
    update_baseline: bool,
    framework: str,
    fail_on_control_fail: bool,
    rules_dirs: tuple[Path, ...],
    **aws: Any,
) -> None:
    """Compare a result with a baseline; exit 1 on a regression.

    Without --current it scans (or evaluates --snapshot) first. Fails on any
    grade drop and on new high or critical findings by default; the policy
    can also live in the config file's `gate:` section (flags override).

    Exit codes: 0 pass, 1 gate failed, 2 usage or input error (bad baseline,
    other account), 3 incomplete (the current result is blind where the
    baseline was not).
    """
    from pydantic import ValidationError

    from auditor.errors import InputError
    from auditor.gate import Verdict, compare
    from auditor.gate.baseline import load_baseline, write_baseline
    from auditor.gate.compare import check_accounts
    from auditor.gate.report import diff_json, diff_markdown, print_outcome
    from auditor.org.gate import is_org_file
    from auditor.render.json import results_to_json
    from auditor.render.terminal import make_console

    if is_org_file(baseline_path):  # an organization baseline (docs/organizations.md)
        from auditor.commands.org import org_gate

        sys.exit(org_gate(baseline_path, current_path))
    catalogue, config = _load_config(config_path, rules_dirs)
    try:
        policy = config.gate.with_overrides(
            fail_on_grade_drop=fail_on_grade_drop,
            max_score_drop=max_score_drop,
            fail_on_new=fail_on_new,
            min_grade=min_grade,
            fail_on_incomplete=fail_on_incomplete,
            allow_account_change=allow_account_change,
        )
    except ValidationError as exc:
        raise InputError(f"gate policy: {exc.errors()[0]['msg']}") from None
    baseline = load_baseline(baseline_path)  # before any scan: a bad baseline fails fast
    current = _current_result(ctx, current_path, snapshot, config, aws, catalogue)
    check_accounts(baseline, current, policy)
    outcome = compare(baseline, current, policy)
    if fail_on_control_fail:
        from auditor.engine.frameworks import get_framework
        from auditor.gate.controls import control_failures, with_control_failures

        reasons = control_failures(baseline, current, get_framework(framework))
        outcome = with_control_failures(outcome, reasons)

    print_outcome(outcome, make_console())
    if save_results is not None:
        _write(save_results, results_to_json(current))
    if markdown_path is not None:
        _write(markdown_path, diff_markdown(outcome.diff, outcome))
    if json_path is not None:
        _write(json_path, diff_json(outcome.diff, outcome))
    if update_baseline:
        if outcome.verdict is Verdict.PASS:
            write_baseline(current, baseline_path)
            click.echo(f"auditor: baseline updated -> {baseline_path}", err=True)
        else:
            click.echo("auditor: baseline left unchanged (the gate did not pass)", err=True)
    sys.exit(outcome.exit_code)


# ------------------------------------------------------------------ baseline


@click.command(name="baseline", short_help="Write a baseline for `auditor gate`, slimmed for git.")
@_source_options
@click.option(
    "-o",
    "--out",
    "out",
    type=_FilePath,
    default=Path("auditor-baseline.json"),
    show_default=True,
    help="Baseline file to write (atomically).",
)
@click.pass_context
@errors_to_exit
def baseline(
    ctx: click.Context,
    /,
    current_path: Path | None,
    snapshot: Path | None,
    config_path: Path | None,
    out: Path,
    rules_dirs: tuple[Path, ...],
    **aws: Any,
) -> None:
    """Write a baseline for `auditor gate`: a results file slimmed for git.

    From a fresh scan, --snapshot or --current results.json. PASS results and
    rule texts are left out and the rest is sorted by finding id, so the file
    diffs well in git. Exit 3 (file still written) when the result has gaps.
    """
    from auditor.errors import EXIT_INCOMPLETE, EXIT_OK
    from auditor.gate.baseline import write_baseline
    from auditor.gate.diff import real_gaps

    catalogue, config = _load_config(config_path, rules_dirs)
    result = _current_result(ctx, current_path, snapshot, config, aws, catalogue)
    write_baseline(result, out)
    gaps = real_gaps(result.gaps)
    for g in gaps:
        click.echo(f"auditor: gap: {g.service} in {g.region}: {g.status.value}", err=True)
    failing = len(result.failing())
    click.echo(
        f"auditor: baseline for account {result.account_id}: overall {result.overall.grade}, "
        f"{failing} failing finding(s), {len(gaps)} gap(s) -> {out}",
        err=True,
    )
    sys.exit(EXIT_INCOMPLETE if gaps else EXIT_OK)


# ------------------------------------------------------------------ diff


@click.command(name="diff", short_help="What changed between two results files.")
@click.argument("old", type=_FilePath)
@click.argument("new", type=_FilePath)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "md", "json"]),
    default="text",
    show_default=True,
    help="text for a terminal, md for a pull-request comment, json for tools.",
)
@click.option("-o", "--out", "out", type=_FilePath, help="Write to this file instead of stdout.")
@errors_to_exit
def diff_cmd(old: Path, new: Path, fmt: str, out: Path | None) -> None:
    """What changed between two results: grades, new, fixed and still-failing findings."""
    from auditor.gate import diff
    from auditor.gate.report import diff_json, diff_markdown, print_diff
    from auditor.render.json import load_results

    d = diff(load_results(old), load_results(new))
    if fmt == "text":
        if out is None:
            print_diff(d, _stdout_console())
            return
        import io

        from rich.console import Console

        buffer = io.StringIO()
        print_diff(d, Console(file=buffer, no_color=True, highlight=False, width=120))
        _write(out, buffer.getvalue())
        return
    text = diff_markdown(d) if fmt == "md" else diff_json(d)
    if out is None:
        click.echo(text, nl=False)
    else:
        _write(out, text)


# ------------------------------------------------------------------ export


@click.command(name="export", short_help="Write results as JUnit XML, SARIF, ASFF or OCSF.")
@click.argument("results", type=_FilePath)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["junit", "sarif", "asff", "ocsf"]),
    required=True,
    help="junit: JUnit XML; sarif: SARIF 2.1.0 (GitHub code scanning); asff: Security Hub "
    "BatchImportFindings batches; ocsf: OCSF Detection Findings (JSON array).",
)
@click.option(
    "-o",
    "--out",
    "out",
    type=click.Path(path_type=Path),
    required=True,
    help="Output file (junit, sarif, ocsf) or directory (asff: batch-0001.json, ...).",
)
@click.option("--failed-only", is_flag=True, help="Only FAIL results (asff, ocsf).")
@errors_to_exit
def export(results: Path, fmt: str, out: Path, failed_only: bool) -> None:
    """Write a results file as JUnit XML, SARIF, Security Hub ASFF or OCSF JSON."""
    import json

    from auditor.render.json import load_results

    result = load_results(results)
    if fmt == "junit":
        from auditor.export import junit_xml

        _write(out, junit_xml(result))
        click.echo(f"auditor: {len(result.results)} test case(s) -> {out}", err=True)
    elif fmt == "sarif":
        from auditor.export import sarif_log

        log = sarif_log(result)
        _write(out, json.dumps(log, indent=1, ensure_ascii=False) + "\n")
        click.echo(f"auditor: {len(log['runs'][0]['results'])} SARIF result(s) -> {out}", err=True)
    elif fmt == "ocsf":
        from auditor.export import ocsf_findings

        events = ocsf_findings(result, failed_only=failed_only)
        _write(out, json.dumps(events, indent=1, ensure_ascii=False) + "\n")
        click.echo(f"auditor: {len(events)} OCSF finding(s) -> {out}", err=True)
    else:
        from auditor.errors import InputError
        from auditor.export import asff_batches, asff_findings

        if out.exists() and not out.is_dir():
            raise InputError(f"{out}: --format asff writes a directory of batches, not a file")
        findings = asff_findings(result, failed_only=failed_only)
        batches = asff_batches(findings)
        names = [f"batch-{i:04d}.json" for i in range(1, len(batches) + 1)]
        for name, batch in zip(names, batches, strict=True):
            _write(out / name, json.dumps(batch, indent=1, ensure_ascii=False) + "\n")
        if out.is_dir():  # batches of an earlier, larger export would be imported again
            for stale in out.glob("batch-[0-9][0-9][0-9][0-9].json"):
                if stale.name not in names:
                    stale.unlink()
        click.echo(
            f"auditor: {len(findings)} ASFF finding(s) in {len(batches)} batch(es) -> {out}",
            err=True,
        )


COMMANDS = (gate, baseline, diff_cmd, export)
