"""Recall ranking: the question's cues, answers after questions, repeats, the floor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mcp_service.domain import recall
from mcp_service.domain.model import Turn

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def turn(seq: int, text: str, name: str, days_ago: float = 10) -> Turn:
    role = "user" if name == "Ann" else "assistant"
    when = NOW - timedelta(days=days_ago)
    return Turn("t", "s", seq, role, text, name, len(text.split()), when, {})  # type: ignore[arg-type]


def ranked(candidates: list[recall.Candidate], question: str, **kw: object) -> list[int]:
    cue = recall.cues(question, NOW, ["Ann", "Bob"])
    span = recall.resolve_anchor(cue, candidates)
    out = recall.rank(candidates, cue, time_range=span, following=kw.get("following", {}))  # type: ignore[arg-type]
    return [t.seq for t, _ in out.turns]


def test_the_named_speaker_wins_a_near_tie() -> None:
    a = recall.Candidate(turn(1, "I ran a race", "Bob"), 0.60, 0.60)
    b = recall.Candidate(turn(2, "I ran a race too", "Ann"), 0.55, 0.55)
    assert ranked([a, b], "Which race did Ann run?") == [2, 1]


def test_a_time_in_the_question_picks_the_look_alike_from_that_time() -> None:
    jan = recall.Candidate(turn(1, "the battery died", "Ann", days_ago=130), 0.60, 0.60)
    mar = recall.Candidate(turn(2, "I got a flat tire", "Ann", days_ago=75), 0.52, 0.52)
    may = recall.Candidate(turn(3, "a dent in the door", "Ann", days_ago=20), 0.58, 0.58)
    # 75 days before 1 June 2026 is mid-March.
    assert ranked([jan, mar, may], "What happened to Ann's car in March?")[0] == 2


def test_the_answer_after_a_recalled_question_comes_along() -> None:
    question = turn(5, "What did you name the puppy?", "Bob")
    answer = turn(6, "Biscuit! She knows it already.", "Ann")
    out = ranked(
        [recall.Candidate(question, 0.7, 0.7)],
        "What is the name of Ann's dog?",
        following={("s", 5): answer},
    )
    assert out == [5, 6]


def test_repeats_collapse_into_one() -> None:
    a = recall.Candidate(turn(1, "Haha, same!", "Ann"), 0.5, 0.5)
    b = recall.Candidate(turn(9, "haha same", "Ann"), 0.45, 0.45)
    assert ranked([a, b], "What did Ann say?") == [1]


def test_an_unrelated_message_recalls_nothing_and_says_why() -> None:
    weak = [recall.Candidate(turn(i, f"filler {i}", "Bob"), 0.2, 0.2) for i in range(5)]
    cue = recall.cues("What's the capital of Mongolia?", NOW, ["Ann", "Bob"])
    out = recall.rank(weak, cue, time_range=None, following={})
    assert out.turns == [] and out.status.startswith("below relevance floor")


def test_a_message_naming_a_speaker_is_never_below_the_floor() -> None:
    weak = [recall.Candidate(turn(1, "filler", "Ann"), 0.2, 0.2)]
    assert ranked(weak, "What did Ann say about it?") == [1]
