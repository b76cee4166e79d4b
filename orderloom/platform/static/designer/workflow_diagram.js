// The workflow as a diagram, laid out automatically: states in columns by their
// distance from the start state, transitions as arrows (approval outcomes dashed).
// It is redrawn from the draft after every change; editing happens in the lists.

import {clear, labelText} from "./dom.js";

const NS = "http://www.w3.org/2000/svg";
const BOX_W = 150;
const BOX_H = 44;
const GAP_X = 140;
const GAP_Y = 60;
const PAD = 24;

function svg(tag, attrs = {}, text = null) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== null) el.textContent = text;
  return el;
}

// Columns by breadth-first distance from the start; states that cannot be reached
// go in a last column so they are still seen (and the check says why).
export function layers(states, edges) {
  const start = states.find((s) => s.kind === "start") || states[0];
  const depth = new Map();
  if (start) depth.set(start.key, 0);
  const queue = start ? [start.key] : [];
  while (queue.length) {
    const at = queue.shift();
    for (const edge of edges) {
      if (edge.from === at && !depth.has(edge.to) && states.some((s) => s.key === edge.to)) {
        depth.set(edge.to, depth.get(at) + 1);
        queue.push(edge.to);
      }
    }
  }
  const deepest = Math.max(0, ...depth.values());
  for (const state of states) if (!depth.has(state.key)) depth.set(state.key, deepest + 1);
  return depth;
}

// Where the line from a box's centre towards (tx, ty) leaves the box.
function border(box, tx, ty) {
  const [cx, cy] = [box.x + BOX_W / 2, box.y + BOX_H / 2];
  const [dx, dy] = [tx - cx, ty - cy];
  const scale = Math.min((BOX_W / 2) / (Math.abs(dx) || 1e-9), (BOX_H / 2) / (Math.abs(dy) || 1e-9));
  return [cx + dx * scale, cy + dy * scale];
}

export function drawDiagram(container, draft, lang, t) {
  const wf = draft.workflow || {};
  const states = (wf.states || []).filter((s) => s && s.key);
  const edges = [];
  for (const tr of wf.transitions || []) {
    for (const from of tr.from || []) {
      edges.push({from, to: tr.to, label: labelText(tr.label, lang, tr.key), kind: "transition"});
    }
  }
  for (const ap of wf.approvals || []) {
    const name = labelText(ap.label, lang, ap.key);
    if (ap.approved) edges.push({from: ap.state, to: ap.approved, label: `✓ ${name}`, kind: "approval"});
    if (ap.rejected) edges.push({from: ap.state, to: ap.rejected, label: `✗ ${name}`, kind: "approval"});
  }
  for (const move of wf.automatic || []) {
    const when = move.after_hours ? `⏱ ${move.after_hours} h` : "⚙";
    edges.push({from: move.from, to: move.to, label: when, kind: "automatic"});
  }
  const depth = layers(states, edges);
  const columns = [];
  for (const state of states) {
    const d = depth.get(state.key);
    (columns[d] = columns[d] || []).push(state);
  }
  const place = new Map();
  columns.forEach((column, x) => (column || []).forEach((state, y) => {
    place.set(state.key, {x: PAD + x * (BOX_W + GAP_X), y: PAD + 20 + y * (BOX_H + GAP_Y)});
  }));
  const width = PAD * 2 + Math.max(1, columns.length) * (BOX_W + GAP_X) - GAP_X;
  const tallest = Math.max(1, ...columns.map((c) => (c || []).length));
  const height = PAD * 2 + 20 + tallest * (BOX_H + GAP_Y);
  const root = svg("svg", {viewBox: `0 0 ${width} ${height}`, width, height, role: "img",
    "aria-label": t.diagram_label, class: "wf-diagram"});
  const defs = svg("defs");
  const marker = svg("marker", {id: "arrow", viewBox: "0 0 10 10", refX: "9", refY: "5",
    markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse"});
  marker.append(svg("path", {d: "M0,0 L10,5 L0,10 z", fill: "#5b6775"}));
  defs.append(marker);
  root.append(defs);

  // Arrows go from border to border. One that goes back (or has a twin the other
  // way) is bent to its left, and several between the same two states fan out, so
  // neither arrows nor labels sit on each other. Labels sit on the curve's middle.
  const seen = new Map();
  const pairs = new Set(edges.map((e) => `${e.from}>${e.to}`));
  for (const edge of edges) {
    const a = place.get(edge.from);
    const b = place.get(edge.to);
    if (!a || !b) continue;
    const pair = `${edge.from}>${edge.to}`;
    const n = seen.get(pair) || 0;
    seen.set(pair, n + 1);
    let path;
    let lx;
    let ly;
    if (edge.from === edge.to) {
      const x = a.x + BOX_W - 24;
      path = `M${x},${a.y} C${x + 50},${a.y - 45} ${x + 50},${a.y + BOX_H + 45} ${x},${a.y + BOX_H}`;
      lx = x + 42;
      ly = a.y + BOX_H / 2;
    } else {
      const [ax, ay] = [a.x + BOX_W / 2, a.y + BOX_H / 2];
      const [bx, by] = [b.x + BOX_W / 2, b.y + BOX_H / 2];
      const length = Math.hypot(bx - ax, by - ay) || 1;
      const [nx, ny] = [-(by - ay) / length, (bx - ax) / length];
      const bent = b.x <= a.x || pairs.has(`${edge.to}>${edge.from}`);
      const bend = (bent ? 34 : 0) + n * 26;
      const [cx, cy] = [(ax + bx) / 2 + nx * bend, (ay + by) / 2 + ny * bend];
      const [x1, y1] = border(a, cx, cy);
      const [x2, y2] = border(b, cx, cy);
      path = `M${x1},${y1} Q${cx},${cy} ${x2},${y2}`;
      lx = 0.25 * x1 + 0.5 * cx + 0.25 * x2;
      ly = 0.25 * y1 + 0.5 * cy + 0.25 * y2;
    }
    root.append(svg("path", {d: path, class: `edge ${edge.kind}`, fill: "none", "marker-end": "url(#arrow)"}));
    root.append(svg("text", {x: lx, y: ly - 3, class: "edge-label", "text-anchor": "middle"}, edge.label));
  }
  for (const state of states) {
    const at = place.get(state.key);
    const group = svg("g", {class: `state ${state.kind || "normal"}`, "data-state": state.key});
    group.append(svg("rect", {x: at.x, y: at.y, width: BOX_W, height: BOX_H, rx: state.kind === "terminal" ? 22 : 8}));
    group.append(svg("text", {x: at.x + BOX_W / 2, y: at.y + 19, "text-anchor": "middle", class: "state-name"},
      labelText(state.label, lang, state.key)));
    const sla = state.sla_hours ? ` · SLA ${state.sla_hours} h` : "";
    group.append(svg("text", {x: at.x + BOX_W / 2, y: at.y + 35, "text-anchor": "middle", class: "state-key"},
      `${state.key}${sla}`));
    root.append(group);
  }
  clear(container).append(root);
}
