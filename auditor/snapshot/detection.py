"""Threat detection and configuration recording: GuardDuty, Config, Access Analyzer."""

from __future__ import annotations

from auditor.snapshot.base import Model, Section


class GuardDutyDetector(Model):
    id: str
    region: str
    status: str


class ConfigRecorder(Model):
    name: str
    region: str
    recording: bool
    all_supported: bool
    include_global_resource_types: bool


class AccessAnalyzer(Model):
    arn: str
    name: str
    region: str
    #: ``ACCOUNT``, ``ORGANIZATION`` or an ``*_UNUSED_ACCESS`` type.
    type: str
    status: str


class GuardDutySection(Section):
    detectors: tuple[GuardDutyDetector, ...] = ()


class ConfigSection(Section):
    recorders: tuple[ConfigRecorder, ...] = ()


class AccessAnalyzerSection(Section):
    analyzers: tuple[AccessAnalyzer, ...] = ()
