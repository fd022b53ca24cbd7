/**
 * The status page's browser script, as text (served inline, no CDN: browsers here are
 * offline). Every user string reaches the DOM through textContent or setAttribute, never
 * innerHTML, so names, reasons and messages cannot inject markup.
 */
export const PAGE_SCRIPT = String.raw`
"use strict";
const SVG = "http://www.w3.org/2000/svg";
const COLUMNS = ["LabManager", "Bridge", "LibvirtNetwork", "TripleOUndercloud", "OvercloudNodeSet"];
const W = 230, H = 78, GAPX = 70, GAPY = 22, PAD = 20;

function el(name, attrs, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function clip(text, n) {
  return text.length > n ? text.slice(0, n - 1) + "\u2026" : text;
}

/** Columns by kind; within a column, rows follow the parents' rows to keep edges from crossing. */
function layout(nodes, edges) {
  const parents = new Map();
  for (const e of edges) parents.set(e.to, (parents.get(e.to) || []).concat(e.from));
  const cols = COLUMNS.map(() => []);
  for (const n of nodes) cols[Math.max(0, COLUMNS.indexOf(n.kind))].push(n);
  const row = new Map();
  const pos = new Map();
  const key = (n) => {
    const rows = (parents.get(n.id) || []).map((p) => row.get(p)).filter((r) => r !== undefined);
    return rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : Number.MAX_SAFE_INTEGER;
  };
  cols.forEach((list, c) => {
    list.sort((a, b) => key(a) - key(b));
    list.forEach((n, i) => {
      row.set(n.id, i);
      pos.set(n.id, { x: PAD + c * (W + GAPX), y: PAD + i * (H + GAPY) });
    });
  });
  return { pos, height: PAD * 2 + Math.max(1, ...cols.map((l) => l.length)) * (H + GAPY) };
}

function drawNode(n, p) {
  const g = el("g", {
    class: "node ready-" + n.ready,
    "data-id": n.id,
    "data-kind": n.kind,
    "data-name": n.name,
    "data-ready": n.ready,
    "data-reason": n.reason,
    transform: "translate(" + p.x + "," + p.y + ")",
  });
  g.appendChild(el("title", {}, n.kind + "/" + n.name + ": Ready=" + n.ready + " " + n.reason + " " + n.message));
  g.appendChild(el("rect", { width: W, height: H, rx: 8 }));
  g.appendChild(el("text", { x: 10, y: 17, class: "kind" }, n.kind));
  g.appendChild(el("text", { x: 10, y: 35, class: "name" }, clip(n.name, 28)));
  g.appendChild(el("text", { x: 10, y: 52, class: "detail" }, clip(n.detail, 36)));
  g.appendChild(el("text", { x: 10, y: 69, class: "state" }, clip("Ready=" + n.ready + (n.reason ? " " + n.reason : ""), 36)));
  return g;
}

function render(topology) {
  const svg = document.getElementById("topology");
  const { pos, height } = layout(topology.nodes, topology.edges);
  svg.replaceChildren();
  svg.setAttribute("viewBox", "0 0 " + (PAD * 2 + COLUMNS.length * (W + GAPX)) + " " + height);
  svg.setAttribute("height", String(height));
  for (const e of topology.edges) {
    const a = pos.get(e.from), b = pos.get(e.to);
    if (!a || !b) continue;
    svg.appendChild(el("line", { class: "edge", x1: a.x + W, y1: a.y + H / 2, x2: b.x, y2: b.y + H / 2 }));
  }
  for (const n of topology.nodes) svg.appendChild(drawNode(n, pos.get(n.id)));
  const ready = topology.nodes.filter((n) => n.ready === "True").length;
  document.getElementById("summary").textContent =
    ready + " of " + topology.nodes.length + " Ready \u00b7 updated " + new Date().toLocaleTimeString();
  document.getElementById("empty").hidden = topology.nodes.length > 0;
}

function connect() {
  const status = document.getElementById("connection");
  const source = new EventSource("api/events");
  source.addEventListener("topology", (ev) => render(JSON.parse(ev.data)));
  source.onopen = () => { status.textContent = "live"; status.className = "live"; };
  source.onerror = () => { status.textContent = "reconnecting\u2026"; status.className = "down"; };
}

window.renderTopology = render;
fetch("api/topology").then((r) => r.json()).then(render).finally(connect);
`;
