"""The `mcp-service` command line."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import sys

from mcp_service.config import get_settings


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from mcp_service.api.app import create_app

    settings = get_settings()
    if settings.auth_mode == "disabled" and not _is_loopback(args.host):
        print(
            f"refusing to bind {args.host}: auth is disabled (MCP_AUTH=disabled or the "
            "embedded default). Bind to 127.0.0.1 or set MCP_AUTH=required.",
            file=sys.stderr,
        )
        return 2
    uvicorn.run(
        create_app(settings), host=args.host, port=args.port, log_level=settings.log_level.lower()
    )
    return 0


def cmd_migrate(_args: argparse.Namespace) -> int:
    from mcp_service.adapters.db.engine import migrate

    settings = get_settings()
    asyncio.run(migrate(settings.resolved_database_url))
    print(f"migrated {settings.resolved_database_url.split('@')[-1]} to head")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mcp-service", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.set_defaults(func=cmd_serve)
    mig = sub.add_parser("migrate", help="apply database migrations")
    mig.set_defaults(func=cmd_migrate)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
