"""auditor as a scheduled AWS Lambda function (see docs/lambda.md, deploy/template.yaml).

Entry point: :func:`auditor.lambda_handler.handler.handler`. Importing this
package is cheap: the scanner, the engine and boto3 are imported when an
invocation runs, not at import.

Modules:

* ``handler``: the thin entry point (logging set-up, time budget, errors);
* ``settings``: configuration from environment variables and the event;
* ``run``: one scheduled scan: collect, evaluate, render, store, compare, notify;
* ``aws``: the two boto3 sessions (read-only scanning; scoped writes to S3/SNS);
* ``metrics``: CloudWatch Embedded Metric Format (EMF) log lines;
* ``notify``: the regression message (SNS subject and body);
* ``logs``: structured JSON log lines.
"""
