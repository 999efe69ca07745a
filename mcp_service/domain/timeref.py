"""Time expressions in a question: which stretch of the conversation it is about.

"in May 2024", "last Tuesday", "two weeks ago", "yesterday", "on 8 March", "in 2023" …
become a `TimeRange` relative to now. "two weeks after the trip to Lisbon" becomes an
`Anchored` range: the offset is known, the anchor (the trip) is found among the recalled
turns. The ranges are soft: recall prefers turns inside them, it never excludes others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)  # fmt: skip
_MONTH_ABBR = {m[:3]: i for i, m in enumerate(MONTHS, 1)} | {"sept": 9}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "a couple of": 2, "couple of": 2, "a few": 3, "few": 3, "several": 4,
}  # fmt: skip
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}
_MONTH_RE = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"  # noqa: E501
_COUNT_RE = r"(\d+|a couple of|couple of|a few|few|several|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"  # noqa: E501
_AGO = re.compile(rf"\b(?:about |around |roughly )?{_COUNT_RE} (day|week|month|year)s? ago\b")
_AROUND = re.compile(
    rf"\b(?:about |around |roughly )?{_COUNT_RE} (day|week|month|year)s? "
    r"(after|before) (.+?)[?.!,]*$"
)
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)? (?:of )?{_MONTH_RE}\b(?:,? (\d{{4}}))?")
_MONTH_DAY = re.compile(rf"\b{_MONTH_RE} (\d{{1,2}})(?:st|nd|rd|th)?\b(?:,? (\d{{4}}))?")
_MONTH_YEAR = re.compile(rf"\b(early |mid-?|late )?{_MONTH_RE}\b(?:,? (\d{{4}}))?")
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_YEAR = re.compile(r"\b(?:in|during|back in) (19\d\d|20\d\d)\b")
_WEEKDAY = re.compile(r"\b(last|on|this past) (" + "|".join(WEEKDAYS) + r")\b")


@dataclass(frozen=True)
class TimeRange:
    start: datetime
    end: datetime
    label: str  # what in the question it came from, for the report


@dataclass(frozen=True)
class Anchored:
    """A range relative to an event the question names: `offset_days` after (negative:
    before) whatever turn best matches `anchor`."""

    offset_days: int
    anchor: str
    label: str

    def around(self, anchor_time: datetime) -> TimeRange:
        centre = anchor_time + timedelta(days=self.offset_days)
        slack = timedelta(days=max(3, abs(self.offset_days) // 3))
        return TimeRange(centre - slack, centre + slack, self.label)


def parse(question: str, now: datetime) -> TimeRange | Anchored | None:
    """The time the question is about, if it says; `now` anchors relative phrases."""
    text = " ".join(question.lower().split())
    now = now.astimezone(UTC)
    found = _AROUND.search(text)
    if found:
        days = _count(found.group(1)) * _UNIT_DAYS[found.group(2)]
        sign = 1 if found.group(3) == "after" else -1
        return Anchored(sign * days, found.group(4), found.group(0).strip())
    for parser in (_relative, _dates, _months, _years):
        result = parser(text, now)
        if result is not None:
            return result
    return None


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBERS.get(word, 1)


def _span(now: datetime, back_from: int, back_to: int, label: str) -> TimeRange:
    """Days `back_from`..`back_to` before now (inclusive of the whole days)."""
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return TimeRange(today - timedelta(days=back_to), today - timedelta(days=back_from - 1), label)


def _relative(text: str, now: datetime) -> TimeRange | None:
    fixed = (
        ("the day before yesterday", 2, 2), ("yesterday", 1, 1), ("last night", 1, 0),
        ("this morning", 0, 0), ("earlier today", 0, 0), ("today", 0, 0), ("tonight", 0, 0),
        ("last weekend", 1, 9), ("this weekend", 0, 3), ("last week", 4, 14),
        ("this week", 0, 7), ("last month", 20, 50), ("this month", 0, 31),
        ("last year", 300, 500), ("this year", 0, 366), ("recently", 0, 30),
    )  # fmt: skip
    found = _AGO.search(text)
    if found:
        days = _count(found.group(1)) * _UNIT_DAYS[found.group(2)]
        slack = max(1, days // 4)  # "two weeks ago" is rarely exactly fourteen days
        return _span(now, max(1, days - slack), days + slack, found.group(0))
    day = _WEEKDAY.search(text)
    if day:
        back = (now.weekday() - WEEKDAYS.index(day.group(2))) % 7 or 7
        return _span(now, back, back + 1, day.group(0))
    for phrase, start, end in fixed:
        if re.search(rf"\b{phrase}\b", text):
            return _span(now, start, max(start, end), phrase)
    return None


def _dates(text: str, now: datetime) -> TimeRange | None:
    iso = _ISO.search(text)
    if iso:
        return _day(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)), iso.group(0))
    for pattern, day_group, month_group in ((_DAY_MONTH, 1, 2), (_MONTH_DAY, 2, 1)):
        found = pattern.search(text)
        if found:
            month = _month(found.group(month_group))
            year = int(found.group(3)) if found.group(3) else _year_for(month, now)
            return _day(year, month, int(found.group(day_group)), found.group(0))
    return None


def _day(year: int, month: int, day: int, label: str) -> TimeRange | None:
    try:
        start = datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return None
    return TimeRange(start - timedelta(days=1), start + timedelta(days=2), label)


def _months(text: str, now: datetime) -> TimeRange | None:
    for found in _MONTH_YEAR.finditer(text):
        word = found.group(2)
        if word == "may" and not (found.group(3) or _after_preposition(text, found.start())):
            continue  # "may" the verb
        month = _month(word)
        year = int(found.group(3)) if found.group(3) else _year_for(month, now)
        start = datetime(year, month, 1, tzinfo=UTC)
        end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
        part = (found.group(1) or "").strip().rstrip("-")
        if part == "early":
            end = start + timedelta(days=11)
        elif part == "mid":
            start, end = start + timedelta(days=9), start + timedelta(days=21)
        elif part == "late":
            start = start + timedelta(days=19)
        return TimeRange(start, end, found.group(0).strip())
    return None


def _years(text: str, now: datetime) -> TimeRange | None:
    found = _YEAR.search(text)
    if not found:
        return None
    year = int(found.group(1))
    start, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    return TimeRange(start, end, found.group(0))


def _month(word: str) -> int:
    return _MONTH_ABBR[word[:4] if word.startswith("sept") else word[:3]]


def _year_for(month: int, now: datetime) -> int:
    """A month without a year means the latest one that is not in the future."""
    return now.year if month <= now.month else now.year - 1


_PREPOSITIONS = frozenset(("in", "of", "since", "during", "until", "early", "late", "mid"))


def _after_preposition(text: str, at: int) -> bool:
    before = text[:at].split()[-1:]
    return bool(before) and before[0] in _PREPOSITIONS
