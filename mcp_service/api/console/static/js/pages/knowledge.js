// Knowledge: collections, their documents (chunks, source), ingest jobs with live
// progress, and a search box showing each hit's score and which search legs found it.

import { get, post, seg } from "../api.js";
import { ago, badge, clear, errorBox, h, kv, num, routeTo, section, table, when } from "../dom.js";

const POLL_MS = 1000;

function jobProgress(job) {
  const p = job.progress || {};
  const total = p.documents_total || 0;
  const done = p.documents_done || 0;
  const pct = total ? Math.round((100 * done) / total) : job.status === "done" ? 100 : 0;
  return h(
    "div",
    { class: "job-progress", dataset: { done: String(done), total: String(total) } },
    h("span", { class: "track" }, h("span", { class: `fill ${job.status === "done" ? "done" : ""}`, style: { width: `${pct}%` } })),
    h("span", {}, ` ${num(done)}/${num(total)} documents · ${num(p.chunks_done)} chunks`),
    p.failed ? h("span", { class: "error-text" }, ` · ${p.failed} failed`) : null,
  );
}

function jobErrors(job) {
  const errors = ((job.result || job.progress || {}).errors || []).map((e) => `${e.source}: ${e.error}`);
  if (job.last_error) errors.push(job.last_error);
  if (!errors.length) return "";
  return h("details", {}, h("summary", { class: "error-text" }, `${errors.length} error${errors.length > 1 ? "s" : ""}`), h("ul", {}, errors.map((e) => h("li", {}, e))));
}

function jobsTable(items) {
  return table(
    [
      { title: "job", cell: (j) => h("code", {}, j.id.slice(0, 8)) },
      { title: "status", cell: (j) => badge(j.status, `job-${j.status}`) },
      { title: "progress", cell: jobProgress },
      { title: "started", cell: (j) => h("span", { title: when(j.created_at) }, ago(j.created_at)) },
      { title: "errors", cell: jobErrors },
    ],
    items,
    { empty: "No ingest jobs. Small ingests finish in the request; large ones run here.", rowAttrs: (j) => ({ dataset: { job: j.id, status: j.status } }) },
  );
}

async function jobsCard(signal) {
  const out = h("div", {});
  const card = section("Ingest jobs", out);
  const draw = async () => {
    const page = await get("/v1/jobs", { kind: "ingest", limit: 20 });
    clear(out, jobsTable(page.items));
    return page.items.some((j) => j.status === "queued" || j.status === "running");
  };
  const poll = async () => {
    if (signal.aborted || !card.isConnected) return;
    try {
      if (await draw()) setTimeout(poll, POLL_MS);
    } catch (err) {
      clear(out, errorBox(err));
    }
  };
  if (await draw()) setTimeout(poll, POLL_MS);
  return card;
}

function searchCard(collection) {
  const out = h("div", { class: "hits" });
  const form = h(
    "form",
    {
      class: "search",
      onsubmit: async (event) => {
        event.preventDefault();
        const data = Object.fromEntries(new FormData(form));
        try {
          const found = await post(`/v1/collections/${seg(collection)}/search`, { query: data.query, mode: data.mode, top_k: Number(data.top_k) || 5 });
          clear(out, found.results.length ? found.results.map((r, i) => hit(collection, r, i)) : h("p", { class: "muted" }, "No hits."));
        } catch (err) {
          clear(out, errorBox(err));
        }
      },
    },
    h("label", {}, "Query", h("input", { name: "query", required: true, placeholder: "search this collection" })),
    h("label", {}, "Mode", h("select", { name: "mode" }, ["hybrid", "dense", "lexical"].map((m) => h("option", { value: m }, m)))),
    h("label", {}, "Top k", h("input", { name: "top_k", type: "number", min: "1", max: "100", value: "5" })),
    h("button", { type: "submit" }, "Search"),
  );
  return section("Search", form, out);
}

function hit(collection, r, i) {
  const href = routeTo(`/knowledge/${seg(collection)}/${seg(r.document_id)}`, { chunk: r.chunk_id });
  return h(
    "article",
    { class: "hit", dataset: { chunk: r.chunk_id } },
    h(
      "header",
      {},
      h("strong", {}, `${i + 1}.`),
      h("span", { class: "score" }, ` score ${Number(r.score).toFixed(4)} `),
      (r.legs || []).map((leg) => badge(leg, `leg leg-${leg}`)),
      " ",
      h("a", { href }, "document"),
    ),
    h("div", { class: "content" }, r.text),
  );
}

async function collections() {
  const page = await get("/v1/collections");
  return section(
    "Collections",
    table(
      [
        { title: "collection", cell: (c) => h("a", { href: `#/knowledge/${seg(c.name)}` }, c.name) },
        { title: "documents", num: true, cell: (c) => num(c.document_count) },
        { title: "description", cell: (c) => c.description || "" },
        { title: "created", cell: (c) => when(c.created_at) },
      ],
      page.items,
      { empty: "No collections yet: POST /v1/collections/{name}/documents or `mcp-service ingest`." },
    ),
  );
}

async function documents(collection, cursor) {
  const page = await get(`/v1/collections/${seg(collection)}/documents`, { limit: 50, cursor });
  const next = page.next_cursor
    ? h("a", { class: "button", href: routeTo(`/knowledge/${seg(collection)}`, { cursor: page.next_cursor }) }, "Next 50")
    : null;
  return section(
    "Documents",
    table(
      [
        { title: "source", cell: (d) => h("a", { href: `#/knowledge/${seg(collection)}/${seg(d.id)}` }, d.external_id || d.id) },
        { title: "title", cell: (d) => d.title || "" },
        { title: "status", cell: () => badge("indexed", "job-done") },
        { title: "chunks", num: true, cell: (d) => num(d.chunk_count) },
        { title: "updated", cell: (d) => when(d.updated_at) },
        { title: "metadata", cell: (d) => kv(d.metadata, "") },
      ],
      page.items,
      { empty: "No documents in this collection." },
    ),
    h("div", { class: "pager" }, cursor ? h("a", { class: "button", href: `#/knowledge/${seg(collection)}` }, "First page") : null, next),
  );
}

async function documentView(root, collection, documentId, chunkId) {
  const [doc, chunks] = await Promise.all([
    get(`/v1/collections/${seg(collection)}/documents/${seg(documentId)}`),
    get(`/v1/collections/${seg(collection)}/documents/${seg(documentId)}/chunks`),
  ]);
  clear(
    root,
    h("p", {}, h("a", { href: `#/knowledge/${seg(collection)}` }, `← ${collection}`)),
    h("h1", {}, doc.title || doc.external_id || doc.id),
    h("p", { class: "muted" }, `source ${doc.external_id || "–"} · ${num(doc.chunk_count)} chunks · updated ${when(doc.updated_at)} · id ${doc.id}`),
    kv(doc.metadata, ""),
    section(
      "Chunks",
      chunks.items.map((c) =>
        h(
          "article",
          { class: `chunk ${c.id === chunkId ? "selected" : ""}`, id: `chunk-${c.id}`, dataset: { chunk: c.id } },
          h("header", { class: "muted" }, `#${c.position} · ${num(c.token_count)} tokens · ${c.id}`),
          h("div", { class: "content" }, c.text),
        ),
      ),
    ),
  );
  const selected = chunkId && document.getElementById(`chunk-${chunkId}`);
  if (selected) selected.scrollIntoView({ block: "center" });
}

export async function render(root, ctx) {
  const [collection, documentId] = ctx.params;
  if (collection && documentId) {
    await documentView(root, collection, documentId, ctx.query.chunk);
    return;
  }
  if (collection) {
    clear(root, h("p", {}, h("a", { href: "#/knowledge" }, "← collections")), h("h1", {}, `Collection ${collection}`));
    const [docs, jobs] = await Promise.all([documents(collection, ctx.query.cursor), jobsCard(ctx.signal)]);
    root.append(searchCard(collection), docs, jobs);
    return;
  }
  clear(root, h("h1", {}, "Knowledge"));
  const [cols, jobs] = await Promise.all([collections(), jobsCard(ctx.signal)]);
  root.append(cols, jobs);
}

export async function update(ctx) {
  await render(document.querySelector(".page-knowledge"), ctx);
}
