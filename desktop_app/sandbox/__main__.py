"""Run the vendor simulator from a terminal: ``python -m desktop_app.sandbox [--port 8765] [--latency 0.1]``.

Prints the base URL and the path of the origin-map file to point ``LEADCHECK_ORIGINS`` at, then serves
until Ctrl+C. Only loopback addresses are accepted for ``--host``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
from collections.abc import Sequence

from desktop_app.sandbox.simulator import VendorSimulator, check_loopback


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m desktop_app.sandbox",
        description="Serve simulated TrustedForm, Jornaya, TCPA Litigator, Contact State and Consent Control APIs.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port to bind, 0 for any free port (default 8765)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds every response waits (default 0)")
    parser.add_argument("--origins-out", metavar="FILE", help="where to write the origin map JSON")
    parser.add_argument("--no-rate-limits", action="store_true", help="do not enforce Contact State's rate limits")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        check_loopback(args.host)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.latency < 0:
        print("error: --latency must not be negative", file=sys.stderr)
        return 2
    sim = VendorSimulator(args.host, args.port, args.latency, enforce_rate_limits=not args.no_rate_limits)
    try:
        sim.start()
    except OSError as exc:
        print(f"error: cannot bind {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    origins = args.origins_out or os.path.join(tempfile.gettempdir(), f"leadcheck-sandbox-origins-{sim.port}.json")
    try:
        sim.write_origin_map(origins)
        print(f"Vendor simulator listening on {sim.base_url}", flush=True)
        print(f"Origin map written to {os.path.abspath(origins)}", flush=True)
        print(f"Use it with: LEADCHECK_ORIGINS={os.path.abspath(origins)}  (Ctrl+C to stop)", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        print("Stopping.", flush=True)
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
