"""Which browsers may call /mcp when auth is disabled (DNS rebinding and cross-site requests).

Without API keys the service is only meant for the local machine, so a request must be
addressed to a loopback `Host` (127.0.0.1, localhost, [::1], any port), and when a browser
sends an `Origin` it must be the server's own origin (`http(s)://` + that same Host) or one
listed in `MCP_ALLOWED_ORIGINS`. Another local web app (say http://localhost:3000) is a
different origin and is refused. Clients that are not browsers send no Origin. With API
keys required the key is the protection and these headers are not checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_LOOPBACK = re.compile(r"(127\.0\.0\.1|localhost|\[::1\])(:[0-9]{1,5})?", re.IGNORECASE)


def loopback_host(host: str | None) -> bool:
    """True for a Host header naming a loopback address, with or without a port."""
    return host is not None and _LOOPBACK.fullmatch(host) is not None


def allowed_origin(origin: str | None, host: str, extra: Iterable[str]) -> bool:
    """No Origin (not a browser), the server's own origin, or a configured one."""
    if origin is None:
        return True
    origin = origin.strip().rstrip("/").lower()
    own = {f"http://{host.lower()}", f"https://{host.lower()}"}
    return origin in own or origin in set(extra)


def browser_refusal(host: str | None, origin: str | None, extra: Iterable[str]) -> int | None:
    """The HTTP status refusing this request (421 foreign Host, 403 foreign Origin), or None."""
    if host is None or not loopback_host(host):
        return 421
    if not allowed_origin(origin, host, extra):
        return 403
    return None
