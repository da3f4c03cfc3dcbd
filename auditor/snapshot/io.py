"""Reading and writing snapshots: JSON or gzip'd JSON, atomically."""

from __future__ import annotations

import gzip
import io
import json
import zlib
from pathlib import Path

from pydantic import ValidationError

from auditor.atomic import write_bytes_atomic
from auditor.errors import SnapshotError
from auditor.snapshot import SCHEMA_VERSION, Snapshot

#: The largest snapshot (uncompressed JSON) auditor reads. A large account's snapshot
#: is tens of MB; a gzip bomb (a few KB expanding to gigabytes) stops here.
MAX_SNAPSHOT_BYTES = 512 * 1024 * 1024
_CHUNK = 1024 * 1024


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MiB"


def _gunzip(raw: bytes, path: Path, limit: int) -> bytes:
    """Decompress at most ``limit`` bytes, chunk by chunk: never more memory than that."""
    out: list[bytes] = []
    size = 0
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            while chunk := stream.read(min(_CHUNK, limit + 1 - size)):
                size += len(chunk)
                if size > limit:
                    raise SnapshotError(
                        f"{path}: refused: decompresses to more than {_mib(limit)} "
                        "(the snapshot size limit)"
                    )
                out.append(chunk)
    except (OSError, EOFError, zlib.error):
        raise SnapshotError(f"{path}: corrupt or truncated gzip data") from None
    return b"".join(out)


def snapshot_to_json(snapshot: Snapshot) -> str:
    """Deterministic JSON: the same snapshot always gives the same bytes."""
    return snapshot.model_dump_json(indent=1) + "\n"


def save_snapshot(snapshot: Snapshot, path: Path) -> None:
    """Write a snapshot (gzip'd when the name ends in ``.gz``) via temp file + rename."""
    data = snapshot_to_json(snapshot).encode()
    if path.name.endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    write_bytes_atomic(path, data)


def load_snapshot(path: Path) -> Snapshot:
    """Load a snapshot, raising :class:`SnapshotError` with a one-line reason.

    Neither the file nor its decompressed JSON may exceed :data:`MAX_SNAPSHOT_BYTES`.
    """
    limit = MAX_SNAPSHOT_BYTES
    try:
        if path.stat().st_size > limit:
            raise SnapshotError(f"{path}: refused: larger than {_mib(limit)} (the size limit)")
        raw = path.read_bytes()
    except OSError as exc:
        raise SnapshotError(f"cannot read snapshot {path}: {exc.strerror or exc}") from None
    if raw[:2] == b"\x1f\x8b":
        raw = _gunzip(raw, path, limit)
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SnapshotError(f"{path}: not a snapshot (invalid JSON: {exc})") from None
    if not isinstance(doc, dict) or "schema_version" not in doc:
        raise SnapshotError(f"{path}: not a snapshot (no schema_version)")
    version = doc["schema_version"]
    if version != SCHEMA_VERSION:
        raise SnapshotError(
            f"{path}: unsupported snapshot schema_version {version!r} "
            f"(this auditor reads {SCHEMA_VERSION})"
        )
    try:
        return Snapshot.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SnapshotError(
            f"{path}: invalid snapshot at {where}: {first['msg']} ({exc.error_count()} error(s))"
        ) from None
