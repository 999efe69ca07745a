"""The questions asked at the end of a conversation, and which turns answer each."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime

from benchmarks.conversations import talk
from benchmarks.conversations.model import Conversation, Happening, Question, content_words

Add = Callable[[str, str, Sequence[int], str], None]

AGGREGATE = {
    "trip": "Which cities has {S} travelled to?",
    "race": "Which races has {S} run?",
    "book": "Which books has {S} finished?",
    "concert": "Which bands has {S} seen live?",
    "cooking": "What dishes has {S} cooked for the first time?",
    "hike": "Which trails has {S} hiked?",
    "car_trouble": "What has gone wrong with {S}'s car?",
}


def day(date: datetime) -> str:
    return f"{date.day} {date:%B %Y}"


def ask_all(
    conv: Conversation,
    rng: random.Random,
    happenings: Sequence[Happening],
    changes: Sequence[tuple[str, talk.Changing, int, int, str, str]],
    loose: Sequence[tuple[str, str, talk.LooseEnd, int, str]],
) -> list[Question]:
    lines = conv.lines
    out: list[Question] = []

    def add(text: str, kind: str, evidence: Sequence[int], answer: str) -> None:
        if kind == "single_hop" and len(evidence) == 1:
            overlap = content_words(text) & content_words(lines[evidence[0] - 1].text)
            overlap -= {w.lower() for w in conv.speakers}
            if not overlap:
                kind = "paraphrase"
        out.append(Question(conv.id, text, kind, tuple(evidence), answer))

    by_group: dict[tuple[str, str], list[Happening]] = defaultdict(list)
    for h in happenings:
        fill = {"S": h.subject, "O": h.other, **h.values}
        for ask in h.event.asks:
            for template in rng.sample(ask.templates, min(2, len(ask.templates))):
                answer = day(h.date) if ask.answer == "{date}" else ask.answer.format(**fill)
                add(template.format(**fill), ask.kind, [h.seq], answer)
        if h.event.group:
            by_group[(h.subject, h.event.group)].append(h)

    for (subject, group), found in by_group.items():
        months = defaultdict(list)
        for h in found:
            months[(h.date.year, h.date.month)].append(h)
        for h in found:
            if len(months[(h.date.year, h.date.month)]) != 1:
                continue  # the month would not tell the look-alikes apart
            fill = {"S": subject, "O": h.other, **h.values, "when": f"in {h.date:%B %Y}"}
            template = rng.choice(h.event.range_asks)
            add(
                template.format(**fill),
                "temporal_range",
                [h.seq],
                h.event.range_answer.format(**fill),
            )
        if len(found) >= 2:
            answers = ", ".join(
                dict.fromkeys(h.event.range_answer.format(**h.values) for h in found)
            )
            add(AGGREGATE[group].format(S=subject), "multi_hop", [h.seq for h in found], answers)

    _pets(conv, happenings, add)
    _relative(conv, happenings, add)
    for subject, change, first, update, old, new in changes:
        if not update:
            continue
        add(rng.choice(change.now_asks).format(S=subject), "changed_fact", [update], new)
        # The old value is in the first mention and named again when it changes.
        before = rng.choice(change.before_asks).format(S=subject)
        add(before, "changed_fact", [first, update], old)
    for o, s, end, seq, answer in loose:
        add(rng.choice(end.asks).format(O=o, S=s), "recent_followup", [seq], answer)
    for text in rng.sample(talk.UNRELATED, 3):
        out.append(Question(conv.id, text, "unrelated", (), ""))
    return out


def _pets(conv: Conversation, happenings: Sequence[Happening], add: Add) -> None:
    for subject in conv.speakers:
        pets = [h for h in happenings if h.subject == subject and h.event.key in ("dog", "cat")]
        kinds = {h.event.key for h in pets}
        if kinds == {"dog", "cat"}:
            names = ", ".join(next(iter(h.values.values())) for h in pets)
            add(f"What pets does {subject} have?", "multi_hop", [h.seq for h in pets], names)


def _relative(conv: Conversation, happenings: Sequence[Happening], add: Add) -> None:
    """Questions placed in time by another event ("two weeks after the trip") or by now."""
    asked = conv.asked_at
    ranged = [h for h in happenings if h.event.range_asks]
    for trip in (h for h in happenings if h.event.key == "trip"):
        for h in ranged:
            gap = (h.date - trip.date).days
            if h is trip or h.subject != trip.subject or not 10 <= gap <= 18:
                continue
            when = f"about two weeks after getting back from {trip.values['city']}"
            fill = {"S": h.subject, **h.values, "when": when}
            add(
                h.event.range_asks[0].format(**fill),
                "temporal_relative",
                [trip.seq, h.seq],
                h.event.range_answer.format(**fill),
            )
    for h in ranged:
        days = (asked - h.date).days
        same = [
            o
            for o in ranged
            if o is not h
            and o.subject == h.subject
            and o.event.group == h.event.group
            and abs((o.date - h.date).days) < 21
        ]
        if same or not 2 <= days <= 45:
            continue
        when = _ago(days)
        fill = {"S": h.subject, **h.values, "when": when}
        add(
            h.event.range_asks[0].format(**fill),
            "temporal_relative",
            [h.seq],
            h.event.range_answer.format(**fill),
        )


def _ago(days: int) -> str:
    if days <= 3:
        return "a couple of days ago"
    if days <= 10:
        return "last week"
    if days <= 17:
        return "about two weeks ago"
    if days <= 24:
        return "about three weeks ago"
    return "last month"
