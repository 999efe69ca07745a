"""Resident memory under steady load: `scripts/bench soak [--json] [--rps 50] [--seconds 300]`.

The same stack as `overhead` (benchmarks/_stack.py: the service in its own process, worker
on, the fake gateway, a `--turns`-turn session, `--chunks` chunks). Chat requests (recall
and RAG on) are sent open-loop at `--rps`: request i starts at i / rps seconds whatever
the earlier ones are doing, alternating between the big session and one of
`--client-sessions` small ones. At most `--max-inflight` wait at once; a request that
would exceed that is not sent and counted as shed (the service is then slower than the
offered rate, which the table says).

The service's resident set (VmRSS of its process) is sampled every second. Growth =
end vs. start of the load; "second half" = end vs. the middle of the run, which leaves out
the warm-up growth of allocators and caches and so shows a leak better.
"""

from __future__ import annotations

import argparse
import asyncio
import time
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
)

MB = 2**20


class Soak:
    def __init__(self, stack: Stack, args: argparse.Namespace) -> None:
        self.stack = stack
        self.args = args
        self.latencies: list[float] = []
        self.errors = 0
        self.first_error: str | None = None
        self.shed = 0
        self.inflight = 0
        self.rss: list[tuple[float, int]] = []
        self.messages = questions()

    async def run(self) -> dict[str, Any]:
        a = self.args
        limits = httpx.Limits(max_connections=a.max_inflight)
        async with httpx.AsyncClient(
            base_url=self.stack.service_url, limits=limits, timeout=a.timeout
        ) as client:
            rss_start, cpu_start = proc_stats(self.stack.service_pid)
            started = time.perf_counter()
            sampler = asyncio.create_task(self._sample(started))
            tasks: set[asyncio.Task[None]] = set()
            total = int(a.rps * a.seconds)
            for i in range(total):
                await asyncio.sleep(max(0.0, started + i / a.rps - time.perf_counter()))
                if self.inflight >= a.max_inflight:
                    self.shed += 1
                    continue
                task = asyncio.create_task(self._chat(client, i))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            await asyncio.gather(*tasks)
            elapsed = time.perf_counter() - started  # until the last answer
            sampler.cancel()
            rss_end, cpu_end = proc_stats(self.stack.service_pid)
            backlog = parse_metrics((await client.get("/metrics")).text)
        return self._result(total, elapsed, rss_start, rss_end, cpu_end - cpu_start, backlog)

    async def _chat(self, client: httpx.AsyncClient, i: int) -> None:
        own = self.stack.client_session((i // 2) % self.args.client_sessions)
        sid = BIG_SESSION if i % 2 == 0 else own
        message = self.messages[i % len(self.messages)]
        self.inflight += 1
        started = time.perf_counter()
        try:
            r = await client.post(f"/v1/sessions/{sid}/chat", json={"message": message})
            error = None if r.status_code == 200 else f"HTTP {r.status_code} {r.text[:300]}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        finally:
            self.inflight -= 1
        if error is None:
            self.latencies.append((time.perf_counter() - started) * 1000)
        else:
            self.errors += 1
            self.first_error = self.first_error or error

    async def _sample(self, started: float) -> None:
        while True:
            rss, _ = proc_stats(self.stack.service_pid)
            self.rss.append((round(time.perf_counter() - started, 1), rss))
            await asyncio.sleep(1.0)

    def _result(
        self,
        total: int,
        elapsed: float,
        rss_start: int,
        rss_end: int,
        cpu_s: float,
        metrics: dict[str, float],
    ) -> dict[str, Any]:
        a = self.args
        half = [rss for t, rss in self.rss if t >= a.seconds / 2]
        rss_mid = half[0] if half else rss_start
        peak = max([rss for _, rss in self.rss] + [rss_start, rss_end])
        series = [(t, round(rss / MB)) for t, rss in self.rss[:: max(1, len(self.rss) // 30)]]
        return {
            "offered_rps": a.rps,
            "seconds": a.seconds,
            "requests": total,
            "completed": len(self.latencies),
            "achieved_rps": round(len(self.latencies) / max(elapsed, 1e-9), 1),
            "elapsed_s": round(elapsed, 1),
            "errors": self.errors,
            "first_error": self.first_error,
            "shed": self.shed,
            "latency_ms": percentiles(self.latencies),
            "service_cpu_pct": round(cpu_s / max(elapsed, 1e-9) * 100, 1),
            "rss_mb": {
                "start": round(rss_start / MB, 1),
                "middle": round(rss_mid / MB, 1),
                "end": round(rss_end / MB, 1),
                "peak": round(peak / MB, 1),
            },
            "growth_pct": round((rss_end - rss_start) / rss_start * 100, 2),
            "growth_second_half_pct": round((rss_end - rss_mid) / rss_mid * 100, 2),
            "job_backlog_at_end": metrics.get('mcp_job_queue_depth{status="queued"}'),
            "rss_series_mb": series,
        }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    options = StackOptions(
        database_url=args.database_url,
        delay_ms=args.delay_ms,
        turns=args.turns,
        chunks=args.chunks,
        client_sessions=args.client_sessions,
        client_turns=args.client_turns,
        optimize=args.optimize,
        log_level=args.log_level,
    )
    async with open_stack(options) as stack:
        result = await Soak(stack, args).run()
        return {
            "benchmark": "soak",
            "machine": machine(),
            "database": stack.database,
            "delay_ms": args.delay_ms,
            "session_turns": args.turns,
            "chunks": args.chunks,
            "seed_s": stack.timings_s,
            **result,
        }


def print_table(out: dict[str, Any]) -> None:
    m, r, lat = out["machine"], out["rss_mb"], out["latency_ms"]
    print(
        f"machine: {m['cores']} cores ({m['cpu']}) · database {out['database']} · "
        f"{out['session_turns']:,}-turn session, {out['chunks']:,} chunks · "
        f"fake gateway delay {out['delay_ms']} ms"
    )
    print(
        f"load: {out['offered_rps']} chats/s offered for {out['seconds']} s → "
        f"{out['completed']:,} of {out['requests']:,} completed in {out['elapsed_s']} s "
        f"({out['achieved_rps']}/s), "
        f"{out['errors']} errors, {out['shed']} shed; latency p50 {lat['p50']} ms, "
        f"p99 {lat['p99']} ms; service CPU {out['service_cpu_pct']}%; "
        f"job backlog at the end {out['job_backlog_at_end']}"
    )
    print(
        f"\nservice RSS (MB): start {r['start']} · middle {r['middle']} · end {r['end']} · "
        f"peak {r['peak']}"
    )
    print(
        f"growth: {out['growth_pct']} % over the run, {out['growth_second_half_pct']} % "
        "over its second half"
    )
    print("series (s, MB): " + " ".join(f"{t:g}:{mb}" for t, mb in out["rss_series_mb"]))
    if out["first_error"]:
        print(f"first error: {out['first_error']}")


def main(argv: list[str]) -> int:
    parser = bench_parser("soak", __doc__)
    add_stack_arguments(parser)
    parser.add_argument("--rps", type=float, default=50.0, help="chat requests per second offered")
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--client-sessions", type=int, default=32)
    parser.add_argument("--max-inflight", type=int, default=256)
    parser.add_argument("--timeout", type=float, default=60.0, help="per request, seconds")
    args = parser.parse_args(argv)
    return report(asyncio.run(run(args)), args.json, print_table)
