"""One local HTTP server that speaks all five compliance vendors' APIs, for tests, benchmarks and demo mode.

:class:`VendorSimulator` binds a loopback address, serves HTTP/1.1 keep-alive on a daemon thread and routes
by path prefix, one prefix per real vendor origin (see :meth:`VendorSimulator.origin_map`, which is the
file the app reads through ``LEADCHECK_ORIGINS``). Every request is recorded in
:attr:`VendorSimulator.requests` before it is answered, so tests can prove what was or was not sent.

Behaviour is deterministic and keyed on the trigger values in :mod:`desktop_app.sandbox.scenarios`; every
response first waits :attr:`VendorSimulator.latency` seconds plus any ``X-Sim-Delay`` header value.

Usage::

    with VendorSimulator() as sim:
        sim.write_origin_map(tmp_path / "origins.json")
        ...  # point LEADCHECK_ORIGINS at the file, run the app, then inspect sim.requests
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from desktop_app.sandbox import scenarios as sc
from desktop_app.sandbox._consentcontrol import ConsentControl
from desktop_app.sandbox._contactstate import ContactState
from desktop_app.sandbox._http import SimContext, SimRequest, SimResponse, json_response, not_found
from desktop_app.sandbox._jornaya import Jornaya
from desktop_app.sandbox._litigator import Litigator
from desktop_app.sandbox._trustedform import TrustedForm

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024 * 1024

# Real vendor origin -> path prefix on the simulator.
ORIGIN_PREFIXES: dict[str, str] = {
    "https://cert.trustedform.com": "/tf",
    "https://api.leadid.com": "/leadid",
    "https://api.rrdblive.com": "/litigator",
    "https://cert.contactstate.com": "/cs-cert",
    "https://cert-gen.contactstate.com": "/cs-certgen",
    "https://connect.contactstate.com": "/cs-connect",
    "https://perform.contactstate.com": "/cs-perform",
    "https://*.digitalsegment.com": "/cc",
}


@dataclass(frozen=True)
class RecordedRequest:
    """One request exactly as received. ``path`` has no query string; ``headers`` keys are lower-case."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    timestamp: float = field(default_factory=time.time)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def params(self) -> dict[str, list[str]]:
        """The query string parsed (blank values kept)."""
        return parse_qs(self.query, keep_blank_values=True)

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("utf-8"), keep_blank_values=True)


def check_loopback(host: str) -> None:
    """Raise ValueError unless ``host`` is a loopback address (the simulator must never face a network)."""
    if host.lower() == "localhost":
        return
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        raise ValueError(f"Refusing to bind {host!r}: the simulator only binds loopback addresses.") from None
    if not address.is_loopback:
        raise ValueError(f"Refusing to bind {host!r}: the simulator only binds loopback addresses.")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], simulator: VendorSimulator) -> None:
        self.simulator = simulator
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn); a loopback server does not need it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def track(self, conn: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(conn)

    def untrack(self, conn: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(conn)

    def close_connections(self) -> None:
        """Wake every handler thread still waiting on an idle keep-alive connection."""
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            return  # the client went away (timeouts in tests do this on purpose)
        logger.debug("vendor simulator: error while serving %s", client_address, exc_info=True)


class _Truncated(Exception):
    """The connection ended before the whole request body arrived."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "VendorSimulator/1.0"
    sys_version = ""
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without TCP_NODELAY, Nagle plus delayed ACKs would add
        # ~40 ms to every keep-alive exchange.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the simulator never logs requests to stderr."""

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_OPTIONS(self) -> None:
        self._serve()

    def _read_body(self) -> bytes:
        """The request's body; raises _Truncated when the connection ends before all of it arrived."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                size_line = self.rfile.readline(65537)
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    raise ValueError("body too large")
                chunk = self.rfile.read(size)
                if len(chunk) < size:
                    raise _Truncated
                chunks.append(chunk)
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            raise ValueError("bad Content-Length")
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            raise _Truncated
        return body

    def _serve(self) -> None:
        sim = self.server.simulator
        try:
            body = self._read_body()
        except _Truncated:  # the client went away mid-request (killed): as a real server, nothing to answer
            self.close_connection = True
            return
        except ValueError:
            self.close_connection = True
            self._write(json_response(400, {"error": "bad_request", "message": "Unreadable request body"}))
            return
        parts = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        path = parts.path or "/"
        sim._record(RecordedRequest(self.command, path, parts.query, headers, body))
        request = SimRequest(self.command, path, parse_qs(parts.query, keep_blank_values=True), headers, body)
        try:
            response = sim._dispatch(request)
        except Exception as exc:  # a simulator bug must still produce an answer
            logger.debug("vendor simulator: handler failed", exc_info=True)
            response = json_response(500, {"error": "simulator_error", "message": repr(exc)})
        delay = max(0.0, sim.latency) + response.delay + _header_delay(headers.get(sc.SIM_DELAY_HEADER.lower()))
        if delay > 0 and sim._stopping.wait(delay):
            self.close_connection = True  # shutting down: drop the request unanswered
            return
        self._write(response)

    def _write(self, response: SimResponse) -> None:
        self.send_response(response.status)
        if response.content_type and response.body:
            self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)
        self.wfile.flush()


def _header_delay(value: str | None) -> float:
    if not value:
        return 0.0
    try:
        seconds = float(value)
    except ValueError:
        return 0.0
    return seconds if 0 < seconds < 3600 else 0.0


class VendorSimulator:
    """A loopback HTTP server simulating TrustedForm, Jornaya, TCPA Litigator, Contact State and Consent Control.

    ``latency`` (settable at any time) delays every response; ``enforce_rate_limits`` turns Contact State's
    documented per-minute limits on or off; ``job_polls_until_done`` is how many polls of a Perform export
    job answer ``pending`` before ``success``. State lives in memory for the simulator's lifetime.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        enforce_rate_limits: bool = True,
        job_polls_until_done: int = 2,
    ) -> None:
        check_loopback(host)
        self.host = host
        self.port = port
        self.latency = latency
        self.requests: list[RecordedRequest] = []
        self._ctx = SimContext(enforce_rate_limits=enforce_rate_limits, job_polls_until_done=job_polls_until_done)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._build_vendors()

    def _build_vendors(self) -> None:
        self.trustedform = TrustedForm(self._ctx)
        self.jornaya = Jornaya(self._ctx)
        self.litigator = Litigator(self._ctx)
        self.contactstate = ContactState(self._ctx)
        self.consentcontrol = ConsentControl(self._ctx)
        self._routes: dict[str, Callable[[SimRequest], SimResponse]] = {
            "/tf": self.trustedform.handle,
            "/leadid": self.jornaya.handle,
            "/litigator": self.litigator.handle,
            "/cs-cert": self.contactstate.handle_cert,
            "/cs-certgen": self.contactstate.handle_certgen,
            "/cs-connect": self.contactstate.handle_connect,
            "/cs-perform": self.contactstate.handle_perform,
            "/cc": self.consentcontrol.handle,
        }

    # -- settings ----------------------------------------------------------------------------------------------

    @property
    def enforce_rate_limits(self) -> bool:
        return self._ctx.enforce_rate_limits

    @enforce_rate_limits.setter
    def enforce_rate_limits(self, value: bool) -> None:
        self._ctx.enforce_rate_limits = value

    @property
    def job_polls_until_done(self) -> int:
        return self._ctx.job_polls_until_done

    @job_polls_until_done.setter
    def job_polls_until_done(self, value: int) -> None:
        self._ctx.job_polls_until_done = value

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def start(self) -> VendorSimulator:
        """Bind and serve on a daemon thread; returns self. ``port=0`` picks a free port."""
        if self._server is not None:
            raise RuntimeError("the vendor simulator is already running")
        self._stopping.clear()
        server = _Server((self.host, self.port), self)
        self._server = server
        self.port = int(server.server_address[1])
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="vendor-simulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close every open connection and release the port. Safe to call twice."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> VendorSimulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    # -- addresses ---------------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` (the bound port once started)."""
        host = f"[{self.host.strip('[]')}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def origin_map(self) -> dict[str, str]:
        """Real vendor origin -> simulator base URL + prefix, in the ``LEADCHECK_ORIGINS`` file format."""
        base = self.base_url
        return {origin: base + prefix for origin, prefix in ORIGIN_PREFIXES.items()}

    def write_origin_map(self, path: str | os.PathLike[str]) -> None:
        """Write :meth:`origin_map` as JSON to ``path``."""
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(self.origin_map(), handle, indent=2)
            handle.write("\n")

    # -- inspection ----------------------------------------------------------------------------------------------

    def count(self, prefix: str) -> int:
        """How many recorded requests have a path starting with ``prefix`` (e.g. ``"/tf"``)."""
        return sum(1 for r in list(self.requests) if r.path.startswith(prefix))

    def reset(self) -> None:
        """Forget recorded requests and every vendor's state (retained certs, leads, rate-limit windows...)."""
        with self._ctx.lock:
            self.requests.clear()
            self._build_vendors()

    # -- internals ----------------------------------------------------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._ctx.lock:
            self.requests.append(request)

    def _dispatch(self, request: SimRequest) -> SimResponse:
        path = request.path
        for prefix, handler in self._routes.items():
            if path == prefix or path.startswith(prefix + "/"):
                inner = path[len(prefix) :] or "/"
                return handler(
                    SimRequest(request.method, inner, request.query, request.headers, request.body),
                )
        return not_found(request)
