"""Synthetic document sets for the ingest and search benchmarks (deterministic by seed).

`documents()` writes a folder of Markdown, HTML, text and PDF files with sections and
paragraphs of plausible prose. `records()` builds look-alike support tickets that
differ only in exact terms (ticket codes, names, part numbers, amounts): the case
where dense embeddings blur and lexical matching must carry retrieval.
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass
from pathlib import Path

from benchmarks._pdf import make_pdf

SUBJECTS = [
    "The onboarding process", "Our expense policy", "The release checklist", "Incident review",
    "The security baseline", "Quarterly planning", "The travel guideline", "Customer escalation",
    "Data retention", "The hiring loop", "Office access", "The backup strategy",
]  # fmt: skip
VERBS = [
    "requires", "describes", "limits", "documents", "covers", "explains", "defines", "tracks",
]  # fmt: skip
OBJECTS = [
    "approval by the team lead", "a written summary within two days", "receipts for every item",
    "a rollback plan for each service", "encryption of laptops and phones",
    "a review of open risks", "booking through the internal portal", "a named owner per task",
    "deletion of logs after ninety days", "structured interviews with scorecards",
    "badges that are renewed every year", "nightly snapshots kept for thirty days",
]  # fmt: skip
CLOSERS = [
    "Exceptions are recorded in the tracker.", "Questions go to the operations channel.",
    "The policy is reviewed every quarter.", "Managers confirm the result in writing.",
    "Everything is audited once a year.", "Deviations need a short justification.",
]  # fmt: skip
FIRST = ["Priya", "Jonas", "Amara", "Li", "Mateo", "Sofia", "Kwame", "Elena", "Ravi", "Noor"]
SYLLABLES = ["ka", "ro", "vin", "mel", "sa", "dor", "li", "ben", "tu", "gar", "no", "wei"]
SYSTEMS = ["VPN gateway", "payroll export", "build cluster", "mail relay", "badge reader"]
SITES = ["Frankfurt", "Lisbon", "Nairobi", "Austin", "Osaka"]
FAULTS = ["drops connections", "times out", "rejects logins", "runs out of disk", "is slow"]


def sentence(rng: random.Random) -> str:
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}."


def paragraph(rng: random.Random, sentences: int) -> str:
    body = " ".join(sentence(rng) for _ in range(sentences))
    return f"{body} {rng.choice(CLOSERS)}"


def _sections(rng: random.Random, sections: int, paragraphs: int) -> list[tuple[str, list[str]]]:
    return [
        (
            f"Section {s + 1}: {rng.choice(SUBJECTS).removeprefix('The ').capitalize()}",
            [paragraph(rng, rng.randint(3, 7)) for _ in range(paragraphs)],
        )
        for s in range(sections)
    ]


def _markdown(title: str, sections: list[tuple[str, list[str]]]) -> bytes:
    parts = [f"# {title}"]
    for heading, paras in sections:
        parts += [f"## {heading}", *paras]
    return "\n\n".join(parts).encode()


def _html(title: str, sections: list[tuple[str, list[str]]]) -> bytes:
    body = [f"<h1>{html.escape(title)}</h1>"]
    for heading, paras in sections:
        body.append(f"<h2>{html.escape(heading)}</h2>")
        body += [f"<p>{html.escape(p)}</p>" for p in paras]
    page = f"<html><head><title>{html.escape(title)}</title></head><body>{''.join(body)}</body>"
    return f"{page}</html>".encode()


def _text(title: str, sections: list[tuple[str, list[str]]]) -> bytes:
    return "\n\n".join([title] + [p for _, paras in sections for p in paras]).encode()


def _pdf(title: str, sections: list[tuple[str, list[str]]]) -> bytes:
    pages: list[list[str]] = []
    outline: list[tuple[str, int]] = []
    for heading, paras in sections:
        lines = [heading, ""]
        for para in paras:
            words, line = para.split(), ""
            for word in words:
                if len(line) + len(word) > 90:
                    lines.append(line)
                    line = ""
                line = f"{line} {word}".strip()
            lines += [line, ""]
        outline.append((heading, len(pages)))
        pages.append(lines[:48])
    return make_pdf(pages, title=title, outline=outline)


WRITERS = {".md": _markdown, ".html": _html, ".txt": _text, ".pdf": _pdf}


def documents(
    folder: Path, count: int, *, seed: int = 7, sections: int = 4, paragraphs: int = 3
) -> list[Path]:
    """Write `count` documents, cycling through the formats; return their paths."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    kinds = list(WRITERS)
    for i in range(count):
        ext = kinds[i % len(kinds)]
        title = f"Handbook part {i}: {rng.choice(SUBJECTS).removeprefix('The ').lower()}"
        path = folder / f"doc-{i:05d}{ext}"
        path.write_bytes(WRITERS[ext](title, _sections(rng, sections, paragraphs)))
        paths.append(path)
    return paths


@dataclass(frozen=True)
class Record:
    external_id: str
    text: str
    code: str
    owner: str
    part: str
    amount: str


@dataclass(frozen=True)
class Query:
    text: str
    relevant: str  # the external id that answers it
    kind: str  # ticket | name | part | amount


def records(count: int, *, seed: int = 11) -> list[Record]:
    rng = random.Random(seed)
    out = []
    codes = rng.sample(range(10000, 99999), count)
    parts = rng.sample(range(1000, 9999), count)
    amounts = rng.sample(range(100000, 999999), count)
    owners: set[str] = set()
    for i in range(count):
        owner = ""
        while not owner or owner in owners:
            surname = "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()
            owner = f"{rng.choice(FIRST)} {surname}"
        owners.add(owner)
        code, part, amount = f"INC-{codes[i]}", f"XK-{parts[i]}-B", f"{amounts[i]}"
        text = (
            f"Ticket {code}: the {rng.choice(SYSTEMS)} in {rng.choice(SITES)} "
            f"{rng.choice(FAULTS)} after the last update. Owner: {owner}. "
            f"Replacement part {part} was ordered on invoice {amount}. "
            f"{rng.choice(CLOSERS)}"
        )
        out.append(Record(f"ticket-{i}", text, code, owner, part, amount))
    return out


def queries(recs: list[Record], *, seed: int = 13) -> list[Query]:
    rng = random.Random(seed)
    out = []
    for r in rng.sample(recs, min(len(recs), 100)):
        out += [
            Query(f"What is the status of ticket {r.code}?", r.external_id, "ticket code"),
            Query(f"Which tickets does {r.owner} own?", r.external_id, "name"),
            Query(f"Who ordered replacement part {r.part}?", r.external_id, "part number"),
            Query(f"Which ticket is invoice {r.amount} for?", r.external_id, "number"),
        ]
    return out


RUNBOOK_TEXT = (
    "Runbook for error {code}. When the payment service reports {code}, drain the worker "
    "pool, clear the retry queue and restart the service. If {code} comes back within an "
    "hour, page the on-call engineer and attach the last hundred log lines."
)
UNRELATED_QUERIES = (
    "Hi, I am Dana from QA.",
    "Thanks, that's all for today!",
    "Tell me a joke about cats.",
    "What's the weather like in Paris?",
    "Can you help me write a birthday card for my aunt?",
    "Good morning!",
    "Who won the football match last night?",
    "Translate 'see you soon' into Spanish.",
)


def runbooks(count: int = 60, *, seed: int = 17) -> list[Record]:
    """Look-alike runbooks that differ only by their error code (ERR-2533 …)."""
    rng = random.Random(seed)
    codes = rng.sample(range(1000, 9999), count)
    out = []
    for i, number in enumerate(codes):
        code = f"ERR-{number}"
        out.append(Record(f"runbook-{i}", RUNBOOK_TEXT.format(code=code), code, "", "", ""))
    return out


def runbook_queries(recs: list[Record], *, count: int = 20, seed: int = 19) -> list[Query]:
    rng = random.Random(seed)
    phrasings = ("What to do about {code}?", "How do I fix {code}?", "{code} keeps happening")
    return [
        Query(rng.choice(phrasings).format(code=r.code), r.external_id, "error code")
        for r in rng.sample(recs, count)
    ]
