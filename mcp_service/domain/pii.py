"""PII redaction, the pure part: findings, typed placeholders and their restoration.

Detection itself (phone numbers, checksums) lives in an adapter behind `PiiDetector`;
this module decides what a finding becomes (`<EMAIL_1>`), keeps the numbering stable
through a `PlaceholderMap` (loaded from, and saved to, the session's vault), and turns
placeholders back into values, in whole texts and in streamed deltas.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

from mcp_service.domain.errors import InvalidInput

Mode = Literal["off", "mask", "block"]
MODES: tuple[Mode, ...] = ("off", "mask", "block")
# Most specific first: when two findings overlap, the earlier kind here wins a tie.
KINDS: tuple[str, ...] = ("SECRET", "CARD", "IBAN", "EMAIL", "SSN", "PHONE", "IP")
PLACEHOLDER = re.compile(r"<(" + "|".join(KINDS) + r")_(\d{1,6})>", re.IGNORECASE)
_LONGEST_PLACEHOLDER = len("<SECRET_999999>")
_PARTIAL = re.compile(r"<[A-Za-z]{0,6}(?:_\d{0,6})?\Z")


@dataclass(frozen=True)
class Finding:
    """A detected value: `text[start:end]` is of `kind` (one of KINDS)."""

    kind: str
    start: int
    end: int
    value: str


class PiiDetector(Protocol):
    """Finds personal data and secrets in text (no model downloads)."""

    def find(self, text: str) -> list[Finding]: ...


class PiiBlocked(InvalidInput):
    """Mode `block`: the input carries personal data, so it is refused (422)."""

    def __init__(self, kinds: Iterable[str], *, field: str = "message") -> None:
        self.kinds = sorted(set(kinds), key=KINDS.index)
        super().__init__(
            "the request contains personal data or secrets that may not be sent to the "
            f"model (PII redaction mode 'block'): {', '.join(self.kinds)}",
            field=field,
        )


def resolve(findings: Iterable[Finding]) -> list[Finding]:
    """Non-overlapping findings in text order: of overlapping ones the longer wins, then
    the more specific kind (a card number is not also a phone number)."""
    ranked = sorted(findings, key=lambda f: (-(f.end - f.start), KINDS.index(f.kind), f.start))
    kept: list[Finding] = []
    for f in ranked:
        if all(f.end <= k.start or f.start >= k.end for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: f.start)


def value_key(kind: str, value: str) -> str:
    """The identity of a value within a session: its normal form, hashed (an e-mail
    address in another case or a card number with other spacing is the same value)."""
    if kind in ("EMAIL", "IBAN"):
        normal = re.sub(r"\s+", "", value).lower()
    elif kind in ("PHONE", "CARD", "SSN"):
        normal = re.sub(r"\D", "", value)
    else:
        normal = value.strip()
    return hashlib.sha256(f"{kind}:{normal}".encode()).hexdigest()


@dataclass(frozen=True)
class VaultEntry:
    """One value of a session and its placeholder number (`<KIND_number>`)."""

    kind: str
    number: int
    key: str  # value_key(kind, value)
    value: str

    @property
    def placeholder(self) -> str:
        return f"<{self.kind}_{self.number}>"


@dataclass
class PlaceholderMap:
    """The placeholders of one session: known entries, plus those assigned since loading
    (`added`, to be saved to the vault)."""

    entries: list[VaultEntry] = field(default_factory=list)
    added: list[VaultEntry] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_key = {e.key: e for e in self.entries}
        self._by_placeholder = {e.placeholder: e.value for e in self.entries}
        self._next = Counter[str]()
        for e in self.entries:
            self._next[e.kind] = max(self._next[e.kind], e.number)

    def knows(self, finding: Finding) -> bool:
        return value_key(finding.kind, finding.value) in self._by_key

    def placeholder_for(self, finding: Finding) -> str:
        key = value_key(finding.kind, finding.value)
        entry = self._by_key.get(key)
        if entry is None:
            self._next[finding.kind] += 1
            entry = VaultEntry(finding.kind, self._next[finding.kind], key, finding.value)
            self._by_key[key] = entry
            self._by_placeholder[entry.placeholder] = entry.value
            self.added.append(entry)
        return entry.placeholder

    def value_of(self, placeholder: str) -> str | None:
        kind, _, number = placeholder.strip("<>").upper().rpartition("_")
        return self._by_placeholder.get(f"<{kind}_{int(number)}>")


@dataclass
class MaskCounts:
    """How many values of each kind were masked (occurrences), never the values."""

    occurrences: Counter[str] = field(default_factory=Counter)
    distinct: dict[str, set[str]] = field(default_factory=dict)

    def add(self, kind: str, placeholder: str) -> None:
        self.occurrences[kind] += 1
        self.distinct.setdefault(kind, set()).add(placeholder)

    def to_dict(self) -> dict[str, dict[str, int]]:
        order = [k for k in KINDS if self.occurrences[k]]
        return {
            "masked": {k: self.occurrences[k] for k in order},
            "distinct": {k: len(self.distinct[k]) for k in order},
        }


def mask(
    text: str, findings: list[Finding], placeholders: PlaceholderMap, counts: MaskCounts
) -> str:
    """`text` with every (resolved) finding replaced by its placeholder."""
    if not findings:
        return text
    out: list[str] = []
    at = 0
    for f in findings:
        token = placeholders.placeholder_for(f)
        counts.add(f.kind, token)
        out.append(text[at : f.start])
        out.append(token)
        at = f.end
    out.append(text[at:])
    return "".join(out)


def unmask(text: str, placeholders: PlaceholderMap) -> str:
    """Placeholders of the map replaced by their values; unknown ones are left as they are."""

    def restore(match: re.Match[str]) -> str:
        value = placeholders.value_of(match.group(0))
        return match.group(0) if value is None else value

    return PLACEHOLDER.sub(restore, text)


class StreamRestorer:
    """Restores placeholders in a stream of text deltas. A delta that ends inside what
    may be a placeholder (`…<EMA`) is held back until the next one completes or refutes it,
    so a placeholder split across chunks is still restored."""

    def __init__(self, placeholders: PlaceholderMap) -> None:
        self.placeholders = placeholders
        self._held = ""

    def feed(self, delta: str) -> str:
        text = self._held + delta
        cut = text.rfind("<")
        if cut >= 0 and len(text) - cut < _LONGEST_PLACEHOLDER and _PARTIAL.match(text, cut):
            self._held, text = text[cut:], text[:cut]
        else:
            self._held = ""
        return unmask(text, self.placeholders)

    def flush(self) -> str:
        """What is still held back (the stream ended)."""
        text, self._held = self._held, ""
        return unmask(text, self.placeholders)


def kinds_in(findings: Iterable[Finding]) -> list[str]:
    found = {f.kind for f in findings}
    return [k for k in KINDS if k in found]


def parse_mode(raw: object, default: Mode) -> Mode:
    """A tenant setting's mode, else the default."""
    for mode in MODES:
        if raw == mode:
            return mode
    return default


def restore_map(entries: Mapping[str, str]) -> PlaceholderMap:
    """A map from `{placeholder: value}` (tests and tools)."""
    made = []
    for token, value in entries.items():
        kind, _, number = token.strip("<>").rpartition("_")
        made.append(VaultEntry(kind, int(number), value_key(kind, value), value))
    return PlaceholderMap(made)
