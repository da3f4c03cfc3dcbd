"""Threat detection and configuration recording: GuardDuty, Config, Access Analyzer."""

from __future__ import annotations

from auditor.snapshot.base import Model, Section


class GuardDutyDetector(Model):
    id: str
    region: str
    #: ``ENABLED`` or ``DISABLED``.
    status: str
    finding_publishing_frequency: str = ""
    #: Protection plans by name (``S3_DATA_EVENTS``, ``RUNTIME_MONITORING``, ...) -> status.
    features: dict[str, str] = {}


class ConfigRecorder(Model):
    name: str
    region: str
    recording: bool
    all_supported: bool
    include_global_resource_types: bool
    #: ``SUCCESS``, ``FAILURE`` or ``PENDING`` for the last recording attempt ("" if none).
    last_status: str = ""
    #: ``ALL_SUPPORTED_RESOURCE_TYPES``, ``INCLUSION_BY_RESOURCE_TYPES`` or
    #: ``EXCLUSION_BY_RESOURCE_TYPES`` ("" when AWS does not say).
    recording_strategy: str = ""
    #: Resource types recorded when the recorder does not record all of them.
    resource_types: tuple[str, ...] = ()


class AccessAnalyzer(Model):
    arn: str
    name: str
    region: str
    #: ``ACCOUNT``, ``ORGANIZATION`` or an ``*_UNUSED_ACCESS`` type.
    type: str
    #: ``ACTIVE``, ``CREATING``, ``DISABLED`` or ``FAILED``.
    status: str


class GuardDutySection(Section):
    detectors: tuple[GuardDutyDetector, ...] = ()


class ConfigSection(Section):
    recorders: tuple[ConfigRecorder, ...] = ()


class AccessAnalyzerSection(Section):
    analyzers: tuple[AccessAnalyzer, ...] = ()
