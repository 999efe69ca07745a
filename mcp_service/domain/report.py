"""The context report: per section, tokens used, what went in, what was left out and why."""

from __future__ import annotations

from collections.abc import Sequence

from mcp_service.domain.model import JSON, ChunkHit, Summary, Turn

MAX_LISTED_DROPS = 50


class ReportBuilder:
    """Collects the per-section facts while the assembler runs."""

    def __init__(self, budget: int, strategy: str) -> None:
        self.data: JSON = {"budget": budget, "strategy": strategy, "sections": {}}
        self._recent_drops: list[JSON] = []
        self._recent_drop_count = 0

    @property
    def sections(self) -> JSON:
        result: JSON = self.data["sections"]
        return result

    def fixed(self, name: str, tokens: int, included: list[str]) -> None:
        self.sections[name] = {"tokens": tokens, "included": included, "dropped": []}

    def section(
        self,
        name: str,
        allocated: int,
        tokens: int,
        included: Sequence[object],
        dropped: Sequence[JSON],
    ) -> None:
        self.sections[name] = {
            "tokens": tokens,
            "allocated": allocated,
            "included": list(included),
            "dropped": list(dropped),
        }

    def summary(
        self, allocated: int, tokens: int, summary: Summary | None, reason: str | None
    ) -> None:
        included = [_summary_ref(summary)] if summary and not reason else []
        dropped = [{**_summary_ref(summary), "reason": reason}] if summary and reason else []
        self.section("summary", allocated, tokens, included, dropped)
        self.sections["summary"]["status"] = reason or "ok"

    def knowledge(
        self,
        allocated: int,
        tokens: int,
        hits: Sequence[ChunkHit],
        lost: Sequence[ChunkHit],
        status: str,
    ) -> None:
        self.section(
            "knowledge",
            allocated,
            tokens,
            [_hit_ref(h) for h in hits],
            [{**_hit_ref(h), "reason": "budget"} for h in lost],
        )
        self.sections["knowledge"]["status"] = status

    def recall(
        self,
        allocated: int,
        tokens: int,
        chosen: Sequence[tuple[Turn, float]],
        lost: Sequence[tuple[Turn, float]],
        status: str,
        cues: Sequence[str] = (),
    ) -> None:
        self.section(
            "recall",
            allocated,
            tokens,
            [_turn_ref(t, s) for t, s in chosen],
            [{**_turn_ref(t, s), "reason": "budget"} for t, s in lost[:MAX_LISTED_DROPS]],
        )
        self.sections["recall"]["status"] = status
        self.sections["recall"]["dropped_count"] = len(lost)
        if cues:
            self.sections["recall"]["cues"] = list(cues)

    def drop_turns(self, turns: Sequence[Turn], reason: str) -> None:
        self._recent_drop_count += len(turns)
        room = MAX_LISTED_DROPS - len(self._recent_drops)
        self._recent_drops.extend({"id": t.seq, "reason": reason} for t in turns[:room])

    def finish(self, prompt_overhead: int) -> int:
        """Close the report; return the prompt's total tokens (sum of sections + overhead)."""
        recent = self.sections.setdefault(
            "recent", {"tokens": 0, "allocated": 0, "included": [], "dropped": []}
        )
        recent["dropped"] = self._recent_drops
        recent["dropped_count"] = self._recent_drop_count
        order = ["system", "state", "summary", "knowledge", "recall", "recent", "message"]
        self.data["sections"] = {k: self.sections[k] for k in order if k in self.sections}
        total = sum(int(s["tokens"]) for s in self.sections.values()) + prompt_overhead
        self.data["prompt_overhead"] = prompt_overhead
        self.data["total_tokens"] = total
        return total


def _summary_ref(summary: Summary) -> JSON:
    return {"version": summary.version, "through_seq": summary.through_seq}


def _hit_ref(hit: ChunkHit) -> JSON:
    return {
        "id": hit.chunk_id,
        "document_id": hit.document_id,
        "collection": hit.collection,
        "score": round(hit.score, 4),
        "legs": list(hit.legs),
    }


def _turn_ref(turn: Turn, score: float) -> JSON:
    return {"session_id": turn.session_id, "seq": turn.seq, "score": round(score, 4)}
