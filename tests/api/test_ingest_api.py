"""Ingestion over HTTP: multipart uploads, JSON formats, background jobs, search options."""

from __future__ import annotations

from pathlib import Path

import httpx

from mcp_service.bootstrap import Container

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ingest"
DOCS = "/v1/collections/kb/documents"


def upload(*names: str) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (n, (FIXTURES / n).read_bytes(), "application/octet-stream")) for n in names]


async def test_multipart_upload_reports_each_file(client: httpx.AsyncClient) -> None:
    r = await client.post(
        DOCS,
        files=upload("policy.pdf", "handbook.md", "latin1.txt", "corrupt.pdf"),
        data={"metadata": '{"team": "people"}'},
    )
    assert r.status_code == 201, r.text
    docs = {d["source"]: d for d in r.json()["documents"]}
    assert docs["policy.pdf"]["status"] == "created" and docs["policy.pdf"]["chunks"] == 2
    assert docs["latin1.txt"]["status"] == "failed" and "not UTF-8" in docs["latin1.txt"]["error"]
    assert docs["corrupt.pdf"]["status"] == "failed"

    pdf = (await client.get(f"{DOCS}/{docs['policy.pdf']['id']}")).json()
    assert pdf["external_id"] == "policy.pdf" and pdf["title"] == "Travel and Expenses"
    assert pdf["metadata"] == {
        "team": "people",
        "source": "policy.pdf",
        "format": "pdf",
        "pages": 2,
    }

    r = await client.post(
        "/v1/collections/kb/search",
        json={"query": "meal allowance code EXP-4471", "top_k": 3, "filter": {"page": 2}},
    )
    (hit,) = r.json()["results"]
    assert hit["metadata"]["heading_path"] == ["Expenses"] and "lexical" in hit["legs"]

    meta = {"metadata": '{"team": "people"}'}
    again = await client.post(DOCS, files=upload("policy.pdf"), data=meta)
    assert again.json()["documents"][0]["status"] == "unchanged"
    other_meta = await client.post(DOCS, files=upload("policy.pdf"))  # metadata is content
    assert other_meta.json()["documents"][0]["status"] == "replaced"


async def test_an_upload_where_every_file_fails_is_a_422(client: httpx.AsyncClient) -> None:
    r = await client.post(DOCS, files=upload("latin1.txt", "corrupt.pdf"))
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in r.json()["errors"]] == ["latin1.txt", "corrupt.pdf"]


async def test_large_ingests_become_jobs_to_poll(
    client: httpx.AsyncClient, container: Container
) -> None:
    docs = [{"external_id": f"d{i}", "text": f"Fact number {i} is true."} for i in range(3)]
    r = await client.post(f"{DOCS}?background=true", json={"documents": docs})
    assert r.status_code == 202, r.text
    body = r.json()
    assert r.headers["location"] == body["job"] == f"/v1/jobs/{body['job_id']}"
    queued = (await client.get(body["job"])).json()
    assert queued["status"] == "queued" and queued["progress"]["documents_total"] == 3

    await container.worker.run_until_idle()
    done = (await client.get(body["job"])).json()
    assert done["status"] == "done"
    assert done["progress"]["documents_done"] == 3 and done["result"]["created"] == 3
    assert "_replaced_document_ids" not in done["progress"]
    ids = [d["id"] for d in body["documents"]]
    assert [(await client.get(f"{DOCS}/{i}")).status_code for i in ids] == [200] * 3

    async with container.deps.uow(write=True) as uow:
        await uow.tenants.ensure("other")
        theirs = await uow.jobs.enqueue("ingest", {"documents": []}, tenant_id="other")
        await uow.commit()
    assert (await client.get(f"/v1/jobs/{theirs}")).status_code == 404
    assert (await client.get("/v1/jobs/nope")).status_code == 404


async def test_json_documents_in_markdown_keep_headings(client: httpx.AsyncClient) -> None:
    text = "# Guide\n\n## Install\n\nRun the installer.\n\n## Remove\n\nDelete the folder."
    r = await client.post(
        DOCS, json={"documents": [{"external_id": "g", "text": text, "format": "markdown"}]}
    )
    assert r.status_code == 201 and r.json()["documents"][0]["chunks"] == 2
    r = await client.post(
        "/v1/collections/kb/search", json={"query": "installer", "top_k": 1, "mode": "lexical"}
    )
    assert r.json()["results"][0]["metadata"]["heading_path"] == ["Guide", "Install"]
    dup = [{"external_id": "x", "text": "a"}, {"external_id": "x", "text": "b"}]
    assert (await client.post(DOCS, json={"documents": dup})).status_code == 422
    bad = await client.post(DOCS, json={"documents": [{"text": "a", "format": "docx"}]})
    assert bad.status_code == 422 and "format" in bad.text


async def test_mmr_makes_room_for_a_different_answer(client: httpx.AsyncClient) -> None:
    texts = [
        "The cafeteria serves lunch from 11:30 to 14:00 on weekdays.",
        "On weekdays the cafeteria serves lunch between 11:30 and 14:00.",
        "Lunch in the cafeteria is served weekdays, 11:30 until 14:00.",
        "Lunch vouchers for the nearby restaurants are handed out at reception.",
    ]
    docs = [{"external_id": f"l{i}", "text": t} for i, t in enumerate(texts)]
    assert (await client.post(DOCS, json={"documents": docs})).status_code == 201
    query = {"query": "where can I get lunch", "top_k": 2, "mode": "dense"}
    plain = (await client.post("/v1/collections/kb/search", json=query)).json()["results"]
    diverse = (await client.post("/v1/collections/kb/search", json={**query, "mmr": True})).json()[
        "results"
    ]
    assert all("cafeteria" in h["text"] for h in plain)
    assert any("vouchers" in h["text"] for h in diverse)
