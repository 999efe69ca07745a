"""Ingest throughput: `scripts/bench ingest [--json] [--docs N] [--database-url URL]`.

A folder of synthetic Markdown, HTML, text and PDF documents is ingested end to end
(parse + chunk + embed + upsert into Qdrant Edge + commit) through the knowledge
service, the path `mcp-service ingest` and uploads take. In the same run, the same
model embeds the very same chunk texts on their own (raw embedding throughput). Raw and
end-to-end runs alternate (raw, ingest, raw, ingest, …, raw; each ingest into a fresh
collection) and the medians are compared, so load from other processes on the machine
hits both alike; the target is end-to-end ≥ 80 % of raw.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._corpus import documents
from benchmarks._measure import bench_parser, report
from mcp_service.adapters.parsers import DocumentParsers
from mcp_service.bootstrap import Container, build_container
from mcp_service.config import Settings
from mcp_service.domain.chunking import chunk_blocks
from mcp_service.domain.documents import ParsedDocument
from mcp_service.services.knowledge.collections import FileInput


def chunk_texts(c: Container, files: list[FileInput]) -> tuple[list[str], float]:
    """The chunks the ingest will embed, and how long parsing and chunking took."""
    parser, cfg = DocumentParsers(), c.deps.config
    started = time.perf_counter()
    texts: list[str] = []
    for f in files:
        fmt = parser.detect(f.name)
        assert fmt is not None
        for doc in parser.parse(f.data, fmt=fmt, source=f.name):
            assert isinstance(doc, ParsedDocument)
            pieces = chunk_blocks(
                doc.blocks,
                c.deps.counter,
                size=cfg.chunk_tokens,
                overlap=cfg.chunk_overlap_tokens,
            )
            texts += [p.text for p in pieces]
    return texts, time.perf_counter() - started


async def raw_embedding(c: Container, texts: list[str]) -> float:
    started = time.perf_counter()
    vectors = await c.deps.embedder.embed(texts)
    assert len(vectors) == len(texts)
    return time.perf_counter() - started


async def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        paths = documents(Path(tmp) / "corpus", args.docs, seed=args.seed)
        files = [FileInput(p.name, p.read_bytes()) for p in paths]
        settings = Settings(
            data_dir=Path(tmp) / "data",
            database_url=args.database_url,
            auth="disabled",
            worker_enabled=False,
            ingest_batch_chunks=args.batch_chunks,
            _env_file=None,
        )
        c = await build_container(settings, run_migrations=True)
        try:
            texts, parse_s = await asyncio.to_thread(chunk_texts, c, files)
            raw_runs, e2e_runs = [await raw_embedding(c, texts)], []
            for round_ in range(args.rounds):
                started = time.perf_counter()
                receipt = await c.knowledge.submit(
                    "bench", f"corpus-{round_}", files=files, background=False
                )
                e2e_runs.append(time.perf_counter() - started)
                raw_runs.append(await raw_embedding(c, texts))
                chunks = sum(o.chunks for o in receipt.outcomes)
                assert chunks == len(texts), (chunks, len(texts))
                assert all(o.status == "created" for o in receipt.outcomes)
        finally:
            await c.aclose()
    raw_s, e2e_s = statistics.median(raw_runs), statistics.median(e2e_runs)
    return {
        "cores": os.cpu_count(),
        "database": "postgresql" if args.database_url else "sqlite",
        "vector_store": "qdrant-edge",
        "embedding_model": c.deps.embedder.name,
        "documents": len(files),
        "bytes": sum(len(f.data) for f in files),
        "chunks": chunks,
        "mean_chunk_tokens": round(sum(c.deps.counter.count(t) for t in texts) / len(texts), 1),
        "batch_chunks": args.batch_chunks,
        "parse_chunk_s": round(parse_s, 2),
        "rounds": args.rounds,
        "raw_embed_s": [round(x, 2) for x in raw_runs],
        "end_to_end_runs_s": [round(x, 2) for x in e2e_runs],
        "raw_chunks_per_s": round(chunks / raw_s, 1),
        "raw_embed_median_s": round(raw_s, 2),
        "end_to_end_s": round(e2e_s, 2),
        "end_to_end_chunks_per_s": round(chunks / e2e_s, 1),
        "end_to_end_docs_per_s": round(len(files) / e2e_s, 2),
        "ratio": round(raw_s / e2e_s, 3),
        "target_ratio": 0.8,
    }


def print_table(out: dict[str, Any]) -> None:
    print(
        f"machine: {out['cores']} cores · {out['database']} + {out['vector_store']} · "
        f"model {out['embedding_model']}"
    )
    print(
        f"corpus: {out['documents']} documents (md/html/txt/pdf, {out['bytes'] / 1e6:.1f} MB) "
        f"→ {out['chunks']} chunks, {out['mean_chunk_tokens']} tokens on average; "
        f"embedding batches of {out['batch_chunks']} chunks"
    )
    print(f"\n{'stage (median of the runs)':46} {'seconds':>8} {'chunks/s':>9}  runs (s)")
    print(f"{'parse + chunk only':46} {out['parse_chunk_s']:>8}")
    raw_runs = ", ".join(str(x) for x in out["raw_embed_s"])
    print(
        f"{'raw embedding, same chunks':46} {out['raw_embed_median_s']:>8} "
        f"{out['raw_chunks_per_s']:>9}  {raw_runs}"
    )
    e2e_runs = ", ".join(str(x) for x in out["end_to_end_runs_s"])
    print(
        f"{'end to end (parse+chunk+embed+upsert+commit)':46} {out['end_to_end_s']:>8} "
        f"{out['end_to_end_chunks_per_s']:>9}  {e2e_runs}"
    )
    verdict = "meets" if out["ratio"] >= out["target_ratio"] else "MISSES"
    print(
        f"\nend-to-end / raw embedding throughput: {out['ratio']:.1%} "
        f"({verdict} the ≥ {out['target_ratio']:.0%} target); "
        f"{out['end_to_end_docs_per_s']} documents/s"
    )


def main(argv: list[str]) -> int:
    parser = bench_parser("ingest", __doc__)
    parser.add_argument("--docs", type=int, default=120, help="documents in the corpus")
    parser.add_argument("--batch-chunks", type=int, default=256, help="chunks per embed batch")
    parser.add_argument("--rounds", type=int, default=3, help="end-to-end runs (raw: +1)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", help="default: SQLite in a temporary directory")
    args = parser.parse_args(argv)
    return report(asyncio.run(run(args)), args.json, print_table, indent=2)
