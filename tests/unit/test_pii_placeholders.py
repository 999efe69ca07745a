"""Placeholders: typed, numbered per kind, stable within a map, restored (also when a
stream splits one across chunks)."""

from __future__ import annotations

from mcp_service.adapters.pii_detectors import PatternPiiDetector
from mcp_service.domain.pii import (
    MaskCounts,
    PlaceholderMap,
    StreamRestorer,
    mask,
    restore_map,
    unmask,
)

DETECTOR = PatternPiiDetector()


def masked(text: str, placeholders: PlaceholderMap, counts: MaskCounts | None = None) -> str:
    return mask(text, DETECTOR.find(text), placeholders, counts or MaskCounts())


def test_values_become_numbered_typed_placeholders_and_come_back() -> None:
    placeholders = PlaceholderMap()
    counts = MaskCounts()
    text = "mail a@example.com or b@example.com, call +1 415-555-2671, mail A@EXAMPLE.COM"
    out = masked(text, placeholders, counts)
    assert out == "mail <EMAIL_1> or <EMAIL_2>, call <PHONE_1>, mail <EMAIL_1>"
    assert counts.to_dict() == {
        "masked": {"EMAIL": 3, "PHONE": 1},
        "distinct": {"EMAIL": 2, "PHONE": 1},
    }
    assert unmask("write <EMAIL_2> and <email_1>, not <EMAIL_9>", placeholders) == (
        "write b@example.com and a@example.com, not <EMAIL_9>"
    )
    assert [e.placeholder for e in placeholders.added] == ["<EMAIL_1>", "<EMAIL_2>", "<PHONE_1>"]


def test_numbering_continues_from_what_the_vault_knows() -> None:
    loaded = PlaceholderMap(list(restore_map({"<EMAIL_1>": "old@example.com"}).entries))
    assert masked("old@example.com and new@example.com", loaded) == "<EMAIL_1> and <EMAIL_2>"
    assert [e.value for e in loaded.added] == ["new@example.com"]


def test_a_placeholder_split_across_deltas_is_restored() -> None:
    placeholders = restore_map({"<EMAIL_1>": "dana@example.com", "<CARD_12>": "4111"})
    reply = "Sure, <EMAIL_1> has card <CARD_12>; a < b and <b>bold</b> stay."
    for size in (1, 2, 3, 5, 7):
        restorer = StreamRestorer(placeholders)
        parts = [restorer.feed(reply[i : i + size]) for i in range(0, len(reply), size)]
        assert "".join(parts) + restorer.flush() == (
            "Sure, dana@example.com has card 4111; a < b and <b>bold</b> stay."
        )


def test_a_cut_off_placeholder_at_the_end_of_a_stream_is_flushed_as_is() -> None:
    restorer = StreamRestorer(restore_map({"<EMAIL_1>": "x@example.com"}))
    assert restorer.feed("mail <EMA") == "mail "
    assert restorer.flush() == "<EMA"
