// The console shell: sign-in, navigation by the key's roles, and a hash router.
// Each page module exports render(root, ctx) (and may export update(ctx) for a change of
// the route's query only). When a page has drawn its data, <html data-ready="1">.

import { api, storedKey, storedMe, storeKey, storeMe } from "./api.js";
import { clear, errorBox, h } from "./dom.js";
import * as admin from "./pages/admin.js";
import * as audit from "./pages/audit.js";
import * as knowledge from "./pages/knowledge.js";
import * as retention from "./pages/retention.js";
import * as session from "./pages/session.js";
import * as sessions from "./pages/sessions.js";
import * as usage from "./pages/usage.js";

// One module graph, preloaded by index.html: no second round of fetches for a page.
const PAGES = {
  sessions: { title: "Sessions", role: "chat", module: sessions },
  session: { role: "chat", module: session },
  knowledge: { title: "Knowledge", role: "ingest", module: knowledge },
  retention: { title: "Retention", role: "admin", module: retention },
  usage: { title: "Usage", role: "admin", module: usage },
  admin: { title: "Keys & tenants", role: "admin", module: admin },
  audit: { title: "Audit & quotas", role: "admin", module: audit },
};

const state = { me: null, current: null, generation: 0, controller: null };
window.__consoleTimings = [];

function route() {
  const hash = window.location.hash.replace(/^#\/?/, "");
  const [path, query] = hash.split("?");
  const parts = (path || "sessions").split("/").filter(Boolean).map(decodeURIComponent);
  let name = parts[0] || "sessions";
  let params = parts.slice(1);
  if (name === "sessions" && params.length) {
    name = "session";
  }
  return { name, params, query: Object.fromEntries(new URLSearchParams(query || "")), key: path };
}

const may = (role) => state.me && (state.me.roles.includes(role) || state.me.roles.includes("admin"));

function drawChrome() {
  const nav = document.getElementById("nav");
  const current = route().name === "session" ? "sessions" : route().name;
  clear(
    nav,
    Object.entries(PAGES)
      .filter(([, p]) => p.title && may(p.role))
      .map(([name, p]) =>
        h("a", { href: `#/${name}`, class: name === current ? "active" : "" }, p.title),
      ),
  );
  const me = state.me;
  const who = document.getElementById("who");
  if (me.auth === "disabled") {
    clear(who, h("span", { class: "tenant" }, me.tenant_id), h("span", { class: "muted" }, " · auth disabled (every role)"));
    return;
  }
  clear(
    who,
    h("span", { class: "tenant" }, me.tenant_id),
    h("span", { class: "muted" }, ` · ${me.roles.join(", ")}${me.superadmin ? " · superadmin" : ""} `),
    h("button", { type: "button", class: "link", onclick: signOut }, "Sign out"),
  );
}

function markReady(started, name, failed) {
  const ms = performance.now() - started;
  window.__consoleTimings.push({ route: name, ms, at: performance.now() });
  performance.mark(`console-ready:${name}`);
  document.documentElement.dataset.error = failed ? "1" : "0";
  document.documentElement.dataset.ready = "1";
}

async function render() {
  const started = performance.now();
  const r = route();
  const generation = ++state.generation;
  document.documentElement.dataset.ready = "0";
  drawChrome();
  const page = PAGES[r.name];
  const view = document.getElementById("view");
  const ctx = { me: state.me, params: r.params, query: r.query, may };
  let failed = false;
  try {
    if (!page) throw new Error(`no page ${r.name}`);
    const module = page.module;
    const same = state.current && state.current.key === r.key && state.current.module === module;
    if (same && module.update) {
      ctx.signal = state.controller.signal;
      await module.update(ctx);
    } else {
      if (state.controller) state.controller.abort();
      state.controller = new AbortController();
      ctx.signal = state.controller.signal;
      state.current = { key: r.key, module };
      const root = h("div", { class: `page page-${r.name}` });
      clear(view, root);
      await module.render(root, ctx);
    }
  } catch (err) {
    failed = true;
    if (err && err.status === 401) {
      signOut();
      return;
    }
    if (generation === state.generation) clear(view, errorBox(err));
  }
  if (generation === state.generation) markReady(started, r.name, failed);
}

function showSignIn(message) {
  document.getElementById("signin").hidden = false;
  document.querySelector("header.top").hidden = true;
  clear(document.getElementById("view"));
  const error = document.getElementById("signin-error");
  error.hidden = !message;
  error.textContent = message || "";
  document.getElementById("signin-key").focus();
  document.documentElement.dataset.ready = "1";
}

function signOut() {
  storeKey(null);
  state.me = null;
  state.current = null;
  if (state.controller) state.controller.abort();
  showSignIn("");
}

async function signIn(event) {
  event.preventDefault();
  const key = document.getElementById("signin-key").value.trim();
  try {
    state.me = await whoami(key);
  } catch (err) {
    showSignIn(err.status === 401 ? "That key was not accepted (unknown, revoked or expired)." : err.message);
    return;
  }
  storeKey(key);
  storeMe(state.me);
  document.getElementById("signin-key").value = "";
  start();
}

function start() {
  document.getElementById("signin").hidden = true;
  document.querySelector("header.top").hidden = false;
  render();
}

async function whoami(key) {
  const me = await api("GET", "/v1/whoami", key === undefined ? {} : { key });
  storeMe(me);
  return me;
}

async function boot() {
  document.getElementById("signin-form").addEventListener("submit", signIn);
  window.addEventListener("hashchange", () => state.me && render());
  const hadKey = storedKey() !== null;
  const asking = whoami();
  state.me = storedMe();
  if (state.me) {
    // Known from this tab: draw now, check the key alongside (a 401 signs out).
    start();
    asking.catch((err) => err.status === 401 && signOut());
    return;
  }
  try {
    state.me = await asking;
  } catch (err) {
    if (err.status === 401) {
      storeKey(null);
      showSignIn(hadKey ? "The stored key is no longer accepted: sign in again." : "");
      return;
    }
    clear(document.getElementById("view"), errorBox(err));
    document.documentElement.dataset.ready = "1";
    return;
  }
  start();
}

boot();
