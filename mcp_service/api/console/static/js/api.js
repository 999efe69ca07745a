// The REST API, called with the signed-in key. Every permission is the REST API's own.

const KEY = "mcp-console-key";
const ME = "mcp-console-me";
const ROOT = new URL("../", window.location.href.split("#")[0]);

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.field = problem.field || null;
  }
}

export function storedKey() {
  return window.sessionStorage.getItem(KEY);
}

export function storeKey(key) {
  if (key) window.sessionStorage.setItem(KEY, key);
  else window.sessionStorage.removeItem(KEY);
  window.sessionStorage.removeItem(ME);
}

/** Who the stored key is (GET /v1/whoami), remembered so a reload draws at once. */
export function storedMe() {
  try {
    return JSON.parse(window.sessionStorage.getItem(ME) || "null");
  } catch {
    return null;
  }
}

export function storeMe(me) {
  window.sessionStorage.setItem(ME, JSON.stringify(me));
}

function url(path, query) {
  const u = new URL(path.replace(/^\//, ""), ROOT);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== "") u.searchParams.set(k, String(v));
  }
  return u;
}

/** Call the API: JSON in and out; a problem+json answer becomes an ApiError. */
export async function api(method, path, { query, body, key } = {}) {
  const headers = { Accept: "application/json" };
  const secret = key === undefined ? storedKey() : key;
  if (secret) headers.Authorization = `Bearer ${secret}`;
  const init = { method, headers, credentials: "omit" };
  // Every write says JSON, body or not: never a "simple" cross-site request.
  if (method !== "GET") headers["Content-Type"] = "application/json";
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(url(path, query), init);
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail: text.slice(0, 300) };
    }
  }
  if (!response.ok) throw new ApiError(response.status, data || {});
  return data;
}

export const get = (path, query) => api("GET", path, { query });
export const post = (path, body, query) => api("POST", path, { body, query });
export const put = (path, body) => api("PUT", path, { body });
export const del = (path, query) => api("DELETE", path, { query });

/** The path segment for an id: ids may hold characters with a meaning in URLs. */
export const seg = (value) => encodeURIComponent(String(value));
