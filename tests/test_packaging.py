"""The resource folders (rules/, reports/) ship in the wheel and are found at run time.

Two layouts must work:

* **editable / checkout**: ``auditor.resources`` points at the repository's
  top-level ``rules/`` and ``reports/``; ``auditor.rules`` reaches the top-level
  modules through its ``__path__``.
* **wheel in a fresh venv**: the folders live inside the installed package as
  ``auditor/rules`` and ``auditor/reports``; nothing named ``rules`` or
  ``reports`` lands at the top of site-packages.

The wheel test builds with ``python -m build --no-isolation`` (``build`` and
``hatchling`` come with the test extra) and installs with ``pip --no-deps
--no-index``, so it never touches the network.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

import auditor

REPO = Path(__file__).resolve().parents[1]
RESOURCES = ("rules", "reports")

#: Printed as JSON by the interpreter under test: where everything was found.
_PROBE = """
import importlib, json, pkgutil, sys, sysconfig
import auditor, auditor.resources as r, auditor.rules
modules = {
    m.name: importlib.import_module("auditor.rules." + m.name).__file__
    for m in pkgutil.iter_modules(auditor.rules.__path__)
}
print(json.dumps({
    "auditor": auditor.__file__,
    "rules_dir": str(r.rules_dir()),
    "reports_dir": str(r.reports_dir()),
    "rules_path": list(auditor.rules.__path__),
    "rule_modules": modules,
    "purelib": sysconfig.get_paths()["purelib"],
    "prefix": sys.prefix,
}))
"""

#: The catalogue modules in the checkout (the top-level rules/ folder).
RULE_MODULES = sorted(
    [p.stem for p in (REPO / "rules").glob("*.py")]
    + [p.parent.name for p in (REPO / "rules").glob("*/__init__.py")]
)


def _clean_env() -> dict[str, str]:
    """The environment minus anything that could put the checkout on ``sys.path``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV")
    }
    env["PYTHONNOUSERSITE"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _run(cmd: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        cmd, cwd=cwd, env=_clean_env(), capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, (
        f"{' '.join(cmd)} exited {result.returncode}\n"
        f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"
    )
    return result


def _probe(python: Path | str, cwd: Path) -> dict[str, Any]:
    out = _run([str(python), "-c", _PROBE], cwd).stdout
    probe: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return probe


def _inside(path: str | Path, folder: str | Path) -> bool:
    return Path(path).resolve().is_relative_to(Path(folder).resolve())


def _files(folder: Path) -> set[str]:
    """Relative paths of the files a wheel would take from ``folder``."""
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


# --- the source layout ------------------------------------------------------------------


def test_top_level_resource_folders_exist_with_their_readme() -> None:
    for name in RESOURCES:
        assert (REPO / name / "README.md").is_file(), f"{name}/README.md is missing"
    assert (REPO / "rules" / "frameworks" / "cis-5.0.yaml").is_file()


def test_top_level_rules_merges_into_the_package_without_collisions() -> None:
    """Hatch refuses a wheel with two files at one path: rules/ must not shadow auditor/rules/."""
    assert not (REPO / "rules" / "__init__.py").exists(), (
        "rules/ must not have an __init__.py: auditor/rules/__init__.py stands for it"
    )
    clash = _files(REPO / "rules") & _files(REPO / "auditor" / "rules")
    assert not clash, f"rules/ and auditor/rules/ both have {sorted(clash)}"
    assert not (REPO / "auditor" / "reports").exists(), (
        "auditor/reports is filled from the top-level reports/ at build time only"
    )


# --- editable / checkout ------------------------------------------------------------------


def _running_from_checkout() -> bool:
    return _inside(auditor.__file__, REPO)


@pytest.mark.skipif(not _running_from_checkout(), reason="auditor is not imported from the repo")
def test_checkout_finds_the_top_level_folders() -> None:
    import auditor.rules
    from auditor.resources import reports_dir, rules_dir

    assert rules_dir() == REPO / "rules"
    assert reports_dir() == REPO / "reports"
    assert str(REPO / "rules") in auditor.rules.__path__


def _editable_install_of_this_repo() -> bool:
    try:
        dist = metadata.distribution("auditor")
    except metadata.PackageNotFoundError:
        return False
    raw = dist.read_text("direct_url.json")
    if not raw:
        return False
    info = json.loads(raw)
    url = str(info.get("url", ""))
    editable = bool(info.get("dir_info", {}).get("editable"))
    return editable and url.startswith("file://") and Path(url[7:]).resolve() == REPO


@pytest.mark.skipif(not _editable_install_of_this_repo(), reason="no editable install of the repo")
def test_editable_install_finds_the_repo_folders_from_any_directory(tmp_path: Path) -> None:
    probe = _probe(sys.executable, tmp_path)
    assert _inside(probe["auditor"], REPO)
    assert Path(probe["rules_dir"]) == REPO / "rules"
    assert Path(probe["reports_dir"]) == REPO / "reports"
    assert str(REPO / "rules") in probe["rules_path"]
    assert sorted(probe["rule_modules"]) == RULE_MODULES
    for module_file in probe["rule_modules"].values():
        assert _inside(module_file, REPO / "rules")


# --- the wheel in a fresh venv --------------------------------------------------------------


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    python: Path
    site: Path
    cwd: Path


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The wheel built from this checkout, installed with --no-deps in a brand-new venv.

    The venv has no pip and no system site-packages; the wheel's runtime
    dependencies (click, ...) are reached through a ``.pth`` line naming this
    interpreter's site-packages *directory*. A path line does not run the
    ``.pth`` files inside it, so the editable install there cannot shadow the
    wheel, and the venv's own site-packages comes first anyway.
    """
    for module in ("build", "hatchling"):
        try:
            __import__(module)
        except ImportError:
            pytest.fail(
                f"{module} is missing: it comes with the test extra (pip install -e '.[test]')"
            )
    base = tmp_path_factory.mktemp("packaging")
    dist, venv, cwd = base / "dist", base / "venv", base / "elsewhere"
    cwd.mkdir()
    _run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(dist),
            str(REPO),
        ],
        cwd,
    )
    (wheel,) = dist.glob("auditor-*.whl")

    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd)
    python = _venv_python(venv)
    _run(
        [
            *(sys.executable, "-m", "pip", "--python", str(python), "install"),
            *("--no-deps", "--no-index", "--no-cache-dir", "--disable-pip-version-check"),
            str(wheel),
        ],
        cwd,
    )
    where = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(_run([str(python), "-c", where], cwd).stdout.strip())
    ours = sysconfig.get_paths()
    deps = dict.fromkeys([ours["purelib"], ours["platlib"]])
    (site / "_auditor_test_deps.pth").write_text("".join(f"{p}\n" for p in deps))
    return Installed(wheel=wheel, venv=venv, python=python, site=site, cwd=cwd)


@pytest.mark.slow
def test_wheel_holds_the_resources_under_the_auditor_namespace(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as zf:
        names = zf.namelist()
    assert len(names) == len(set(names)), "duplicate paths in the wheel"
    tops = {n.split("/")[0] for n in names}
    assert tops == {"auditor", f"auditor-{auditor.__version__}.dist-info"}, tops
    for name in RESOURCES:
        for rel in _files(REPO / name):
            assert f"auditor/{name}/{rel}" in names, f"{name}/{rel} is not in the wheel"
    assert "auditor/rules/__init__.py" in names
    assert "auditor/resources.py" in names


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_finds_its_own_resources(installed: Installed) -> None:
    probe = _probe(installed.python, installed.cwd)
    assert Path(probe["prefix"]).resolve() == installed.venv.resolve()
    assert _inside(probe["auditor"], installed.site), probe["auditor"]
    for key in ("rules_dir", "reports_dir"):
        folder = Path(probe[key])
        assert _inside(folder, installed.site / "auditor"), (key, folder)
        assert (folder / "README.md").is_file()
    assert (Path(probe["rules_dir"]) / "frameworks" / "cis-5.0.yaml").is_file()
    assert (Path(probe["rules_dir"]) / "frameworks" / "fsbp.yaml").is_file()
    assert probe["rules_path"], "auditor.rules has an empty __path__"
    for entry in probe["rules_path"]:
        assert _inside(entry, installed.site / "auditor" / "rules"), entry
    assert sorted(probe["rule_modules"]) == RULE_MODULES, "rule modules missing from the wheel"
    for module_file in probe["rule_modules"].values():
        assert _inside(module_file, installed.site / "auditor" / "rules"), module_file


@pytest.mark.slow
def test_wheel_installs_no_top_level_rules_or_reports(installed: Installed) -> None:
    for name in RESOURCES:
        assert not (installed.site / name).exists(), f"{name}/ was installed into site-packages"
    (record,) = installed.site.glob("auditor-*.dist-info/RECORD")
    installed_tops = {line.split(",")[0].split("/")[0] for line in record.read_text().splitlines()}
    assert not installed_tops & set(RESOURCES), installed_tops


@pytest.mark.slow
def test_wheel_console_script_runs(installed: Installed) -> None:
    script = installed.python.parent / ("auditor.exe" if os.name == "nt" else "auditor")
    assert script.is_file()
    result = _run([str(script), "--help"], installed.cwd)
    assert "collect" in result.stdout
    result = _run([str(installed.python), "-m", "auditor", "collect", "--help"], installed.cwd)
    assert "--endpoint-url" in result.stdout
