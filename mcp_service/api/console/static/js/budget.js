// The picture of a context report: where the budget went (one stacked bar whose segments
// add up to the report's total_tokens), allocated vs used per section, and per section
// what was included and what was dropped, and why, with links to the turns and chunks.

import { seg } from "./api.js";
import { badge, h, num, routeTo } from "./dom.js";

const KNOWN = ["system", "state", "summary", "knowledge", "recall", "recent", "message"];
const LABELS = {
  system: "system prompt",
  state: "session state",
  summary: "rolling summary",
  knowledge: "knowledge",
  recall: "recalled turns",
  recent: "recent turns",
  message: "new message",
  overhead: "message framing",
};

const label = (name) => LABELS[name] || name;
const colour = (name) => (KNOWN.includes(name) || name === "overhead" ? `s-${name}` : "s-other");

export function turnLink(sessionId, seq, text) {
  return h("a", { href: routeTo(`/sessions/${seg(sessionId)}`, { turn: seq }), class: "turn-link" }, text || `#${seq}`);
}

function chunkLink(item) {
  const path = `/knowledge/${seg(item.collection)}/${seg(item.document_id)}`;
  return h("a", { href: routeTo(path, { chunk: item.id }), class: "chunk-link" }, `chunk ${String(item.id).slice(0, 8)}`);
}

/** Consecutive seqs as ranges: [1,2,3,7] → [[1,3],[7,7]]. */
function ranges(seqs) {
  const out = [];
  for (const s of [...seqs].sort((a, b) => a - b)) {
    const last = out[out.length - 1];
    if (last && s === last[1] + 1) last[1] = s;
    else out.push([s, s]);
  }
  return out;
}

function seqRanges(sessionId, seqs) {
  return ranges(seqs).map(([a, b], i) => [
    i ? ", " : "",
    turnLink(sessionId, a, a === b ? `#${a}` : `#${a}–#${b}`),
  ]);
}

function item(name, value, sessionId) {
  if (typeof value !== "object" || value === null) {
    if (name === "recent" && typeof value === "number") return turnLink(sessionId, value);
    return String(value);
  }
  if (name === "knowledge" || (value.document_id && value.collection)) {
    const legs = (value.legs || []).join(" + ");
    return [chunkLink(value), ` of ${value.collection} · score ${value.score}${legs ? ` · ${legs}` : ""}`];
  }
  if (value.seq !== undefined && value.session_id) {
    const other = value.session_id !== sessionId ? ` (session ${value.session_id})` : "";
    return [turnLink(value.session_id, value.seq), `${other} · score ${value.score}`];
  }
  if (value.version !== undefined && value.through_seq !== undefined) {
    return [`version ${value.version}, turns 1–`, turnLink(sessionId, value.through_seq, `#${value.through_seq}`)];
  }
  if (name === "recent" && typeof value.id === "number") return turnLink(sessionId, value.id);
  if (value.id !== undefined) return String(value.id);
  return JSON.stringify(value);
}

function usedBar(report) {
  const budget = Number(report.budget) || 0;
  const total = Number(report.total_tokens) || 0;
  const scale = Math.max(budget, total, 1);
  const parts = Object.entries(report.sections || {})
    .map(([name, s]) => [name, Number(s.tokens) || 0])
    .filter(([, tokens]) => tokens > 0);
  if (report.prompt_overhead) parts.push(["overhead", Number(report.prompt_overhead)]);
  const segment = ([name, tokens]) =>
    h("span", {
      class: `seg ${colour(name)}`,
      dataset: { section: name, tokens: String(tokens) },
      style: { width: `${(100 * tokens) / scale}%` },
      title: `${label(name)}: ${num(tokens)} tokens`,
    });
  const free = budget - total;
  return h(
    "div",
    { class: "bar used", role: "img", "aria-label": `prompt ${total} of ${budget} tokens` },
    parts.map(segment),
    free > 0
      ? h("span", { class: "seg free", dataset: { free: String(free) }, style: { width: `${(100 * free) / scale}%` }, title: `unused: ${num(free)} tokens` })
      : null,
  );
}

function legend(report) {
  const names = Object.keys(report.sections || {}).filter((n) => Number(report.sections[n].tokens) > 0);
  if (report.prompt_overhead) names.push("overhead");
  return h("ul", { class: "legend" }, names.map((n) => h("li", {}, h("span", { class: `swatch ${colour(n)}` }), label(n))));
}

function allocationRow(name, s) {
  const used = Number(s.tokens) || 0;
  const allocated = s.allocated === undefined ? used : Number(s.allocated) || 0;
  const fill = allocated > 0 ? Math.min(100, (100 * used) / allocated) : used > 0 ? 100 : 0;
  const status = s.status && s.status !== "ok" ? s.status : "";
  const droppedCount = s.dropped_count !== undefined ? s.dropped_count : (s.dropped || []).length;
  return h(
    "tr",
    { dataset: { section: name } },
    h("th", {}, h("span", { class: `swatch ${colour(name)}` }), label(name)),
    h("td", { class: "num" }, num(used)),
    h("td", { class: "num" }, s.allocated === undefined ? h("span", { class: "muted", title: "mandatory: spent first" }, "fixed") : num(allocated)),
    h("td", { class: "meter" }, h("span", { class: "track" }, h("span", { class: `fill ${colour(name)}`, style: { width: `${fill}%` } }))),
    h("td", { class: "num" }, num((s.included || []).length)),
    h("td", { class: "num" }, num(droppedCount)),
    h("td", { class: "muted" }, status),
  );
}

/** Why a section is empty or short ("below relevance floor (best 0.12 < 0.3)", "skipped: …"). */
function statusLine(s) {
  if (!s.status || s.status === "ok") return null;
  return h("p", { class: "section-status", dataset: { status: s.status } }, "status: ", h("strong", {}, s.status));
}

/** What in the new message steered recall: a speaker it names, a time, "latest", a follow-up. */
function cuesLine(s) {
  const cues = Array.isArray(s.cues) ? s.cues : [];
  if (!cues.length) return null;
  return h("p", { class: "cues" }, "steered by the message: ", cues.map((c) => [badge(String(c), "cue"), " "]));
}

function sectionDetail(name, s, sessionId) {
  const included = s.included || [];
  const dropped = s.dropped || [];
  if (!included.length && !dropped.length && !s.status && !(s.cues || []).length) return null;
  const inList =
    name === "recent" && included.every((x) => typeof x === "number")
      ? included.length
        ? h("p", { class: "included" }, "Included: ", seqRanges(sessionId, included))
        : null
      : included.length
        ? h("ul", { class: "included" }, included.map((x) => h("li", {}, item(name, x, sessionId))))
        : null;
  const more = s.dropped_count !== undefined && s.dropped_count > dropped.length ? s.dropped_count - dropped.length : 0;
  return h(
    "details",
    { class: "section-detail", dataset: { section: name }, open: dropped.length > 0 || (s.cues || []).length > 0 || undefined },
    h("summary", {}, h("span", { class: `swatch ${colour(name)}` }), label(name), h("span", { class: "muted" }, ` · ${included.length} in, ${s.dropped_count ?? dropped.length} out${s.status && s.status !== "ok" ? ` · ${s.status}` : ""}`)),
    statusLine(s),
    cuesLine(s),
    inList,
    dropped.length
      ? h(
          "ul",
          { class: "dropped" },
          dropped.map((d) =>
            h(
              "li",
              { class: "drop", dataset: { reason: d.reason || "", id: String(d.id ?? d.seq ?? "") } },
              item(name, d, sessionId),
              h("span", { class: "reason" }, ` — dropped: ${d.reason || "unknown"}`),
            ),
          ),
          more ? h("li", { class: "muted" }, `… and ${num(more)} more dropped`) : null,
        )
      : null,
  );
}

/** The whole picture of one report. */
export function budgetPicture(report, { sessionId, title } = {}) {
  const sections = report.sections || {};
  const budget = Number(report.budget) || 0;
  const total = Number(report.total_tokens) || 0;
  const pct = budget ? Math.round((100 * total) / budget) : 0;
  return h(
    "div",
    { class: "budget", dataset: { total: String(total), budget: String(budget) } },
    title ? h("h3", {}, title) : null,
    h(
      "p",
      { class: "budget-head" },
      h("strong", { class: "total" }, `${num(total)} tokens`),
      ` of a ${num(budget)}-token budget (${pct} %) · strategy ${report.strategy || "–"}`,
    ),
    usedBar(report),
    legend(report),
    h(
      "table",
      { class: "alloc" },
      h("thead", {}, h("tr", {}, ["section", "used", "allocated", "used / allocated", "in", "out", "status"].map((t, i) => h("th", { class: i && i < 3 ? "num" : i > 3 && i < 6 ? "num" : "" }, t)))),
      h("tbody", {}, Object.entries(sections).map(([n, s]) => allocationRow(n, s))),
    ),
    h("div", { class: "details" }, Object.entries(sections).map(([n, s]) => sectionDetail(n, s, sessionId))),
  );
}
