"""A fault-injecting HTTP proxy for an AWS API simulator (stdlib only, loopback only).

It sits between auditor and a moto server: ``auditor scan --endpoint-url
<proxy.url>``. Each request is named (client, operation) the way botocore
names it: from ``X-Amz-Target`` (JSON protocols), the ``Action`` form field
(query/EC2) or the method and path matched against the service model's
request URIs (REST). A :class:`Fault` matching the request replaces or
spoils the answer:

``deny``        an AccessDenied error in the service's own error format
``throttle``    a throttling error (what AWS sends when its rate is exceeded)
``unavailable`` HTTP 503 with a ServiceUnavailable error document
``delay``       the real answer, ``seconds`` late
``truncate``    the real answer cut in half (status 200, consistent Content-Length)
``junk``        status 200 with a body that is not the protocol's format at all
``reset``       the connection closed with a TCP reset, no answer

Faults apply with probability ``rate`` (seeded, reproducible), at most
``times`` times, optionally only to requests whose path or body contains
``match``. The proxy counts what it injected (:attr:`FaultProxy.injected`).
"""

from __future__ import annotations

import functools
import http.client
import json
import random
import re
import socket
import struct
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import botocore.session

KINDS = ("deny", "throttle", "unavailable", "delay", "truncate", "junk", "reset")

#: botocore client names auditor uses (the proxy names requests of these services).
CLIENTS = (
    "sts",
    "iam",
    "ec2",
    "rds",
    "secretsmanager",
    "cloudtrail",
    "s3",
    "ecs",
    "lambda",
    "cloudwatch",
    "logs",
    "ecr",
    "codepipeline",
    "codebuild",
    "guardduty",
    "config",
    "accessanalyzer",
)

_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "content-length"}
)
_CREDENTIAL = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request")


@dataclass(frozen=True)
class Fault:
    kind: str
    #: botocore client name (``ecs``, ``ec2``, ``lambda``...) or ``*``.
    service: str = "*"
    #: Operation name (``DescribeClusters``) or ``*``.
    operation: str = "*"
    #: Only requests whose path or body contains this text.
    match: str = ""
    rate: float = 1.0
    #: Injected at most this many times (None: always).
    times: int | None = None
    #: Added latency of a ``delay`` fault.
    seconds: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {', '.join(KINDS)}")

    def label(self) -> str:
        where = f"{self.service}:{self.operation}" + (f"[{self.match}]" if self.match else "")
        return f"{self.kind} {where}"


@dataclass(frozen=True)
class _Service:
    name: str
    protocol: str
    target_prefix: str
    #: (method, path regex, query keys the URI requires, operation) for REST protocols.
    routes: tuple[tuple[str, re.Pattern[str], frozenset[str], str], ...]


def _route(uri: str) -> re.Pattern[str]:
    path = uri.split("?", 1)[0]
    pattern = re.sub(r"\\\{[^}]+?\\\+\\\}", ".+", re.escape(path))  # {Key+}
    pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
    return re.compile(f"^{pattern}/?$")


@functools.cache
def _services() -> dict[str, _Service]:
    """botocore's models of the services auditor calls, by signing name."""
    session = botocore.session.get_session()
    out: dict[str, _Service] = {}
    for name in CLIENTS:
        model = session.get_service_model(name)
        routes: list[tuple[str, re.Pattern[str], frozenset[str], str]] = []
        for op_name in model.operation_names:
            http = model.operation_model(op_name).http
            uri = str(http.get("requestUri", "/"))
            query = uri.split("?", 1)[1] if "?" in uri else ""
            keys = frozenset(k.split("=", 1)[0] for k in query.split("&") if k)
            routes.append((http.get("method", "POST"), _route(uri), keys, op_name))
        # Most specific first: /functions/{F}/policy before /functions/{F}, ?policy before none.
        routes.sort(key=lambda r: (-len(r[2]), -len(r[1].pattern)))
        signing = str(model.signing_name or model.endpoint_prefix)
        out[signing] = _Service(
            name=name,
            protocol=str(model.resolved_protocol),
            target_prefix=str(model.metadata.get("targetPrefix", "")),
            routes=tuple(routes),
        )
    return out


def name_request(method: str, path: str, headers: Any, body: bytes) -> tuple[str, str, str]:
    """(client name, operation, protocol) of a request; "" where unknown."""
    match = _CREDENTIAL.search(headers.get("Authorization", ""))
    service = _services().get(match.group(1)) if match else None
    if service is None:
        return "", "", ""
    target = headers.get("X-Amz-Target", "")
    if target:
        return service.name, target.rsplit(".", 1)[-1], service.protocol
    if service.protocol in ("query", "ec2"):
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        return service.name, form.get("Action", [""])[0], service.protocol
    split = urllib.parse.urlsplit(path)
    query = set(urllib.parse.parse_qs(split.query, keep_blank_values=True))
    for verb, pattern, keys, op_name in service.routes:
        if verb == method and keys <= query and pattern.match(split.path):
            return service.name, op_name, service.protocol
    return service.name, "", service.protocol


def error_answer(protocol: str, code: str, message: str) -> tuple[dict[str, str], bytes]:
    """Headers and body of an AWS error in ``protocol``'s format."""
    if protocol in ("json", "rest-json"):
        body = json.dumps({"__type": code, "message": message}).encode()
        return {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": code}, body
    if protocol == "ec2":
        xml = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message>"
            "</Error></Errors><RequestID>fault-proxy</RequestID></Response>"
        )
    elif protocol == "rest-xml":
        xml = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    else:  # query
        xml = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
            f"<Message>{message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>"
        )
    return {"Content-Type": "text/xml"}, xml.encode()


def _deny_code(protocol: str) -> str:
    return {
        "ec2": "UnauthorizedOperation",
        "query": "AccessDenied",
        "rest-xml": "AccessDenied",
    }.get(protocol, "AccessDeniedException")


def _throttle(protocol: str) -> tuple[int, str]:
    if protocol == "ec2":
        return 503, "RequestLimitExceeded"
    if protocol == "rest-json":
        return 429, "TooManyRequestsException"
    if protocol == "rest-xml":
        return 503, "SlowDown"
    return 400, "ThrottlingException" if protocol == "json" else "Throttling"


class FaultProxy:
    """The proxy server: ``with FaultProxy(upstream) as proxy: ... proxy.url``."""

    def __init__(self, upstream: str, faults: Iterable[Fault] = (), seed: int = 0) -> None:
        parsed = urllib.parse.urlsplit(upstream)
        self.upstream = (parsed.hostname or "127.0.0.1", parsed.port or 80)
        if self.upstream[0] not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the fault proxy only talks to a loopback upstream")
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._uses: Counter[Fault] = Counter()
        self._random = random.Random(seed)
        self.injected: Counter[str] = Counter()
        self.seen: Counter[str] = Counter()
        self.set_faults(faults, seed)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def set_faults(self, faults: Iterable[Fault], seed: int = 0) -> None:
        """Replace the faults (and reset the counters and the random sequence)."""
        with self._lock:
            self._faults = list(faults)
            self._uses.clear()
            self.injected.clear()
            self.seen.clear()
            self._random.seed(seed)

    def pick(self, service: str, operation: str, path: str, body: bytes) -> Fault | None:
        with self._lock:
            self.seen[f"{service}:{operation}"] += 1
            for fault in self._faults:
                if fault.service not in ("*", service) or fault.operation not in ("*", operation):
                    continue
                if fault.match and fault.match not in path and fault.match.encode() not in body:
                    continue
                if fault.times is not None and self._uses[fault] >= fault.times:
                    continue
                if fault.rate < 1.0 and self._random.random() >= fault.rate:
                    continue
                self._uses[fault] += 1
                self.injected[f"{fault.kind} {service}:{operation}"] += 1
                return fault
        return None

    def forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        conn = http.client.HTTPConnection(*self.upstream, timeout=60)
        try:
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            conn.close()

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


def _handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length", 0) or 0)
            body = self.rfile.read(length) if length else b""
            service, operation, protocol = name_request(self.command, self.path, self.headers, body)
            fault = proxy.pick(service, operation, self.path, body) if service else None
            kind = fault.kind if fault else ""
            if kind == "reset":
                self._reset()
                return
            if kind in ("deny", "throttle", "unavailable"):
                if kind == "deny":
                    status, code = 403 if protocol.startswith("rest") else 400, _deny_code(protocol)
                elif kind == "throttle":
                    status, code = _throttle(protocol)
                else:
                    status, code = 503, "ServiceUnavailable"
                headers, payload = error_answer(
                    protocol, code, f"{kind} injected by the test proxy"
                )
                self._send(status, list(headers.items()), payload)
                return
            if fault is not None and kind == "delay":
                time.sleep(fault.seconds)
            forward_headers = {
                k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP
            }
            status, headers_out, payload = proxy.forward(
                self.command, self.path, forward_headers, body
            )
            if kind == "truncate" and status < 300:
                payload = payload[: len(payload) // 2]
            elif kind == "junk" and status < 300:
                payload = b"upstream proxy error: try again later"
            self._send(
                status, [(k, v) for k, v in headers_out if k.lower() not in _HOP_BY_HOP], payload
            )

        def _send(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
            self.send_response(status)
            for key, value in headers:
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        def _reset(self) -> None:
            # SO_LINGER 0: close() sends a TCP RST instead of a clean FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle

    return Handler
