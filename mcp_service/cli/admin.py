"""`keys` and `retention`: bootstrap API keys and enforce retention from the shell."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import timedelta
from typing import Any

from mcp_service.config import get_settings
from mcp_service.domain.access import ROLES, Operator
from mcp_service.domain.errors import DomainError


def _roles(values: list[str]) -> list[str]:
    return [r.strip() for v in values for r in v.split(",") if r.strip()]


def cmd_keys_create(args: argparse.Namespace) -> int:
    """Create a key (and the tenant if missing). The key is the last line of stdout."""
    from mcp_service.bootstrap import open_key_service

    async def run() -> int:
        keys, engine = await open_key_service(get_settings())
        try:
            expires = None
            if args.expires_days is not None:
                expires = keys.now() + timedelta(days=args.expires_days)
            key, secret = await keys.create(
                Operator(args.tenant, superadmin=True),
                tenant_id=args.tenant,
                roles=_roles(args.role),
                name=args.name,
                expires_at=expires,
                create_tenant=True,
            )
        finally:
            await engine.dispose()
        until = key.expires_at.isoformat() if key.expires_at else "never"
        print(f"created API key {key.id} for tenant {key.tenant_id!r}")
        print(f"roles: {', '.join(key.roles)}; expires: {until}; prefix: {key.prefix}")
        print("store the key now; it is not shown again:")
        print(secret)
        return 0

    return _guard(run)


def cmd_keys_list(args: argparse.Namespace) -> int:
    from mcp_service.bootstrap import open_key_service

    async def run() -> int:
        keys, engine = await open_key_service(get_settings())
        try:
            items = await keys.page(
                Operator(args.tenant, superadmin=True), args.tenant, after=None, limit=10_000
            )
        finally:
            await engine.dispose()
        now = keys.now()
        for k in items:
            print(f"{k.id}  {k.prefix}…  {','.join(k.roles):<18} {k.status(now):<8} {k.name or ''}")
        return 0

    return _guard(run)


def cmd_keys_revoke(args: argparse.Namespace) -> int:
    from mcp_service.bootstrap import open_key_service

    async def run() -> int:
        keys, engine = await open_key_service(get_settings())
        try:
            key = await keys.revoke(Operator("", superadmin=True), args.key_id)
        finally:
            await engine.dispose()
        print(f"revoked API key {key.id} of tenant {key.tenant_id!r}")
        return 0

    return _guard(run)


def cmd_retention_run(args: argparse.Namespace) -> int:
    """Apply the enabled policies of one tenant, or of every tenant that has any."""
    from mcp_service.bootstrap import build_container

    async def run() -> int:
        container = await build_container(get_settings())
        try:
            retention = container.ops.retention
            if args.tenant:
                tenants = [args.tenant]
            else:
                async with container.deps.uow() as uow:
                    tenants = await uow.retention.tenants_with_enabled()
            out: list[dict[str, Any]] = []
            for tenant_id in tenants:
                receipts = await retention.run(tenant_id, trigger="cli")
                out.extend({"tenant_id": tenant_id, **r.to_dict()} for r in receipts)
        finally:
            await container.aclose()
        print(json.dumps({"receipts": out}, indent=2))
        return 1 if any(r["errors"] for r in out) else 0

    return _guard(run)


def _guard(run: Any) -> int:
    try:
        result: int = asyncio.run(run())
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    return result


def register(sub: Any) -> None:
    keys = sub.add_parser("keys", help="manage API keys").add_subparsers(
        dest="keys_command", required=True
    )
    create = keys.add_parser("create", help="create an API key (creates the tenant if missing)")
    create.add_argument("--tenant", required=True)
    create.add_argument(
        "--role",
        action="append",
        required=True,
        help=f"one of {', '.join(ROLES)}; repeat or comma-separate for several",
    )
    create.add_argument("--expires-days", type=float, default=None)
    create.add_argument("--name", default=None)
    create.set_defaults(func=cmd_keys_create)
    listing = keys.add_parser("list", help="list a tenant's API keys (never the keys)")
    listing.add_argument("--tenant", required=True)
    listing.set_defaults(func=cmd_keys_list)
    revoke = keys.add_parser("revoke", help="revoke an API key by id")
    revoke.add_argument("key_id")
    revoke.set_defaults(func=cmd_keys_revoke)
    retention = sub.add_parser("retention", help="retention policies").add_subparsers(
        dest="retention_command", required=True
    )
    run = retention.add_parser("run", help="apply the enabled retention policies now")
    run.add_argument("--tenant", default=None, help="only this tenant (default: all)")
    run.set_defaults(func=cmd_retention_run)
