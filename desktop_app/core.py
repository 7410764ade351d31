"""The one composition root of the core, shared by the window (:mod:`desktop_app.app`) and the CLI.

:func:`open_core` opens what every front door runs on: the settings, the vendor origins (in demo mode the
vendor simulator's, with its placeholder credentials), the store, ONE shared ``httpx.AsyncClient`` and the
:class:`~desktop_app.service.CheckService` over them. :meth:`Core.aclose` (or ``async with``) closes the client,
the store and the simulator again. Nothing here imports Qt, and nothing writes ``os.environ``: the environment
is passed in.

Errors: :class:`~desktop_app.settings.InvalidSetting` (a setting or ``LEADCHECK_ORIGINS`` the buyer must fix)
and :class:`~desktop_app.store.StoreError` (the database cannot be opened); whatever was opened is closed again
before they propagate.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    import httpx

    from desktop_app.paths import Paths
    from desktop_app.service import CheckService
    from desktop_app.settings import Settings
    from desktop_app.store import Store
    from desktop_app.store.backend import Location
    from desktop_app.vendors.ratelimit import Clock, Sleep


class Timing(TypedDict, total=False):
    """The clock and sleep the vendor calls wait with (default: ``time.time`` and ``asyncio.sleep``)."""

    clock: Clock
    sleep: Sleep


@dataclass
class Core:
    """Everything a front door runs on; close it with :meth:`aclose` (or use it as an async context manager)."""

    paths: Paths
    demo: bool
    settings: Settings
    store: Store
    client: httpx.AsyncClient
    service: CheckService
    database: Location  # the SQLite file, or the shared database's URL in team mode
    simulator: Any = None  # the VendorSimulator in demo mode

    async def aclose(self) -> None:
        """Close the HTTP client, then the store and the simulator (even when closing the client fails)."""
        try:
            await self.client.aclose()
        finally:
            self.close_local()

    def close_local(self) -> None:
        """Close the store and stop the simulator (what :meth:`aclose` does after the client)."""
        try:
            self.store.close()
        finally:
            if self.simulator is not None:
                self.simulator.stop()

    async def __aenter__(self) -> Core:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.aclose()


def open_core(
    paths: Paths,
    *,
    demo: bool = False,
    environ: Mapping[str, str] | None = None,
    configure_logs: bool = False,
    timing: Timing | None = None,
) -> Core:
    """Open the core for ``paths`` (created if missing) with the environment ``environ`` (default: the process's).

    ``demo`` starts the vendor simulator, routes every vendor to it with its placeholder credentials and uses
    the demo database. ``configure_logs`` sets up the log file before the store opens (the CLI; the window does
    it once its lead table is on screen). ``timing`` replaces the wall clock and sleep of the vendor calls' retries,
    rate limits and polls (tests pass time that moves only when slept on)."""
    from desktop_app.demo import demo_environment
    from desktop_app.service import CheckService, make_http_client
    from desktop_app.settings import Settings, origins_from_env
    from desktop_app.store import Store
    from desktop_app.vendors.origins import OriginMap

    env = dict(os.environ if environ is None else environ)
    paths.ensure()
    database: Location
    simulator = None
    try:
        if demo:
            from desktop_app.sandbox import VendorSimulator

            simulator = VendorSimulator().start()
            origins = OriginMap(simulator.origin_map())
            settings = Settings(paths, environ={**env, **demo_environment()})
            database = paths.demo_database
        else:
            origins = origins_from_env(env)
            settings = Settings(paths, environ=env)
            database = settings.database_url() or paths.database
        if configure_logs:
            from desktop_app.logs import configure_logging

            configure_logging(paths, settings)
        password = settings.database_password() if isinstance(database, str) else None
        store = Store(database, backups_dir=paths.backups_dir, password=password)
    except BaseException:
        if simulator is not None:
            simulator.stop()
        raise
    client = make_http_client(settings.timeout)
    service = CheckService(settings, store, client, origins=origins, demo=demo, **(timing or {}))
    return Core(paths, demo, settings, store, client, service, database, simulator)
