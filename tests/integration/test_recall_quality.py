"""Recall on real engines (SQLite and PostgreSQL, Qdrant Edge, the bundled model): it
spends its allowance when the question is about the past, leaves the room to the recent
turns when nothing is relevant, and follows a date in the question to the right turn."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from mcp_service.domain.model import JSON, NewTurn
from mcp_service.services.conversation.context import ContextService
from mcp_service.services.conversation.memory import MemoryJobs
from mcp_service.services.conversation.sessions import SessionService
from mcp_service.services.deps import Deps
from mcp_service.services.worker import Worker

T0 = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)
SMALL_TALK = [
    ("Ann", "Morning! Did you sleep okay?"),
    ("Bob", "Not really, the neighbours had a party until two."),
    ("Ann", "Ugh. Coffee is the only thing keeping me going today."),
    ("Bob", "Same here, third cup already."),
    ("Ann", "Have you watched anything good lately?"),
    ("Bob", "I started a baking show, very relaxing."),
]
GARDEN = [
    "The tomatoes are finally turning red in the raised beds.",
    "I planted a second row of basil next to the peppers.",
    "Snails ate half of my lettuce again, I need a plan.",
    "The sunflowers by the fence are taller than me now.",
    "I built a little trellis for the beans this weekend.",
    "Compost is working, the soil looks so much darker.",
    "The strawberries are tiny but incredibly sweet this year.",
    "I moved the zucchini to the sunny corner of the garden.",
]
CAR = {  # month -> what happened to Ann's car
    1: "Ugh, the car battery died on my way to work this morning.",
    3: "So I got a flat tire, the car is at the garage until Friday.",
    5: "Someone dented my car door in the supermarket parking lot.",
}


async def load(deps: Deps, lines: list[tuple[str, str, datetime]]) -> None:
    turns = [
        NewTurn(
            role="user" if who == "Ann" else "assistant",
            content=text,
            name=who,
            created_at=when,
        )
        for who, text, when in lines
    ]
    await SessionService(deps).append_turns("t", "s", turns)
    await Worker(deps, MemoryJobs(deps).handlers()).run_until_idle()


def months_of_chat(
    topical: dict[int, str], garden_every: int = 0
) -> list[tuple[str, str, datetime]]:
    """Five months of sessions: small talk, a car story in some months, garden talk."""
    lines: list[tuple[str, str, datetime]] = []
    told: set[int] = set()
    for day in range(0, 150, 3):
        when = T0 + timedelta(days=day)
        for i, (who, text) in enumerate(SMALL_TALK):
            lines.append((who, f"{text} ({day})", when + timedelta(minutes=i)))
        if when.month in topical and when.month not in told:
            told.add(when.month)
            lines.append(("Ann", topical[when.month], when + timedelta(minutes=30)))
        if garden_every and day % garden_every == 0:
            lines.append(
                (
                    "Ann",
                    f"{GARDEN[(day // garden_every) % len(GARDEN)]} ({day})",
                    when + timedelta(minutes=40),
                )
            )
    return lines


def section(report: JSON, name: str) -> JSON:
    result: JSON = report["sections"][name]
    return result


async def test_a_date_in_the_question_finds_the_turn_from_that_date_among_look_alikes(
    deps: Deps,
) -> None:
    await load(deps, months_of_chat(CAR))
    deps.now = lambda: T0 + timedelta(days=160)
    _, ctx = await ContextService(deps).build(
        "t", "s", "What happened to Ann's car in March?", max_context_tokens=600
    )
    recall = section(ctx.report, "recall")
    assert "time: march" in recall["cues"] and "speaker: Ann" in recall["cues"]
    assert any(CAR[3] in m.content for m in ctx.messages), "the March turn is in the prompt"
    # ...ranked above the look-alikes from January and May.
    by_seq = {r["seq"]: r["score"] for r in recall["included"]}
    seqs = await _seqs_of(deps, CAR)
    assert by_seq[seqs[3]] > max(by_seq.get(seqs[1], 0), by_seq.get(seqs[5], 0))


async def test_recall_spends_its_allowance_on_the_past_and_leaves_the_room_when_unrelated(
    deps: Deps,
) -> None:
    await load(deps, months_of_chat({}, garden_every=6))
    deps.now = lambda: T0 + timedelta(days=160)
    context = ContextService(deps)
    _, past = await context.build(
        "t", "s", "What has Ann been growing in her garden?", max_context_tokens=1500
    )
    recall, recent = section(past.report, "recall"), section(past.report, "recent")
    assert recall["status"] == "ok" and len(recall["included"]) >= 8
    assert recall["tokens"] >= 0.8 * recall["allocated"]  # filled, not a fixed top-k
    assert recall["tokens"] > recent["tokens"]  # the past, not the newest small talk

    _, unrelated = await context.build(
        "t", "s", "What's the capital of Mongolia?", max_context_tokens=1500
    )
    recall, recent = section(unrelated.report, "recall"), section(unrelated.report, "recent")
    assert recall["included"] == [] and recall["tokens"] == 0
    assert recall["status"].startswith("below relevance floor")
    assert recent["tokens"] > 0.8 * (1500 - section(unrelated.report, "system")["tokens"] - 60)


async def _seqs_of(deps: Deps, texts: dict[int, str]) -> dict[int, int]:
    async with deps.uow() as uow:
        turns = await uow.turns.page("t", "s", limit=2000)
    return {k: next(t.seq for t in turns if t.content == v) for k, v in texts.items()}


async def test_a_cut_off_history_of_a_long_session_is_not_taken_for_the_whole(deps: Deps) -> None:
    # A regenerate in a long session reads the history before the replaced reply: that
    # listing is still capped, so summary and recall must stay on.
    deps.config = replace(deps.config, history_window_limit=20)
    await load(
        deps,
        [
            (who, f"{text} ({i})", T0 + timedelta(minutes=i))
            for i, (who, text) in enumerate(SMALL_TALK * 5)
        ],
    )
    _, ctx = await ContextService(deps).build(
        "t", "s", "Did Ann sleep okay?", max_context_tokens=4000, history_before=28
    )
    recall = section(ctx.report, "recall")
    assert recall["status"] != "whole history in window"
    assert all(t < 28 for t in section(ctx.report, "recent")["included"])
