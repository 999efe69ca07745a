"""`ingest PATH… --collection NAME`: load files and folders into a knowledge collection.

Folders are walked (hidden entries skipped); every supported file is one document whose
external id is its path relative to the folder given (a file given directly: its name),
so running the command again skips unchanged files and replaces changed ones. A file
that fails is reported and the rest go on. Without `--url` the service runs in this
process on the configured stores (the embedded default: stop `serve` first, Qdrant Edge
is single-process); with `--url` files are uploaded to a running server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from mcp_service.adapters.parsers import DocumentParsers
from mcp_service.cli.ingest_remote import RemoteError, RemoteIngest
from mcp_service.config import get_settings
from mcp_service.services.knowledge.collections import FileInput, IngestOutcome, KnowledgeService

DEFAULT_BATCH_BYTES = 6 * 1024 * 1024  # under the server's default MCP_MAX_BODY_BYTES (8 MiB)
LOCAL_BATCH_BYTES = 64 * 1024 * 1024  # in process: files read into memory per pipeline run
LOCAL_BATCH_FILES = 2000
_ENTRY = re.compile(r"\[\d+\]$")


@dataclass(frozen=True)
class Found:
    path: Path
    name: str  # the external id: relative path with forward slashes


@dataclass
class Tally:
    """What happened so far, for the progress bar and the summary."""

    bar: Any
    started: float = field(default_factory=time.monotonic)
    counts: dict[str, int] = field(default_factory=dict)
    chunks: int = 0
    files_done: set[str] = field(default_factory=set)

    def add(self, outcomes: Sequence[IngestOutcome]) -> None:
        for o in outcomes:
            self.counts[o.status] = self.counts.get(o.status, 0) + 1
            if o.status in ("created", "replaced", "ingested"):
                self.chunks += o.chunks
            if o.status == "failed":
                error = str(o.error)
                where = "" if o.source and error.startswith(o.source) else f"{o.source}: "
                self.bar.write(f"FAILED {where}{error}", file=sys.stderr)
            source = _ENTRY.sub("", o.source or "")
            if source and source not in self.files_done:
                self.files_done.add(source)
                self.bar.update(1)
        elapsed = max(time.monotonic() - self.started, 1e-9)
        docs = sum(self.counts.values())
        self.bar.set_postfix(
            docs_s=f"{docs / elapsed:.1f}", chunks_s=f"{self.chunks / elapsed:.1f}"
        )

    def fail(self, found: Found, error: str) -> None:
        self.add([IngestOutcome(None, found.name, "failed", 0, found.name, error)])

    def summary(self) -> str:
        elapsed = time.monotonic() - self.started
        docs = sum(self.counts.values())
        parts = ", ".join(f"{n} {status}" for status, n in sorted(self.counts.items()))
        return (
            f"{docs} document(s) ({parts or 'none'}), {self.chunks} new chunk(s) in "
            f"{elapsed:.1f}s: {docs / max(elapsed, 1e-9):.1f} docs/s, "
            f"{self.chunks / max(elapsed, 1e-9):.1f} chunks/s"
        )


def discover(paths: Sequence[Path], parsers: DocumentParsers) -> tuple[list[Found], list[str]]:
    """Supported files under `paths`, and the problems with paths given explicitly."""
    found: list[Found] = []
    problems: list[str] = []
    for root in paths:
        if root.is_file():
            found.append(Found(root, root.name))
        elif root.is_dir():
            for path in sorted(_walk(root)):
                if parsers.detect(path.name) is not None:
                    found.append(Found(path, path.relative_to(root).as_posix()))
        else:
            problems.append(f"{root}: no such file or directory")
    return found, problems


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not name.startswith("."):
                yield Path(dirpath) / name


def batches(found: Sequence[Found], max_bytes: int, max_files: int) -> Iterator[list[Found]]:
    batch: list[Found] = []
    size = 0
    for item in found:
        length = _size(item.path)
        if batch and (size + length > max_bytes or len(batch) >= max_files):
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += length
    if batch:
        yield batch


def read_batch(batch: Sequence[Found], metadata: dict[str, Any], tally: Tally) -> list[FileInput]:
    files = []
    for item in batch:
        try:
            data = item.path.read_bytes()
        except OSError as exc:
            tally.fail(item, f"{item.name}: cannot read ({exc.strerror or exc})")
            continue
        files.append(FileInput(item.name, data, metadata=dict(metadata)))
    return files


async def ingest_local(
    knowledge: KnowledgeService,
    tenant_id: str,
    args: argparse.Namespace,
    found: Sequence[Found],
    tally: Tally,
) -> None:
    for batch in batches(found, LOCAL_BATCH_BYTES, LOCAL_BATCH_FILES):
        files = read_batch(batch, args.metadata, tally)
        if files:
            await knowledge.submit(
                tenant_id, args.collection, files=files, background=False, on_progress=tally.add
            )


async def _run_local(args: argparse.Namespace, found: Sequence[Found], tally: Tally) -> None:
    from mcp_service.bootstrap import build_container

    settings = get_settings()
    container = await build_container(settings)
    try:
        tenant = args.tenant or settings.default_tenant
        tally.started = time.monotonic()  # rates leave out loading the model
        await ingest_local(container.knowledge, tenant, args, found, tally)
        if tally.chunks and not args.no_index:
            tally.bar.write("building the vector index …", file=sys.stderr)
            await build_index(container.deps.vectors)
    finally:
        await container.aclose()


async def build_index(vectors: object) -> bool:
    """Index an embedded Qdrant Edge store (a Qdrant server indexes by itself)."""
    from mcp_service.adapters.qdrant_edge import QdrantEdgeStore

    return await vectors.optimize() if isinstance(vectors, QdrantEdgeStore) else False


def cmd_index(_args: argparse.Namespace) -> int:
    from mcp_service.bootstrap import build_container

    async def run() -> bool:
        container = await build_container(get_settings())
        try:
            return await build_index(container.deps.vectors)
        finally:
            await container.aclose()

    started = time.monotonic()
    changed = asyncio.run(run())
    state = "built" if changed else "already up to date"
    print(f"vector index {state} ({time.monotonic() - started:.1f}s)")
    return 0


async def _run_remote(args: argparse.Namespace, found: Sequence[Found], tally: Tally) -> None:
    async with RemoteIngest(args.url, args.api_key, args.collection) as remote:
        for batch in batches(found, args.batch_bytes, args.batch_files):
            files = read_batch(batch, args.metadata, tally)
            if files:
                tally.add(await remote.send(files))


def cmd_ingest(args: argparse.Namespace) -> int:
    found, problems = discover(args.paths, DocumentParsers())
    for problem in problems:
        print(f"FAILED {problem}", file=sys.stderr)
    if not found:
        print("nothing to ingest: no supported files found", file=sys.stderr)
        return 1
    with tqdm(total=len(found), unit="file", disable=args.quiet, file=sys.stderr) as bar:
        tally = Tally(bar)
        runner = _run_remote if args.url else _run_local
        try:
            asyncio.run(runner(args, found, tally))
        except RemoteError as exc:
            bar.close()
            print(f"ingest stopped: {exc}\n{tally.summary()}", file=sys.stderr)
            return 2
    print(f"ingest into {args.collection!r}: {tally.summary()}")
    return 1 if problems or tally.counts.get("failed") else 0


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _json_object(raw: str) -> dict[str, Any]:
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("must be a JSON object")
    return value


def register(sub: Any) -> None:
    p = sub.add_parser("ingest", help="load files and folders into a knowledge collection")
    p.add_argument("paths", nargs="+", type=Path, help="files and folders")
    p.add_argument("--collection", required=True, help="the collection (created on first use)")
    p.add_argument("--url", help="a running server, e.g. http://127.0.0.1:8080")
    p.add_argument("--api-key", default=os.environ.get("MCP_API_KEY"), help="or MCP_API_KEY")
    p.add_argument("--tenant", help="in-process only: the tenant (default MCP_DEFAULT_TENANT)")
    p.add_argument("--metadata", type=_json_object, default={}, help="JSON for every file")
    p.add_argument("--batch-files", type=int, default=64, help="--url: files per upload")
    p.add_argument(
        "--batch-bytes", type=int, default=DEFAULT_BATCH_BYTES, help="--url: bytes per upload"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--no-index", action="store_true", help="skip building the vector index")
    p.set_defaults(func=cmd_ingest)
    index = sub.add_parser(
        "index", help="build the vector index of the embedded store (stop `serve` first)"
    )
    index.set_defaults(func=cmd_index)
