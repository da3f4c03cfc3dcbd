"""GuardDuty, Config and Access Analyzer collectors against moto's in-process mock.

moto 5.2 has no Access Analyzer: ListAnalyzers answers 404 "Not yet
implemented". Its parsing is tested on canned, shape-checked pages, and the
404 itself through the runner, where it becomes a gap.
"""

from __future__ import annotations

from typing import Any

from auditor.collect import collect
from auditor.collect.detection import (
    collect_access_analyzer,
    collect_config,
    collect_guardduty,
)
from auditor.snapshot import CollectionStatus
from auditor.snapshot.detection import (
    AccessAnalyzer,
    AccessAnalyzerSection,
    ConfigRecorder,
    ConfigSection,
    GuardDutyDetector,
    GuardDutySection,
)
from tests.collect.canned import serve
from tests.conftest import REGION

ACCOUNT = "123456789012"
ANALYZER_ARN = f"arn:aws:access-analyzer:{REGION}:{ACCOUNT}:analyzer/"


def _calls(aws: Any) -> dict[str, int]:
    return {o.operation: o.calls for o in aws.recorder.operations()}


# GuardDuty


def test_guardduty_none(aws: Any) -> None:
    assert collect_guardduty(aws, REGION) == GuardDutySection()
    assert _calls(aws) == {"ListDetectors": 1}


def test_guardduty_detector_status_and_features(aws: Any, setup: Any) -> None:
    detector_id = setup("guardduty").create_detector(
        Enable=True,
        FindingPublishingFrequency="FIFTEEN_MINUTES",
        Features=[
            {"Name": "S3_DATA_EVENTS", "Status": "ENABLED"},
            {"Name": "RUNTIME_MONITORING", "Status": "DISABLED"},
        ],
    )["DetectorId"]

    assert collect_guardduty(aws, REGION).detectors == (
        GuardDutyDetector(
            id=detector_id,
            region=REGION,
            status="ENABLED",
            finding_publishing_frequency="FIFTEEN_MINUTES",
            features={"S3_DATA_EVENTS": "ENABLED", "RUNTIME_MONITORING": "DISABLED"},
        ),
    )
    assert _calls(aws) == {"ListDetectors": 1, "GetDetector": 1}


def test_guardduty_suspended_detector(aws: Any, setup: Any) -> None:
    setup("guardduty").create_detector(Enable=False)
    (detector,) = collect_guardduty(aws, REGION).detectors
    assert detector.status == "DISABLED"


# Config


def _recorder(setup: Any, **group: Any) -> None:
    setup("config").put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": f"arn:aws:iam::{ACCOUNT}:role/config",
            "recordingGroup": group,
        }
    )


def _start(setup: Any) -> None:
    bucket = "config-delivery"
    setup("s3").create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    config = setup("config")
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": bucket})
    config.start_configuration_recorder(ConfigurationRecorderName="default")


def test_config_none_is_one_call(aws: Any) -> None:
    assert collect_config(aws, REGION) == ConfigSection()
    assert _calls(aws) == {"DescribeConfigurationRecorders": 1}


def test_config_recorder_defined_but_stopped(aws: Any, setup: Any) -> None:
    _recorder(setup, allSupported=True, includeGlobalResourceTypes=True)

    assert collect_config(aws, REGION).recorders == (
        ConfigRecorder(
            name="default",
            region=REGION,
            recording=False,
            all_supported=True,
            include_global_resource_types=True,
            last_status="",
            recording_strategy="ALL_SUPPORTED_RESOURCE_TYPES",
            resource_types=(),
        ),
    )
    assert _calls(aws) == {
        "DescribeConfigurationRecorders": 1,
        "DescribeConfigurationRecorderStatus": 1,
    }


def test_config_recorder_recording_some_types(aws: Any, setup: Any) -> None:
    _recorder(
        setup,
        allSupported=False,
        includeGlobalResourceTypes=False,
        resourceTypes=["AWS::EC2::SecurityGroup", "AWS::IAM::Role"],
        recordingStrategy={"useOnly": "INCLUSION_BY_RESOURCE_TYPES"},
    )
    _start(setup)

    (recorder,) = collect_config(aws, REGION).recorders

    assert recorder.recording is True
    assert recorder.last_status == "PENDING"
    assert (recorder.all_supported, recorder.include_global_resource_types) == (False, False)
    assert recorder.recording_strategy == "INCLUSION_BY_RESOURCE_TYPES"
    assert recorder.resource_types == ("AWS::EC2::SecurityGroup", "AWS::IAM::Role")


# Access Analyzer (not in moto 5.2)


def test_access_analyzers_parsed_and_paged(aws: Any) -> None:
    pages: dict[str | None, dict[str, Any]] = {
        None: {
            "analyzers": [
                {
                    "arn": ANALYZER_ARN + "account",
                    "name": "account",
                    "type": "ACCOUNT",
                    "createdAt": "2024-01-01T00:00:00Z",
                    "status": "ACTIVE",
                }
            ],
            "nextToken": "t2",
        },
        "t2": {
            "analyzers": [
                {
                    "arn": ANALYZER_ARN + "unused",
                    "name": "unused",
                    "type": "ACCOUNT_UNUSED_ACCESS",
                    "createdAt": "2024-01-01T00:00:00Z",
                    "status": "CREATING",
                }
            ]
        },
    }
    calls = serve(
        aws("accessanalyzer", REGION), "ListAnalyzers", lambda p: pages[p.get("nextToken")]
    )

    assert collect_access_analyzer(aws, REGION).analyzers == (
        AccessAnalyzer(
            arn=ANALYZER_ARN + "account",
            name="account",
            region=REGION,
            type="ACCOUNT",
            status="ACTIVE",
        ),
        AccessAnalyzer(
            arn=ANALYZER_ARN + "unused",
            name="unused",
            region=REGION,
            type="ACCOUNT_UNUSED_ACCESS",
            status="CREATING",
        ),
    )
    assert [c.get("nextToken") for c in calls] == [None, "t2"]
    assert all("type" not in c for c in calls)  # every analyzer type


def test_access_analyzer_none(aws: Any) -> None:
    serve(aws("accessanalyzer", REGION), "ListAnalyzers", lambda _: {"analyzers": []})
    assert collect_access_analyzer(aws, REGION) == AccessAnalyzerSection()


def test_moto_has_no_access_analyzer_so_the_runner_records_a_gap(aws: Any) -> None:
    snap = collect(aws, [REGION], ["accessanalyzer", "guardduty"])

    cov = {c.service: c for c in snap.coverage if c.region == REGION}
    assert cov["guardduty"].status is CollectionStatus.OK
    gap = cov["accessanalyzer"]
    assert (gap.status, gap.operation, gap.error_code) == (
        CollectionStatus.ERROR,
        "ListAnalyzers",
        "404",
    )
    assert snap.accessanalyzer == AccessAnalyzerSection()
