"""The guard that keeps the test suite off the internet is itself tested."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from tests.conftest import ExternalNetworkError


def test_connecting_to_a_public_address_fails_before_any_packet() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with sock, pytest.raises(ExternalNetworkError):
        sock.connect(("192.0.2.10", 443))  # TEST-NET-1: never routable anyway


def test_boto3_to_real_aws_is_refused() -> None:
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "sts", region_name="us-east-1", config=Config(retries={"max_attempts": 1})
    )
    with pytest.raises(Exception, match=r"non-loopback|proxy|Could not connect|ProxyConnection"):
        client.get_caller_identity()


def test_loopback_is_allowed(moto_server: str) -> None:
    import boto3

    sts = boto3.client("sts", region_name="us-east-1", endpoint_url=moto_server)
    assert sts.get_caller_identity()["Account"] == "123456789012"


def test_subprocess_cannot_reach_aws_through_the_dead_proxy() -> None:
    code = (
        "import boto3\n"
        "from botocore.config import Config\n"
        "c = boto3.client('sts', region_name='us-east-1', "
        "config=Config(retries={'max_attempts': 1}, connect_timeout=2))\n"
        "c.get_caller_identity()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "ProxyConnectionError" in result.stderr or "Could not connect" in result.stderr
