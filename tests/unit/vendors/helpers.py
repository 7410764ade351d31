"""Shared helpers for vendor client tests: recorded bodies, a MockTransport-backed VendorHttp, no real sleeping."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from desktop_app.vendors.http import VendorHttp

DATA = Path(__file__).resolve().parents[2] / "data"
FIXTURES = Path(__file__).resolve().parents[4] / "shared" / "vendor-docs" / "fixtures"


def load(vendor: str, name: str) -> Any:
    """A recorded body from tests/data/<vendor>/<name>."""
    return json.loads((DATA / vendor / name).read_text(encoding="utf-8"))


class Recorder:
    """A MockTransport handler that answers from a function and remembers every request it saw."""

    def __init__(self, answer: Callable[[httpx.Request], httpx.Response]) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request)


class FakeSleep:
    """An injectable sleep that records delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def mock_http(answer: Callable[[httpx.Request], httpx.Response], **kwargs: Any) -> tuple[VendorHttp, Recorder]:
    recorder = Recorder(answer)
    client = httpx.AsyncClient(transport=httpx.MockTransport(recorder))
    kwargs.setdefault("sleep", FakeSleep())
    return VendorHttp(client, **kwargs), recorder


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)
