// Small charts drawn in SVG and plain elements: no library, nothing fetched.

import { h, num } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children.flat()) if (c) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** Columns stacked by series: items [{label, values: {series: n}}], series [{key, name, cls}]. */
export function columns(items, series, { height = 180 } = {}) {
  if (!items.length) return h("p", { class: "muted empty" }, "No usage in this range.");
  const totals = items.map((it) => series.reduce((sum, s) => sum + (it.values[s.key] || 0), 0));
  const max = Math.max(...totals, 1);
  const slot = 28;
  const width = Math.max(items.length * slot, 200);
  const plot = height - 34;
  const bars = items.map((it, i) => {
    let y = plot;
    const x = i * slot + 4;
    const rects = series.map((s) => {
      const v = it.values[s.key] || 0;
      const hgt = (plot - 10) * (v / max);
      y -= hgt;
      return svg("rect", { x, y, width: slot - 8, height: Math.max(hgt, 0), class: s.cls }, svg("title", {}, `${it.label} · ${s.name}: ${num(v)}`));
    });
    const tick = i % Math.ceil(items.length / 12) === 0 ? svg("text", { x: x + (slot - 8) / 2, y: height - 18, class: "tick" }, it.label.slice(5)) : null;
    return svg("g", { class: "column", "data-label": it.label, "data-total": totals[i] }, rects, tick);
  });
  return h(
    "div",
    { class: "chart" },
    svg(
      "svg",
      { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": series.map((s) => s.name).join(", ") },
      svg("text", { x: 2, y: 10, class: "tick max" }, `max ${num(max)}`),
      svg("line", { x1: 0, x2: width, y1: plot, y2: plot, class: "axis" }),
      bars,
    ),
    h("ul", { class: "legend" }, series.map((s) => h("li", {}, h("span", { class: `swatch ${s.cls}` }), s.name))),
  );
}

/** Horizontal bars, one per item: [{label, value, note}]. */
export function bars(items, { unit = "" } = {}) {
  if (!items.length) return h("p", { class: "muted empty" }, "No usage in this range.");
  const max = Math.max(...items.map((i) => i.value), 1);
  return h(
    "table",
    { class: "hbars" },
    h(
      "tbody",
      {},
      items.map((it) =>
        h(
          "tr",
          { dataset: { label: it.label } },
          h("th", {}, it.label),
          h("td", { class: "meter" }, h("span", { class: "track" }, h("span", { class: "fill", style: { width: `${(100 * it.value) / max}%` } }))),
          h("td", { class: "num" }, `${num(it.value)}${unit}`),
          h("td", { class: "muted" }, it.note || ""),
        ),
      ),
    ),
  );
}
