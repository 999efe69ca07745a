"""`serve`, `migrate` and `worker`: running the service."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import signal
import sys
from typing import Any

from mcp_service.config import Settings, get_settings


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cmd_serve(args: argparse.Namespace) -> int:
    settings = get_settings()
    if settings.auth_mode == "disabled" and not _is_loopback(args.host):
        print(
            f"refusing to bind {args.host}: auth is disabled (MCP_AUTH=disabled or the "
            "embedded default). Bind to 127.0.0.1 or set MCP_AUTH=required.",
            file=sys.stderr,
        )
        return 2
    _prepare_database(settings, migrate=True if args.migrate else None)
    import uvicorn  # the app's imports take seconds: after the database check

    from mcp_service.api.app import create_app
    from mcp_service.api.logging import configure_logging

    configure_logging(settings.log_level, settings.log_format)  # before anything logs
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level=settings.log_level.lower(),
        log_config=None,  # keep our handlers: JSON lines with the request id
        access_log=False,  # the request middleware writes one access line per request
    )
    return 0


def _prepare_database(settings: Settings, *, migrate: bool | None) -> None:
    """Migrate or check the database first, before the (slow) imports of the app: a
    `DatabaseNotReady` is printed as one line by `cli.main`, within a second or two."""
    from mcp_service.adapters.db.engine import prepare_schema

    wanted = migrate if migrate is not None else settings.migrates_at_start
    asyncio.run(prepare_schema(settings.resolved_database_url, upgrade=wanted))


def cmd_migrate(_args: argparse.Namespace) -> int:
    from mcp_service.adapters.db.engine import migrate

    settings = get_settings()
    asyncio.run(migrate(settings.resolved_database_url))
    print(f"migrated {settings.resolved_database_url.split('@')[-1]} to head")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Run only the background worker (for deployments that separate API and workers)."""
    settings = get_settings()
    _prepare_database(settings, migrate=None)
    from mcp_service.bootstrap import build_container

    async def run() -> int:
        container = await build_container(settings)
        try:
            if args.drain:
                ran = await container.worker.run_until_idle()
                print(f"worker: ran {ran} job(s); queue is idle")
                return 0
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            halt = container.start_background()  # the job worker and the retention sweeper
            await stop.wait()
            await halt()
            return 0
        finally:
            await container.aclose()

    return asyncio.run(run())


def register(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the HTTP service (and its background worker)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument(
        "--migrate",
        action="store_true",
        help="apply database migrations first (like MCP_AUTO_MIGRATE=true)",
    )
    serve.set_defaults(func=cmd_serve)
    mig = sub.add_parser("migrate", help="apply database migrations")
    mig.set_defaults(func=cmd_migrate)
    worker = sub.add_parser("worker", help="run the background job worker alone")
    worker.add_argument("--drain", action="store_true", help="run queued jobs, then exit")
    worker.set_defaults(func=cmd_worker)
