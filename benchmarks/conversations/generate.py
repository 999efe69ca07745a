"""Build the conversations and their questions, deterministically from a seed.

A conversation: two named people, 24–32 sessions spread over months, each a greeting,
small talk, zero to three life events (said in passing, in answer to a generic question),
sometimes a fact that changes, and a goodbye. The questions come afterwards, asked at the
end of the conversation; each names the turns (1-based seqs) that hold its answer.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from benchmarks.conversations import chatter, talk
from benchmarks.conversations import events as ev
from benchmarks.conversations import people as p
from benchmarks.conversations.answers import QA
from benchmarks.conversations.asking import ask_all
from benchmarks.conversations.model import Conversation, Happening, Line, Question

Tick = Callable[[], datetime]
_TAILS = talk.TAILS + tuple(s[0] for s in talk.SMALL_TALK if "{" not in s[0])


def generate(seed: int = 7, conversations: int = 12) -> tuple[list[Conversation], list[Question]]:
    convs: list[Conversation] = []
    questions: list[Question] = []
    for c in range(conversations):
        conv, qs = _Builder(random.Random(seed * 1009 + c), f"conv-{seed}-{c}").build()
        convs.append(conv)
        questions.extend(qs)
    return convs, questions


class _Builder:
    def __init__(self, rng: random.Random, conv_id: str) -> None:
        self.rng = rng
        a, b = rng.sample(p.FIRST_NAMES, 2)
        self.conv = Conversation(conv_id, (a, b))
        self.said: set[str] = set()
        self.happenings: list[Happening] = []
        self.changes: list[tuple[str, talk.Changing, int, int, str, str]] = []
        self.loose: list[tuple[str, str, talk.LooseEnd, int, str]] = []

    # -- the transcript -------------------------------------------------------------
    def say(self, speaker: str, text: str, when: datetime) -> int:
        rng = self.rng
        if rng.random() < 0.25:
            text = f"{rng.choice(talk.HEADS)} {text}"
        if rng.random() < 0.35:
            text = f"{text} {rng.choice(_TAILS)}"
        self.conv.lines.append(Line(speaker, text, when))
        self.said.add(text)
        return len(self.conv.lines)

    def fill(self, template: str, subject: str, other: str, values: dict[str, str]) -> str:
        return template.format(S=subject, O=other, **values)

    def build(self) -> tuple[Conversation, list[Question]]:
        rng = self.rng
        start = datetime(2023, 1, 9, tzinfo=UTC) + timedelta(days=rng.randint(0, 800))
        dates = []
        day = start
        for _ in range(rng.randint(24, 32)):
            day += timedelta(days=rng.randint(3, 16))
            dates.append(day.replace(hour=rng.randint(8, 21), minute=rng.randint(0, 59)))
        plan = self._plan(len(dates))
        for i, when in enumerate(dates):
            self._session(i, when, plan.get(i, []), last=i == len(dates) - 1)
        return self.conv, self._questions()

    def _plan(self, sessions: int) -> dict[int, list[object]]:
        """Which events and fact changes happen in which session."""
        rng = self.rng
        plan: dict[int, list[object]] = {}
        grouped = [e for e in ev.EVENTS if e.group]
        single = [e for e in ev.EVENTS if not e.group]
        for subject in self.conv.speakers:
            chosen: list[ev.Event] = rng.sample(single, rng.randint(7, 10))
            for e in rng.sample(grouped, 4):
                chosen.extend([e] * rng.randint(1, 3))  # look-alikes on other dates
            for e in chosen:
                at = rng.randrange(1, sessions - 1)
                plan.setdefault(at, []).append((subject, e))
                for _ in range(rng.randint(0, 2)):  # coming back to it later, no new fact
                    later = rng.randrange(at, sessions)
                    plan.setdefault(later, []).append(("later", subject, e.key))
            for change in rng.sample(talk.CHANGING, 2):
                first = rng.randrange(0, int(sessions * 0.4))
                update = rng.randrange(int(sessions * 0.55), sessions - 1)
                plan.setdefault(first, []).append(("first", subject, change))
                plan.setdefault(update, []).append(("update", subject, change))
        return plan

    def _session(self, index: int, when: datetime, items: list[object], last: bool) -> None:
        rng = self.rng
        a, b = self.conv.speakers
        first, second = (a, b) if rng.random() < 0.5 else (b, a)
        clock = [when]

        def tick() -> datetime:
            clock[0] += timedelta(seconds=rng.randint(20, 240))
            return clock[0]

        opener = rng.choice(talk.OPENERS)
        self.say(first, self.fill(opener[0], first, second, {}), tick())
        self.say(second, self.fill(opener[1], second, first, {}), tick())
        blocks: list[object] = list(items)
        blocks += ["small"] * rng.randint(4, 7)
        if rng.random() < 0.4:
            blocks.append("callback")
        rng.shuffle(blocks)
        for block in blocks:
            if block == "small":
                self._small_talk(tick, when)
            elif block == "callback":
                speaker = rng.choice((a, b))
                topic = rng.choice(talk.CALLBACK_TOPICS)
                self.say(speaker, rng.choice(talk.CALLBACKS).format(topic=topic), tick())
            elif isinstance(block, tuple) and block[0] == "later":
                self.say(block[1], rng.choice(chatter.LATER[block[2]]), tick())
            elif isinstance(block, tuple) and block[0] in ("first", "update"):
                self._change(block[0], block[1], block[2], tick)
            elif isinstance(block, tuple):
                self._event(block[0], block[1], when, tick)
        if last:
            for end in rng.sample(talk.LOOSE_ENDS, 2):
                self._loose_end(end, tick)
                self._small_talk(tick, when, lines=rng.randint(1, 2))
            return
        closer = rng.choice(talk.CLOSERS)
        self.say(first, closer[0], tick())
        self.say(second, closer[1], tick())

    def _small_talk(self, tick: Tick, when: datetime, lines: int = 3) -> None:
        rng = self.rng
        y = self.conv.lines[-1].speaker  # whoever spoke last listens first
        x = next(s for s in self.conv.speakers if s != y)
        first, reply, third = rng.choice(talk.SMALL_TALK)
        values = {k: rng.choice(v) for k, v in talk.SMALL_SLOTS.items()}
        values["month"] = when.strftime("%B")
        for speaker, text in ((x, first), (y, reply), (x, third))[:lines]:
            if text is not None:
                self.say(speaker, self.fill(text, x, y, values), tick())

    def _event(self, subject: str, e: ev.Event, when: datetime, tick: Tick) -> None:
        rng = self.rng
        other = next(s for s in self.conv.speakers if s != subject)
        as_answer = e.key in QA and rng.random() < 0.5
        for _ in range(20):  # the evidence text must be unique in the conversation
            values = {k: rng.choice(v) for k, v in e.slots.items()}
            phrase, offset = rng.choice(ev.AGO)
            values["ago"] = phrase
            lead, template = rng.choice(QA[e.key]) if as_answer else ("", rng.choice(e.mentions))
            lead = lead or rng.choice(e.leads)
            offset = offset if "{ago}" in template else 0  # no phrase: the session's day
            mention = self.fill(template, subject, other, values)
            if not any(mention in said for said in self.said):
                break
        date = _resolve(when, offset)
        self.say(other, self.fill(lead, other, subject, values), tick())
        happening = Happening(e, subject, other, values, date)
        happening.seq = self.say(subject, mention[0].upper() + mention[1:], tick())
        self.happenings.append(happening)
        self.say(other, rng.choice(e.reactions), tick())
        talk_about = chatter.EXCHANGES.get(e.key, ())
        for asked, answer in rng.sample(talk_about, min(len(talk_about), rng.randint(1, 3))):
            self.say(other, asked, tick())
            self.say(subject, answer, tick())
        if e.followups and rng.random() < 0.6:
            self.say(subject, rng.choice(e.followups), tick())
        if e.distractors and rng.random() < 0.5:
            line = self.fill(rng.choice(e.distractors), other, subject, values)
            self.say(other, line, tick())

    def _change(self, step: str, subject: str, change: talk.Changing, tick: Tick) -> None:
        rng = self.rng
        other = next(s for s in self.conv.speakers if s != subject)
        self.say(other, rng.choice(ev.GENERIC_LEADS), tick())
        if step == "first":
            value = rng.choice(change.values)
            seq = self.say(subject, rng.choice(change.first).format(v=value), tick())
            self.changes.append((subject, change, seq, 0, value, ""))
            return
        for i, (s, ch, first_seq, _, old, _) in enumerate(self.changes):
            if s == subject and ch.key == change.key:
                new = rng.choice([v for v in change.values if v != old])
                text = rng.choice(change.update).format(v=new, old=old)
                seq = self.say(subject, text, tick())
                self.changes[i] = (s, ch, first_seq, seq, old, new)
                self.say(other, rng.choice(ev.REACTIONS), tick())
                return

    def _loose_end(self, end: talk.LooseEnd, tick: Tick) -> None:
        rng = self.rng
        o, s = rng.sample(self.conv.speakers, 2)
        values = {k: rng.choice(v) for k, v in end.slots.items()}
        seq = self.say(o, end.line.format(**values), tick())
        self.say(s, end.reply, tick())
        self.loose.append((o, s, end, seq, end.answer.format(**values)))

    # -- the questions -------------------------------------------------------------
    def _questions(self) -> list[Question]:
        return ask_all(self.conv, self.rng, self.happenings, self.changes, self.loose)


def _resolve(when: datetime, offset: int) -> datetime:
    """The date a relative phrase in a session on `when` points at (-1: last Saturday)."""
    if offset >= 0:
        return when - timedelta(days=offset)
    back = (when.weekday() - 5) % 7 or 7
    return when - timedelta(days=back)
