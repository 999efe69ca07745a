// Sessions: search by id, user and metadata; last activity, turns, how far background
// memory has caught up (turns embedded, summary point), legal hold. Paginated.

import { get, seg } from "../api.js";
import { ago, badge, clear, errorBox, h, kv, num, routeTo, table, when } from "../dom.js";

const PAGE = 50;

/** "app=support, tier=2" or a JSON object → the metadata filter (values as JSON if they parse). */
export function metadataFilter(text) {
  const raw = (text || "").trim();
  if (!raw) return null;
  if (raw.startsWith("{")) return raw;
  const out = {};
  for (const pair of raw.split(",")) {
    const [k, ...rest] = pair.split("=");
    if (!k.trim()) continue;
    const v = rest.join("=").trim();
    let value = v;
    try {
      const parsed = JSON.parse(v);
      if (["number", "boolean"].includes(typeof parsed)) value = parsed;
    } catch {
      value = v;
    }
    out[k.trim()] = value;
  }
  return JSON.stringify(out);
}

function memoryCell(s) {
  const m = s.memory || {};
  const turns = m.turns || 0;
  const pct = turns ? Math.round((100 * (m.turns_embedded || 0)) / turns) : 100;
  return h(
    "div",
    { class: "catchup", title: `${m.turns_embedded} of ${turns} turns embedded for recall` },
    h("span", { class: "track small" }, h("span", { class: `fill ${pct === 100 ? "done" : ""}`, style: { width: `${pct}%` } })),
    h("span", {}, ` ${num(m.turns_embedded)}/${num(turns)} embedded`),
    h("span", { class: "muted" }, m.summary_through_seq ? ` · summary through #${m.summary_through_seq}` : " · no summary"),
  );
}

function searchForm(query) {
  const field = (name, labelText, placeholder) =>
    h("label", {}, labelText, h("input", { name, value: query[name] || "", placeholder, autocomplete: "off" }));
  const order = h(
    "select",
    { name: "order" },
    h("option", { value: "recent", selected: query.order !== "id" }, "latest activity first"),
    h("option", { value: "id", selected: query.order === "id" }, "by id"),
  );
  return h(
    "form",
    {
      class: "search",
      onsubmit: (event) => {
        event.preventDefault();
        const data = Object.fromEntries(new FormData(event.target));
        window.location.hash = routeTo("/sessions", data);
      },
    },
    field("q", "Session id contains", "e.g. support-"),
    field("user_id", "User", "exact user id"),
    field("metadata", "Metadata", "app=support, tier=2"),
    h("label", {}, "Order", order),
    h("button", { type: "submit" }, "Search"),
  );
}

async function drawResults(out, query) {
  const params = {
    limit: PAGE,
    include: "memory",
    order: query.order || "recent",
    q: query.q,
    user_id: query.user_id,
    metadata: metadataFilter(query.metadata),
    cursor: query.cursor,
  };
  let page;
  try {
    page = await get("/v1/sessions", params);
  } catch (err) {
    clear(out, errorBox(err));
    return;
  }
  const rows = page.items;
  const link = (s) => h("a", { href: `#/sessions/${seg(s.id)}`, class: "session-link" }, s.id);
  const grid = table(
    [
      { title: "session", cell: link },
      { title: "user", cell: (s) => s.user_id || h("span", { class: "muted" }, "–") },
      { title: "last activity", cell: (s) => h("span", { title: when(s.last_activity_at) }, ago(s.last_activity_at)) },
      { title: "turns", num: true, cell: (s) => num(s.memory ? s.memory.turns : s.turn_count) },
      { title: "memory catch-up", cell: memoryCell },
      { title: "legal hold", cell: (s) => (s.legal_hold ? badge("legal hold", "hold") : "") },
      { title: "metadata", cell: (s) => kv(s.metadata, "") },
    ],
    rows,
    { empty: "No sessions match.", rowAttrs: (s) => ({ dataset: { session: s.id } }) },
  );
  const back = query.cursor
    ? h("a", { href: routeTo("/sessions", { ...query, cursor: undefined }), class: "button" }, "First page")
    : null;
  const next = page.next_cursor
    ? h("a", { href: routeTo("/sessions", { ...query, cursor: page.next_cursor }), class: "button", rel: "next" }, `Next ${PAGE}`)
    : null;
  clear(out, h("p", { class: "muted count" }, `${rows.length} session${rows.length === 1 ? "" : "s"} on this page`), grid, h("div", { class: "pager" }, back, next));
}

export async function render(root, ctx) {
  const out = h("div", { class: "results" });
  clear(root, h("h1", {}, "Sessions"), searchForm(ctx.query), out);
  await drawResults(out, ctx.query);
}

export async function update(ctx) {
  const root = document.querySelector(".page-sessions");
  await render(root, ctx);
}
