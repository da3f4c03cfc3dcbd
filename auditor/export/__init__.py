"""CI-native outputs of a results document: JUnit XML, SARIF, AWS Security Hub ASFF, OCSF.

Pure functions from a :class:`~auditor.engine.results.ScanResult` to text or
JSON-ready values; the ``auditor export`` command writes them.
"""

from auditor.export.asff import asff_batches, asff_findings
from auditor.export.junit import junit_xml
from auditor.export.ocsf import ocsf_findings
from auditor.export.sarif import sarif_log

__all__ = ["asff_batches", "asff_findings", "junit_xml", "ocsf_findings", "sarif_log"]
