"""Knowledge search on the real engines: an exact identifier in the query wins in hybrid
mode, where dense similarity alone cannot tell look-alike documents apart."""

from __future__ import annotations

import httpx

RUNBOOK = (
    "Runbook for error {code}. When the payment service reports {code}, drain the worker "
    "pool, clear the retry queue and restart the service. If {code} comes back within an "
    "hour, page the on-call engineer and attach the last hundred log lines."
)
CODES = [f"ERR-{2500 + i * 7}" for i in range(60)]


async def test_an_exact_identifier_outranks_dense_look_alikes_in_hybrid_mode(
    client: httpx.AsyncClient,
) -> None:
    docs = [{"external_id": code, "text": RUNBOOK.format(code=code)} for code in CODES]
    r = await client.post(
        "/v1/collections/runbooks/documents?background=false", json={"documents": docs}
    )
    assert r.status_code == 201, r.text
    by_id = {d["id"]: d["external_id"] for d in r.json()["documents"]}
    for code in CODES[::12]:
        found = await client.post(
            "/v1/collections/runbooks/search",
            json={"query": f"What to do about {code}?", "top_k": 3, "mode": "hybrid"},
        )
        assert found.status_code == 200, found.text
        top = found.json()["results"][0]
        assert by_id[top["document_id"]] == code
        assert top["legs"][-1] == "lexical"  # the exact term carried it
