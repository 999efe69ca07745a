// Retention: the tenant's policies with a dry-run button (what each would delete now),
// and the receipts of what was deleted.

import { get, post, seg } from "../api.js";
import { action, badge, clear, h, kv, num, routeTo, section, table, when } from "../dom.js";

const RULES = ["turn_max_age_days", "session_idle_days", "max_turns_per_session", "document_max_age_days"];
const COUNTS = ["turns", "sessions", "documents", "summaries", "chunks"];

function rules(p) {
  const set = RULES.filter((r) => p[r] !== null && p[r] !== undefined).map((r) => `${r.replace(/_/g, " ")}: ${p[r]}`);
  if (p.include_summaries) set.push("all summaries of touched sessions");
  return h("ul", { class: "plain" }, set.map((r) => h("li", {}, r)));
}

function counts(c) {
  return h(
    "span",
    { class: "counts" },
    COUNTS.filter((k) => c[k] !== undefined).map((k) => h("span", { class: "count", dataset: { kind: k } }, `${num(c[k])} ${k}`)),
  );
}

function dryRun(p) {
  return action(
    "Dry run",
    async () => {
      const result = await post(`/v1/retention-policies/${seg(p.name)}/dry-run`);
      return h("span", { class: "dry-run", dataset: { policy: p.name } }, "would delete ", counts(result));
    },
    { class: "dry-run-button" },
  );
}

export async function render(root, ctx) {
  const [policies, receipts] = await Promise.all([
    get("/v1/retention-policies"),
    get("/v1/retention/receipts", { limit: 50, cursor: ctx.query.cursor }),
  ]);
  const policyTable = table(
    [
      { title: "policy", cell: (p) => h("strong", {}, p.name) },
      { title: "state", cell: (p) => (p.enabled ? badge("enabled", "job-done") : badge("disabled", "muted")) },
      { title: "scope", cell: (p) => (p.scope ? kv(p.scope.metadata) : "whole tenant") },
      { title: "rules", cell: rules },
      { title: "preview", cell: dryRun },
    ],
    policies.items,
    { empty: "No policies. PUT /v1/retention-policies/{name} creates one (disabled until enabled).", rowAttrs: (p) => ({ dataset: { policy: p.name } }) },
  );
  const receiptTable = table(
    [
      { title: "started", cell: (r) => when(r.started_at) },
      { title: "policy", cell: (r) => r.policy || h("span", { class: "muted" }, r.kind) },
      { title: "kind", cell: (r) => r.kind },
      { title: "deleted", cell: (r) => counts(r.counts || {}) },
      { title: "duration", num: true, cell: (r) => `${num(Math.round(r.duration_ms))} ms` },
      { title: "errors", cell: (r) => (r.errors && r.errors.length ? h("span", { class: "error-text" }, r.errors.join("; ")) : "") },
    ],
    receipts.items,
    { empty: "No receipts yet: a receipt is written for every run of a policy.", rowAttrs: (r) => ({ dataset: { receipt: r.id } }) },
  );
  const next = receipts.next_cursor
    ? h("a", { class: "button", href: routeTo("/retention", { cursor: receipts.next_cursor }) }, "Older receipts")
    : null;
  clear(
    root,
    h("h1", {}, "Retention"),
    section("Policies", policyTable),
    section("Receipts", receiptTable, h("div", { class: "pager" }, next)),
  );
}
