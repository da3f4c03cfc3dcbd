"""Organization pieces without a server: token bucket, aggregation, filters, the org gate."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import main
from auditor.engine.model import Category, Principle
from auditor.engine.org import (
    AccountGrade,
    AccountSummary,
    OrgResult,
    aggregate_principle,
    org_result_json,
)
from auditor.engine.results import CategoryScore, PrincipleScore
from auditor.engine.scoring import category_scores, grade_for
from auditor.errors import EXIT_GATE_FAILED, EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE, InputError
from auditor.org.discovery import Account, parse_account_ids, select
from auditor.org.gate import compare_org
from auditor.org.ratelimit import RegionBuckets, TokenBucket

# ------------------------------------------------------------------ token bucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_bucket_lets_a_burst_through_then_paces_at_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=10, burst=3, clock=clock, sleep=clock.sleep)
    waits = [bucket.take() for _ in range(5)]
    assert waits[:3] == [0, 0, 0]  # the burst
    assert [round(w, 6) for w in waits[3:]] == [0.1, 0.1]  # then one token per 1/rate s
    assert clock.slept == [0.1, 0.1]


def test_bucket_refills_while_idle_but_never_above_the_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=10, burst=2, clock=clock, sleep=clock.sleep)
    bucket.take()
    bucket.take()
    clock.now += 100  # a long pause banks at most `burst` tokens
    assert [bucket.take() for _ in range(2)] == [0, 0]
    assert bucket.take() == pytest.approx(0.1)


def test_region_buckets_are_separate_per_region() -> None:
    buckets = RegionBuckets(rate=1, burst=1)
    assert buckets.bucket("us-west-2") is buckets.bucket("us-west-2")
    assert buckets.bucket("us-west-2") is not buckets.bucket("eu-west-1")
    # A call's region comes from botocore's request context.
    buckets.before_call(context={"client_region": "eu-central-1"})
    assert buckets.bucket("eu-central-1")._tokens == pytest.approx(0, abs=0.01)


def test_bucket_rejects_nonsense_settings() -> None:
    with pytest.raises(ValueError):
        TokenBucket(rate=0, burst=1)


# ------------------------------------------------------------------ aggregation


def _ps(principle: Principle, score: float | None, incomplete: bool = False) -> PrincipleScore:
    return PrincipleScore(
        principle=principle,
        title=principle.label,
        category=principle.category,
        score=score,
        grade=grade_for(score),
        incomplete=incomplete,
        passed=1,
        failed=1,
        unknown=0,
        errors=0,
        waived=0,
    )


def test_org_score_is_the_mean_of_the_accounts() -> None:
    p = Principle.OBSERVABILITY
    org = aggregate_principle(p, [_ps(p, 90), _ps(p, 80), _ps(p, None)])
    assert org.score == 85.0  # N/A accounts left out
    assert org.grade == "B"
    assert org.cap == ""
    assert (org.passed, org.failed) == (3, 3)


def test_one_failing_account_caps_the_org_two_steps_above_it() -> None:
    p = Principle.NETWORK_ISOLATION
    accounts = [_ps(p, 100)] * 9 + [_ps(p, 10)]  # mean 91 (A-), one account at F
    org = aggregate_principle(p, accounts)
    assert org.grade == "C-"  # F + two steps
    assert org.score == 72.9
    assert "F" in org.cap


def test_org_is_incomplete_when_an_account_is_or_a_gap_exists() -> None:
    p = Principle.AUDIT_LOGGING
    assert aggregate_principle(p, [_ps(p, 95), _ps(p, 95, incomplete=True)]).incomplete
    assert aggregate_principle(p, [_ps(p, 95)], any_gap=True).incomplete
    assert not aggregate_principle(p, [_ps(p, 95)]).incomplete
    assert aggregate_principle(p, []).grade == "N/A"


# ------------------------------------------------------------------ filters


ACCOUNTS = [
    Account("111111111111", "a"),
    Account("222222222222", "b"),
    Account("333333333333", "c", status="SUSPENDED"),
]


def test_select_filters_active_accounts() -> None:
    assert [a.account_id for a in select(ACCOUNTS)] == ["111111111111", "222222222222"]
    only = select(ACCOUNTS, include=frozenset({"222222222222"}))
    assert [a.account_id for a in only] == ["222222222222"]
    rest = select(ACCOUNTS, exclude=frozenset({"111111111111"}))
    assert [a.account_id for a in rest] == ["222222222222"]


def test_unknown_included_account_is_an_error_not_a_silent_skip() -> None:
    with pytest.raises(InputError, match="444444444444"):
        select(ACCOUNTS, include=frozenset({"444444444444"}))


def test_account_ids_are_parsed_from_commas_and_repeats() -> None:
    ids = parse_account_ids(["111111111111,222222222222", " 333333333333 "], "--accounts")
    assert ids == {"111111111111", "222222222222", "333333333333"}
    with pytest.raises(InputError, match="12-digit"):
        parse_account_ids(["11111111111a"], "--accounts")


# ------------------------------------------------------------------ org gate


def _grade(score: float | None) -> AccountGrade:
    return AccountGrade(grade=grade_for(score), score=score, incomplete=False)


def _account(account_id: str, score: float | None, status: str = "ok") -> AccountSummary:
    if status == "gap":
        return AccountSummary(account_id=account_id, name="x", status="gap", message="denied")
    return AccountSummary(
        account_id=account_id,
        name="x",
        status="ok",
        principles={p: _grade(score) for p in Principle},
        overall=_grade(score),
        security=_grade(score),
        operations=_grade(score),
    )


def _org(*accounts: AccountSummary) -> OrgResult:
    scanned = [a for a in accounts if a.status != "gap"]
    principles = tuple(
        aggregate_principle(
            p,
            [_ps(p, a.principles[p].score) for a in scanned],
            any_gap=len(scanned) < len(accounts),
        )
        for p in Principle
    )
    security, operations, overall = category_scores(principles)
    return OrgResult(
        tool_version="t",
        management_account="999999999999",
        org_role="R",
        regions=("us-west-2",),
        collected_at=None,
        accounts=accounts,
        principles=principles,
        security=security,
        operations=operations,
        overall=overall,
        fixes=(),
    )


def test_gate_fails_when_one_account_regresses() -> None:
    base = _org(_account("111111111111", 95), _account("222222222222", 95))
    cur = _org(_account("111111111111", 95), _account("222222222222", 85))
    outcome = compare_org(base, cur)
    assert outcome.exit_code == EXIT_GATE_FAILED
    assert any("account 222222222222: Overall grade dropped A -> B" in f for f in outcome.failures)
    assert not any("111111111111" in f for f in outcome.failures)


def test_gate_incomplete_when_an_account_is_no_longer_scanned() -> None:
    base = _org(_account("111111111111", 95), _account("222222222222", 95))
    cur = _org(_account("111111111111", 95), _account("222222222222", None, status="gap"))
    outcome = compare_org(base, cur)
    assert outcome.exit_code == EXIT_INCOMPLETE
    assert outcome.incomplete[0] == "account 222222222222 was not scanned: denied"


def test_gate_passes_an_unchanged_or_better_org_and_reports_new_accounts() -> None:
    base = _org(_account("111111111111", 80))
    cur = _org(_account("111111111111", 95), _account("222222222222", 60))
    outcome = compare_org(base, cur)
    # The new account drags the org grade down: a new account is not a regression
    # of any baseline account, but the organization grade did drop.
    assert outcome.new_accounts == ("222222222222",)
    assert all(f.startswith("organization:") for f in outcome.failures)
    assert compare_org(base, base).exit_code == EXIT_OK


def test_gate_cli_takes_an_org_baseline(tmp_path: Path) -> None:
    base = _org(_account("111111111111", 95))
    worse = _org(_account("111111111111", 70))
    (tmp_path / "base.json").write_text(org_result_json(base))
    (tmp_path / "cur.json").write_text(org_result_json(worse))
    runner = CliRunner()
    args = ["gate", "--baseline", str(tmp_path / "base.json")]
    failed = runner.invoke(main, [*args, "--current", str(tmp_path / "cur.json")])
    assert failed.exit_code == EXIT_GATE_FAILED
    assert "account 111111111111: Overall grade dropped A -> C-" in failed.output
    same = runner.invoke(main, [*args, "--current", str(tmp_path / "base.json")])
    assert same.exit_code == EXIT_OK
    missing = runner.invoke(main, args)
    assert missing.exit_code == EXIT_USAGE
    assert "organization baseline" in missing.output


def test_category_grades_of_the_org_use_the_engine() -> None:
    org = _org(_account("111111111111", 95))
    assert isinstance(org.overall, CategoryScore)
    assert org.security.grade == "A" and org.principles[0].category is Category.SECURITY


def test_read_only_guard_allows_account_discovery_and_nothing_that_writes() -> None:
    from auditor.collect.readonly import is_read_only

    assert is_read_only("organizations", "ListAccounts")
    assert is_read_only("iam", "GetRole")  # the org role's existence check
    # the allowlist is exact: a read nothing calls is refused too
    assert not is_read_only("organizations", "DescribeOrganization")
    assert not is_read_only("organizations", "CreateAccount")
    assert not is_read_only("organizations", "InviteAccountToOrganization")
    assert not is_read_only("sts", "AssumeRole")  # only on the separate base session


def test_org_options_without_org_are_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["scan", "--accounts", "111111111111", "--output-dir", str(tmp_path)]
    )
    assert result.exit_code == EXIT_USAGE
    assert result.output.strip() == "auditor: error: --accounts needs --org"
    resumed = CliRunner().invoke(main, ["scan", "--resume", "--output-dir", str(tmp_path)])
    assert resumed.exit_code == EXIT_USAGE and "--resume needs --org" in resumed.output
