#!/usr/bin/env python3
"""Build the Lambda deployment package: ``build/auditor-lambda.zip``.

    python deploy/build.py                   # from a checkout; needs PyPI for the dependencies
    python deploy/build.py --dry-run         # print the pip commands, do nothing

Steps:

1. build auditor's wheel from this checkout (``pip wheel --no-deps``);
2. install it and its dependencies for the Lambda runtime, not for this
   machine: ``pip install --target DIR --platform manylinux2014_aarch64
   --implementation cp --python-version 3.12 --only-binary=:all:`` (arm64,
   Python 3.12, wheels only: pydantic-core, PyYAML and MarkupSafe have
   compiled parts, the rest is pure Python);
3. drop ``__pycache__``, console scripts and pip's ``direct_url.json`` (a
   path on the build machine), then zip it deterministically
   (sorted entries, fixed timestamps): the same inputs give the same bytes;
4. print the size and check it against Lambda's limits (250 MB unzipped;
   50 MB zipped for a direct upload - ``sam deploy`` uploads through S3).

boto3/botocore are bundled (pinned by this build) rather than taken from
the runtime, whose SDK version AWS changes without notice.

Offline (tests): ``--no-deps --no-index --no-build-isolation`` builds a zip
of auditor alone from the checkout with what is installed here.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = REPO / "build" / "auditor-lambda.zip"
#: Lambda's limits (bytes): unzipped code, and a zip uploaded directly (not through S3).
MAX_UNZIPPED = 250 * 1024 * 1024
MAX_DIRECT_UPLOAD = 50 * 1024 * 1024
_EPOCH = (1980, 1, 1, 0, 0, 0)
_DROP_DIRS = {"__pycache__"}
_DROP_TOP = {"bin"}
#: pip's record of where a wheel came from: a path on the build machine.
_DROP_FILES = {"direct_url.json"}


def _run(cmd: list[str], dry_run: bool) -> None:
    print("+ " + shlex.join(cmd), file=sys.stderr)
    if not dry_run:
        subprocess.run(cmd, check=True)


def _files(root: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = Path(dirpath).relative_to(root)
        dirnames[:] = sorted(
            d for d in dirnames if d not in _DROP_DIRS and not (rel == Path(".") and d in _DROP_TOP)
        )
        out.extend(
            Path(dirpath, f)
            for f in sorted(filenames)
            if not f.endswith(".pyc") and f not in _DROP_FILES
        )
    return out


def write_zip(root: Path, output: Path) -> tuple[int, int, int]:
    """Zip ``root`` deterministically into ``output``; (files, unzipped bytes, zip bytes)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_suffix(".zip.tmp")
    files = _files(root)
    unzipped = 0
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(root).as_posix(), date_time=_EPOCH)
            mode = 0o755 if os.access(path, os.X_OK) else 0o644
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            data = path.read_bytes()
            if path.name == "RECORD" and path.parent.name.endswith(".dist-info"):
                data = b"".join(
                    line
                    for line in data.splitlines(keepends=True)
                    if line.split(b",", 1)[0].rsplit(b"/", 1)[-1].decode() not in _DROP_FILES
                )
            unzipped += len(data)
            zf.writestr(info, data, compresslevel=9)
    tmp.replace(output)
    return len(files), unzipped, output.stat().st_size


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--python-version", default="3.12", help="Lambda runtime (default 3.12)")
    parser.add_argument(
        "--platform", default="manylinux2014_aarch64", help="wheel platform (arm64 Lambda)"
    )
    parser.add_argument("--dry-run", action="store_true", help="print the commands only")
    parser.add_argument("--no-deps", action="store_true", help="auditor alone (offline tests)")
    parser.add_argument("--no-index", action="store_true", help="pass --no-index to pip")
    parser.add_argument("--find-links", action="append", default=[], help="pass to pip")
    parser.add_argument(
        "--no-build-isolation",
        action="store_true",
        help="build the wheel with the installed hatchling (offline)",
    )
    args = parser.parse_args(argv)

    pip = [sys.executable, "-m", "pip"]
    index = (["--no-index"] if args.no_index else []) + [
        f"--find-links={link}" for link in args.find_links
    ]
    work = Path(tempfile.mkdtemp(prefix="auditor-lambda-"))
    try:
        wheels, target = work / "wheels", work / "package"
        _run(
            [
                *pip,
                "wheel",
                "--no-deps",
                "--wheel-dir",
                str(wheels),
                *(["--no-build-isolation"] if args.no_build_isolation else []),
                *index,
                str(REPO),
            ],
            args.dry_run,
        )
        wheel = str(wheels / "auditor-*.whl")
        if not args.dry_run:
            found = sorted(wheels.glob("auditor-*.whl"))
            if len(found) != 1:
                print(f"build: error: expected one auditor wheel, found {found}", file=sys.stderr)
                return 2
            wheel = str(found[0])
        _run(
            [
                *pip,
                "install",
                "--target",
                str(target),
                "--platform",
                args.platform,
                "--implementation",
                "cp",
                "--python-version",
                args.python_version,
                "--only-binary=:all:",
                "--upgrade",
                "--no-compile",
                "--no-warn-conflicts",
                *(["--no-deps"] if args.no_deps else []),
                *index,
                wheel,
            ],
            args.dry_run,
        )
        if args.dry_run:
            print(f"+ zip {target} -> {args.output}", file=sys.stderr)
            return 0
        count, unzipped, zipped = write_zip(target, args.output)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"build: {args.output} - {count} files, {_mib(zipped)} zipped, {_mib(unzipped)} unzipped "
        f"(Python {args.python_version}, {args.platform})",
        file=sys.stderr,
    )
    if unzipped > MAX_UNZIPPED:
        print(f"build: error: over Lambda's {_mib(MAX_UNZIPPED)} unzipped limit", file=sys.stderr)
        return 1
    if zipped > MAX_DIRECT_UPLOAD:
        print(
            f"build: note: over {_mib(MAX_DIRECT_UPLOAD)}: upload through S3 (sam deploy does)",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
