"""`mcp-service ingest`: folder walking, unchanged files skipped, failures per file, and
the same through a running server (`--url`), including a queued job."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import httpx
from tqdm import tqdm

from mcp_service.adapters.parsers import DocumentParsers
from mcp_service.api.app import create_app
from mcp_service.bootstrap import Container
from mcp_service.cli.ingest import Tally, discover, ingest_local, read_batch
from mcp_service.cli.ingest_remote import RemoteIngest
from mcp_service.services.knowledge.collections import IngestLimits

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ingest"


def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "docs"
    (root / "policies").mkdir(parents=True)
    (root / ".git").mkdir()
    for p in FIXTURES.iterdir():
        target = root / "policies" if p.suffix == ".pdf" else root
        shutil.copy(p, target / p.name)
    (root / ".git" / "config.txt").write_text("hidden: never ingested")
    (root / "slides.pptx").write_bytes(b"not a supported type")
    return root


def args(**extra: object) -> argparse.Namespace:
    return argparse.Namespace(collection="cli", metadata={}, **extra)


async def test_a_folder_is_ingested_once_and_failures_do_not_stop_it(
    container: Container, tmp_path: Path
) -> None:
    found, problems = discover([corpus(tmp_path)], DocumentParsers())
    assert problems == []
    names = [f.name for f in found]
    assert "policies/policy.pdf" in names and "notes.txt" in names
    assert not any(".git" in n or n.endswith(".pptx") for n in names)

    first = Tally(tqdm(disable=True))
    await ingest_local(container.knowledge, "default", args(), found, first)
    assert first.counts == {"created": 8, "failed": 4}
    assert first.files_done == set(names)
    again = Tally(tqdm(disable=True))
    await ingest_local(container.knowledge, "default", args(), found, again)
    assert again.counts == {"unchanged": 8, "failed": 4} and again.chunks == 0
    async with container.deps.uow() as uow:
        pdf = await uow.documents.by_external_ids("default", "cli", ["policies/policy.pdf"])
    assert pdf["policies/policy.pdf"].metadata["source"] == "policies/policy.pdf"


async def test_remote_ingest_uploads_and_waits_for_queued_jobs(
    container: Container, tmp_path: Path
) -> None:
    found, _ = discover([corpus(tmp_path)], DocumentParsers())
    transport = httpx.ASGITransport(app=create_app(container.settings, container))
    tally = Tally(tqdm(disable=True))
    files = read_batch(found, {}, tally)
    async with RemoteIngest("http://test", None, "remote", transport=transport) as remote:
        tally.add(await remote.send(files[:3]))  # small: ingested at once
        container.knowledge.limits = IngestLimits(sync_max_documents=1)
        halt = container.start_background()
        try:
            remote._poll_s = 0.05
            tally.add(await remote.send(files[3:]))  # queued as a job, then polled
        finally:
            await halt()
    assert tally.counts.get("failed") == 4
    assert tally.counts.get("created", 0) + tally.counts.get("ingested", 0) == 8
    assert tally.chunks > 0
