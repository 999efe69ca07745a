// Audit and quotas (admin): the tenant's quotas with what is used now (GET /v1/quotas), and
// the audit log of admin actions, newest first, filtered by action (GET /v1/audit).

import { get } from "../api.js";
import { badge, clear, h, kv, num, routeTo, section, table, when } from "../dom.js";

const PAGE = 50;

function limitCell(limit, used) {
  if (limit === null || limit === undefined) return h("span", { class: "muted" }, `unlimited · ${num(used)} used`);
  const fill = limit > 0 ? Math.min(100, (100 * (used || 0)) / limit) : 100;
  return [
    h("span", { class: "track small" }, h("span", { class: `fill${fill >= 100 ? " over" : ""}`, style: { width: `${fill}%` } })),
    ` ${num(used)} of ${num(limit)}`,
  ];
}

function keyName(keys, id) {
  if (!id) return h("span", { class: "muted" }, "–");
  const k = keys.get(id);
  return k ? [h("code", {}, `${k.prefix}…`), k.name ? ` ${k.name}` : ""] : h("code", {}, id);
}

function quotaTable(quotas, keys) {
  return table(
    [
      { title: "applies to", cell: (q) => (q.scope === "tenant" ? h("strong", {}, `tenant ${q.tenant_id}`) : ["key ", keyName(keys, q.key_id)]) },
      { title: "tokens today", cell: (q) => limitCell(q.tokens_per_day, (q.used || {}).tokens_today) },
      { title: "requests in the last minute", cell: (q) => limitCell(q.requests_per_minute, (q.used || {}).requests_last_minute) },
      { title: "set", cell: (q) => when(q.updated_at) },
    ],
    quotas.items,
    {
      empty: "No quotas: every key of this tenant is unlimited. PUT /v1/quotas/keys/{key_id} (or /v1/quotas/tenant, superadmin) sets one.",
      rowAttrs: (q) => ({ dataset: { quota: q.scope === "tenant" ? "tenant" : q.key_id } }),
    },
  );
}

function auditTable(events, keys) {
  return table(
    [
      { title: "when", cell: (e) => when(e.at) },
      { title: "action", cell: (e) => h("code", {}, e.action) },
      { title: "outcome", cell: (e) => badge(`${e.outcome} · ${e.status}`, e.outcome === "ok" ? "job-done" : "job-dead") },
      { title: "target", cell: (e) => (keys.has(e.target) ? ["key ", keyName(keys, e.target)] : e.target ? h("code", {}, e.target) : h("span", { class: "muted" }, "–")) },
      { title: "by", cell: (e) => [e.actor.tenant_id !== e.tenant_id ? `${e.actor.tenant_id} · ` : "", keyName(keys, e.actor.key_id)] },
      { title: "details", cell: (e) => kv(e.details, "–") },
      { title: "request", cell: (e) => (e.request_id ? h("code", { class: "muted" }, String(e.request_id).slice(0, 12)) : "") },
    ],
    events.items,
    { empty: "No audited admin actions yet.", rowAttrs: (e) => ({ dataset: { event: String(e.id), action: e.action } }) },
  );
}

function filterForm(query) {
  return h(
    "form",
    {
      class: "search",
      onsubmit: (event) => {
        event.preventDefault();
        const data = Object.fromEntries(new FormData(event.target));
        window.location.hash = routeTo("/audit", { ...data, tenant: query.tenant });
      },
    },
    h("label", {}, "Action", h("input", { name: "action", value: query.action || "", placeholder: "api_key.create, quota.put …" })),
    h("button", { type: "submit" }, "Filter"),
  );
}

export async function render(root, ctx) {
  const tenantId = ctx.query.tenant || ctx.me.tenant_id;
  const other = tenantId !== ctx.me.tenant_id ? tenantId : undefined;
  const [quotas, events, keyPage] = await Promise.all([
    get("/v1/quotas", { tenant_id: other }),
    get("/v1/audit", { tenant_id: other, action: ctx.query.action, limit: PAGE, cursor: ctx.query.cursor }),
    get("/v1/api-keys", { tenant_id: other, limit: 200 }).catch(() => ({ items: [] })),
  ]);
  const keys = new Map(keyPage.items.map((k) => [k.id, k]));
  const next = events.next_cursor
    ? h("a", { class: "button", href: routeTo("/audit", { ...ctx.query, cursor: events.next_cursor }) }, "Older events")
    : null;
  clear(
    root,
    h("h1", {}, `Audit & quotas of ${tenantId}`),
    section("Quotas", quotaTable(quotas, keys)),
    section("Audit log", filterForm(ctx.query), auditTable(events, keys), h("div", { class: "pager" }, next)),
  );
}
