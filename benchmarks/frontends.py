"""What reconciling a chat UI's whole-conversation body costs: `scripts/bench frontends`.

The service runs for real (benchmarks/_stack.py, fake gateway answering after
`--delay-ms`). One client holds `--conversations` conversations of `--turns` turns each
through `POST /v1/chat/completions`, alternating two styles turn by turn, in two sessions
that grow alike:
  (a) new message only, `X-Session-Id` (the service's own contract), and
  (b) the whole conversation resent each time, `X-OpenWebUI-Chat-Id` (Open WebUI,
      LibreChat): the body is reconciled with the recorded turns (domain/reconcile.py).
Latency percentiles per style, and (b) minus (a): the price of reading and comparing the
history a chat UI resends. A title task (Open WebUI's background prompt, forwarded and not
recorded) is timed as well.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import httpx

from benchmarks._measure import bench_parser, machine, percentiles, report
from benchmarks._stack import StackOptions, add_stack_arguments, open_stack, questions

TITLE = (
    "### Task:\nGenerate a concise, 3-5 word title with an emoji summarizing the chat "
    'history.\n### Output:\nJSON format: { "title": "..." }\n<chat_history>\n{}\n'
    "</chat_history>"
)


async def _conversation(client: httpx.AsyncClient, n: int, turns: int) -> dict[str, list[float]]:
    lat: dict[str, list[float]] = {"new_only": [], "full_history": [], "title_task": []}
    history: list[dict[str, Any]] = []
    asked = questions()
    for t in range(turns):
        message = {"role": "user", "content": f"{asked[t % len(asked)]} (conversation {n})"}
        for style in ("new_only", "full_history"):
            if style == "new_only":
                headers, messages = {"X-Session-Id": f"new-{n}"}, [message]
            else:
                headers, messages = {"X-OpenWebUI-Chat-Id": f"owui-{n}"}, [*history, message]
            started = time.perf_counter()
            r = await client.post(
                "/v1/chat/completions",
                json={"model": "fake", "messages": messages},
                headers=headers,
            )
            lat[style].append((time.perf_counter() - started) * 1000)
            r.raise_for_status()
            if style == "full_history":
                answer = r.json()["choices"][0]["message"]["content"]
                history += [message, {"role": "assistant", "content": answer}]
        pasted = "\n".join(str(m["content"]) for m in history[-4:])
        started = time.perf_counter()
        r = await client.post(
            "/v1/chat/completions",
            json={
                "model": "fake",
                "messages": [{"role": "user", "content": TITLE.replace("{}", pasted)}],
            },
            headers={"X-OpenWebUI-Chat-Id": f"owui-{n}"},
        )
        lat["title_task"].append((time.perf_counter() - started) * 1000)
        r.raise_for_status()
    return lat


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    options = StackOptions(
        database_url=args.database_url,
        delay_ms=args.delay_ms,
        turns=args.big_turns,
        chunks=args.chunks,
        client_sessions=1,
        client_turns=2,
        optimize=args.optimize,
        log_level=args.log_level,
    )
    all_lat: dict[str, list[float]] = {}
    async with (
        open_stack(options) as stack,
        httpx.AsyncClient(base_url=stack.service_url, timeout=120) as client,
    ):
        for n in range(args.conversations):
            for style, values in (await _conversation(client, n, args.turns)).items():
                all_lat.setdefault(style, []).extend(values)
    rows = {style: percentiles(values) for style, values in all_lat.items()}
    added = {
        q: round(rows["full_history"][q] - rows["new_only"][q], 2) for q in ("p50", "p95", "mean")
    }
    return {
        "benchmark": "frontends",
        "machine": machine(),
        "database": stack.database,
        "turns_per_conversation": args.turns,
        "conversations": args.conversations,
        "latency_ms": rows,
        "full_history_minus_new_only_ms": added,
    }


def _table(out: dict[str, Any]) -> None:
    print(f"{out['conversations']} conversations x {out['turns_per_conversation']} turns, "
          f"{out['database']}")  # fmt: skip
    for style, row in out["latency_ms"].items():
        print(
            f"  {style:<13} n {row['n']:4d} "
            + "  ".join(f"{q} {row[q]:7.2f} ms" for q in ("mean", "p50", "p95", "p99"))
        )
    added = out["full_history_minus_new_only_ms"]
    print("  added by reconciling the whole body: "
          + "  ".join(f"{q} {v:+.2f} ms" for q, v in added.items()))  # fmt: skip


def main(argv: list[str]) -> int:
    parser = bench_parser("frontends", __doc__)
    add_stack_arguments(parser)
    parser.set_defaults(delay_ms=5.0, chunks=2000, turns=40)
    parser.add_argument("--conversations", type=int, default=3)
    parser.add_argument("--big-turns", type=int, default=10, help="turns of the seeded session")
    args = parser.parse_args(argv)
    return report(asyncio.run(_run(args)), args.json, _table)
