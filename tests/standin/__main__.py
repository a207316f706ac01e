"""Run the ArcGIS Server stand-in in the foreground.

From the ``tests`` directory: ``python -m standin --port 8399 [--tls]
[--delay 2] [--security open]``. The site, token and service URLs and the
credentials are printed so the stand-in can be used by hand (for example
from QGIS); Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from types import FrameType

from .server import SECURITY_MODES, StandIn


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m standin",
        description="Local ArcGIS Server stand-in with token security.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind")
    parser.add_argument("--port", type=int, default=8399, help="port (0: any)")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS")
    parser.add_argument(
        "--delay", type=float, default=0.0, help="seconds to wait before answering"
    )
    parser.add_argument(
        "--error-style",
        choices=("json200", "http"),
        default="json200",
        help="send ArcGIS errors with HTTP 200 or with their own status",
    )
    parser.add_argument(
        "--security",
        choices=SECURITY_MODES,
        default="token",
        help="what rest/info announces; 'open' serves every service without a token",
    )
    parser.add_argument(
        "--token-lifetime",
        type=float,
        default=None,
        help="seconds every new token lives (default: the requested expiration)",
    )
    return parser.parse_args(argv)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """Turn SIGTERM into KeyboardInterrupt so the stand-in stops cleanly."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Start the stand-in, print how to use it and serve until Ctrl-C."""
    options = parse_arguments(argv)
    standin = StandIn(
        host=options.host,
        port=options.port,
        tls=options.tls,
        delay_seconds=options.delay,
        error_style=options.error_style,
        token_lifetime_seconds=options.token_lifetime,
        security=options.security,
    )
    standin.start()
    signal.signal(signal.SIGTERM, _interrupt)

    user, password = next(iter(standin.users.items()))
    print("ArcGIS Server stand-in running (Ctrl-C stops it)")
    print(f"  site:             {standin.url}")
    print(f"  token URL:        {standin.token_url}")
    print(f"  secured service:  {standin.service_url('Wildfire_secure_ac')}")
    print(f"  user / password:  {user} / {password}")
    if standin.cert_path:
        print(f"  certificate:      {standin.cert_path}")
    sys.stdout.flush()

    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        print("stopping")
    finally:
        standin.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
