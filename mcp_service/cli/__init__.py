"""The `mcp-service` command line: one module per command group, registered here."""

from __future__ import annotations

import argparse
import os
import sys

from mcp_service.cli import admin, chat, ingest, serve


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mcp-service", description="Conversational context and memory service."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for module in (serve, admin, ingest, chat):
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Nothing may download model weights or tokenizer files at run time.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except Exception as exc:
        from mcp_service.adapters.db.engine import DatabaseNotReady

        if not isinstance(exc, DatabaseNotReady):
            raise
        print(f"mcp-service: {exc}", file=sys.stderr)  # one line that says what to do
        return 1
    return result


if __name__ == "__main__":
    sys.exit(main())
