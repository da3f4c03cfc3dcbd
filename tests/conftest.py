"""Shared fixtures.

* Every test runs with fake AWS credentials and no AWS config files, so a
  mistake can never reach a real account.
* ``no_external_network`` (autouse) fails any socket connection to a host
  that is not loopback; subprocesses get a dead proxy for non-loopback hosts.
* ``aws`` gives a guarded :class:`SessionClients` inside moto's in-process
  ``mock_aws``; ``setup`` gives plain (unguarded) boto3 clients to build
  scenarios with.
* ``moto_server`` is moto's HTTP server on 127.0.0.1 (random port), reset
  before each test that uses it.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest

REGION = "us-west-2"

_SAFE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
    # A collector bug crashes the test (in production it is an internal_error gap).
    "AUDITOR_STRICT": "1",
    # Any HTTP(S) request to a non-loopback host from a subprocess goes to a dead proxy.
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "NO_PROXY": "127.0.0.1,localhost",
}
os.environ.update(_SAFE_ENV)
for _var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ROLE_ARN"):
    os.environ.pop(_var, None)


class ExternalNetworkError(AssertionError):
    """A test tried to reach a host that is not loopback."""


def _is_loopback(host: Any) -> bool:
    if not isinstance(host, str):
        return False
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check(sock: socket.socket, address: Any) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
        raise ExternalNetworkError(f"test tried to reach non-loopback host {address[0]!r}")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _check(self, address)
    _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _check(self, address)
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True)
def no_external_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)


@pytest.fixture
def aws() -> Iterator[Any]:
    """A guarded client factory (what collectors get) inside moto's in-process mock."""
    import boto3
    from moto import mock_aws

    from auditor.collect.session import SessionClients
    from auditor.demo.simulator import extend_moto

    extend_moto()
    with mock_aws():
        yield SessionClients(boto3.Session(region_name=REGION))


@pytest.fixture
def setup(aws: Any) -> Callable[..., Any]:
    """Unguarded boto3 clients for building a scenario (same moto backend as ``aws``)."""
    import boto3

    session = boto3.Session(region_name=REGION)

    def client(service: str, region: str = REGION) -> Any:
        return session.client(service, region_name=region)  # type: ignore[call-overload]

    return client


@pytest.fixture(scope="session")
def _moto_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    from auditor.demo.simulator import extend_moto

    extend_moto()  # ECS deployment configuration, saved Logs Insights queries
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def moto_server(_moto_server: str) -> str:
    """URL of a moto HTTP server on 127.0.0.1, reset to an empty account."""
    request = urllib.request.Request(f"{_moto_server}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    return _moto_server
