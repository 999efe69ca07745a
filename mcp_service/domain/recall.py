"""Ranking older turns for recall: what the question is about, and which turns earn a place.

The vector store supplies candidates with their fused dense + BM25 score (fusion.py).
The question adds cues: the speaker it names, the time it is about, whether it asks
about the latest state of something. A question turn whose answer follows it brings the
answer along (the answer often shares no words with a later question about it). Exact
repeats collapse into one. Candidates under the relevance floor are left out: an
unrelated message recalls nothing and leaves the budget to the recent turns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from mcp_service.domain import timeref
from mcp_service.domain.model import Turn

# Tuned on `scripts/bench context` (docs/benchmarks.md has the sweeps).
SPEAKER_BOOST = 1.25  # the question names this turn's speaker
TIME_BOOST = 0.15  # the turn lies in the time the question is about
OUT_OF_TIME = 0.8  # ... and a turn outside it is worth this much of its score
LATEST_BOOST = 0.2  # "now", "currently": up to this for the newest of the candidates
ANSWER_FACTOR = 0.9  # the answer after a recalled question, relative to the question
# Told after it happened: an event "last week" is in a turn up to a week after it.
TOLD_LATER = timedelta(days=7)
# Nothing is recalled when no candidate's dense similarity reaches RELEVANCE_FLOOR and
# the message names no speaker: measured on the benchmark's unrelated messages ("What's
# the capital of Mongolia?"), 0.28 leaves half of them with no recall and 0.4 % of the
# answerable questions. Past the gate, candidates down to CANDIDATE_FLOOR may fill the
# allowance (at a large budget the weaker ones still hold answers).
RELEVANCE_FLOOR = 0.28
CANDIDATE_FLOOR = 0.1

_LATEST = re.compile(r"\b(now|currently|these days|at the moment|nowadays|latest|current)\b")
_FOLLOW_UP = re.compile(
    r"\bjust (said|told|mentioned|recommended|suggested|asked|now|shared|sent|gave)\b"
    r"|\ba (moment|minute|second) ago\b|\bearlier today\b|\byou (just )?said\b"
)
_WORD = re.compile(r"[\w']+")
_FILLER = frozenset(
    (
        "a", "an", "the", "of", "to", "in", "on", "at", "for", "and", "or", "is", "are",
        "was", "were", "did", "do", "does", "what", "which", "who", "when", "where", "how",
        "my", "your", "her", "his", "their", "about", "after", "before", "getting", "back",
        "from",
    )
)  # fmt: skip


@dataclass(frozen=True)
class Candidate:
    turn: Turn
    score: float  # fused retrieval score
    dense: float | None = None  # the dense leg's cosine, if that leg found it


@dataclass(frozen=True)
class Ranked:
    turns: list[tuple[Turn, float]]  # best first
    status: str  # "ok", or why nothing was recalled


@dataclass(frozen=True)
class Cues:
    """What the question says about the turns it needs."""

    speakers: frozenset[str]
    when: timeref.TimeRange | timeref.Anchored | None
    wants_latest: bool
    follow_up: bool = False  # about what was just said: the recent turns matter most

    @property
    def labels(self) -> list[str]:
        out = [f"speaker: {s}" for s in sorted(self.speakers)]
        if self.when is not None:
            out.append(f"time: {self.when.label}")
        if self.wants_latest:
            out.append("latest")
        if self.follow_up:
            out.append("follow-up")
        return out


def cues(question: str, now: datetime, speakers: Iterable[str]) -> Cues:
    named = frozenset(
        s for s in speakers if s and re.search(rf"\b{re.escape(s)}\b", question, re.IGNORECASE)
    )
    lowered = question.lower()
    latest = bool(_LATEST.search(lowered))
    return Cues(named, timeref.parse(question, now), latest, bool(_FOLLOW_UP.search(lowered)))


def resolve_anchor(cue: Cues, candidates: Sequence[Candidate]) -> timeref.TimeRange | None:
    """The range an anchored phrase points at, from the candidate that best matches the
    anchor's words (say "the trip to Lisbon"); None when nothing matches."""
    if isinstance(cue.when, timeref.TimeRange) or cue.when is None:
        return cue.when
    wanted = _words(cue.when.anchor)
    best: tuple[float, Candidate] | None = None
    for c in candidates:
        overlap = len(wanted & _words(c.turn.content))
        if overlap and (best is None or (overlap, c.score) > (best[0], best[1].score)):
            best = (overlap, c)
    return cue.when.around(best[1].turn.created_at) if best else None


def rank(
    candidates: Sequence[Candidate],
    cue: Cues,
    *,
    time_range: timeref.TimeRange | None,
    following: Mapping[tuple[str, int], Turn],
) -> Ranked:
    """Candidates (and the answers that follow recalled questions) best first, each with
    its final score; repeats collapsed, those under the floor left out.

    `following[(session_id, seq)]` is the turn after a candidate, when loaded.
    """
    best = max((c.dense for c in candidates if c.dense is not None), default=None)
    if not candidates:
        return Ranked([], "nothing indexed to recall")
    if not cue.speakers and (best is None or best < RELEVANCE_FLOOR):
        shown = "none" if best is None else f"{best:.2f}"
        return Ranked([], f"below relevance floor (best {shown} < {RELEVANCE_FLOOR})")
    scored: dict[tuple[str, int], tuple[Turn, float]] = {}
    times = [c.turn.created_at for c in candidates]
    span = (min(times), max(times))

    def offer(turn: Turn, score: float) -> None:
        key = (turn.session_id, turn.seq)
        if key not in scored or scored[key][1] < score:
            scored[key] = (turn, score)

    for c in candidates:
        score = _adjusted(c, cue, time_range, span)
        offer(c.turn, score)
        answer = following.get((c.turn.session_id, c.turn.seq))
        if answer is not None and _is_question(c.turn) and _speaker(answer) != _speaker(c.turn):
            offer(answer, score * ANSWER_FACTOR)
    ranked = sorted(scored.values(), key=lambda ts: -ts[1])
    seen: set[str] = set()
    out: list[tuple[Turn, float]] = []
    for turn, score in ranked:
        if score < CANDIDATE_FLOOR:
            break
        text = " ".join(_WORD.findall(turn.content.lower()))
        if text in seen:
            continue  # the same words again add nothing
        seen.add(text)
        out.append((turn, score))
    return Ranked(out, "ok")


def _adjusted(
    c: Candidate,
    cue: Cues,
    time_range: timeref.TimeRange | None,
    span: tuple[datetime, datetime],
) -> float:
    score = c.score
    if cue.speakers and c.turn.name in cue.speakers:
        score *= SPEAKER_BOOST
    if time_range is not None:
        inside = time_range.start <= c.turn.created_at < time_range.end + TOLD_LATER
        score = score + TIME_BOOST if inside else score * OUT_OF_TIME
    if cue.wants_latest and span[1] > span[0]:
        position = (c.turn.created_at - span[0]) / (span[1] - span[0])
        score += LATEST_BOOST * position
    return score


def _is_question(turn: Turn) -> bool:
    return "?" in turn.content


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _FILLER and len(w) > 2}


def _speaker(turn: Turn) -> str:
    return turn.name or turn.role
