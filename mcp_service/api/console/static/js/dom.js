// Building the page. Text always goes in as text (never as HTML): turns, chunks and
// metadata are other people's words.

/** h("a", {href, class, onclick, dataset: {...}}, child, …) → an element. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "style") Object.assign(el.style, v);
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const num = (n) => (n === null || n === undefined ? "–" : Number(n).toLocaleString("en-US"));

export function when(iso) {
  if (!iso) return "–";
  const d = new Date(iso);
  return d.toISOString().replace("T", " ").slice(0, 19) + "Z";
}

export function ago(iso) {
  if (!iso) return "–";
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 60) return `${Math.max(s, 0)} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export function badge(text, kind) {
  return h("span", { class: `badge ${kind || ""}`.trim() }, text);
}

/** Key/value metadata, generically: whatever keys a turn or session carries. */
export function kv(obj, empty = "none") {
  const entries = Object.entries(obj || {});
  if (!entries.length) return h("span", { class: "muted" }, empty);
  return h(
    "dl",
    { class: "kv" },
    entries.map(([k, v]) => [
      h("dt", {}, k),
      h("dd", {}, typeof v === "string" ? v : JSON.stringify(v)),
    ]),
  );
}

export function table(columns, rows, { empty = "Nothing here yet.", rowAttrs } = {}) {
  if (!rows.length) return h("p", { class: "muted empty" }, empty);
  return h(
    "table",
    { class: "grid" },
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { class: c.num ? "num" : "" }, c.title)))),
    h(
      "tbody",
      {},
      rows.map((row) =>
        h(
          "tr",
          rowAttrs ? rowAttrs(row) : {},
          columns.map((c) => h("td", { class: c.num ? "num" : "" }, c.cell(row))),
        ),
      ),
    ),
  );
}

export function section(title, ...children) {
  return h("section", { class: "card" }, h("h2", {}, title), children);
}

export function errorBox(err) {
  const field = err && err.field ? ` (field: ${err.field})` : "";
  const status = err && err.status ? `${err.status}: ` : "";
  return h("p", { class: "error" }, `${status}${err && err.message ? err.message : err}${field}`);
}

/** A button that runs an async action, disabled meanwhile; errors land next to it. */
export function action(label, run, attrs = {}) {
  const out = h("span", { class: "action-out" });
  const button = h("button", {
    type: "button",
    ...attrs,
    onclick: async () => {
      button.disabled = true;
      clear(out);
      try {
        const shown = await run();
        if (shown) clear(out, shown);
      } catch (err) {
        clear(out, errorBox(err));
      } finally {
        button.disabled = false;
      }
    },
  }, label);
  return h("span", { class: "action" }, button, out);
}

/** The route's query string (#/page?a=1) as an object. */
export function routeQuery() {
  const hash = window.location.hash;
  const i = hash.indexOf("?");
  return Object.fromEntries(new URLSearchParams(i >= 0 ? hash.slice(i + 1) : ""));
}

export function routeTo(path, query) {
  const qs = new URLSearchParams(
    Object.entries(query || {}).filter(([, v]) => v !== undefined && v !== null && v !== ""),
  ).toString();
  return `#${path}${qs ? `?${qs}` : ""}`;
}
