"""Scenarios built through the AWS API, for ``auditor demo`` and the end-to-end tests.

:func:`build_reference` creates the account described in the reference
architecture review (a solo developer's trading system: ECS Fargate, RDS in a
private VPC, a Lambda query bridge, Secrets Manager, CloudTrail). The caller
injects the (unguarded) clients, so this package never imports boto3 and
works against any AWS-API-compatible endpoint, such as a moto server.
"""

from auditor.demo.reference import ReferenceInfo, build_reference

__all__ = ["ReferenceInfo", "build_reference"]
