"""The service run for real, for load benchmarks (`overhead`, `soak`).

`open_stack(options)` brings up, in order:
1. a scratch database: a temp SQLite file, or — with `--database-url` — a fresh database
   created next to the one named on that PostgreSQL server and dropped afterwards;
2. the fake gateway (benchmarks/_fake_llm.py) in its own process;
3. the knowledge collection `kb` with `chunks` synthetic chunks, written in this process
   straight through the adapters (the documents repository and `upsert_chunks` of the
   same Qdrant Edge directory) with random unit vectors, then indexed
   (`QdrantEdgeStore.optimize()`, as `mcp-service ingest` does): embedding 100,000
   chunks with the model would take hours on 2 cores, and search latency depends on the
   number of points, not on where their vectors came from;
4. `python -m mcp_service.cli serve` on a loopback port, in its own process, configured
   through MCP_* variables only (gateway = the fake, data dir = the temp dir, worker on);
5. conversation history through the API: the big session with `turns` turns and one
   small session per client with `client_turns` turns (POST …/turns in batches), then a
   wait until the worker has embedded every turn and the job queue is idle.
Everything is torn down on exit, also after an error or Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np

from benchmarks._filler import ASSISTANT_DETAIL, FACTS, FILLER_ASSISTANT, FILLER_USER
from benchmarks._measure import add_database_url, parse_metrics
from mcp_service.bootstrap import build_container
from mcp_service.config import Settings
from mcp_service.domain.model import Chunk, Collection, Document

ROOT = Path(__file__).resolve().parents[1]
TENANT = "default"  # MCP_DEFAULT_TENANT: auth is off on loopback, every call is this tenant
COLLECTION = "kb"
BIG_SESSION = "bench-big"
DIM = 384
CHUNKS_PER_DOCUMENT = 10
SEED_BATCH = 2000


@dataclass(frozen=True)
class StackOptions:
    database_url: str | None = None
    delay_ms: float = 50.0
    turns: int = 2000
    chunks: int = 100_000
    client_sessions: int = 32
    client_turns: int = 20
    optimize: bool = True
    log_level: str = "INFO"
    seed: int = 11


@dataclass
class Stack:
    options: StackOptions
    fake_url: str = ""
    service_url: str = ""
    service_pid: int = 0
    database: str = "sqlite"
    timings_s: dict[str, float] = field(default_factory=dict)

    def client_session(self, i: int) -> str:
        return f"bench-client-{i}"


# -- process helpers --------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes], grace_s: float = 30.0) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MCP_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def start_fake(delay_ms: float) -> tuple[subprocess.Popen[bytes], str]:
    cmd = [sys.executable, "-m", "benchmarks._fake_llm", "--delay-ms", str(delay_ms)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=_clean_env(), stdout=subprocess.PIPE)
    assert proc.stdout is not None
    line = proc.stdout.readline().decode().strip()
    if not line.startswith("PORT "):
        _stop(proc)
        raise RuntimeError(f"the fake gateway did not start (said {line!r})")
    return proc, f"http://127.0.0.1:{line.split()[1]}/v1"


# -- scratch database -----------------------------------------------------------------
@contextlib.asynccontextmanager
async def scratch_database(url: str | None) -> AsyncIterator[str | None]:
    """None (SQLite in the data dir), or a new database on the server `url` names."""
    if url is None:
        yield None
        return
    import asyncpg  # only PostgreSQL runs need it

    server, _, _ = url.rpartition("/")
    dsn = server.replace("postgresql+asyncpg", "postgresql")
    name = f"mcp_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(f"{dsn}/postgres")
    try:
        await admin.execute(f"CREATE DATABASE {name}")
        yield f"{server}/{name}"
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


# -- seeding ----------------------------------------------------------------------------
class _DimensionOnly:
    """Enough of an `Embedder` to open the stores: seeding never embeds."""

    name = "all-MiniLM-L6-v2"
    dimension = DIM

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        raise RuntimeError("seeding must not embed")

    async def embed_query(self, text: str) -> list[float]:
        raise RuntimeError("seeding must not embed")


def _chunk_text(rng: random.Random, i: int) -> str:
    pool = FILLER_USER + ASSISTANT_DETAIL
    return f"Reference note {i}. " + " ".join(rng.choices(pool, k=10))


async def seed_chunks(settings: Settings, options: StackOptions) -> None:
    """`options.chunks` chunks in documents of 10, in both stores, before the server starts."""
    c = await build_container(settings, embedder=_DimensionOnly(), run_migrations=True)
    rng, np_rng = random.Random(options.seed), np.random.default_rng(options.seed)
    now = datetime.now(UTC)
    try:
        async with c.deps.uow(write=True) as uow:
            await uow.tenants.ensure(TENANT)
            await uow.collections.add(Collection(TENANT, COLLECTION, None, now))
            await uow.commit()
        for start in range(0, options.chunks, SEED_BATCH):
            size = min(SEED_BATCH, options.chunks - start)
            vectors = np_rng.standard_normal((size, DIM), dtype=np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            chunks: list[Chunk] = []
            async with c.deps.uow(write=True) as uow:
                for first in range(start, start + size, CHUNKS_PER_DOCUMENT):
                    n = min(CHUNKS_PER_DOCUMENT, start + size - first)
                    doc = Document(
                        str(uuid.uuid4()), TENANT, COLLECTION, f"note-{first}", None,
                        uuid.uuid4().hex, {}, n, now, now,
                    )  # fmt: skip
                    texts = [_chunk_text(rng, first + j) for j in range(n)]
                    batch = [
                        Chunk(str(uuid.uuid4()), TENANT, COLLECTION, doc.id, j, t,
                              c.deps.counter.count(t), {})
                        for j, t in enumerate(texts)
                    ]  # fmt: skip
                    await uow.documents.add(doc, batch)
                    chunks += batch
                await uow.commit()
            await c.deps.vectors.upsert_chunks(TENANT, chunks, vectors.tolist())
        if options.optimize:
            await c.deps.vectors.optimize()  # type: ignore[attr-defined]
    finally:
        await c.aclose()


def conversation(n: int, offset: int = 0) -> list[dict[str, str]]:
    """`n` turns alternating user/assistant, with a planted fact every 50 turns."""
    facts = [s for k in FACTS for s in k.statements]
    turns = []
    for i in range(offset, offset + n):
        if i % 2 == 0:
            text = (
                facts[i // 50 % len(facts)].format(v=f"value-{i}")
                if i % 50 == 0
                else (FILLER_USER[i % len(FILLER_USER)])
            )
            turns.append({"role": "user", "content": f"{text} ({i})"})
        else:
            detail = ASSISTANT_DETAIL[i % len(ASSISTANT_DETAIL)]
            text = f"{FILLER_ASSISTANT[i % len(FILLER_ASSISTANT)]} {detail}"
            turns.append({"role": "assistant", "content": text})
    return turns


def questions() -> list[str]:
    """The messages clients send: questions about planted facts, and everyday ones."""
    return [q for k in FACTS for q in k.questions] + list(FILLER_USER)


async def seed_sessions(client: httpx.AsyncClient, stack: Stack) -> None:
    o = stack.options
    plan = [(BIG_SESSION, o.turns)]
    plan += [(stack.client_session(i), o.client_turns) for i in range(o.client_sessions)]
    for sid, n in plan:
        turns = conversation(n)
        for i in range(0, n, 1000):
            r = await client.post(f"/v1/sessions/{sid}/turns", json={"turns": turns[i : i + 1000]})
            r.raise_for_status()
    deadline = time.monotonic() + 300 + sum(n for _, n in plan) / 20
    for sid, n in plan:
        while True:
            r = await client.get(f"/v1/sessions/{sid}")
            r.raise_for_status()
            if r.json()["memory"]["turns_embedded"] >= n:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"session {sid}: turns were not embedded in time")
            await asyncio.sleep(0.5)
    await wait_idle(client, deadline)


async def wait_idle(client: httpx.AsyncClient, deadline: float) -> None:
    """Until the background job queue has nothing queued or running."""
    while time.monotonic() < deadline:
        metrics = parse_metrics((await client.get("/metrics")).text)
        if not any(
            metrics.get(f'mcp_job_queue_depth{{status="{s}"}}') for s in ("queued", "running")
        ):
            return
        await asyncio.sleep(0.5)
    raise RuntimeError("the job queue did not drain in time")


# -- the whole stack ----------------------------------------------------------------------
def start_service(
    data_dir: Path, env: dict[str, str], port: int, log: Path
) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "mcp_service.cli", "serve", "--port", str(port)]
    with log.open("wb") as sink:
        return subprocess.Popen(cmd, cwd=data_dir, env=env, stdout=sink, stderr=subprocess.STDOUT)


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


async def _wait_ready(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 300
    async with httpx.AsyncClient(base_url=url, timeout=5) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"the service exited with {proc.returncode}:\n{_tail(log)}")
            with contextlib.suppress(httpx.TransportError):
                if (await client.get("/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.3)
    raise RuntimeError("the service did not become ready within 300 s")


@contextlib.asynccontextmanager
async def open_stack(options: StackOptions) -> AsyncIterator[Stack]:
    stack = Stack(options, database="postgresql" if options.database_url else "sqlite")
    with tempfile.TemporaryDirectory(prefix="mcp-bench-") as tmp:
        async with scratch_database(options.database_url) as db_url:
            fake, stack.fake_url = start_fake(options.delay_ms)
            service: subprocess.Popen[bytes] | None = None
            try:
                settings = Settings(
                    data_dir=Path(tmp), database_url=db_url, auth="disabled",
                    worker_enabled=False, _env_file=None,
                )  # fmt: skip
                started = time.perf_counter()
                await seed_chunks(settings, options)
                stack.timings_s["seed_chunks"] = round(time.perf_counter() - started, 1)
                port = _free_port()
                env = _clean_env() | {
                    "MCP_DATA_DIR": tmp,
                    "MCP_LLM_BASE_URL": stack.fake_url,
                    "MCP_AUTH": "disabled",
                    "MCP_WORKER_ENABLED": "true",
                    "MCP_LOG_LEVEL": options.log_level,
                }
                if db_url:
                    env["MCP_DATABASE_URL"] = db_url
                log = Path(tmp) / "service.log"
                service = start_service(Path(tmp), env, port, log)
                stack.service_url, stack.service_pid = f"http://127.0.0.1:{port}", service.pid
                await _wait_ready(service, stack.service_url, log)
                started = time.perf_counter()
                async with httpx.AsyncClient(base_url=stack.service_url, timeout=120) as client:
                    await seed_sessions(client, stack)
                stack.timings_s["seed_turns"] = round(time.perf_counter() - started, 1)
                yield stack
            finally:
                if service is not None:
                    _stop(service)
                _stop(fake)


def add_stack_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `open_stack` (see StackOptions), shared by `overhead` and `soak`."""
    add_database_url(parser)
    parser.add_argument("--delay-ms", type=float, default=50.0, help="fake gateway delay")
    parser.add_argument("--turns", type=int, default=2000, help="turns in the big session")
    parser.add_argument(
        "--client-turns", type=int, default=20, help="turns in each client's own session"
    )
    parser.add_argument("--chunks", type=int, default=100_000, help="chunks in the collection")
    parser.add_argument(
        "--no-optimize",
        dest="optimize",
        action="store_false",
        help="do not build the HNSW index after seeding the chunks",
    )
    parser.add_argument("--log-level", default="INFO", help="the service's MCP_LOG_LEVEL")
