"""Organization scans: discover the accounts, scan each one, fold the results into one review.

The unit of work is always one account scanned by the single-account pipeline
(collect -> evaluate -> write results and review), unchanged; this package only
adds discovery (:mod:`~auditor.org.discovery`), the per-region token bucket
(:mod:`~auditor.org.ratelimit`), the per-account worker
(:mod:`~auditor.org.worker`), the process-pool fan-out
(:mod:`~auditor.org.fanout`) and the organization gate (:mod:`~auditor.org.gate`).
"""
