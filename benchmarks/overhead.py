"""Added latency of a chat turn through the service: `scripts/bench overhead [--json] [...]`.

The service runs for real (uvicorn in its own process, worker on, embedded default or
`--database-url`), in front of a fake OpenAI-compatible gateway on loopback that answers
after `--delay-ms` (see benchmarks/_stack.py for the set-up and seeding). The same
questions are then sent by `--concurrency` closed-loop clients (httpx.AsyncClient), each
alternating, in random order, between
  (a) direct:  `POST {fake}/chat/completions` with a system prompt and the message — what
      a memory-less client sends to its gateway — and
  (b) service: `POST /v1/sessions/{id}/chat {"message": …}` — recall and RAG on: the
      service loads the session, embeds the message, searches the collection
      (`--chunks` chunks) and the session's older turns, assembles the prompt, records
      both turns and calls the same fake gateway.
A `--shared` fraction (default half, evenly spread) of every client's requests goes to
the one big session (`--turns` turns, shared by all clients: recall over a long history,
and concurrent writers on one session, which a real session rarely has); the rest go to
the client's own small session (`--client-turns` turns). `--shared 0` removes the
shared-session write contention.

Added latency = service percentile minus direct percentile (p50, p95, p99), both measured
in the same window under the same load. Requests/s counts service chats completed in
the window (the clients also spend a little time on their direct calls). The service's
CPU time per chat (its process, background worker included) is less sensitive to noise
from other processes than wall-clock latency. After each level the benchmark waits until
the service's job queue is empty (turn embeddings, summaries) before the next one:
`catch-up s` is how long that took — background work the worker could not keep up with
during the level — and the CPU per chat including it is reported too.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from benchmarks._measure import (
    bench_parser,
    machine,
    parse_metrics,
    percentiles,
    proc_stats,
    report,
)
from benchmarks._stack import (
    BIG_SESSION,
    Stack,
    StackOptions,
    add_stack_arguments,
    open_stack,
    questions,
    wait_idle,
)

SYSTEM_PROMPT = "You are a helpful assistant."
STAGES = ("gather", "search", "assemble")


@dataclass
class Samples:
    direct: list[float] = field(default_factory=list)
    service: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=lambda: {"direct": 0, "service": 0})
    service_done_in_window: int = 0
    service_total: int = 0  # warm-up included
    first_error: str | None = None


@dataclass(frozen=True)
class Window:
    start: float
    end: float


class Level:
    """One concurrency level: `concurrency` clients, warm-up, then the measured window."""

    def __init__(self, stack: Stack, args: argparse.Namespace, concurrency: int) -> None:
        self.stack = stack
        self.args = args
        self.concurrency = concurrency
        self.samples = Samples()
        self.messages = questions()

    async def run(self) -> dict[str, Any]:
        limits = httpx.Limits(max_connections=self.concurrency + 4)
        async with (
            httpx.AsyncClient(base_url=self.stack.fake_url, limits=limits, timeout=120) as direct,
            httpx.AsyncClient(base_url=self.stack.service_url, limits=limits, timeout=120) as svc,
        ):
            _, cpu_at_start = proc_stats(self.stack.service_pid)
            now = time.perf_counter()
            window = Window(now + self.args.warmup, now + self.args.warmup + self.args.seconds)
            probe = asyncio.create_task(self._probe(svc, window))
            await asyncio.gather(
                *(self._client(c, direct, svc, window) for c in range(self.concurrency))
            )
            before, after = await probe
            # Levels start from the same state: the background work this level left
            # (turn embeddings, summaries) is drained first, and how long that took is
            # reported — the debt the worker ran up while the level ran.
            started = time.perf_counter()
            await wait_idle(svc, time.monotonic() + 1800)
            catch_up_s = round(time.perf_counter() - started, 1)
            _, cpu_caught_up = proc_stats(self.stack.service_pid)
        row = self._result(before, after)
        row["worker_catch_up_s"] = catch_up_s
        # What one chat costs once its background work is done too: all CPU from the
        # start of the warm-up to the end of the catch-up over all chats of the level.
        row["service_cpu_ms_per_chat_with_catch_up"] = round(
            (cpu_caught_up - cpu_at_start) / max(1, self.samples.service_total) * 1000, 2
        )
        return row

    async def _client(
        self, c: int, direct: httpx.AsyncClient, svc: httpx.AsyncClient, window: Window
    ) -> None:
        rng = random.Random(c)
        own = self.stack.client_session(c)
        i = 0
        while time.perf_counter() < window.end:
            message = self.messages[(c * 7 + i) % len(self.messages)]
            # A `--shared` fraction of each client's requests, evenly spread, goes to the
            # big session; the rest to the client's own.
            f = self.args.shared
            session = BIG_SESSION if math.floor((i + 1) * f) > math.floor(i * f) else own
            calls = [("direct", direct, session), ("service", svc, session)]
            rng.shuffle(calls)
            for kind, client, sid in calls:
                await self._call(kind, client, sid, message, window)
            i += 1

    async def _call(
        self, kind: str, client: httpx.AsyncClient, sid: str, message: str, window: Window
    ) -> None:
        if kind == "direct":
            url = "/chat/completions"
            body: dict[str, Any] = {
                "model": "gpt-4o-mini",
                "messages": [
                    {"role": "system", "content": SYSTEM_PROMPT},
                    {"role": "user", "content": message},
                ],
            }
        else:
            url, body = f"/v1/sessions/{sid}/chat", {"message": message}
            if self.args.max_context_tokens:
                body["max_context_tokens"] = self.args.max_context_tokens
        started = time.perf_counter()
        try:
            r = await client.post(url, json=body)
            ok = r.status_code == 200
            error = None if ok else f"{kind}: HTTP {r.status_code} {r.text[:300]}"
        except httpx.HTTPError as exc:
            ok, error = False, f"{kind}: {type(exc).__name__}: {exc}"
        ended = time.perf_counter()
        if ok and kind == "service":
            self.samples.service_total += 1
        if not window.start <= started < window.end:
            return
        s = self.samples
        if not ok:
            s.errors[kind] += 1
            s.first_error = s.first_error or error
            return
        getattr(s, kind).append((ended - started) * 1000)
        if kind == "service" and ended <= window.end:
            s.service_done_in_window += 1

    async def _probe(
        self, svc: httpx.AsyncClient, window: Window
    ) -> tuple[dict[str, float], dict[str, float]]:
        """Process stats and service metrics at the start and the end of the window."""

        async def snapshot() -> dict[str, float]:
            rss, cpu = proc_stats(self.stack.service_pid)
            metrics = parse_metrics((await svc.get("/metrics")).text)
            return {**metrics, "rss": rss, "cpu": cpu, "client_cpu": time.process_time()}

        await asyncio.sleep(max(0.0, window.start - time.perf_counter()))
        before = await snapshot()
        await asyncio.sleep(max(0.0, window.end - time.perf_counter()))
        return before, await snapshot()

    def _result(self, before: dict[str, float], after: dict[str, float]) -> dict[str, Any]:
        s, seconds = self.samples, self.args.seconds
        direct, service = percentiles(s.direct), percentiles(s.service)
        added = {q: round(service[q] - direct[q], 2) for q in ("p50", "p95", "p99") if s.direct}
        done = max(1, s.service_done_in_window)

        def mean_ms(name: str, labels: str) -> float | None:
            count, total = f"{name}_count{{{labels}}}", f"{name}_sum{{{labels}}}"
            n = after.get(count, 0) - before.get(count, 0)
            spent = after.get(total, 0) - before.get(total, 0)
            return round(spent / n * 1000, 2) if n else None

        stages = {s: mean_ms("mcp_context_assembly_seconds", f'stage="{s}"') for s in STAGES}
        chat_route = mean_ms(
            "mcp_http_request_duration_seconds",
            'method="POST",route="/v1/sessions/{session_id}/chat",status="200"',
        )
        gateway = mean_ms("mcp_gateway_request_duration_seconds", 'call="complete",outcome="ok"')
        return {
            "concurrency": self.concurrency,
            "seconds": seconds,
            "direct_ms": direct,
            "service_ms": service,
            "added_ms": added,
            "service_rps": round(s.service_done_in_window / seconds, 1),
            "errors": s.errors,
            "first_error": s.first_error,
            "service_cpu_ms_per_chat": round((after["cpu"] - before["cpu"]) / done * 1000, 2),
            "service_cpu_pct": round((after["cpu"] - before["cpu"]) / seconds * 100, 1),
            "client_cpu_pct": round(
                (after["client_cpu"] - before["client_cpu"]) / seconds * 100, 1
            ),
            "service_rss_mb": round(after["rss"] / 2**20, 1),
            "server_side_ms": {
                "chat_handler": chat_route,
                "gateway_call": gateway,
                **stages,
            },
        }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    levels = [int(x) for x in args.concurrency.split(",")]
    options = StackOptions(
        database_url=args.database_url,
        delay_ms=args.delay_ms,
        turns=args.turns,
        chunks=args.chunks,
        client_sessions=max(levels),
        client_turns=args.client_turns,
        optimize=args.optimize,
        log_level=args.log_level,
    )
    async with open_stack(options) as stack:
        rows = [await Level(stack, args, c).run() for c in levels]
        rss, _ = proc_stats(stack.service_pid)
        return {
            "benchmark": "overhead",
            "machine": machine(),
            "database": stack.database,
            "vector_store": "qdrant-edge",
            "delay_ms": args.delay_ms,
            "session_turns": args.turns,
            "client_sessions": max(levels),
            "client_turns": args.client_turns,
            "chunks": args.chunks,
            "hnsw_indexed": args.optimize,
            "max_context_tokens": args.max_context_tokens,
            "shared_fraction": args.shared,
            "seed_s": stack.timings_s,
            "levels": rows,
            "service_rss_mb_end": round(rss / 2**20, 1),
        }


def print_table(out: dict[str, Any]) -> None:
    m = out["machine"]
    print(
        f"machine: {m['cores']} cores ({m['cpu']}) · python {m['python']} · database "
        f"{out['database']} · {out['vector_store']} · fake gateway delay {out['delay_ms']} ms"
    )
    print(
        f"data: one {out['session_turns']:,}-turn session shared by all clients "
        f"({out['shared_fraction']:.0%} of chats) + "
        f"{out['client_sessions']} × {out['client_turns']}-turn sessions; "
        f"{out['chunks']:,} chunks (HNSW {'on' if out['hnsw_indexed'] else 'off'}); "
        f"budget {out['max_context_tokens'] or 'service default'}; seeding {out['seed_s']}"
    )
    head = (
        f"\n{'clients':>7} {'direct p50/p95/p99':>20} {'service p50/p95/p99':>22} "
        f"{'added p50/p95/p99':>20} {'chat/s':>7} {'CPU ms/chat':>11} {'svc CPU':>7} "
        f"{'errors':>7} {'catch-up s':>10} {'CPU ms/chat incl. catch-up':>26}"
    )
    print(head)
    for row in out["levels"]:
        d, s, a = row["direct_ms"], row["service_ms"], row["added_ms"]
        triple = "{p50:.1f}/{p95:.1f}/{p99:.1f}"
        errors = row["errors"]["direct"] + row["errors"]["service"]
        print(
            f"{row['concurrency']:>7} {triple.format(**d):>20} {triple.format(**s):>22} "
            f"{triple.format(**a) if a else '-':>20} {row['service_rps']:>7} "
            f"{row['service_cpu_ms_per_chat']:>11} {row['service_cpu_pct']:>6}% {errors:>7} "
            f"{row['worker_catch_up_s']:>10} {row['service_cpu_ms_per_chat_with_catch_up']:>26}"
        )
    print("\nserver side, mean ms per chat (from the service's /metrics):")
    print(
        f"{'clients':>7} {'handler':>8} {'gateway':>8} {'gather':>8} {'search':>8} {'assemble':>8}"
    )
    for row in out["levels"]:
        t = row["server_side_ms"]
        cells = [t["chat_handler"], t["gateway_call"], *(t[s] for s in STAGES)]
        print(
            f"{row['concurrency']:>7} "
            + " ".join(f"{c if c is not None else '-':>8}" for c in cells)
        )
    for row in out["levels"]:
        if row["first_error"]:
            print(f"first error at {row['concurrency']} clients: {row['first_error']}")
    print(f"\nservice RSS at the end: {out['service_rss_mb_end']} MB")


def main(argv: list[str]) -> int:
    parser = bench_parser("overhead", __doc__)
    add_stack_arguments(parser)
    parser.add_argument(
        "--shared",
        type=float,
        default=0.5,
        help="fraction of requests sent to the big shared session (0 to 1); the rest go "
        "to each client's own session",
    )
    parser.add_argument("--concurrency", default="1,8,32", help="client counts, comma-separated")
    parser.add_argument("--seconds", type=float, default=30.0, help="measured seconds per level")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds per level")
    parser.add_argument(
        "--max-context-tokens",
        type=int,
        default=None,
        help="budget per chat (default: the service's, window − reserved)",
    )
    args = parser.parse_args(argv)
    return report(asyncio.run(run(args)), args.json, print_table)
