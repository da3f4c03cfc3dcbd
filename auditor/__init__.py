"""auditor: a graded, read-only architecture review of an AWS account.

Importing this package is cheap on purpose: boto3, jinja2 and rich are imported
only by the modules that use them.
"""

__version__ = "0.1.0"
