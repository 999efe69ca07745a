"""Time expressions in a question become the stretch of time it is about."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mcp_service.domain import timeref

NOW = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)  # a Friday


def span(question: str) -> tuple[str, str]:
    found = timeref.parse(question, NOW)
    assert isinstance(found, timeref.TimeRange), question
    return f"{found.start:%Y-%m-%d}", f"{found.end:%Y-%m-%d}"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What happened to my car in March 2024?", ("2024-03-01", "2024-04-01")),
        ("What did we cook in May?", ("2026-05-01", "2026-06-01")),  # the latest past May
        ("Where did I go in December?", ("2026-12-01", "2027-01-01")),
        ("What did I read in late August 2025?", ("2025-08-20", "2025-09-01")),
        ("What did I say on 8 March 2023?", ("2023-03-07", "2023-03-10")),
        ("What happened on June 3rd, 2024?", ("2024-06-02", "2024-06-05")),
        ("What did we decide on 2024-02-29?", ("2024-02-28", "2024-03-02")),
        ("What did I do yesterday?", ("2026-12-03", "2026-12-04")),
        ("What did I mention last Tuesday?", ("2026-11-30", "2026-12-02")),
        ("Which band did I see two weeks ago?", ("2026-11-17", "2026-11-24")),
        ("What did I buy a couple of days ago?", ("2026-12-01", "2026-12-04")),
        ("What was the plan last week?", ("2026-11-20", "2026-12-01")),
        ("What did I do in 2024?", ("2024-01-01", "2025-01-01")),
    ],
)
def test_dates_and_relative_phrases(question: str, expected: tuple[str, str]) -> None:
    assert span(question) == expected


@pytest.mark.parametrize(
    "question",
    [
        "May I ask what my dog is called?",  # "may" the verb
        "What is the name of my dog?",
        "How many vacation days do I get per month?",  # "month" without a reference
    ],
)
def test_no_time_no_range(question: str) -> None:
    assert timeref.parse(question, NOW) is None


def test_a_range_anchored_on_an_event_is_resolved_around_that_event() -> None:
    found = timeref.parse("What did I cook about two weeks after the trip to Lisbon?", NOW)
    assert isinstance(found, timeref.Anchored)
    assert found.offset_days == 14 and found.anchor == "the trip to lisbon"
    around = found.around(datetime(2025, 6, 1, tzinfo=UTC))
    assert around.start <= datetime(2025, 6, 15, tzinfo=UTC) < around.end
    assert around.start > datetime(2025, 6, 1, tzinfo=UTC)
