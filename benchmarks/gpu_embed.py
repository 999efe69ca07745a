"""Embedding throughput on a GPU (the optional check of the performance issue).

    scripts/bench gpu_embed --model PATH [--device cuda] [--chunks 20000]

The whole `scripts/bench ingest` cannot travel to the lent GPU machine (its wheels and
the model exceed what may be carried), so this runs the stage that bounds ingest
throughput — chunking with our chunker and tokenizer, then embedding the chunks with
the same all-MiniLM-L6-v2 in fp16 — and reports chunks/s. The same command runs on CPU
with `--device cpu` for comparison.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from typing import Any

from benchmarks._corpus import paragraph
from mcp_service.adapters.tokenizer import TiktokenCounter
from mcp_service.domain.chunking import chunk_text


def make_chunks(count: int, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    counter = TiktokenCounter("gpt-4o-mini")
    out: list[str] = []
    while len(out) < count:
        text = "\n\n".join(paragraph(rng, rng.randint(6, 14)) for _ in range(12))
        out.extend(c.text for c in chunk_text(text, counter, size=256, overlap=32))
    return out[:count]


def run(model_path: str, device: str, chunks: int, batch: int) -> dict[str, Any]:
    import torch
    from sentence_transformers import SentenceTransformer

    t0 = time.perf_counter()
    texts = make_chunks(chunks)
    chunk_s = time.perf_counter() - t0
    model = SentenceTransformer(model_path, device=device)
    if device.startswith("cuda"):
        model = model.half()
    short = [f"short query number {i} about the release checklist" for i in range(4096)]
    model.encode(texts[:batch], batch_size=batch)  # warm-up
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    model.encode(texts, batch_size=batch, normalize_embeddings=True)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    long_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.encode(short, batch_size=batch, normalize_embeddings=True)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    short_s = time.perf_counter() - t0
    name = torch.cuda.get_device_name(0) if device.startswith("cuda") else "cpu"
    return {
        "device": name,
        "chunks": len(texts),
        "chunk_tokens": 256,
        "chunking_chunks_per_s": round(len(texts) / chunk_s, 1),
        "embed_chunks_per_s": round(len(texts) / long_s, 1),
        "embed_short_texts_per_s": round(len(short) / short_s, 1),
        "end_to_end_chunks_per_s": round(len(texts) / (chunk_s + long_s), 1),
        "dtype": "fp16" if device.startswith("cuda") else "fp32",
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench gpu_embed")
    parser.add_argument("--model", required=True)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--chunks", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    out = run(args.model, args.device, args.chunks, args.batch)
    print(json.dumps(out) if args.json else "\n".join(f"{k:28} {v}" for k, v in out.items()))
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
