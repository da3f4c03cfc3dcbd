"""Audit Logging rules (AL...)."""

from __future__ import annotations

import json
import shlex
from typing import Any

from auditor.rules.audit_logging import (
    access_analyzer_enabled,
    cloudtrail_bucket_not_public,
    cloudtrail_cloudwatch_logs,
    cloudtrail_kms_encrypted,
    cloudtrail_log_file_validation,
    cloudtrail_management_events_captured,
    cloudtrail_multi_region_logging,
    config_recorder_recording,
    guardduty_enabled,
)

from auditor.engine.model import Status
from auditor.snapshot.cloudtrail import (
    CloudTrailSection,
    EventSelector,
    ShadowTrail,
    Trail,
    TrailBucket,
)
from auditor.snapshot.detection import (
    AccessAnalyzer,
    AccessAnalyzerSection,
    ConfigRecorder,
    ConfigSection,
    GuardDutyDetector,
    GuardDutySection,
)
from tests.rules.helpers import (
    ACCOUNT_ID,
    REGION,
    command,
    evidence,
    failing,
    make_snapshot,
    passing,
    results,
    statuses,
)

OTHER_REGION = "eu-west-1"
UNSCANNED_REGION = "ap-south-1"
ALL_MANAGEMENT = EventSelector(read_write_type="All", include_management_events=True)

# ---------------------------------------------------------------- factories


def trail(name: str, **kw: Any) -> Trail:
    region = kw.pop("region", REGION)
    fields: dict[str, Any] = {
        "arn": f"arn:aws:cloudtrail:{region}:{ACCOUNT_ID}:trail/{name}",
        "name": name,
        "region": region,
        "home_region": region,
        "is_multi_region": True,
        "is_organization_trail": False,
        "log_file_validation": True,
        "include_global_service_events": True,
        "kms_key_id": f"arn:aws:kms:{region}:{ACCOUNT_ID}:key/k",
        "s3_bucket": f"{name}-bucket",
        "cloudwatch_logs_log_group_arn": (
            f"arn:aws:logs:{region}:{ACCOUNT_ID}:log-group:{name}-logs:*"
        ),
        "is_logging": True,
        "event_selectors": (ALL_MANAGEMENT,),
    }
    fields.update(kw)
    return Trail.model_validate(fields)


def trails(*items: Trail, shadows: tuple[ShadowTrail, ...] = (), **kw: Any) -> Any:
    return make_snapshot(cloudtrail=CloudTrailSection(trails=items, shadow_trails=shadows), **kw)


def shadow(name: str, home: str, region: str = REGION) -> ShadowTrail:
    return ShadowTrail(
        arn=f"arn:aws:cloudtrail:{home}:{ACCOUNT_ID}:trail/{name}",
        name=name,
        region=region,
        home_region=home,
        is_multi_region=True,
        is_organization_trail=False,
    )


def advanced(name: str, **fields: list[str]) -> dict[str, Any]:
    """An advanced selector; keyword ``field=[values]`` means ``Equals`` unless the
    name ends in ``_not`` (``NotEquals``)."""
    selectors: list[dict[str, Any]] = []
    for key, values in fields.items():
        if key.endswith("_not"):
            selectors.append({"Field": key.removesuffix("_not"), "NotEquals": values})
        else:
            selectors.append({"Field": key, "Equals": values})
    return {"Name": name, "FieldSelectors": selectors}


def bucket(name: str, **kw: Any) -> TrailBucket:
    fields: dict[str, Any] = {
        "name": name,
        "collected": True,
        "block_public_acls": True,
        "ignore_public_acls": True,
        "block_public_policy": True,
        "restrict_public_buckets": True,
    }
    fields.update(kw)
    return TrailBucket.model_validate(fields)


def status_of(rule: Any, snap: Any) -> set[Status]:
    return statuses(rule, snap)


# ------------------------------------------------------------------ AL001


def test_al001_passes_with_a_logging_multi_region_trail() -> None:
    snap = trails(
        trail("regional", is_multi_region=False),
        trail("main", region=OTHER_REGION),
        regions=(REGION, OTHER_REGION),
    )
    assert passing(cloudtrail_multi_region_logging, snap) == {"account"}
    assert evidence(cloudtrail_multi_region_logging, snap, "account") == (
        "trail main (home eu-west-1) is multi-region and logging"
    )


def test_al001_fails_when_no_multi_region_trail_logs() -> None:
    snap = trails(
        trail("regional", is_multi_region=False),
        trail("stopped", is_logging=False),
    )
    assert failing(cloudtrail_multi_region_logging, snap) == {"account"}
    assert evidence(cloudtrail_multi_region_logging, snap, "account") == (
        "no multi-region trail is logging (stopped: multi-region, stopped; "
        "regional: single-region, logging)"
    )
    # The existing multi-region trail is the one to turn back on.
    assert command(cloudtrail_multi_region_logging, snap, "account") == (
        "aws cloudtrail create-trail --name stopped --s3-bucket-name stopped-bucket "
        "--is-multi-region-trail --enable-log-file-validation --region us-west-2 ; "
        "aws cloudtrail update-trail --name stopped --is-multi-region-trail --region us-west-2 "
        "&& aws cloudtrail start-logging --name stopped --region us-west-2"
    )


def test_al001_fails_without_any_trail_and_proposes_one() -> None:
    snap = trails()
    assert failing(cloudtrail_multi_region_logging, snap) == {"account"}
    assert (
        evidence(cloudtrail_multi_region_logging, snap, "account") == "no CloudTrail trail exists"
    )
    assert command(cloudtrail_multi_region_logging, snap, "account").startswith(
        "aws cloudtrail create-trail --name account-trail "
        f"--s3-bucket-name aws-cloudtrail-logs-{ACCOUNT_ID} --is-multi-region-trail "
    )


def test_al001_no_verdict_when_the_trail_is_homed_in_an_unscanned_region() -> None:
    snap = trails(shadows=(shadow("org-trail", home=UNSCANNED_REGION),))
    assert results(cloudtrail_multi_region_logging, snap) == []


def test_al001_unknown_when_the_home_region_was_not_collected() -> None:
    snap = trails(
        shadows=(shadow("main", home=OTHER_REGION),),
        regions=(REGION, OTHER_REGION),
        gaps={f"cloudtrail@{OTHER_REGION}": "access_denied"},
    )
    assert status_of(cloudtrail_multi_region_logging, snap) == {Status.UNKNOWN}


# ------------------------------------------------------------------ AL002


def test_al002_flags_trails_without_log_file_validation() -> None:
    snap = trails(trail("pass-validated"), trail("fail-unvalidated", log_file_validation=False))
    assert passing(cloudtrail_log_file_validation, snap) == {"pass-validated"}
    assert failing(cloudtrail_log_file_validation, snap) == {"fail-unvalidated"}
    assert command(cloudtrail_log_file_validation, snap, "fail-unvalidated") == (
        "aws cloudtrail update-trail --name fail-unvalidated --enable-log-file-validation "
        "--region us-west-2"
    )


# ------------------------------------------------------------------ AL003


def test_al003_flags_trails_without_kms() -> None:
    snap = trails(trail("pass-kms"), trail("fail-sse-s3", kms_key_id=""))
    assert passing(cloudtrail_kms_encrypted, snap) == {"pass-kms"}
    assert failing(cloudtrail_kms_encrypted, snap) == {"fail-sse-s3"}
    assert command(cloudtrail_kms_encrypted, snap, "fail-sse-s3") == (
        "aws cloudtrail update-trail --name fail-sse-s3 --kms-key-id alias/cloudtrail "
        "--region us-west-2"
    )


# ------------------------------------------------------------------ AL004


def test_al004_flags_trails_not_delivering_to_cloudwatch_logs() -> None:
    snap = trails(
        trail("pass-delivering"),
        trail("fail-no-group", cloudwatch_logs_log_group_arn=""),
        trail("fail-broken", latest_cloudwatch_logs_delivery_error="AccessDenied on PutLogEvents"),
    )
    assert passing(cloudtrail_cloudwatch_logs, snap) == {"pass-delivering"}
    assert failing(cloudtrail_cloudwatch_logs, snap) == {"fail-no-group", "fail-broken"}
    assert evidence(cloudtrail_cloudwatch_logs, snap, "pass-delivering") == (
        "delivers to log group pass-delivering-logs"
    )
    assert "AccessDenied" in evidence(cloudtrail_cloudwatch_logs, snap, "fail-broken")
    assert command(cloudtrail_cloudwatch_logs, snap, "fail-no-group") == (
        "aws cloudtrail update-trail --name fail-no-group --cloud-watch-logs-log-group-arn "
        f"'arn:aws:logs:us-west-2:{ACCOUNT_ID}:log-group:aws-cloudtrail-logs-{ACCOUNT_ID}:*' "
        "--cloud-watch-logs-role-arn "
        f"arn:aws:iam::{ACCOUNT_ID}:role/CloudTrailRoleForCloudWatchLogs "
        "--region us-west-2"
    )


# ------------------------------------------------------------------ AL005


def management_status(*selectors: EventSelector, adv: tuple[dict[str, Any], ...] = ()) -> Status:
    snap = trails(trail("main", event_selectors=selectors, advanced_event_selectors=adv))
    (result,) = results(cloudtrail_management_events_captured, snap)
    return Status(result.status)


def test_al005_basic_selectors() -> None:
    assert management_status(ALL_MANAGEMENT) is Status.PASS
    # Read and write in two selectors add up.
    assert (
        management_status(
            EventSelector(read_write_type="ReadOnly", include_management_events=True),
            EventSelector(read_write_type="WriteOnly", include_management_events=True),
        )
        is Status.PASS
    )
    assert (
        management_status(
            EventSelector(read_write_type="WriteOnly", include_management_events=True)
        )
        is Status.FAIL
    )
    assert (
        management_status(
            EventSelector(
                read_write_type="All",
                include_management_events=True,
                exclude_management_event_sources=("kms.amazonaws.com",),
            )
        )
        is Status.FAIL
    )
    data_only = EventSelector(
        read_write_type="All",
        include_management_events=False,
        data_resource_types=("AWS::S3::Object",),
    )
    assert management_status(data_only) is Status.FAIL
    assert management_status() is Status.FAIL  # no selector at all


def test_al005_advanced_selectors() -> None:
    assert management_status(adv=(advanced("mgmt", eventCategory=["Management"]),)) is Status.PASS
    split = (
        advanced("reads", eventCategory=["Management"], readOnly=["true"]),
        advanced("writes", eventCategory=["Management"], readOnly=["false"]),
    )
    assert management_status(adv=split) is Status.PASS
    assert management_status(adv=split[:1]) is Status.FAIL
    no_kms = advanced("mgmt", eventCategory=["Management"], eventSource_not=["kms.amazonaws.com"])
    assert management_status(adv=(no_kms,)) is Status.FAIL
    data = advanced("s3", eventCategory=["Data"], **{"resources.type": ["AWS::S3::Object"]})
    assert management_status(adv=(data,)) is Status.FAIL


def test_al005_evidence_and_command() -> None:
    kms_excluded = EventSelector(
        read_write_type="All",
        include_management_events=True,
        exclude_management_event_sources=("kms.amazonaws.com",),
    )
    snap = trails(trail("fail-main", event_selectors=(kms_excluded,)))
    assert failing(cloudtrail_management_events_captured, snap) == {"account"}
    assert evidence(cloudtrail_management_events_captured, snap, "account") == (
        "trail fail-main management events: excludes kms.amazonaws.com"
    )
    argv = shlex.split(command(cloudtrail_management_events_captured, snap, "account"))
    assert argv[:5] == ["aws", "cloudtrail", "put-event-selectors", "--trail-name", "fail-main"]
    assert json.loads(argv[argv.index("--event-selectors") + 1]) == [
        {"ReadWriteType": "All", "IncludeManagementEvents": True}
    ]

    # Advanced selectors: data-event selectors are kept, management ones replaced.
    data = advanced("s3", eventCategory=["Data"], **{"resources.type": ["AWS::S3::Object"]})
    reads = advanced("reads", eventCategory=["Management"], readOnly=["true"])
    snap = trails(trail("fail-adv", advanced_event_selectors=(data, reads), region=OTHER_REGION))
    argv = shlex.split(command(cloudtrail_management_events_captured, snap, "account"))
    assert json.loads(argv[argv.index("--advanced-event-selectors") + 1]) == [
        data,
        {
            "Name": "Management events",
            "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}],
        },
    ]
    assert argv[-2:] == ["--region", OTHER_REGION]


def test_al005_any_full_trail_passes_and_no_trail_gives_no_verdict() -> None:
    partial = EventSelector(read_write_type="ReadOnly", include_management_events=True)
    snap = trails(trail("a-partial", event_selectors=(partial,)), trail("pass-full"))
    assert passing(cloudtrail_management_events_captured, snap) == {"account"}
    # No logging multi-region trail: AL001 reports it, AL005 says nothing.
    snap = trails(trail("stopped", is_logging=False), trail("regional", is_multi_region=False))
    assert results(cloudtrail_management_events_captured, snap) == []


# ------------------------------------------------------------------ AL006


def test_al006_flags_effectively_public_trail_buckets() -> None:
    snap = trails(
        trail("t1", bucket=bucket("pass-blocked")),
        trail(
            "t2",
            bucket=bucket("pass-private-policy", ignore_public_acls=False, block_public_acls=False),
        ),
        trail(
            "t3",
            bucket=bucket("pass-neutralised", policy_is_public=True, block_public_policy=False),
        ),
        trail(
            "t4",
            bucket=bucket(
                "fail-public",
                policy_is_public=True,
                restrict_public_buckets=False,
                block_public_policy=False,
            ),
        ),
        # Two trails, one bucket: one verdict.
        trail(
            "t5", bucket=bucket("fail-public", policy_is_public=True, restrict_public_buckets=False)
        ),
        # Another account's bucket: not readable, no verdict.
        trail(
            "t6", bucket=TrailBucket(name="org-bucket", collected=False, error_code="AccessDenied")
        ),
    )
    assert failing(cloudtrail_bucket_not_public, snap) == {"fail-public"}
    assert passing(cloudtrail_bucket_not_public, snap) == {
        "pass-blocked",
        "pass-private-policy",
        "pass-neutralised",
    }
    assert len(results(cloudtrail_bucket_not_public, snap)) == 4
    assert evidence(cloudtrail_bucket_not_public, snap, "fail-public") == (
        "bucket policy is public and RestrictPublicBuckets is off (trail t4, t5)"
    )
    assert evidence(cloudtrail_bucket_not_public, snap, "pass-private-policy") == (
        "policy is not public; public access block lacks BlockPublicAcls, "
        "IgnorePublicAcls (trail t2)"
    )
    assert command(cloudtrail_bucket_not_public, snap, "fail-public") == (
        "aws s3api put-public-access-block --bucket fail-public "
        "--public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,"
        "BlockPublicPolicy=true,RestrictPublicBuckets=true"
    )


# ------------------------------------------------------------------ AL009


def test_al009_flags_regions_without_an_enabled_detector() -> None:
    third = "ap-northeast-1"
    snap = make_snapshot(
        regions=(REGION, OTHER_REGION, third),
        guardduty=GuardDutySection(
            detectors=(
                GuardDutyDetector(id="d-on", region=REGION, status="ENABLED"),
                GuardDutyDetector(id="d-off", region=OTHER_REGION, status="DISABLED"),
            )
        ),
    )
    assert passing(guardduty_enabled, snap) == {f"account/{REGION}"}
    assert failing(guardduty_enabled, snap) == {f"account/{OTHER_REGION}", f"account/{third}"}
    assert (
        evidence(guardduty_enabled, snap, f"account/{OTHER_REGION}") == "detector d-off is DISABLED"
    )
    assert evidence(guardduty_enabled, snap, f"account/{third}") == "no GuardDuty detector"
    assert command(guardduty_enabled, snap, f"account/{third}") == (
        "aws guardduty create-detector --enable --region ap-northeast-1"
    )


def test_al009_gapped_region_is_unknown() -> None:
    snap = make_snapshot(
        regions=(REGION, OTHER_REGION),
        gaps={f"guardduty@{OTHER_REGION}": "access_denied"},
        guardduty=GuardDutySection(
            detectors=(GuardDutyDetector(id="d", region=REGION, status="ENABLED"),)
        ),
    )
    assert {(r.region, r.status) for r in results(guardduty_enabled, snap)} == {
        (REGION, Status.PASS),
        (OTHER_REGION, Status.UNKNOWN),
    }


# ------------------------------------------------------------------ AL010


def recorder(name: str, region: str, recording: bool, all_supported: bool = True) -> ConfigRecorder:
    return ConfigRecorder(
        name=name,
        region=region,
        recording=recording,
        all_supported=all_supported,
        include_global_resource_types=all_supported,
    )


def test_al010_flags_regions_without_a_recording_recorder() -> None:
    third = "ap-northeast-1"
    snap = make_snapshot(
        regions=(REGION, OTHER_REGION, third),
        config=ConfigSection(
            recorders=(
                recorder("default", REGION, recording=True, all_supported=False),
                recorder("my-recorder", OTHER_REGION, recording=False),
            )
        ),
    )
    assert passing(config_recorder_recording, snap) == {f"account/{REGION}"}
    assert failing(config_recorder_recording, snap) == {
        f"account/{OTHER_REGION}",
        f"account/{third}",
    }
    assert evidence(config_recorder_recording, snap, f"account/{REGION}") == (
        "recorder default is recording (selected types only)"
    )
    assert command(config_recorder_recording, snap, f"account/{OTHER_REGION}") == (
        "aws configservice put-configuration-recorder --configuration-recorder "
        f"name=my-recorder,roleARN=arn:aws:iam::{ACCOUNT_ID}:role/aws-service-role/"
        "config.amazonaws.com/AWSServiceRoleForConfig "
        "--recording-group allSupported=true,includeGlobalResourceTypes=true --region eu-west-1\n"
        "aws configservice start-configuration-recorder --configuration-recorder-name "
        "my-recorder --region eu-west-1"
    )
    new = command(config_recorder_recording, snap, f"account/{third}")
    assert "name=default," in new
    # a region without a recorder gets the delivery channel (and its bucket) Config needs
    bucket = f"config-{ACCOUNT_ID}-{third}"
    assert f"aws s3api create-bucket --bucket {bucket} --region {third}" in new
    assert f"put-delivery-channel --delivery-channel name=default,s3BucketName={bucket}" in new
    assert "put-delivery-channel" not in command(
        config_recorder_recording, snap, f"account/{OTHER_REGION}"
    )


# ------------------------------------------------------------------ AL011


def analyzer(
    name: str, region: str, kind: str = "ACCOUNT", status: str = "ACTIVE"
) -> AccessAnalyzer:
    return AccessAnalyzer(
        arn=f"arn:aws:access-analyzer:{region}:{ACCOUNT_ID}:analyzer/{name}",
        name=name,
        region=region,
        type=kind,
        status=status,
    )


def test_al011_flags_regions_without_an_external_access_analyzer() -> None:
    regions = (REGION, OTHER_REGION, "ap-northeast-1", "sa-east-1", "ca-central-1")
    snap = make_snapshot(
        regions=regions,
        accessanalyzer=AccessAnalyzerSection(
            analyzers=(
                analyzer("acct", REGION),
                analyzer("org", OTHER_REGION, kind="ORGANIZATION"),
                analyzer("unused", "ap-northeast-1", kind="ACCOUNT_UNUSED_ACCESS"),
                analyzer("new", "sa-east-1", status="CREATING"),
            )
        ),
    )
    assert passing(access_analyzer_enabled, snap) == {
        f"account/{REGION}",
        f"account/{OTHER_REGION}",
    }
    assert failing(access_analyzer_enabled, snap) == {
        "account/ap-northeast-1",
        "account/sa-east-1",
        "account/ca-central-1",
    }
    assert evidence(access_analyzer_enabled, snap, "account/ap-northeast-1") == (
        "only unused-access analyzers, none for external access"
    )
    assert command(access_analyzer_enabled, snap, "account/ca-central-1") == (
        "aws accessanalyzer create-analyzer --analyzer-name external-access --type ACCOUNT "
        "--region ca-central-1"
    )


def test_al011_unknown_when_access_analyzer_not_collected() -> None:
    snap = make_snapshot(gaps={"accessanalyzer": "error"})
    assert status_of(access_analyzer_enabled, snap) == {Status.UNKNOWN}


# ------------------------------------------- organization trails of another account

MANAGEMENT_ACCOUNT = "999988887777"


def org_trail(name: str, **kw: Any) -> Trail:
    """An organization trail as a member account sees it: the ARN names its owner."""
    region = kw.get("region", REGION)
    return trail(
        name,
        arn=f"arn:aws:cloudtrail:{region}:{MANAGEMENT_ACCOUNT}:trail/{name}",
        is_organization_trail=True,
        **kw,
    )


def test_defect_org_trail_of_another_account_got_update_trail_commands() -> None:
    """A member account was told to run update-trail on its organization's trail."""
    snap = trails(
        org_trail(
            "org-trail",
            log_file_validation=False,
            kms_key_id="",
            cloudwatch_logs_log_group_arn="",
            event_selectors=(
                EventSelector(read_write_type="WriteOnly", include_management_events=True),
            ),
        )
    )
    # It satisfies multi-region logging for the member account...
    assert passing(cloudtrail_multi_region_logging, snap) == {"account"}
    assert evidence(cloudtrail_multi_region_logging, snap, "account") == (
        f"organization trail org-trail of account {MANAGEMENT_ACCOUNT} (home us-west-2) "
        "is multi-region and logging"
    )
    # ...and nothing the member cannot change is judged (or given a command) here.
    for rule_fn in (
        cloudtrail_log_file_validation,
        cloudtrail_kms_encrypted,
        cloudtrail_cloudwatch_logs,
        cloudtrail_management_events_captured,
    ):
        assert results(rule_fn, snap) == [], rule_fn.__name__


def test_own_trails_are_still_judged_beside_an_org_trail() -> None:
    snap = trails(
        org_trail("org-trail"),
        trail("fail-own", log_file_validation=False, event_selectors=()),
    )
    assert failing(cloudtrail_log_file_validation, snap) == {"fail-own"}
    assert passing(cloudtrail_log_file_validation, snap) == set()
    # the own trail is the one to fix when neither captures everything
    snap = trails(
        org_trail(
            "org-trail",
            event_selectors=(
                EventSelector(read_write_type="ReadOnly", include_management_events=True),
            ),
        ),
        trail(
            "own",
            event_selectors=(
                EventSelector(read_write_type="WriteOnly", include_management_events=True),
            ),
        ),
    )
    assert failing(cloudtrail_management_events_captured, snap) == {"account"}
    assert "--trail-name own " in command(cloudtrail_management_events_captured, snap, "account")


def test_al001_stopped_org_trail_proposes_a_trail_of_this_account() -> None:
    snap = trails(org_trail("org-trail", is_logging=False))
    assert failing(cloudtrail_multi_region_logging, snap) == {"account"}
    assert evidence(cloudtrail_multi_region_logging, snap, "account") == (
        "no multi-region trail is logging (org-trail: multi-region, stopped, "
        f"organization trail of account {MANAGEMENT_ACCOUNT})"
    )
    cmd = command(cloudtrail_multi_region_logging, snap, "account")
    assert "org-trail" not in cmd
    assert cmd.startswith("aws cloudtrail create-trail --name account-trail ")


def org_shadow(
    name: str, home: str, logging: bool | None, owner: str = MANAGEMENT_ACCOUNT
) -> ShadowTrail:
    return ShadowTrail(
        arn=f"arn:aws:cloudtrail:{home}:{owner}:trail/{name}",
        name=name,
        region=REGION,
        home_region=home,
        is_multi_region=True,
        is_organization_trail=True,
        is_logging=logging,
    )


def test_defect_org_trail_homed_in_an_unscanned_region_left_members_without_a_verdict() -> None:
    """A member scanning us-west-2 only saw its organization trail (homed elsewhere) as a
    shadow of unknown status: no verdict, though the status can be read with the ARN."""
    snap = trails(shadows=(org_shadow("org-trail", UNSCANNED_REGION, logging=True),))
    assert passing(cloudtrail_multi_region_logging, snap) == {"account"}
    assert evidence(cloudtrail_multi_region_logging, snap, "account") == (
        f"organization trail org-trail of account {MANAGEMENT_ACCOUNT} (home {UNSCANNED_REGION}, "
        f"status read in {REGION}) is multi-region and logging"
    )
    # stopped: the member is not recorded; the fix is a trail of its own, not update-trail
    stopped = trails(shadows=(org_shadow("org-trail", UNSCANNED_REGION, logging=False),))
    assert failing(cloudtrail_multi_region_logging, stopped) == {"account"}
    assert evidence(cloudtrail_multi_region_logging, stopped, "account") == (
        "no multi-region trail is logging (org-trail: multi-region, stopped, "
        f"organization trail of account {MANAGEMENT_ACCOUNT})"
    )
    cmd = command(cloudtrail_multi_region_logging, stopped, "account")
    assert "org-trail" not in cmd and "--name account-trail " in cmd
    # the management account's own stopped organization trail: start that one
    own = trails(shadows=(org_shadow("org-trail", UNSCANNED_REGION, False, owner=ACCOUNT_ID),))
    assert f"start-logging --name org-trail --region {UNSCANNED_REGION}" in command(
        cloudtrail_multi_region_logging, own, "account"
    )
    # status not read: still no verdict
    unread = trails(shadows=(org_shadow("org-trail", UNSCANNED_REGION, logging=None),))
    assert results(cloudtrail_multi_region_logging, unread) == []
