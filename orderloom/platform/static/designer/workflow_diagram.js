// The workflow drawn and edited as a diagram. ELK (static/vendor/elkjs, loaded
// before this module) lays it out: states left to right, every transition,
// approval outcome and automatic move an arrow whose label ELK places where it
// meets no other label. The diagram is shrunk to the width of its box, so all of
// it is seen at once; at its actual size the box scrolls. Nothing is cut off. A state is added from the toolbar, a transition by
// dragging from one state to another, and clicking a state, arrow or label opens
// it in the side panel (the same editor the lists use).

import {clear, h, keyFrom, labelText} from "./dom.js";

const NS = "http://www.w3.org/2000/svg";
const BOX_W = 150;
const BOX_H = 44;
const LABEL_FONT = "11px system-ui, sans-serif";
const LABEL_H = 16;
const DRAG_START_PX = 5;

function svg(tag, attrs = {}, text = null) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== null) el.textContent = text;
  return el;
}

let measurer = null;
function textWidth(text) {
  measurer = measurer || document.createElement("canvas").getContext("2d");
  measurer.font = LABEL_FONT;
  return Math.ceil(measurer.measureText(text).width) + 8;
}

// The unit a timer's number counts in, as its time_counts says, in the page's language.
function unitOf(t, item) {
  return t[`unit_${item.time_counts || "all_hours"}`];
}

// What the diagram shows of the draft: one edge per arrow, each naming the list
// item it comes from so a click can open it.
export function arrows(draft, lang, t) {
  const wf = draft.workflow || {};
  const states = (wf.states || []).filter((s) => s && s.key);
  const known = new Set(states.map((s) => s.key));
  const edges = [];
  (wf.transitions || []).forEach((tr, index) => {
    for (const from of tr.from || []) {
      edges.push({from, to: tr.to, label: labelText(tr.label, lang, tr.key), kind: "transition",
        item: {name: "transitions", index}});
    }
  });
  (wf.approvals || []).forEach((ap, index) => {
    const name = labelText(ap.label, lang, ap.key);
    const item = {name: "approvals", index};
    if (ap.approved) edges.push({from: ap.state, to: ap.approved, label: `✓ ${name}`, kind: "approval", item});
    if (ap.rejected) edges.push({from: ap.state, to: ap.rejected, label: `✗ ${name}`, kind: "approval", item});
  });
  (wf.automatic || []).forEach((move, index) => {
    const when = move.after_hours ? `⏱ ${move.after_hours} ${unitOf(t, move)}` : "⚙";
    edges.push({from: move.from, to: move.to, label: when, kind: "automatic", item: {name: "automatic", index}});
  });
  return {states, edges: edges.filter((e) => known.has(e.from) && known.has(e.to))};
}

function elkGraph(states, edges) {
  return {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "RIGHT",
      "elk.edgeRouting": "ORTHOGONAL",
      "elk.padding": "[top=24,left=24,bottom=24,right=24]",
      "elk.spacing.nodeNode": "36",
      "elk.spacing.edgeEdge": "12",
      "elk.spacing.edgeLabel": "4",
      "elk.spacing.edgeNode": "16",
      "elk.layered.spacing.nodeNodeBetweenLayers": "56",
      "elk.layered.spacing.edgeNodeBetweenLayers": "16",
      "elk.layered.spacing.edgeEdgeBetweenLayers": "12",
      "elk.edgeLabels.inline": "false",
    },
    // The start state leads, even when an arrow comes back to it (a rejection).
    children: states.map((s) => ({id: `s:${s.key}`, width: BOX_W, height: BOX_H,
      layoutOptions: s.kind === "start" ? {"elk.layered.layering.layerConstraint": "FIRST"} : {}})),
    edges: edges.map((e, i) => ({id: `e${i}`, sources: [`s:${e.from}`], targets: [`s:${e.to}`],
      labels: [{id: `l${i}`, text: e.label, width: textWidth(e.label), height: LABEL_H,
        layoutOptions: {"elk.edgeLabels.placement": "CENTER"}}]})),
  };
}

export class WorkflowCanvas {
  // lists: the WorkflowLists of the page (it owns adding items); panel: the
  // WorkflowLists that shows one item in the side panel.
  constructor(store, t, lang, {root, lists, panel}) {
    this.store = store;
    this.t = t;
    this.lang = lang;
    this.el = root;
    this.lists = lists;
    this.panel = panel;
    this.elk = new window.ELK();
    this.shape = "";
    this.layoutSeq = 0;
    this.box = h("div", {class: "diagram-scroll fit", tabindex: "0", "aria-label": t.diagram_label});
    const zoom = h("button", {type: "button", id: "canvas-zoom", "aria-pressed": "false", onclick: () => {
      const fit = this.box.classList.toggle("fit");
      zoom.setAttribute("aria-pressed", String(!fit));
    }}, t.diagram_actual_size);
    this.toolbar = h("div", {class: "diagram-tools"},
      h("button", {type: "button", id: "canvas-add-state", onclick: () => this.addState()}, `+ ${t.add_state}`),
      h("button", {type: "button", id: "canvas-add-approval", onclick: () => this.addApproval()},
        `+ ${t.add_approval}`),
      zoom,
      h("span", {class: "hint"}, t.diagram_hint));
    clear(this.el).append(this.toolbar, this.box);
  }

  // Laid out again only when what is drawn changed: typing a condition or an SLA
  // in the panel leaves the diagram alone.
  draw({force = false} = {}) {
    const {states, edges} = arrows(this.store.draft, this.lang, this.t);
    const shape = JSON.stringify([states.map((s) => [s.key, s.kind, labelText(s.label, this.lang, s.key),
      s.sla_hours, s.time_counts]), edges.map((e) => [e.from, e.to, e.label, e.kind])]);
    if (!force && shape === this.shape) {
      this.markSelected();
      return this.drawn;
    }
    this.shape = shape;
    const seq = ++this.layoutSeq;
    // Positions change when the layout answers; until then the old drawing stays.
    this.box.dataset.layout = "pending";
    this.drawn = this.elk.layout(elkGraph(states, edges)).then((laid) => {
      if (seq !== this.layoutSeq) return;
      this.render(states, edges, laid);
      this.box.dataset.layout = "done";
    }).catch((error) => {
      // A layout that fails leaves the lists, which still edit everything.
      this.shape = "";
      this.box.replaceChildren(h("p", {class: "prop-problem"}, `${this.t.diagram_failed}: ${error.message}`));
    });
    return this.drawn;
  }

  render(states, edges, laid) {
    const width = Math.ceil(laid.width);
    const height = Math.ceil(laid.height);
    const root = svg("svg", {viewBox: `0 0 ${width} ${height}`, width, height, role: "img",
      "aria-label": this.t.diagram_label, class: "wf-diagram"});
    const marker = svg("marker", {id: "arrow", viewBox: "0 0 10 10", refX: "9", refY: "5",
      markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse"});
    marker.append(svg("path", {d: "M0,0 L10,5 L0,10 z", fill: "#5b6775"}));
    root.append(svg("defs", {}), svg("g", {class: "edges"}), svg("g", {class: "labels"}));
    root.firstChild.append(marker);
    const [edgeLayer, labelLayer] = [root.children[1], root.children[2]];
    laid.edges.forEach((laidEdge, i) => {
      const edge = edges[i];
      const item = `${edge.item.name}/${edge.item.index}`;
      for (const section of laidEdge.sections || []) {
        const points = [section.startPoint, ...(section.bendPoints || []), section.endPoint];
        const d = points.map((p, n) => `${n ? "L" : "M"}${p.x},${p.y}`).join(" ");
        const group = svg("g", {class: `arrow ${edge.kind}`, "data-item": item});
        group.append(svg("path", {d, class: `edge ${edge.kind}`, fill: "none", "marker-end": "url(#arrow)"}),
          svg("path", {d, class: "edge-hit", fill: "none"}));
        edgeLayer.append(group);
      }
      for (const label of laidEdge.labels || []) {
        const group = svg("g", {class: `edge-label-box ${edge.kind}`, "data-item": item,
          transform: `translate(${label.x},${label.y})`});
        group.append(svg("rect", {width: label.width, height: label.height, rx: 3}),
          svg("text", {x: label.width / 2, y: label.height - 4, "text-anchor": "middle", class: "edge-label"},
            edge.label));
        labelLayer.append(group);
      }
    });
    const byId = new Map(laid.children.map((c) => [c.id, c]));
    for (const state of states) {
      const at = byId.get(`s:${state.key}`);
      const index = (this.store.draft.workflow.states || []).indexOf(state);
      const group = svg("g", {class: `state ${state.kind || "normal"}`, "data-state": state.key,
        "data-item": `states/${index}`});
      group.append(svg("rect", {x: at.x, y: at.y, width: BOX_W, height: BOX_H, rx: state.kind === "terminal" ? 22 : 8}),
        svg("text", {x: at.x + BOX_W / 2, y: at.y + 19, "text-anchor": "middle", class: "state-name"},
          labelText(state.label, this.lang, state.key)));
      const sla = state.sla_hours ? ` · SLA ${state.sla_hours} ${unitOf(this.t, state)}` : "";
      group.append(svg("text", {x: at.x + BOX_W / 2, y: at.y + 35, "text-anchor": "middle", class: "state-key"},
        `${state.key}${sla}`));
      root.append(group);
    }
    this.wire(root);
    this.box.replaceChildren(root);
    this.markSelected();
  }

  wire(root) {
    root.addEventListener("click", (event) => {
      if (this.dragged) return;
      const hit = event.target.closest("[data-item]");
      if (!hit) return;
      const [name, index] = hit.dataset.item.split("/");
      this.select({name, index: Number(index)});
    });
    root.addEventListener("pointerdown", (event) => {
      const from = event.target.closest("[data-state]");
      this.dragged = false;
      if (!from || event.button !== 0) return;
      event.preventDefault();
      this.connect(root, from.dataset.state, event);
    });
  }

  // Dragging from a state draws a line that follows the pointer; let go over another
  // state and a transition between the two is made and opened in the panel.
  connect(root, from, down) {
    const toSvg = (event) => {
      const p = root.createSVGPoint();
      [p.x, p.y] = [event.clientX, event.clientY];
      return p.matrixTransform(root.getScreenCTM().inverse());
    };
    const start = toSvg(down);
    let line = null;
    const move = (event) => {
      if (!line && Math.hypot(event.clientX - down.clientX, event.clientY - down.clientY) < DRAG_START_PX) return;
      const at = toSvg(event);
      if (!line) {
        line = svg("line", {class: "edge drawing", x1: start.x, y1: start.y, "marker-end": "url(#arrow)"});
        root.append(line);
        this.dragged = true;
      }
      line.setAttribute("x2", at.x);
      line.setAttribute("y2", at.y);
      for (const s of root.querySelectorAll(".state.target")) s.classList.remove("target");
      const over = document.elementFromPoint(event.clientX, event.clientY)?.closest("[data-state]");
      if (over && over.dataset.state !== from) over.classList.add("target");
    };
    const up = (event) => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
      if (!line) return;
      line.remove();
      const over = document.elementFromPoint(event.clientX, event.clientY)?.closest("[data-state]");
      if (over && over.dataset.state !== from) this.addTransition(from, over.dataset.state);
      // The click that follows the drag is not a selection.
      setTimeout(() => { this.dragged = false; }, 0);
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
  }

  select(selection) {
    this.panel.focus = selection;
    this.panel.draw();
    this.markSelected();
  }

  markSelected() {
    // What the panel shows is what is selected (a removed item leaves neither).
    const shown = this.panel.focus;
    const at = shown ? `${shown.name}/${shown.index}` : "";
    for (const el of this.box.querySelectorAll("[data-item]")) {
      el.classList.toggle("selected", el.dataset.item === at);
    }
  }

  addState() {
    const index = this.lists.addState({focus: false});
    this.draw();
    this.select({name: "states", index});
    this.panel.el.querySelector("input")?.focus();
  }

  addApproval() {
    const index = this.lists.addApproval({focus: false});
    this.draw();
    this.select({name: "approvals", index});
    this.panel.el.querySelector("input")?.focus();
  }

  addTransition(from, to) {
    const wf = this.store.draft.workflow;
    const target = wf.states.find((s) => s.key === to) || {};
    const taken = new Set(wf.transitions.map((x) => x.key));
    const key = keyFrom(`to_${to}`, taken, "transition");
    const en = labelText(target.label, "en", to);
    const zh = labelText(target.label, "zh", to);
    this.store.change((draft) => draft.workflow.transitions.push({
      key, from: [from], to, label: {en: `${this.t.to_state_en} ${en}`, zh: `${this.t.to_state_zh}${zh}`},
    }), {source: "workflow-canvas"});
    this.draw();
    this.select({name: "transitions", index: this.store.draft.workflow.transitions.length - 1});
  }
}
