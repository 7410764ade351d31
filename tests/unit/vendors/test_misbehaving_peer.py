"""Vendor calls against a misbehaving peer: a small asyncio TCP server on 127.0.0.1 that trickles, never ends,
or answers with a gzip bomb. Every call must end as a stored error, within one deadline and a size cap.

The deadline is injected short (0.2 s, which each trickling peer's test waits out) and the cap small; nothing here
measures wall-clock time. A call that never ended would hang until pytest's timeout, which is what these tests
bound. What the client read from the socket is counted by a transport wrapper, and what it decompressed by the body
collector itself.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from desktop_app.vendors.errors import ErrorKind
from desktop_app.vendors.http import VendorHttp
from desktop_app.vendors.origins import OriginMap
from desktop_app.vendors.results import CheckResult
from tests.unit.vendors import operations
from tests.unit.vendors.operations import VENDOR_ORIGINS

DEADLINE = 0.2
CAP = 256 * 1024
TRICKLE = 0.02  # seconds between single bytes: always well inside httpx's per-read timeout

pytestmark = pytest.mark.timeout(30)

Behaviour = Callable[["Peer", asyncio.StreamWriter], Awaitable[None]]


class Peer:
    """A TCP server that reads one request and answers it with ``behaviour``; counts the bytes it wrote."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.sent = 0
        self.requests = 0
        self._tasks: set[asyncio.Task[Any]] = set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lengths = [line.split(b":", 1)[1] for line in head.lower().split(b"\r\n") if b"content-length:" in line]
            await reader.readexactly(int(lengths[0]) if lengths else 0)
            self.requests += 1
            await self.behaviour(self, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client hung up: what a bounded call does
        finally:
            writer.close()

    async def write(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        writer.write(data)
        self.sent += len(data)
        await writer.drain()

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


class CountingTransport(httpx.AsyncBaseTransport):
    """The real transport, counting every body byte the client took from the socket."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.received = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        assert isinstance(response.stream, httpx.AsyncByteStream)
        stream: httpx.AsyncByteStream = response.stream

        async def counted() -> AsyncIterator[bytes]:
            async for chunk in stream:
                self.received += len(chunk)
                yield chunk

        class Counted(httpx.AsyncByteStream):
            def __aiter__(self) -> AsyncIterator[bytes]:
                return counted()

            async def aclose(self) -> None:
                await stream.aclose()

        response.stream = Counted()
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


@asynccontextmanager
async def serving(behaviour: Behaviour) -> AsyncIterator[tuple[Peer, VendorHttp, CountingTransport]]:
    """A peer on 127.0.0.1 and a VendorHttp whose every vendor origin is mapped to it (as LEADCHECK_ORIGINS does)."""
    peer = Peer(behaviour)
    server = await asyncio.start_server(peer.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    origins = OriginMap({origin: f"http://127.0.0.1:{port}" for origin in VENDOR_ORIGINS})
    transport = CountingTransport()
    client = httpx.AsyncClient(transport=transport)
    http = VendorHttp(client, origins=origins, timeout=DEADLINE, max_response_bytes=CAP)
    try:
        yield peer, http, transport
    finally:
        await client.aclose()
        await peer.close()
        server.close()
        await server.wait_closed()


# -- behaviours -------------------------------------------------------------------------------------------------

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"


async def headers_one_byte_at_a_time(peer: Peer, writer: asyncio.StreamWriter) -> None:
    while True:
        for byte in HEAD + b"X-Padding: " + b"a" * 10_000:
            await peer.write(writer, bytes([byte]))
            await asyncio.sleep(TRICKLE)


async def body_one_byte_at_a_time(peer: Peer, writer: asyncio.StreamWriter) -> None:
    await peer.write(writer, HEAD + b"Content-Length: 100000\r\n\r\n")
    while True:
        await peer.write(writer, b" ")
        await asyncio.sleep(TRICKLE)


async def continue_forever(peer: Peer, writer: asyncio.StreamWriter) -> None:
    while True:
        await peer.write(writer, b"HTTP/1.1 100 Continue\r\n\r\n")
        await asyncio.sleep(TRICKLE)


async def endless_chunked_body(peer: Peer, writer: asyncio.StreamWriter) -> None:
    await peer.write(writer, HEAD + b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n%s\r\n" % (16384, b" " * 16384)
    while True:
        await peer.write(writer, chunk)


async def endless_body_without_length(peer: Peer, writer: asyncio.StreamWriter) -> None:
    await peer.write(writer, HEAD + b"Connection: close\r\n\r\n[")
    while True:
        await peer.write(writer, b"0," * 8192)


async def huge_declared_length(peer: Peer, writer: asyncio.StreamWriter) -> None:
    await peer.write(writer, HEAD + b"Content-Length: 2147483648\r\n\r\n")
    while True:
        await peer.write(writer, b" " * 65536)


def gzip_bomb(decompressed: int) -> bytes:
    """``decompressed`` bytes of spaces as gzip (about a thousandth of the size), built without holding them.

    Run-length matching (``Z_RLE``) finds the same longest matches as the default search on a run of one byte, so
    the bomb has the same size, in 0.6 s instead of 1.5 s."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16, 8, zlib.Z_RLE)
    block = b" " * (1024 * 1024)
    parts = [packer.compress(block) for _ in range(decompressed // len(block))]
    return b"".join(parts) + packer.flush()


@functools.cache
def bomb() -> bytes:
    """The 512 MB bomb, built when the test that sends it first asks, not in every worker's collection."""
    return gzip_bomb(512 * 1024 * 1024)


async def gzip_bomb_answer(peer: Peer, writer: asyncio.StreamWriter) -> None:
    head = HEAD + b"Content-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(bomb())
    await peer.write(writer, head + bomb())
    await asyncio.sleep(60)


async def small_gzip_answer(peer: Peer, writer: asyncio.StreamWriter) -> None:
    body = gzip.compress(b'{"success": true, "dataOut": [{"PhoneIsLitigator": 1, "PhoneNumber": "2025550123"}]}')
    await peer.write(writer, HEAD + b"Content-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(body) + body)


async def brotli_answer(peer: Peer, writer: asyncio.StreamWriter) -> None:
    await peer.write(writer, HEAD + b"Content-Encoding: br\r\nContent-Length: 4\r\n\r\nabcd")


# -- tests ------------------------------------------------------------------------------------------------------

VENDOR_CALLS = {
    "trustedform": operations.trustedform,
    "jornaya": operations.jornaya,
    "litigator": operations.litigator,
    "contactstate": lambda http: operations._contactstate(http).certificate(operations.CS_CERT_URL),
    "consentcontrol": operations.consentcontrol,
}
LABELS = {
    "trustedform": "TrustedForm",
    "jornaya": "Jornaya",
    "litigator": "TCPA Litigator",
    "contactstate": "Contact State",
    "consentcontrol": "Consent Control",
}


async def call(vendor: str, behaviour: Behaviour) -> tuple[CheckResult, Peer, CountingTransport]:
    async with serving(behaviour) as (peer, http, transport):
        result = await VENDOR_CALLS[vendor](http)
    return result, peer, transport


def assert_error(result: CheckResult, kind: ErrorKind) -> None:
    assert result.flag is None
    assert result.error is not None and result.error.kind is kind, result.error
    assert result.summary == result.error.message


@pytest.mark.parametrize("vendor", VENDOR_CALLS)
@pytest.mark.parametrize(
    "behaviour", [headers_one_byte_at_a_time, body_one_byte_at_a_time, continue_forever], ids=lambda b: b.__name__
)
async def test_a_trickling_peer_ends_at_the_deadline_as_a_timeout(vendor: str, behaviour: Behaviour) -> None:
    result, peer, _ = await call(vendor, behaviour)
    assert_error(result, ErrorKind.TIMEOUT)
    assert result.error is not None
    assert result.error.message == f"{LABELS[vendor]} answered too slowly (no complete answer within {DEADLINE:g} s)."
    assert peer.requests >= 1 and peer.sent > 0


@pytest.mark.parametrize("vendor", VENDOR_CALLS)
@pytest.mark.parametrize("behaviour", [endless_chunked_body, endless_body_without_length], ids=lambda b: b.__name__)
async def test_an_endless_body_stops_at_the_cap(vendor: str, behaviour: Behaviour) -> None:
    result, _, transport = await call(vendor, behaviour)
    assert_error(result, ErrorKind.BAD_RESPONSE)
    assert result.error is not None
    assert result.error.message == (
        f"The answer was larger than any {LABELS[vendor]} answer (over 0.25 MB); it was not read."
    )
    assert CAP < transport.received <= CAP + 64 * 1024  # one network read past the cap, no more
    assert result.response_body is None


async def test_a_declared_length_over_the_cap_is_not_read_at_all() -> None:
    result, _, transport = await call("litigator", huge_declared_length)
    assert_error(result, ErrorKind.BAD_RESPONSE)
    assert transport.received == 0


async def test_a_gzip_bomb_stops_at_the_cap_in_bounded_memory() -> None:
    size = len(bomb())  # built before memory is traced: the peer's copy is counted below, the building is not
    await call("trustedform", small_gzip_answer)  # what any first call loads (modules, codecs) is not the bomb's
    tracemalloc.start()
    try:
        result, _, transport = await call("trustedform", gzip_bomb_answer)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert_error(result, ErrorKind.BAD_RESPONSE)
    assert result.error is not None and "larger than any TrustedForm answer" in result.error.message
    assert transport.received < size  # it stopped reading, far before the 512 MB the bomb unfolds to
    assert peak < 8 * CAP + size  # the bomb itself (~0.5 MB, held by the peer) plus a few caps


async def test_a_small_gzip_answer_is_read_normally() -> None:
    result, _, _ = await call("litigator", small_gzip_answer)
    assert result.error is None and result.flag is not None and result.flag.value == "red"


async def test_a_compression_not_asked_for_is_a_bad_response() -> None:
    result, _, _ = await call("litigator", brotli_answer)
    assert_error(result, ErrorKind.BAD_RESPONSE)
    assert result.error is not None and "compression" in result.error.message
