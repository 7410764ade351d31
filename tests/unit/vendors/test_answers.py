"""Reading answers safely: JSON nesting and odd bodies refused, compressed bodies capped while they inflate."""

from __future__ import annotations

import zlib

import pytest

from desktop_app.vendors.answers import MAX_JSON_DEPTH, AnswerTooLarge, CappedBody, decode_json


@pytest.mark.parametrize(
    "content",
    [b"[" * 200_000, b'{"a":' * 65 + b"1" + b"}" * 65, b"NaN", b'{"x": Infinity}', b"1" * 5000, b"\xff\xfe", b""],
)
def test_decode_json_refuses_what_it_cannot_safely_read(content: bytes) -> None:
    assert decode_json(content) is None


def test_decode_json_reads_nesting_up_to_the_limit() -> None:
    depth = MAX_JSON_DEPTH
    assert decode_json(b"[" * depth + b"]" * depth) is not None


def test_capped_body_stops_a_gzip_bomb_at_the_cap() -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    bomb = b"".join(packer.compress(b"\0" * 1_048_576) for _ in range(64)) + packer.flush()
    body = CappedBody("gzip", 100_000)
    with pytest.raises(AnswerTooLarge):
        body.feed(bomb)  # one network read holding 64 MB once inflated
    assert body.size <= 100_001


def test_capped_body_reads_deflate_with_and_without_its_zlib_header() -> None:
    for packed in (zlib.compress(b"hello"), zlib.compress(b"hello")[2:-4]):
        body = CappedBody("deflate", 100)
        body.feed(packed)
        assert body.content() == b"hello"
