// Usage: tokens and calls per day, model and user, as charts; the job queue's depth and lag.

import { get } from "../api.js";
import { bars, columns } from "../charts.js";
import { clear, h, num, routeTo, section } from "../dom.js";

const DAY_MS = 86_400_000;
const isoDay = (d) => d.toISOString().slice(0, 10);

function days(from, to, items) {
  const byDay = Object.fromEntries(items.map((i) => [i.key, i]));
  const out = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += DAY_MS) {
    const key = isoDay(new Date(t));
    const it = byDay[key] || {};
    out.push({ label: key, values: { prompt: it.prompt_tokens || 0, completion: it.completion_tokens || 0, calls: it.calls || 0 } });
  }
  return out;
}

// `cost` is null unless MCP_MODEL_PRICES prices the models (in that table's unit).
const cost = (i) => (i.cost === null || i.cost === undefined ? "" : ` · cost ${Number(i.cost).toFixed(4)}`);
const top = (items) =>
  items.map((i) => ({ label: i.key || "(none)", value: i.total_tokens, note: `${num(i.calls)} calls · ${num(i.prompt_tokens)} in / ${num(i.completion_tokens)} out${cost(i)}` }));

function queueCard(q) {
  const statuses = Object.entries(q.by_status || {});
  return section(
    "Job queue",
    h(
      "p",
      { class: "queue", dataset: { lag: String(q.oldest_queued_age_s) } },
      h("strong", {}, `lag ${num(Math.round(q.oldest_queued_age_s))} s`),
      " (age of the oldest runnable job)",
      q.tenant_id ? ` · tenant ${q.tenant_id}` : " · all tenants",
    ),
    bars(statuses.map(([status, n]) => ({ label: status, value: n })), { unit: " jobs" }),
  );
}

export async function render(root, ctx) {
  const to = ctx.query.to || isoDay(new Date());
  const from = ctx.query.from || isoDay(new Date(Date.now() - 29 * DAY_MS));
  const range = { from, to };
  const [perDay, perModel, perUser, queue] = await Promise.all([
    get("/v1/usage", { group_by: "day", ...range }),
    get("/v1/usage", { group_by: "model", top: 20, ...range }),
    get("/v1/usage", { group_by: "user", top: 20, ...range }),
    get("/v1/jobs/queue"),
  ]);
  const daily = days(from, to, perDay.items);
  const totals = perDay.items.reduce((a, i) => ({ calls: a.calls + i.calls, tokens: a.tokens + i.total_tokens }), { calls: 0, tokens: 0 });
  const form = h(
    "form",
    {
      class: "search",
      onsubmit: (event) => {
        event.preventDefault();
        window.location.hash = routeTo("/usage", Object.fromEntries(new FormData(event.target)));
      },
    },
    h("label", {}, "From", h("input", { type: "date", name: "from", value: from })),
    h("label", {}, "To", h("input", { type: "date", name: "to", value: to })),
    h("button", { type: "submit" }, "Show"),
  );
  clear(
    root,
    h("h1", {}, "Usage"),
    form,
    h("p", { class: "totals" }, h("strong", {}, `${num(totals.tokens)} tokens`), ` in ${num(totals.calls)} calls, ${from} – ${to}`),
    section(
      "Tokens per day",
      columns(daily, [
        { key: "prompt", name: "prompt tokens", cls: "c-prompt" },
        { key: "completion", name: "completion tokens", cls: "c-completion" },
      ]),
    ),
    section("Calls per day", columns(daily, [{ key: "calls", name: "calls", cls: "c-calls" }], { height: 120 })),
    h("div", { class: "two" }, section("Tokens per model (top 20)", bars(top(perModel.items))), section("Tokens per user (top 20)", bars(top(perUser.items)))),
    queueCard(queue),
  );
}
