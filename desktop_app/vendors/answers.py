"""Reading a vendor's answer safely, and the record of one exchange on the wire.

An answer is read only up to :data:`MAX_RESPONSE_BYTES` (decompressed size counted, by :class:`CappedBody`),
decoded once, defensively, by :func:`decode_json` (no vendor parses raw text itself), and kept with what was
sent in an :class:`Exchange`, which a vendor client turns into a result.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from desktop_app.vendors.errors import CallError

MAX_RESPONSE_BYTES = 4 * 1024 * 1024
MAX_JSON_DEPTH = 64
MAX_STORED_BODY = 256 * 1024


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _nesting_within(value: Any, limit: int) -> bool:
    """True when no list or object in ``value`` is nested more than ``limit`` deep (checked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return False
        stack.extend((child, depth + 1) for child in children)
    return True


def decode_json(content: str | bytes | None) -> Any:
    """An answer's JSON, or None when it is not JSON Leadcheck can safely use.

    Every vendor reads its answers through here. Refused: text that is not JSON, ``NaN``/``Infinity`` (not JSON,
    and ``bool(nan)`` is true), numbers too long to convert, and lists or objects nested more than
    :data:`MAX_JSON_DEPTH` deep (which would exhaust the stack here or in whatever walks the value later).
    """
    if not content:
        return None
    try:
        value = json.loads(content, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        return None
    return value if _nesting_within(value, MAX_JSON_DEPTH) else None


def answer_text(response: httpx.Response) -> str:
    """The body as text in its declared charset, never raising (``response.text`` does for some: utf-16
    without a byte-order mark); what cannot be decoded becomes U+FFFD."""
    try:
        return response.content.decode(response.encoding or "utf-8", errors="replace")
    except (LookupError, UnicodeError):
        return response.content.decode("utf-8", errors="replace")


_NOT_DECODED: Any = object()


@dataclass
class Exchange:
    """What happened on the wire for one logical request (possibly several attempts)."""

    response: httpx.Response | None
    failure: CallError | None
    request_record: dict[str, Any]
    body_text: str | None
    attempts: int
    started_at: str
    finished_at: str
    _decoded: Any = field(default=_NOT_DECODED, init=False, repr=False, compare=False)

    @property
    def status_code(self) -> int | None:
        return self.response.status_code if self.response is not None else None

    def json(self) -> Any:
        """The body as JSON through :func:`decode_json` (None when it is not usable JSON); decoded once."""
        if self.response is None:
            return None
        if self._decoded is _NOT_DECODED:
            self._decoded = decode_json(self.response.content)
        return self._decoded


class AnswerTooLarge(Exception):
    """More than the size cap arrived (counted after decompression)."""


class AnswerUndecodable(Exception):
    """The answer's compression is not one Leadcheck asked for, or it is broken."""


class CappedBody:
    """Collects an answer's body up to ``limit`` bytes, counting both what arrived and what it decompresses to.

    gzip and deflate are inflated here rather than by httpx, asking zlib for no more than the bytes still
    allowed, so a gzip bomb stops at the cap instead of unfolding a whole network chunk (up to ~1000x) first.
    """

    def __init__(self, content_encoding: str, limit: int) -> None:
        codings = [c for c in (c.strip().lower() for c in content_encoding.split(",")) if c not in ("", "identity")]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise AnswerUndecodable(content_encoding)
        self.limit = limit
        self.received = 0
        self.size = 0
        self._parts: list[bytes] = []
        self._raw_deflate_tried = not codings or codings[0] != "deflate"
        self._inflater = None
        if codings:
            self._inflater = zlib.decompressobj(zlib.MAX_WBITS | 16 if "gzip" in codings[0] else zlib.MAX_WBITS)

    def feed(self, chunk: bytes) -> None:
        self.received += len(chunk)
        self._keep(chunk if self._inflater is None else self._inflate(chunk))

    def content(self) -> bytes:
        if self._inflater is not None:
            try:
                self._keep(self._inflater.flush())
            except zlib.error as exc:
                raise AnswerUndecodable(str(exc)) from exc
        return b"".join(self._parts)

    def _inflate(self, chunk: bytes) -> bytes:
        assert self._inflater is not None
        try:
            return self._inflater.decompress(chunk, self.limit - self.size + 1)
        except zlib.error as exc:
            if self._raw_deflate_tried or self.received != len(chunk):
                raise AnswerUndecodable(str(exc)) from exc
            # Some servers send "deflate" without its zlib header (as httpx also tolerates).
            self._raw_deflate_tried = True
            self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            return self._inflate(chunk)

    def _keep(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit or self.received > self.limit:
            raise AnswerTooLarge()
        if data:
            self._parts.append(data)


_FRAMING_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def with_content(response: httpx.Response, content: bytes) -> httpx.Response:
    """The answer as read: status and headers, with the decoded body in memory (its connection is closed)."""
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _FRAMING_HEADERS]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=content,
        request=response.request,
        extensions=response.extensions,
    )


def truthy(value: Any) -> bool | None:
    """A vendor's yes/no in any of the shapes vendors send (true, "true", 1, "1", "yes"); None if neither."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in {"true", "1", "yes"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"false", "0", "no"}:
        return False
    return None
