"""The app's httpx clients: certificates and host names verified, no redirects, one TLS context for all, and as
many connections to a host as asked for. Tested against small servers on 127.0.0.1, not the clients' internals."""

from __future__ import annotations

import asyncio
import datetime
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from desktop_app.service import make_http_client, tls_context
from tests.helpers import let_the_loop_run, until

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def server(handler: Handler, ssl_context: ssl.SSLContext | None = None) -> AsyncIterator[int]:
    """A TCP server on 127.0.0.1 running ``handler`` per connection; yields its port. On exit every connection it
    accepted is closed and its handler has ended."""
    writers: list[asyncio.StreamWriter] = []
    handlers: list[asyncio.Task[None]] = []

    async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        handlers.append(asyncio.current_task())  # type: ignore[arg-type]
        try:
            await handler(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass  # the client hung up
        finally:
            writer.close()

    srv = await asyncio.start_server(tracked, "127.0.0.1", 0, ssl=ssl_context)
    try:
        yield srv.sockets[0].getsockname()[1]
    finally:
        srv.close()
        for writer in writers:
            writer.close()
        await asyncio.gather(*handlers, return_exceptions=True)
        await asyncio.gather(*(w.wait_closed() for w in writers), return_exceptions=True)
        await srv.wait_closed()


def self_signed(folder: Path) -> ssl.SSLContext:
    """A server context presenting a self-signed certificate for 127.0.0.1 (no CA anyone trusts)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context


async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, status: str, headers: str = "") -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.write(f"HTTP/1.1 {status}\r\n{headers}Content-Length: 2\r\n\r\nok".encode())
    await writer.drain()


async def test_a_certificate_nobody_vouches_for_is_refused(tmp_path: Path) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await answer(reader, writer, "200 OK")

    async with server(handler, self_signed(tmp_path)) as port:
        for client in (make_http_client(10.0), make_http_client(10.0, connections=8)):
            async with client:
                with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                    await client.get(f"https://localhost:{port}/")


def test_the_one_tls_context_verifies_certificates_and_host_names() -> None:
    context = tls_context()
    assert context is tls_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


async def test_clients_share_one_tls_context_so_the_ca_bundle_is_loaded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading the CA bundle costs ~35 ms per client; a batch's lanes each open clients of their own."""
    await make_http_client(10.0).aclose()  # the first client builds the context
    loads: list[object] = []
    real = ssl.SSLContext.load_verify_locations

    def counting(self: ssl.SSLContext, *args: object, **kwargs: object) -> None:
        loads.append(args or kwargs)
        real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counting)
    for connections in (64, 16, 8):
        await make_http_client(10.0, connections=connections).aclose()
    assert loads == []


async def test_redirects_are_not_followed() -> None:
    """A key sent to a vendor must never follow a redirect to another host."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await answer(reader, writer, "302 Found", "Location: http://192.0.2.1/elsewhere\r\n")

    async with server(handler) as port:
        for client in (make_http_client(10.0), make_http_client(10.0, connections=8)):
            async with client:
                response = await client.get(f"http://127.0.0.1:{port}/")
                assert response.status_code == 302 and response.url.port == port


async def test_a_lane_client_opens_at_most_its_connections_and_keeps_them_alive() -> None:
    opened: list[asyncio.StreamWriter] = []
    waiting = 0
    release = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal waiting
        opened.append(writer)
        while True:
            await reader.readuntil(b"\r\n\r\n")
            waiting += 1
            await release.wait()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()

    async with server(handler) as port, make_http_client(10.0, connections=8) as client:
        calls = [asyncio.ensure_future(client.get(f"http://127.0.0.1:{port}/{i}")) for i in range(9)]
        await until(lambda: waiting == 8)
        await let_the_loop_run()  # a ninth connection, if the client opened one, would arrive now
        assert len(opened) == 8
        release.set()
        assert [r.status_code for r in await asyncio.gather(*calls)] == [200] * 9
        assert len(opened) == 8  # the ninth call waited for a connection and reused it
