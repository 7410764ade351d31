"""The app's httpx clients: certificates and host names verified, no redirects, one TLS context for all."""

from __future__ import annotations

import ssl

from desktop_app.service import make_http_client


async def test_clients_verify_certificates_and_share_one_tls_context() -> None:
    shared, lane = make_http_client(10.0), make_http_client(10.0, connections=8)
    try:
        contexts = [client._transport._pool._ssl_context for client in (shared, lane)]  # type: ignore[attr-defined]
        assert contexts[0] is contexts[1]  # built once (loading the CA bundle costs ~35 ms per client)
        assert contexts[0].verify_mode == ssl.CERT_REQUIRED and contexts[0].check_hostname
        assert not shared.follow_redirects and not lane.follow_redirects
        assert lane._transport._pool._max_connections == 8  # type: ignore[attr-defined]
    finally:
        await shared.aclose()
        await lane.aclose()
