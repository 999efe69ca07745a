// One session: the turns as a conversation (newest page first, older on demand; turns a
// regenerate or an edit superseded too, struck through), tool calls and the tool turns
// that answer them, the current summary and state, the context any reply was built from,
// and a preview box that runs /context for a new message and draws the same picture.

import { ApiError, get, post, seg } from "../api.js";
import { budgetPicture, turnLink } from "../budget.js";
import { badge, clear, errorBox, h, kv, num, when } from "../dom.js";

const PAGE = 50;
// Shown on their own (the calls, the call answered); the rest of a turn's metadata as is.
const TOOL_KEYS = ["tool_calls", "tool_call_id"];

function statusBadge(status) {
  if (!status || status === "complete") return null;
  return badge(status, `status status-${status.replace(/[^a-z0-9_-]/gi, "")}`);
}

function supersededBadge(turn) {
  if (!turn.superseded_at) return null;
  const title = `replaced by a regenerate or an edit at ${when(turn.superseded_at)}; no longer in any context`;
  return h("span", { class: "badge superseded", title }, "superseded");
}

const toolCalls = (turn) =>
  turn.role === "assistant" && Array.isArray((turn.metadata || {}).tool_calls) ? turn.metadata.tool_calls : [];

/** The calls an assistant turn made: name(arguments) and the call id, as text. */
function callsView(calls) {
  if (!calls.length) return null;
  return h(
    "ul",
    { class: "tool-calls" },
    calls.map((call) => {
      const fn = (call && call.function) || {};
      const args = typeof fn.arguments === "string" ? fn.arguments : JSON.stringify(fn.arguments ?? {});
      return h(
        "li",
        { class: "tool-call", dataset: { call: String((call && call.id) || "") } },
        badge("tool call", "tool-call-badge"),
        " ",
        h("code", {}, `${fn.name || "?"}(${args})`),
        call && call.id ? h("span", { class: "muted" }, ` · ${call.id}`) : null,
      );
    }),
  );
}

/** A tool turn's answered call, linked to the turn that made it when that one is loaded. */
function answerView(turn, callers) {
  const id = turn.role === "tool" ? (turn.metadata || {}).tool_call_id : null;
  if (!id) return null;
  const caller = callers.get(String(id));
  return h(
    "p",
    { class: "tool-answer", dataset: { answers: String(id) } },
    "answers call ",
    h("code", {}, String(id)),
    caller ? [" of ", turnLink(turn.session_id, caller)] : null,
  );
}

function turnView(turn, onInspect, callers = new Map()) {
  const shownMeta = Object.fromEntries(Object.entries(turn.metadata || {}).filter(([k]) => !TOOL_KEYS.includes(k)));
  const meta = Object.keys(shownMeta).length
    ? h("details", { class: "meta" }, h("summary", {}, "metadata"), kv(shownMeta))
    : null;
  const calls = toolCalls(turn);
  for (const call of calls) if (call && call.id) callers.set(String(call.id), turn.seq);
  const usage = turn.usage
    ? h("span", { class: "muted", title: JSON.stringify(turn.usage) }, ` · prompt ${num(turn.usage.prompt_tokens)}`)
    : null;
  return h(
    "article",
    {
      class: `turn role-${turn.role}${turn.superseded_at ? " superseded" : ""}${calls.length ? " calls-tools" : ""}`,
      id: `turn-${turn.seq}`,
      dataset: { seq: String(turn.seq), role: turn.role, status: turn.status || "", superseded: turn.superseded_at ? "1" : "" },
    },
    h(
      "header",
      {},
      h("a", { class: "seq", href: `#/sessions/${seg(turn.session_id)}?turn=${turn.seq}` }, `#${turn.seq}`),
      badge(turn.name ? `${turn.role} · ${turn.name}` : turn.role, `role role-${turn.role}`),
      statusBadge(turn.status),
      supersededBadge(turn),
      h("span", { class: "muted" }, ` ${when(turn.created_at)} · ${num(turn.token_count)} tokens`),
      turn.model ? h("span", { class: "muted" }, ` · ${turn.model}`) : null,
      usage,
      turn.role === "assistant"
        ? h("button", { type: "button", class: "link inspect", onclick: () => onInspect(turn.seq) }, "context")
        : null,
    ),
    turn.content || !calls.length ? h("div", { class: "content" }, turn.content) : null,
    callsView(calls),
    answerView(turn, callers),
    meta,
  );
}

function sessionHead(s) {
  const m = s.memory || {};
  return h(
    "div",
    { class: "session-head" },
    h("h1", {}, "Session ", h("code", {}, s.id)),
    h(
      "p",
      { class: "facts" },
      s.user_id ? [h("span", {}, "user "), h("strong", {}, s.user_id), " · "] : null,
      `${num(m.turns)} turns · ${num(m.turns_embedded)} embedded · summary `,
      m.summary_through_seq ? `through #${m.summary_through_seq} (v${m.summary_version})` : "none yet",
      ` · strategy ${s.policy.strategy}`,
      s.model ? ` · model ${s.model}` : "",
      " ",
      s.legal_hold ? badge("legal hold", "hold") : null,
    ),
    Object.keys(s.metadata || {}).length ? h("div", { class: "session-meta" }, kv(s.metadata)) : null,
  );
}

async function summaryCard(sessionId) {
  let summary = null;
  try {
    summary = await get(`/v1/sessions/${seg(sessionId)}/summary`);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) return h("section", { class: "card" }, h("h2", {}, "Summary"), errorBox(err));
  }
  return h(
    "section",
    { class: "card summary" },
    h("h2", {}, "Current summary"),
    summary
      ? [
          h("p", { class: "muted" }, `version ${summary.version} · turns 1–${summary.through_seq} · ${num(summary.token_count)} tokens · ${when(summary.created_at)}`),
          h("div", { class: "content" }, summary.content),
        ]
      : h("p", { class: "muted" }, "No summary yet."),
  );
}

function stateCard(s) {
  return h("section", { class: "card state" }, h("h2", {}, "State"), kv(s.state, "No state set."));
}

function previewCard(sessionId) {
  const out = h("div", { class: "preview-out" });
  const form = h(
    "form",
    {
      class: "preview",
      onsubmit: async (event) => {
        event.preventDefault();
        const data = new FormData(form);
        const body = { message: String(data.get("message") || "") };
        const max = Number(data.get("max_context_tokens"));
        if (max) body.max_context_tokens = max;
        const button = form.querySelector("button");
        button.disabled = true;
        try {
          const result = await post(`/v1/sessions/${seg(sessionId)}/context`, body);
          clear(
            out,
            budgetPicture(result.report, { sessionId, title: "Preview: what the model would get" }),
            h(
              "details",
              { class: "messages" },
              h("summary", {}, `${result.messages.length} messages`),
              result.messages.map((m) => h("div", { class: `message role-${m.role}` }, badge(m.role, `role role-${m.role}`), h("div", { class: "content" }, m.content))),
            ),
          );
        } catch (err) {
          clear(out, errorBox(err));
        } finally {
          button.disabled = false;
        }
      },
    },
    h("label", {}, "Message", h("textarea", { name: "message", rows: "3", required: true, placeholder: "What would the model see for this message?" })),
    h("label", { class: "inline" }, "Budget (tokens) ", h("input", { name: "max_context_tokens", type: "number", min: "1", placeholder: "session default" })),
    h("button", { type: "submit" }, "Preview context"),
  );
  return h("section", { class: "card" }, h("h2", {}, "Preview"), h("p", { class: "muted" }, "Runs POST /context: assembles without writing anything."), form, out);
}

const oneTurn = (sessionId, seq) => get(`/v1/sessions/${seg(sessionId)}/turns/${seq}`);

async function inspect(panel, sessionId, seq, fetched) {
  clear(panel, h("p", { class: "muted" }, `Loading turn #${seq}…`));
  let turn;
  try {
    turn = await (fetched || oneTurn(sessionId, seq));
  } catch (err) {
    clear(panel, errorBox(err));
    return;
  }
  const head = h(
    "p",
    { class: "muted" },
    `turn #${turn.seq} · ${turn.role} · ${when(turn.created_at)} · ${num(turn.token_count)} tokens`,
    turn.status !== "complete" ? [" · ", statusBadge(turn.status)] : null,
    turn.superseded_at ? [" · ", supersededBadge(turn)] : null,
  );
  const body = turn.report
    ? budgetPicture(turn.report, { sessionId, title: `Context of reply #${turn.seq}` })
    : h("p", { class: "muted" }, turn.role === "assistant" ? "This reply has no context report (it was imported, not generated here)." : "Only replies carry a context report.");
  clear(panel, h("h2", {}, "Context of a reply"), head, turn.role !== "assistant" ? h("div", { class: "content" }, turn.content) : null, body);
  const el = document.getElementById(`turn-${seq}`);
  document.querySelectorAll(".turn.selected").forEach((t) => t.classList.remove("selected"));
  if (el) el.classList.add("selected");
}

const turnsPage = (sessionId, cursor) =>
  get(`/v1/sessions/${seg(sessionId)}/turns`, { order: "desc", limit: PAGE, cursor, include_superseded: true });

function conversation(list, sessionId, first, onInspect) {
  let cursor = null;
  const callers = new Map(); // tool call id → seq of the turn that made it
  const more = h("button", { type: "button", class: "older" }, "Load older turns");
  const loadPage = async (ready) => {
    more.disabled = true;
    const page = ready || (await turnsPage(sessionId, cursor));
    cursor = page.next_cursor;
    const turns = page.items.map((t) => ({ ...t, session_id: sessionId })).reverse();
    more.after(...turns.map((t) => turnView(t, onInspect, callers)));
    more.hidden = !cursor;
    more.disabled = false;
    return page.items;
  };
  more.addEventListener("click", () => loadPage().catch((err) => more.after(errorBox(err))));
  clear(list, more);
  return loadPage(first);
}

export async function render(root, ctx) {
  const sessionId = ctx.params[0];
  const newestPage = turnsPage(sessionId, null);
  // The reply to show: the one asked for, else the newest reply; fetched as soon as known.
  const wanted = newestPage.then(
    (p) => Number(ctx.query.turn) || (p.items.find((t) => t.role === "assistant" && !t.superseded_at) || {}).seq,
  );
  const shown = wanted.then((seq) => (seq ? oneTurn(sessionId, seq) : null));
  wanted.catch(() => null); // a failed page is reported by the Promise.all below
  shown.catch(() => null); // inspect() reports it
  const [session, first, summary] = await Promise.all([
    get(`/v1/sessions/${seg(sessionId)}`),
    newestPage,
    summaryCard(sessionId),
  ]);
  const panel = h("section", { class: "card inspector", id: "inspector" });
  const list = h("div", { class: "conversation" });
  const onInspect = (seq) => {
    window.location.hash = `#/sessions/${seg(sessionId)}?turn=${seq}`;
  };
  const side = h("div", { class: "side" }, panel);
  clear(root, sessionHead(session), h("div", { class: "columns" }, h("div", { class: "main" }, h("h2", {}, "Conversation"), list), side));
  await conversation(list, sessionId, first, onInspect);
  side.append(summary, stateCard(session), previewCard(sessionId));
  const seq = await wanted;
  if (seq) await inspect(panel, sessionId, seq, shown);
  else clear(panel, h("h2", {}, "Context of a reply"), h("p", { class: "muted" }, "No reply yet."));
}

export async function update(ctx) {
  const panel = document.getElementById("inspector");
  if (ctx.query.turn && panel) {
    await inspect(panel, ctx.params[0], Number(ctx.query.turn));
    panel.scrollIntoView({ block: "nearest" });
  }
}
