// Keys and tenants (admin): create and revoke keys (roles, expiry); tenants (creating one
// needs a superadmin key, exactly as over REST).

import { del, get, post, seg } from "../api.js";
import { action, badge, clear, errorBox, h, routeTo, section, table, when } from "../dom.js";

const ROLES = ["chat", "ingest", "admin"];

function keyForm(ctx, tenantId, onCreated) {
  const out = h("div", { class: "created" });
  const form = h(
    "form",
    {
      class: "search key-form",
      onsubmit: async (event) => {
        event.preventDefault();
        const data = new FormData(form);
        const body = { roles: data.getAll("roles") };
        if (data.get("name")) body.name = String(data.get("name"));
        if (Number(data.get("expires_in_days"))) body.expires_in_days = Number(data.get("expires_in_days"));
        if (tenantId && tenantId !== ctx.me.tenant_id) body.tenant_id = tenantId;
        try {
          const made = await post("/v1/api-keys", body);
          clear(
            out,
            h(
              "p",
              { class: "new-key" },
              "New key for ",
              h("strong", {}, made.tenant_id),
              ` (${made.roles.join(", ")}) — copy it now, it is not shown again: `,
              h("code", { class: "secret" }, made.key),
            ),
          );
          await onCreated();
        } catch (err) {
          clear(out, errorBox(err));
        }
      },
    },
    h("label", {}, "Name", h("input", { name: "name", placeholder: "what it is for" })),
    h("fieldset", { class: "roles" }, h("legend", {}, "Roles"), ROLES.map((r) => h("label", { class: "inline" }, h("input", { type: "checkbox", name: "roles", value: r, checked: r === "chat" }), ` ${r}`))),
    h("label", {}, "Expires in (days)", h("input", { name: "expires_in_days", type: "number", min: "0", step: "any", placeholder: "never" })),
    h("button", { type: "submit" }, "Create key"),
  );
  return h("div", {}, form, out);
}

async function keysTable(out, tenantId) {
  const page = await get("/v1/api-keys", { tenant_id: tenantId, limit: 200 });
  clear(
    out,
    table(
      [
        { title: "key", cell: (k) => h("code", {}, `${k.prefix}…`) },
        { title: "name", cell: (k) => k.name || "" },
        { title: "roles", cell: (k) => k.roles.map((r) => badge(r, `role-${r}`)) },
        { title: "status", cell: (k) => badge(k.status, `key-${k.status}`) },
        { title: "created", cell: (k) => when(k.created_at) },
        { title: "expires", cell: (k) => (k.expires_at ? when(k.expires_at) : "never") },
        {
          title: "",
          cell: (k) =>
            k.status === "active"
              ? action("Revoke", async () => {
                  await del(`/v1/api-keys/${seg(k.id)}`);
                  await keysTable(out, tenantId);
                })
              : "",
        },
      ],
      page.items,
      { empty: "No keys.", rowAttrs: (k) => ({ dataset: { key: k.id, status: k.status } }) },
    ),
  );
}

async function tenantsCard(ctx, selected) {
  let tenants;
  try {
    tenants = await get("/v1/tenants", { limit: 200 });
  } catch (err) {
    return section("Tenants", errorBox(err));
  }
  const list = table(
    [
      { title: "tenant", cell: (t) => h("a", { href: routeTo("/admin", { tenant: t.id }), class: t.id === selected ? "active" : "" }, t.id) },
      { title: "name", cell: (t) => t.name },
      { title: "system prompt", cell: (t) => (t.settings.system_prompt ? String(t.settings.system_prompt).slice(0, 80) : "") },
      { title: "created", cell: (t) => when(t.created_at) },
    ],
    tenants.items,
    { rowAttrs: (t) => ({ dataset: { tenant: t.id } }) },
  );
  const out = h("div", {});
  const form = h(
    "form",
    {
      class: "search",
      onsubmit: async (event) => {
        event.preventDefault();
        const data = new FormData(form);
        const body = { id: String(data.get("id")) };
        if (data.get("name")) body.name = String(data.get("name"));
        if (data.get("system_prompt")) body.settings = { system_prompt: String(data.get("system_prompt")) };
        try {
          await post("/v1/tenants", body);
          window.location.hash = routeTo("/admin", { tenant: body.id });
        } catch (err) {
          clear(out, errorBox(err));
        }
      },
    },
    h("label", {}, "Id", h("input", { name: "id", required: true, placeholder: "acme" })),
    h("label", {}, "Name", h("input", { name: "name" })),
    h("label", {}, "System prompt", h("input", { name: "system_prompt" })),
    h("button", { type: "submit" }, "Create tenant"),
  );
  return section("Tenants", list, ctx.me.superadmin ? [h("h3", {}, "New tenant"), form, out] : h("p", { class: "muted" }, "Creating tenants needs a superadmin key."));
}

export async function render(root, ctx) {
  const tenantId = ctx.query.tenant || ctx.me.tenant_id;
  const keys = h("div", {});
  const [tenants] = await Promise.all([tenantsCard(ctx, tenantId), keysTable(keys, tenantId)]);
  clear(
    root,
    h("h1", {}, "Keys & tenants"),
    section(`API keys of ${tenantId}`, keys, h("h3", {}, "New key"), keyForm(ctx, tenantId, () => keysTable(keys, tenantId))),
    tenants,
  );
}
