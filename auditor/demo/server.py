"""``auditor demo``: the reference architecture in an in-process moto server, scanned for real.

:func:`run_demo` starts moto's HTTP server on 127.0.0.1 (a free port chosen by
the OS), builds the reference account through the AWS API with plain
(unguarded) clients, then collects it with the real collectors through the
real read-only session over HTTP, exactly as ``auditor scan --endpoint-url``
would. No AWS account, no credentials and no network beyond loopback are
used: the process environment is pointed at fake credentials and empty AWS
config files for the duration, and restored afterwards.

moto is an optional dependency (``pip install 'auditor[demo]'``); it is
imported only here, when the demo runs.
"""

from __future__ import annotations

import functools
import logging
import os
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from auditor.errors import InputError

if TYPE_CHECKING:
    from auditor.demo.reference import ReferenceInfo
    from auditor.snapshot import Snapshot

DEFAULT_REGION = "us-west-2"
INSTALL_HINT = "auditor demo needs moto: pip install 'auditor[demo]'"

#: Services moto does not implement at all (every call is an HTTP 500): not called, and
#: recorded as the gap they are (the endpoint lacks the API; nobody left them out).
MOTO_UNSUPPORTED = frozenset({"accessanalyzer"})

_DEMO_ENV = {
    "AWS_ACCESS_KEY_ID": "demo",
    "AWS_SECRET_ACCESS_KEY": "demo",
    "AWS_SESSION_TOKEN": "demo",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
    # Loopback never goes through a proxy.
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
}
_DEMO_UNSET = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)


@contextmanager
def demo_environment() -> Iterator[None]:
    """Fake credentials, no AWS config files, no metadata service; restored on exit."""
    saved = {k: os.environ.get(k) for k in (*_DEMO_ENV, *_DEMO_UNSET)}
    os.environ.update(_DEMO_ENV)
    for key in _DEMO_UNSET:
        os.environ.pop(key, None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def moto_server() -> Iterator[str]:
    """moto's HTTP server on 127.0.0.1 (random free port), reset to an empty account."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:
        raise InputError(f"{INSTALL_HINT} ({exc})") from None
    from auditor.demo.simulator import extend_moto

    extend_moto()
    # moto logs every request, and a traceback for each API it does not implement.
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        reset = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(reset, timeout=30) as response:
            response.read()
        yield url
    finally:
        server.stop()


@dataclass(frozen=True)
class DemoRun:
    snapshot: Snapshot
    info: ReferenceInfo
    endpoint_url: str


def _unimplemented_as_gaps(snapshot: Snapshot) -> Snapshot:
    """The services moto lacks were not called: say so, instead of "not requested"."""
    from auditor.snapshot.base import CollectionStatus, Coverage

    coverage = tuple(
        Coverage(
            service=c.service,
            region=c.region,
            status=CollectionStatus.ERROR,
            error_code="NotImplemented",
            message=f"the endpoint (moto's AWS simulator) does not implement the "
            f"{c.service} API: not scanned",
        )
        if c.service in MOTO_UNSUPPORTED and not c.requested
        else c
        for c in snapshot.coverage
    )
    return snapshot.model_copy(update={"coverage": coverage})


def run_demo(region: str = DEFAULT_REGION) -> DemoRun:
    """Build the reference account in moto and collect it through the real HTTP path."""
    from auditor.collect import collect
    from auditor.collect.session import SessionClients, make_boto_session
    from auditor.demo.reference import build_reference
    from auditor.demo.simulator import set_root_mfa
    from auditor.services import SERVICES

    with demo_environment(), moto_server() as url:
        # Scenario building writes: plain clients on a session of their own,
        # never the guarded scanning session.
        builder = make_boto_session(region=region)

        @functools.cache
        def client(service: str, client_region: str) -> Any:
            return builder.client(service, region_name=client_region, endpoint_url=url)  # type: ignore[call-overload]

        info = build_reference(client, region)
        set_root_mfa(info.account_id)
        clients = SessionClients(make_boto_session(region=region), endpoint_url=url)
        services = [name for name in SERVICES if name not in MOTO_UNSUPPORTED]
        snapshot = _unimplemented_as_gaps(collect(clients, [region], services))
    return DemoRun(snapshot=snapshot, info=info, endpoint_url=url)
