"""The organization stack's three Lambda handlers (deploy/org-template.yaml).

The Step Functions state machine runs them in order::

    ListAccounts (list_handler) -> Distributed Map over the accounts
        (item_handler, one account per item) -> Aggregate (aggregate_handler)

* :func:`list_handler` discovers the accounts (``organizations:ListAccounts``
  on the read-only session, filtered by ``AUDITOR_EXCLUDE_ACCOUNTS``) and
  names the run after the execution's start time.
* :func:`item_handler` scans one account with the same worker as
  ``auditor scan --org`` (:func:`auditor.org.worker.scan_account`: assume the
  member role on the unguarded base session, read-only scan, rate limit) and
  stores its review under ``<p>org/runs/<run>/<account>/`` and its
  ``results.json`` in the history (``<p>history/<account>/<collected_at>.json``).
  An account that cannot be scanned stores ``gap.json`` and returns normally:
  it is a named gap, not a failed item.
* :func:`aggregate_handler` reads the accounts' results back one at a time,
  builds the organization result (:class:`auditor.engine.org.OrgBuilder`),
  writes the organization review under the run and ``<p>org/latest/``, keeps
  ``org-results.json`` in ``<p>history/organization/``, compares it with the
  previous ``latest`` (:func:`auditor.org.gate.compare_org`) and publishes to
  the topic when an account or the organization regressed.

Storage goes through :class:`auditor.lambda_handler.aws.Storage` (its own,
unguarded session scoped by the stack's IAM role to the bucket and topic).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".json": "application/json",
}


def _env(env: Mapping[str, str], name: str, default: str = "") -> str:
    return env.get(name, default).strip()


def _store(env: Mapping[str, str]) -> Any:
    from auditor.lambda_handler.aws import Storage

    region = _env(env, "AWS_REGION", "us-east-1")
    return Storage(region, endpoint_url=_env(env, "AUDITOR_ENDPOINT_URL") or None)


def _prefix(env: Mapping[str, str]) -> str:
    return _env(env, "AUDITOR_PREFIX")


def _regions(env: Mapping[str, str]) -> tuple[str, ...]:
    regions = tuple(r for r in _env(env, "AUDITOR_REGIONS").split(",") if r.strip())
    return regions or (_env(env, "AWS_REGION", "us-east-1"),)


def _put(store: Any, bucket: str, key: str, text: str) -> None:
    suffix = Path(key).suffix
    store.put_text(bucket, key, text, CONTENT_TYPES.get(suffix, "text/plain"), {})


def list_handler(
    event: Mapping[str, Any], context: Any, env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """``{"run_id": ..., "accounts": [{"account_id", "name"}...]}`` for the Map state."""
    from auditor.collect import identity
    from auditor.collect.session import SessionClients, make_boto_session
    from auditor.org.discovery import list_accounts, parse_account_ids, select

    env = os.environ if env is None else env
    region = _regions(env)[0]
    endpoint = _env(env, "AUDITOR_ENDPOINT_URL") or None
    clients = SessionClients(make_boto_session(region=region), endpoint_url=endpoint)
    management, partition = identity(clients, region)
    exclude = parse_account_ids([_env(env, "AUDITOR_EXCLUDE_ACCOUNTS")], "exclude")
    accounts = select(list_accounts(clients, partition), exclude=exclude)
    run_id = str(event.get("run_id") or "").replace(":", "-") or "manual"
    return {
        "run_id": run_id,
        "max_concurrency": int(_env(env, "AUDITOR_MAX_CONCURRENCY", "20") or 20),
        "tolerated_failure_percentage": int(
            _env(env, "AUDITOR_TOLERATED_FAILURE_PERCENTAGE", "10") or 10
        ),
        "management_account": management,
        "accounts": [{"account_id": a.account_id, "name": a.name} for a in accounts],
    }


def item_handler(
    event: Mapping[str, Any], context: Any, env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Scan the account of one Map item and store its review (see module doc)."""
    from auditor.history.store import history_key
    from auditor.org.worker import RESULTS_FILE, AccountJob, scan_account
    from auditor.render.json import load_results

    env = os.environ if env is None else env
    bucket, prefix = _env(env, "AUDITOR_BUCKET"), _prefix(env)
    account_id, name = str(event["account_id"]), str(event.get("name", ""))
    run_id = str(event["run_id"])
    services = tuple(s for s in _env(env, "AUDITOR_SERVICES").split(",") if s.strip()) or None
    store = _store(env)
    run_key = f"{prefix}org/runs/{run_id}/{account_id}/"
    with tempfile.TemporaryDirectory() as tmp:
        job = AccountJob(
            account_id=account_id,
            name=name,
            role_name=_env(env, "AUDITOR_ORG_ROLE", "OrganizationAccountAccessRole"),
            external_id=_env(env, "AUDITOR_EXTERNAL_ID") or None,
            profile=None,
            regions=_regions(env),
            all_regions=False,
            endpoint_url=_env(env, "AUDITOR_ENDPOINT_URL") or None,
            services=services,
            workers=8,
            output_dir=tmp,
            formats=("html", "md"),
            config_path=None,
            history_dir=None,
            caller_account=str(event.get("management_account", "")),
        )
        outcome = scan_account(job)
        summary = {
            "account_id": account_id,
            "name": name,
            "status": outcome.status,
            "message": outcome.message,
            "overall": outcome.overall,
            "calls": outcome.calls,
            "retries": outcome.retries,
        }
        if outcome.status == "gap":
            _put(store, bucket, f"{run_key}gap.json", json.dumps(summary, indent=1) + "\n")
            return summary
        folder = Path(tmp)
        for file in ("report.html", "report.md", RESULTS_FILE):
            _put(store, bucket, run_key + file, (folder / file).read_text(encoding="utf-8"))
        result = load_results(folder / RESULTS_FILE)
        history = f"{prefix}history/{account_id}/{history_key(result.collected_at)}.json"
        _put(store, bucket, history, (folder / RESULTS_FILE).read_text(encoding="utf-8"))
    return summary


def aggregate_handler(
    event: Mapping[str, Any], context: Any, env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Fold the run's accounts into the organization review; notify on regression."""
    from auditor import __version__
    from auditor.engine.org import OrgBuilder, org_result_json
    from auditor.errors import InputError
    from auditor.history.store import history_key
    from auditor.org.gate import compare_org, load_org_result
    from auditor.render.json import load_results
    from auditor.render.org import write_org_review

    env = os.environ if env is None else env
    bucket, prefix = _env(env, "AUDITOR_BUCKET"), _prefix(env)
    run_id = str(event["run_id"])
    store = _store(env)
    builder = OrgBuilder(
        str(event.get("management_account", "")),
        _env(env, "AUDITOR_ORG_ROLE", "OrganizationAccountAccessRole"),
        _regions(env),
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for item in event.get("accounts", []):
            account_id, name = str(item["account_id"]), str(item.get("name", ""))
            run_key = f"{prefix}org/runs/{run_id}/{account_id}/"
            text = store.get_text(bucket, run_key + "results.json")
            if text is None:
                gap = store.get_text(bucket, run_key + "gap.json")
                message = json.loads(gap)["message"] if gap else "the account's scan did not finish"
                builder.add_gap(account_id, name, message)
                continue
            path = folder / "results.json"
            path.write_text(text, encoding="utf-8")
            try:
                builder.add_result(name, load_results(path))
            except InputError as exc:
                builder.add_gap(account_id, name, f"no usable results: {exc}")
        org = builder.build(__version__)
        previous_text = store.get_text(bucket, f"{prefix}org/latest/org-results.json")
        out = folder / "org"
        paths = write_org_review(org, out)
        for path in paths:
            text = path.read_text(encoding="utf-8")
            _put(store, bucket, f"{prefix}org/runs/{run_id}/{path.name}", text)
        if org.collected_at is not None:
            key = f"{prefix}history/organization/{history_key(org.collected_at)}.json"
            _put(store, bucket, key, org_result_json(org))
        verdict, notified = "no_baseline", False
        if previous_text is not None:
            previous = folder / "previous.json"
            previous.write_text(previous_text, encoding="utf-8")
            outcome = compare_org(load_org_result(previous), org)
            verdict = outcome.verdict
            topic = _env(env, "AUDITOR_TOPIC_ARN")
            if outcome.failures and topic:
                lines = [f"auditor organization review {run_id}: regression", *outcome.failures]
                store.publish(topic, "auditor: organization regression", "\n".join(lines))
                notified = True
        for path in paths:  # latest last: a failed publish is retried against the same baseline
            _put(store, bucket, f"{prefix}org/latest/{path.name}", path.read_text(encoding="utf-8"))
    return {
        "run_id": run_id,
        "overall": org.overall.grade,
        "accounts": len(org.accounts),
        "gaps": [a.account_id for a in org.gaps],
        "verdict": verdict,
        "notified": notified,
    }
