"""The in-memory turn cache: what it returns, what it prunes, and its size bound."""

from __future__ import annotations

from datetime import UTC, datetime

from mcp_service.domain.model import Turn
from mcp_service.services.conversation.turn_cache import TurnCache

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def turn(session: str, seq: int, text: str = "x" * 10) -> Turn:
    return Turn("t", session, seq, "user", text, None, 3, T0, {})


def test_returns_only_cached_turns_the_caller_asked_for() -> None:
    cache = TurnCache()
    key = ("t", "a", T0)
    cache.store(key, [turn("a", s) for s in (1, 2, 3)], keep=[1, 2, 3])
    assert sorted(cache.lookup(key, [2, 3, 4])) == [2, 3]
    assert cache.lookup(("t", "a", datetime(2026, 2, 1, tzinfo=UTC)), [1]) == {}
    assert cache.lookup(("u", "a", T0), [1]) == {}  # another tenant's session of that id


def test_turns_the_database_no_longer_lists_are_dropped() -> None:
    cache = TurnCache()
    key = ("t", "a", T0)
    cache.store(key, [turn("a", s) for s in (1, 2, 3)], keep=[1, 2, 3])
    cache.store(key, [turn("a", 4)], keep=[3, 4])
    assert sorted(cache.lookup(key, [1, 2, 3, 4])) == [3, 4]
    assert len(cache) == 2


def test_least_recently_used_sessions_go_first_when_full() -> None:
    cache = TurnCache(max_chars=25)  # room for two 10-char turns
    a, b, c = ("t", "a", T0), ("t", "b", T0), ("t", "c", T0)
    cache.store(a, [turn("a", 1)], keep=[1])
    cache.store(b, [turn("b", 1)], keep=[1])
    cache.lookup(a, [1])  # a is now the most recently used
    cache.store(c, [turn("c", 1)], keep=[1])
    assert cache.lookup(b, [1]) == {} and 1 in cache.lookup(a, [1]) and 1 in cache.lookup(c, [1])


def test_forget_drops_every_generation_of_a_session() -> None:
    cache = TurnCache()
    cache.store(("t", "a", T0), [turn("a", 1)], keep=[1])
    cache.store(("t", "a", datetime(2026, 3, 1, tzinfo=UTC)), [turn("a", 1)], keep=[1])
    cache.store(("t", "b", T0), [turn("b", 1)], keep=[1])
    cache.forget("t", "a")
    assert len(cache) == 1
