"""Threat detection and recording: GuardDuty detectors, Config recorders, Access Analyzer."""

from __future__ import annotations

from typing import Any

from auditor.collect.common import paginate, per_resource
from auditor.collect.session import ClientFactory
from auditor.snapshot.detection import (
    AccessAnalyzer,
    AccessAnalyzerSection,
    ConfigRecorder,
    ConfigSection,
    GuardDutyDetector,
    GuardDutySection,
)


def collect_guardduty(clients: ClientFactory, region: str) -> GuardDutySection:
    guardduty = clients("guardduty", region)
    # A region has at most one detector: ListDetectors plus one GetDetector.
    detector_ids: list[str] = paginate(guardduty, "list_detectors", "DetectorIds")

    def get(detector_id: str) -> GuardDutyDetector:
        raw = guardduty.get_detector(DetectorId=detector_id)
        return GuardDutyDetector(
            id=detector_id,
            region=region,
            status=raw.get("Status", ""),
            finding_publishing_frequency=raw.get("FindingPublishingFrequency", ""),
            features={f["Name"]: f.get("Status", "") for f in raw.get("Features", [])},
        )

    # A failed call costs only its detector (gapped).
    found = per_resource(get, detector_ids, lambda detector_id: detector_id)
    return GuardDutySection(detectors=tuple(d for d in found if d is not None))


def _recorder(raw: dict[str, Any], status: dict[str, Any], region: str) -> ConfigRecorder:
    group = raw.get("recordingGroup", {})
    return ConfigRecorder(
        name=raw["name"],
        region=region,
        recording=bool(status.get("recording", False)),
        all_supported=bool(group.get("allSupported", False)),
        include_global_resource_types=bool(group.get("includeGlobalResourceTypes", False)),
        last_status=str(status.get("lastStatus", "")).upper(),
        recording_strategy=group.get("recordingStrategy", {}).get("useOnly", ""),
        resource_types=tuple(group.get("resourceTypes", [])),
    )


def collect_config(clients: ClientFactory, region: str) -> ConfigSection:
    config = clients("config", region)
    # Neither call is paginated (a region has at most a handful of recorders).
    recorders = config.describe_configuration_recorders().get("ConfigurationRecorders", [])
    if not recorders:
        return ConfigSection()
    statuses = {
        s["name"]: s
        for s in config.describe_configuration_recorder_status().get(
            "ConfigurationRecordersStatus", []
        )
    }
    return ConfigSection(
        recorders=tuple(_recorder(r, statuses.get(r["name"], {}), region) for r in recorders)
    )


def collect_access_analyzer(clients: ClientFactory, region: str) -> AccessAnalyzerSection:
    analyzer = clients("accessanalyzer", region)
    return AccessAnalyzerSection(
        analyzers=tuple(
            AccessAnalyzer(
                arn=a["arn"],
                name=a["name"],
                region=region,
                type=a.get("type", ""),
                status=a.get("status", ""),
            )
            for a in paginate(analyzer, "list_analyzers", "analyzers")
        )
    )
