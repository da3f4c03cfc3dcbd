"""The view model: prioritisation, grouping, grade lifts, caps, hostile text."""

from __future__ import annotations

from datetime import date

import pytest

from auditor.config import Config
from auditor.engine.catalogue import load_catalogue
from auditor.engine.evaluate import evaluate
from auditor.engine.model import Severity, Status, Tier
from auditor.engine.results import Waiver
from auditor.engine.scoring import category_scores, score_all
from auditor.render.view import (
    MAX_COMMANDS,
    MAX_OTHER_ROWS,
    MAX_ROWS,
    Grade,
    Lift,
    build_view,
    clip,
    doc_blocks,
    tier_for,
    value_points,
    visible,
)
from auditor.snapshot.base import CollectionStatus, Coverage
from auditor.snapshot.ecs import EcsCluster, EcsSection
from tests.render.factories import info, result_of, rr
from tests.rules.helpers import ACCOUNT_ID, REGION, make_snapshot


def _cluster(name: str, insights: str = "disabled") -> EcsCluster:
    return EcsCluster(
        arn=f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:cluster/{name}",
        name=name,
        region=REGION,
        status="ACTIVE",
        container_insights=insights,
    )


# --------------------------------------------------------------------------- grouping


def test_one_recommendation_per_fix_across_resources() -> None:
    snap = make_snapshot(
        ecs=EcsSection(
            clusters=(
                _cluster("fail-a"),
                _cluster("fail-b"),
                _cluster("fail-c"),
                _cluster("pass-d", "enabled"),
            )
        )
    )
    view = build_view(evaluate(snap, load_catalogue()))
    recs = [r for r in view.recommendations if r.rule_id == "OB001"]
    assert len(recs) == 1
    rec = recs[0]
    assert (rec.failing, rec.evaluated, rec.scope) == (3, 4, "on 3 of 4 resources")
    assert rec.resources == ("fail-a", "fail-b", "fail-c")
    assert rec.commands == tuple(
        f"aws ecs update-cluster --cluster {n} "
        f"--settings name=containerInsights,value=enabled --region {REGION}"
        for n in ("fail-a", "fail-b", "fail-c")
    )
    assert (rec.effort_each, rec.effort_minutes, rec.effort) == (5, 15, "15 min")
    assert rec.tier == "now"


def test_account_wide_recommendation_names_no_resource() -> None:
    rule = info("AL910", Severity.HIGH)
    view = build_view(result_of([rule], [rr(rule, "account/us-west-2", resource_id="account/x")]))
    (rec,) = view.recommendations
    assert rec.scope == f"account-wide in {REGION}"
    assert rec.resources == ()
    assert rec.more_resources == 0


def test_rows_and_commands_are_capped_and_counted() -> None:
    rule = info("DD901", Severity.LOW)
    results = [rr(rule, f"fail-{i:04d}") for i in range(500)]
    results += [rr(rule, f"pass-{i:04d}", Status.PASS) for i in range(300)]
    view = build_view(result_of([rule], results))
    (group,) = view.sections[1].groups
    assert (group.failed, len(group.failing_rows)) == (500, MAX_ROWS)
    assert (group.passed, len(group.passing_rows)) == (300, MAX_OTHER_ROWS)
    (rec,) = view.recommendations
    assert len(rec.commands) == MAX_COMMANDS
    assert rec.more_commands == 500 - MAX_COMMANDS
    assert rec.more_resources == 500 - len(rec.resources)
    assert rec.scope == "on 500 of 800 resources"


# --------------------------------------------------------------------------- prioritisation


@pytest.mark.parametrize(
    ("severity", "value", "effort", "cost", "tier"),
    [
        (Severity.CRITICAL, 10, 600, 100, "now"),  # an open door never waits
        (Severity.HIGH, 5, 5, 0, "now"),
        (Severity.HIGH, 5, 60, 10, "now"),  # the limits are inclusive
        (Severity.HIGH, 5, 61, 0, "soon"),  # more effort
        (Severity.HIGH, 5, 5, 33, "soon"),  # costs money every month
        (Severity.MEDIUM, 2, 30, 0, "soon"),
        (Severity.MEDIUM, 4, 30, 0, "now"),  # a medium fix that lifts a grade two steps
        (Severity.MEDIUM, 2, 90, 0, "later"),
        (Severity.LOW, 1, 5, 0, "later"),
    ],
)
def test_tiers(severity: Severity, value: float, effort: int, cost: float, tier: str) -> None:
    assert tier_for(severity, value, effort, cost) == tier


def test_value_grows_with_severity_share_and_grade_steps() -> None:
    assert value_points(Severity.HIGH, 1.0, 0) == 5
    assert value_points(Severity.HIGH, 0.01, 0) == pytest.approx(2.52, abs=0.01)
    assert value_points(Severity.MEDIUM, 1.0, 2) == 4
    assert value_points(Severity.LOW, 0.5, 0) == 0.75
    assert value_points(Severity.CRITICAL, 1.0, -1) == 10  # never negative steps


def test_operations_fixes_climb_the_ladder_one_rung_at_a_time() -> None:
    # Observability with its foundation met: the standard rung (Container
    # Insights, a dashboard) is what the grade waits for, so it comes first;
    # alarms (advanced) wait until then, whatever their severity.
    logs = info("OB901", Severity.MEDIUM, tier=Tier.FOUNDATION)
    insights = info("OB902", Severity.HIGH, tier=Tier.STANDARD)
    dashboard = info("OB903", Severity.MEDIUM, tier=Tier.STANDARD, effort=60)
    alarms = info("OB904", Severity.HIGH, tier=Tier.ADVANCED)
    result = result_of(
        [logs, insights, dashboard, alarms],
        [
            rr(logs, "pass-logs", Status.PASS),
            rr(insights, "fail-cluster"),
            rr(dashboard, "account"),
            rr(alarms, "fail-service"),
        ],
    )
    view = build_view(result)
    tiers = {t.key: [r.rule_id for r in t.items] for t in view.tiers}
    assert tiers["now"] == ["OB902", "OB903"]
    assert tiers["later"] == ["OB904"]  # high severity, five minutes: still above the rung
    # with the foundation missing too, the foundation is the rung
    no_logs = result_of(
        [logs, insights, dashboard, alarms],
        [
            rr(logs, "fail-logs"),
            rr(insights, "fail-cluster"),
            rr(dashboard, "account"),
            rr(alarms, "fail-service"),
        ],
    )
    tiers = {t.key: [r.rule_id for r in t.items] for t in build_view(no_logs).tiers}
    assert tiers["now"][0] == "OB901"
    assert set(tiers["later"]) == {"OB902", "OB903", "OB904"}


def test_grade_steps_into_the_a_band_are_worth_half() -> None:
    # Config recorder on an otherwise clean Audit Logging: A- to A+ is polish
    # (worth 1), while the same two steps from C to B- repair (worth 2).
    def lift(before: str, after: str) -> float:
        g = {"A+": 98.0, "A": 95.0, "A-": 91.0, "B-": 81.0, "C+": 78.0, "C": 74.0}
        return Lift(
            principle="Audit Logging",
            before=Grade(before, g[before], False),
            after=Grade(after, g[after], False),
            overall_before=Grade("A", 95.0, False),
            overall_after=Grade("A", 96.0, False),
        ).value_steps

    assert lift("A-", "A+") == 1.0
    assert lift("C", "B-") == 2.0
    assert lift("B-", "A-") == 2.5  # B, B+ repair; A- polish
    assert lift("A+", "A+") == 0.0


def test_do_now_comes_first_and_ranks_follow_tiers() -> None:
    quick_high = info("OB901", Severity.HIGH, effort=5)
    slow_high = info("DA901", Severity.HIGH, effort=240)
    low = info("DA902", Severity.LOW, effort=5)
    results = [rr(quick_high, "c1"), rr(slow_high, "account"), rr(low, "repo")]
    results += [rr(low, f"ok{i}", Status.PASS) for i in range(9)]
    view = build_view(result_of([quick_high, slow_high, low], results))
    assert [(t.key, [r.rule_id for r in t.items]) for t in view.tiers] == [
        ("now", ["OB901"]),
        ("soon", ["DA901"]),
        ("later", ["DA902"]),
    ]
    assert [r.rank for r in view.recommendations] == [1, 2, 3]


# --------------------------------------------------------------------------- grade lift


def test_lift_shows_the_grade_a_fix_gives() -> None:
    insights = info("OB901", Severity.HIGH)
    alarms = info("OB902", Severity.MEDIUM)
    results = [rr(insights, "cluster"), rr(alarms, "svc"), rr(alarms, "ok", Status.PASS)]
    view = build_view(result_of([insights, alarms], results))
    rec = next(r for r in view.recommendations if r.rule_id == "OB901")
    # after: (5 + 2 * 0.5) / 7 = 85.7 (B, under the medium cap of 96); before: 1 / 7 = 14.3 (F)
    assert (rec.lift.before.grade, rec.lift.after.grade) == ("F", "B")
    assert rec.lift.after.score == 85.7
    assert rec.lift.text == "Observability F → B (14% → 86%)"
    assert rec.lift.steps == 6  # F D C- C C+ B- B


def test_lift_of_a_fix_under_another_cap_keeps_the_cap() -> None:
    a = info("NI901", Severity.CRITICAL)
    b = info("NI902", Severity.CRITICAL)
    view = build_view(result_of([a, b], [rr(a, "x"), rr(b, "y"), rr(a, "ok", Status.PASS)]))
    rec = next(r for r in view.recommendations if r.rule_id == "NI901")
    assert rec.lift.after.score == 50.0  # NI902 still fails everywhere: 10*1 + 10*0 / 20


def test_lift_is_the_engine_answer_on_the_fix_turned_pass() -> None:
    """The one place the view's lift is checked against scoring: the lift shown is
    what the engine grades when that rule's FAILs are really turned PASS."""
    ob_high, ob_med = info("OB901", Severity.HIGH), info("OB902", Severity.MEDIUM)
    lp_crit = info("LP901", Severity.CRITICAL)
    results = [
        rr(ob_high, "a"),
        rr(ob_high, "b", Status.PASS),
        rr(ob_high, "w", waived=True),
        rr(ob_med, "c"),
        rr(ob_med, "d", Status.UNKNOWN),
        rr(lp_crit, "e"),
        rr(lp_crit, "f", Status.PASS),
    ]
    result = result_of([ob_high, ob_med, lp_crit], results)
    view = build_view(result)
    for rule in (ob_high, ob_med, lp_crit):
        rec = next(r for r in view.recommendations if r.rule_id == rule.id)
        turned = [
            r.model_copy(update={"status": Status.PASS})
            if r.rule_id == rule.id and r.counts_as_fail
            else r
            for r in result.results
        ]
        principles = score_all(turned, result.rules)
        engine = next(p for p in principles if p.principle is rule.principle)
        assert (rec.lift.after.score, rec.lift.after.grade) == (engine.score, engine.grade)
        assert rec.lift.overall_after.score == category_scores(principles)[2].score
        assert rec.lift.before.score == result.principle(rule.principle).score
    # written by hand: OB901 fixed -> OB901 2/2 (5), OB902 0/1 (2): 5/7 = 71.4, capped by
    # nothing above it (a medium FAIL caps at 96) -> C-
    ob = next(r for r in view.recommendations if r.rule_id == "OB901")
    assert (ob.lift.after.score, ob.lift.after.grade) == (71.4, "C-")


# --------------------------------------------------------------------------- content


def test_principle_rows_say_what_was_found_and_na_is_honest() -> None:
    insights = info("OB901", Severity.HIGH, title="ECS clusters have Container Insights")
    public = info("NI901", Severity.CRITICAL, title="Databases are private")
    results = [
        rr(insights, "prod-cluster", evidence="containerInsights is disabled"),
        rr(insights, "dev-cluster", evidence="containerInsights is disabled"),
        rr(public, "db1", Status.PASS),
        rr(public, "db2", Status.PASS),
    ]
    view = build_view(result_of([insights, public], results))
    rows = {p.key: p for p in view.principles}
    assert rows["observability"].found == (
        "1 of 1 rules fail; worst: prod-cluster: containerInsights is disabled (+1 more)"
    )
    assert rows["network_isolation"].found == "Databases are private: 2 checks pass."
    assert rows["zero_trust"].grade.grade == "N/A"
    assert rows["zero_trust"].found == "No rule of this principle ran."
    assert "0.0.0.0/0" in rows["network_isolation"].practice
    assert [s.rule_id for s in view.strengths] == ["NI901"]
    assert [w.rule_id for w in view.weaknesses] == ["OB901"]
    assert view.weaknesses[0].detail.startswith("fails on 2 of 2: prod-cluster:")


def test_waived_findings_and_expired_waivers_are_reported_apart() -> None:
    rule = info("NI901", Severity.CRITICAL)
    results = [rr(rule, "bastion", waived=True), rr(rule, "db", Status.PASS)]
    expired = Waiver(rule="NI901", resource="old-*", reason="retired", expires=date(2026, 1, 1))
    view = build_view(result_of([rule], results, expired=(expired,)))
    assert view.recommendations == ()  # an accepted risk is not a recommendation
    (waived,) = view.waived
    assert (waived.resource, waived.reason, waived.expires) == (
        "bastion",
        "accepted for now",
        "2027-01-31",
    )
    (group,) = next(s for s in view.sections if s.row.key == "network_isolation").groups
    assert (group.status, group.waived, group.waived_rows[0].status) == ("waived", 1, "WAIVED")
    (exp,) = view.expired_waivers
    assert (exp.rule_id, exp.resource, exp.expires) == ("NI901", "old-*", "2026-01-01")


def test_real_waiver_from_config_reaches_the_view() -> None:
    snap = make_snapshot(ecs=EcsSection(clusters=(_cluster("fail-a"), _cluster("waived-b"))))
    config = Config(
        waivers=(
            Waiver(
                rule="OB001", resource="waived-*", reason="dev cluster", expires=date(2027, 1, 1)
            ),
        )
    )
    view = build_view(evaluate(snap, load_catalogue(), config))
    assert [(w.rule_id, w.resource, w.reason) for w in view.waived] == [
        ("OB001", "waived-b", "dev cluster")
    ]
    rec = next(r for r in view.recommendations if r.rule_id == "OB001")
    assert rec.resources == ("fail-a",)


def test_gaps_are_listed_with_the_permission_and_not_requested_apart() -> None:
    gaps = (
        Coverage(
            service="logs",
            region=REGION,
            status=CollectionStatus.ACCESS_DENIED,
            operation="DescribeLogGroups",
            error_code="AccessDeniedException",
        ),
        Coverage(
            service="accessanalyzer",
            region="*",
            status=CollectionStatus.SKIPPED,
            message="not requested",
        ),
    )
    view = build_view(result_of([], [], gaps=gaps))
    h = view.headline
    assert [(g.service, g.operation, g.permission) for g in h.gaps] == [
        ("logs", "DescribeLogGroups", "logs:DescribeLogGroups")
    ]
    assert h.not_scanned == ("accessanalyzer",)
    assert h.complete is False


def test_unknown_rule_metadata_still_renders_by_id() -> None:
    rule = info("OB901", Severity.HIGH)
    view = build_view(result_of([], [rr(rule, "c")]))
    (rec,) = view.recommendations
    assert (rec.rule_id, rec.title) == ("OB901", "OB901")


# --------------------------------------------------------------------------- text


def test_visible_shows_control_and_bidi_characters() -> None:
    assert visible("\x1b[31mred\x1b[0m") == "\\x1b[31mred\\x1b[0m"
    assert visible("invoice\u202egnp.exe") == "invoice\\u202egnp.exe"
    assert visible("zero\u200bwidth\ufeff") == "zero\\u200bwidth\\ufeff"
    assert visible("a\nb\tc") == "a b c"
    assert visible("a\nb\x07", lines=True) == "a\nb\\x07"
    assert visible("Zürich 東京 🚀") == "Zürich 東京 🚀"


def test_clip_bounds_and_says_how_much_was_cut() -> None:
    assert clip("x" * 10, 20) == "x" * 10
    assert clip("x" * 50, 20) == "x" * 20 + "… (+30 chars)"


def test_doc_blocks_split_paragraphs_items_and_code() -> None:
    blocks = doc_blocks("First `cmd` here.\n\n- one\n  more\n- two\n\n```bash\naws x\n```\nEnd.")
    assert [(b.kind, b.parts) for b in blocks] == [
        ("p", ((False, "First "), (True, "cmd"), (False, " here."))),
        ("li", ((False, "one more"),)),
        ("li", ((False, "two"),)),
        ("code", ((True, "aws x"),)),
        ("p", ((False, "End."),)),
    ]
    # an unbalanced backtick shows as is
    assert doc_blocks("a ` b")[0].parts == ((False, "a ` b"),)


# --------------------------------------------------------------------------- titles


@pytest.mark.parametrize(
    ("failing", "title"),
    [
        (["fail-a"], "Enable Container Insights on fail-a"),
        (["fail-a", "fail-b"], "Enable Container Insights on fail-a and fail-b"),
        (["fail-a", "fail-b", "fail-c"], "Enable Container Insights on fail-a, fail-b and fail-c"),
        (
            ["fail-a", "fail-b", "fail-c", "fail-d", "fail-e"],
            "Enable Container Insights on fail-a, fail-b, fail-c and 2 more",
        ),
    ],
)
def test_a_recommendation_title_says_what_to_do_and_where(failing: list[str], title: str) -> None:
    clusters = (*(_cluster(n) for n in failing), _cluster("pass-z", "enabled"))
    view = build_view(evaluate(make_snapshot(ecs=EcsSection(clusters=clusters)), load_catalogue()))
    rec = next(r for r in view.recommendations if r.rule_id == "OB001")
    assert rec.title == title
    assert rec.rule_title == "ECS clusters have Container Insights enabled"  # the state, kept


def test_an_account_wide_action_names_no_resource_and_old_results_keep_the_title() -> None:
    view = build_view(evaluate(make_snapshot(), load_catalogue()))
    titles = {r.rule_id: r.title for r in view.recommendations}
    assert titles["OB002"] == "Create a CloudWatch dashboard for the account's services"
    # a results file from before actions existed: the rule title stands in
    rule = info("OB901", Severity.HIGH)
    old = build_view(result_of([rule], [rr(rule, "a")]))
    assert old.recommendations[0].title == rule.title == old.recommendations[0].rule_title
