"""The organization scan: accounts on a process pool, each one streamed to disk.

* Accounts run concurrently in a process pool sized to the machine (one
  process per CPU, at most one per account); inside each, the usual thread
  pool collects (service x region) as for a single account.
* Every finished account has written its own ``results.json`` before the
  parent hears of it, so an interrupted scan loses nothing finished:
  ``resume=True`` skips accounts whose results are already there.
* A worker process that dies takes only its own account down: the accounts
  its pool had not finished run again on a fresh pool, and those lost twice
  run each in a process of its own, so only the account that kills its
  process ends as a gap. An account that cannot be assumed or scanned is a
  gap, never dropped.
* The organization review is built by reading the accounts' results back one
  at a time (:class:`~auditor.engine.org.OrgBuilder`).
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from auditor.org.discovery import Account
from auditor.org.worker import RESULTS_FILE, AccountJob, AccountOutcome, scan_account

Notify = Callable[[AccountOutcome, int, int], None]


@dataclass(frozen=True)
class OrgRun:
    outcomes: tuple[AccountOutcome, ...]
    resumed: tuple[str, ...]


def default_pool_size(n_accounts: int) -> int:
    return max(1, min(n_accounts, os.cpu_count() or 1))


def finished(output_dir: Path, account_id: str) -> bool:
    """True when the account's results.json is there, readable and for that account."""
    from auditor.errors import InputError
    from auditor.render.json import load_results

    path = output_dir / account_id / RESULTS_FILE
    if not path.is_file():
        return False
    try:
        return load_results(path).account_id == account_id
    except InputError:
        return False


class _Progress:
    """Per-account progress bars on a terminal, fed by the workers through a queue."""

    def __init__(self, ctx: Any, names: dict[str, str]) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.manager = ctx.Manager()
        self.queue = self.manager.Queue()
        self.names = names
        self.progress = Progress(
            # Account names come from AWS: shown as text, never as rich markup.
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.tasks: dict[str, Any] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._drain, daemon=True)

    def __enter__(self) -> _Progress:
        self.progress.start()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.progress.stop()
        self.manager.shutdown()

    def _drain(self) -> None:
        from auditor.render.view import clip

        while not self._stop.is_set():
            try:
                kind, account_id, value = self.queue.get(timeout=0.2)
            except queue.Empty:
                continue
            except (EOFError, OSError):
                return
            if kind == "start":
                label = clip(f"{account_id} {self.names.get(account_id, '')}", 48)
                self.tasks[account_id] = self.progress.add_task(label, total=value)
            elif kind == "advance" and account_id in self.tasks:
                self.progress.advance(self.tasks[account_id], value)

    def done(self, account_id: str) -> None:
        task = self.tasks.pop(account_id, None)
        if task is not None:
            self.progress.remove_task(task)


def _run_pool(
    jobs: Sequence[AccountJob],
    size: int,
    ctx: Any,
    progress: _Progress | None,
    notify: Notify,
    counter: list[int],
    total: int,
) -> tuple[list[AccountOutcome], list[AccountJob]]:
    """Run ``jobs``; returns the outcomes and the jobs lost to a dead worker process."""
    outcomes: list[AccountOutcome] = []
    lost: list[AccountJob] = []
    with ProcessPoolExecutor(max_workers=size, mp_context=ctx) as pool:
        futures: dict[Future[AccountOutcome], AccountJob] = {
            pool.submit(scan_account, job, progress.queue if progress else None): job
            for job in jobs
        }
        from concurrent.futures import as_completed

        for future in as_completed(futures):
            job = futures[future]
            try:
                outcome = future.result()
            except BrokenProcessPool:
                lost.append(job)
                continue
            if progress is not None:
                progress.done(job.account_id)
            outcomes.append(outcome)
            counter[0] += 1
            notify(outcome, counter[0], total)
    return outcomes, lost


def run_accounts(
    accounts: Sequence[Account],
    template: AccountJob,
    *,
    output_dir: Path,
    resume: bool,
    pool_size: int | None,
    notify: Notify,
) -> OrgRun:
    """Scan ``accounts`` (see module doc); ``template`` holds the options every job shares."""
    resumed = tuple(a.account_id for a in accounts if resume and finished(output_dir, a.account_id))
    todo = [
        replace(
            template,
            account_id=a.account_id,
            name=a.name,
            output_dir=str(output_dir / a.account_id),
        )
        for a in accounts
        if a.account_id not in resumed
    ]
    if not todo:
        return OrgRun(outcomes=(), resumed=resumed)
    ctx = multiprocessing.get_context("spawn")
    size = pool_size or default_pool_size(len(todo))
    counter = [0]
    progress = (
        _Progress(ctx, {a.account_id: a.name for a in accounts}) if sys.stderr.isatty() else None
    )
    outcomes: list[AccountOutcome] = []
    if progress is not None:
        progress.__enter__()
    try:
        done, lost = _run_pool(todo, size, ctx, progress, notify, counter, len(todo))
        outcomes.extend(done)
        if lost:  # a worker process died: its pool's unfinished accounts run again
            done, lost = _run_pool(
                lost, min(size, len(lost)), ctx, progress, notify, counter, len(todo)
            )
            outcomes.extend(done)
        isolated: list[AccountJob] = []
        for job in lost:  # died twice: one process per account, so only the culprit is lost
            done, dead = _run_pool([job], 1, ctx, progress, notify, counter, len(todo))
            outcomes.extend(done)
            isolated.extend(dead)
        for job in isolated:
            outcome = AccountOutcome(
                job.account_id,
                job.name,
                "gap",
                message="the scan process of this account died (exit without a result)",
            )
            outcomes.append(outcome)
            counter[0] += 1
            notify(outcome, counter[0], len(todo))
    finally:
        if progress is not None:
            progress.__exit__(None, None, None)
    return OrgRun(outcomes=tuple(outcomes), resumed=resumed)
