"""Helpers every kind of test uses: polling the running loop for a condition, and time that passes only when told.

Nothing here sleeps on the wall clock. :class:`FakeTime` stands in for a client's ``clock=`` and ``sleep=``
(``VendorHttp``, the rate limiters, ``BatchRunner``): a sleep moves the clock forward at once and lets the loop run
other tasks, so retries, backoffs, rate-limit resets and export polls take no real time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from desktop_app.core import Timing


async def until(condition: Callable[[], bool], timeout: float = 5.0, step: float = 0.02) -> None:
    """Poll ``condition`` on the running loop (Qt keeps processing events) until true or fail after ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(step)


async def let_the_loop_run(turns: int = 50) -> None:
    """Give every ready task ``turns`` turns of the loop: what would happen next without a timer has happened."""
    for _ in range(turns):
        await asyncio.sleep(0)


Poll = Callable[[Callable[[], bool]], Awaitable[None]]


class FakeTime:
    """A wall clock (seconds since the epoch, starting now) that moves only when something sleeps on it.

    ``clock()`` reads it; ``await sleep(s)`` records ``s``, moves the clock ``s`` forward and yields to the loop once
    (so other tasks run, as they would during a real sleep). Pass ``time.clock`` and ``time.sleep`` together.
    """

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)

    @property
    def timing(self) -> Timing:
        """For ``open_core(timing=...)`` and ``cli.main(argv, timing=...)``."""
        return {"clock": self.clock, "sleep": self.sleep}
