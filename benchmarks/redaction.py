"""PII redaction cost at the gateway port: `scripts/bench redaction [--json] [--kb 60]`.

A prompt of `--kb` kilobytes of history (README prose, 400-character turns) plus a new
message goes through `RedactingGateway` in mode `mask` around an instant in-process
gateway, with no session in scope (no vault I/O): the first call scans every turn, later
calls only the new message (findings are remembered per text). Mode `off` for reference.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any, cast

from benchmarks._measure import bench_parser, machine, report
from mcp_service.adapters.pii_detectors import PatternPiiDetector
from mcp_service.domain.model import JSON, Completion, Message, Usage
from mcp_service.domain.pii import Mode
from mcp_service.domain.repositories import UnitOfWorkFactory
from mcp_service.services.governance.redaction import RedactingGateway, Redactor

ROOT = Path(__file__).resolve().parents[1]


class _Instant:
    default_model = "instant"

    async def complete(
        self, messages: Sequence[Message], *, model: str | None, params: JSON | None = None
    ) -> Completion:
        return Completion("ok " + messages[-1].content, "instant", Usage(1, 1))

    async def stream(
        self, messages: Sequence[Message], *, model: str | None, params: JSON | None = None
    ) -> AsyncIterator[JSON]:
        yield {"choices": []}


async def _run(mode: Mode, history: list[Message], calls: int) -> dict[str, float]:
    no_db = cast(UnitOfWorkFactory, None)
    gateway = RedactingGateway(_Instant(), Redactor(no_db, PatternPiiDetector(), mode))
    times = []
    for i in range(calls):
        new = Message("user", f"question {i}: mail me at user{i}@example.com or +1 415-555-2671")
        started = time.perf_counter()
        await gateway.complete([*history, new], model=None)
        times.append((time.perf_counter() - started) * 1000)
    return {"first_ms": round(times[0], 2), "later_p50_ms": round(statistics.median(times[1:]), 3)}


def main(argv: list[str]) -> int:
    parser = bench_parser("redaction", __doc__)
    parser.add_argument("--kb", type=int, default=60, help="kilobytes of history")
    parser.add_argument("--calls", type=int, default=21)
    args = parser.parse_args(argv)
    text = (ROOT / "README.md").read_text() * 4
    size = args.kb * 1000
    history = [
        Message("user" if i % 2 else "assistant", text[i : i + 400]) for i in range(0, size, 400)
    ]
    out: dict[str, Any] = {"machine": machine(), "history_kb": args.kb, "turns": len(history)}
    for mode in ("off", "mask"):
        out[mode] = asyncio.run(_run(mode, history, args.calls))

    def table(o: dict[str, Any]) -> None:
        print(f"history {o['history_kb']} kB in {o['turns']} turns")
        for mode in ("off", "mask"):
            r = o[mode]
            first, later = r["first_ms"], r["later_p50_ms"]
            print(f"  {mode:5} first call {first:8.2f} ms   later p50 {later:.3f} ms")

    return report(out, args.json, table)
