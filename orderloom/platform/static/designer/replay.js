// Replay real orders: the newest orders of this type run through the draft on screen
// and through the published version (POST /order-types/<key>/replay), so the designer
// sees what publishing would change before it changes anything: a summary with counts,
// then each order with what differs. Nothing is stored.

import {call} from "./api.js";
import {clear, h, labelText} from "./dom.js";
import {fields} from "./form_model.js";

const ASPECTS = ["state", "tags", "computed", "approvals", "refused"];
const MOST = 200;

export class Replay {
  constructor(store, t, lang, {root}) {
    this.store = store;
    this.t = t;
    this.lang = lang;
    this.el = root;
    this.count = 20;
  }

  draw() {
    const t = this.t;
    this.input = h("input", {type: "number", id: "replay-count", min: "1", max: String(MOST),
      value: String(this.count), oninput: (event) => { this.count = event.target.value; }});
    this.results = h("div", {id: "replay-results", "aria-live": "polite"});
    clear(this.el).append(h("section", {class: "sim-block replay"},
      h("h3", {}, t.replay_title),
      h("p", {class: "hint"}, t.replay_hint),
      h("div", {class: "sim-actions"},
        h("label", {for: "replay-count"}, t.replay_count), this.input,
        h("button", {type: "button", id: "replay-run", onclick: () => this.run()}, t.replay_run)),
      this.results));
  }

  async run() {
    const t = this.t;
    const count = Number(this.input.value);
    const answer = await call("POST", this.store.urls.replay,
      {count, definition: this.store.draft, language: this.lang});
    if (!answer.ok) {
      const errors = (answer.data && answer.data.errors) || [];
      clear(this.results).append(h("p", {class: "error", role: "alert"}, t.replay_failed),
        h("ul", {}, (errors.length ? errors : [answer.data]).map((e) =>
          h("li", {}, `${e.pointer || ""} ${e.detail || ""}`))));
      return;
    }
    clear(this.results).append(...this.report(answer.data));
  }

  report(result) {
    const t = this.t;
    const summary = result.summary;
    if (!summary.orders) return [h("p", {class: "hint"}, t.replay_none)];
    // Whole sentences per language, so that Chinese gets its own punctuation.
    const fill = (words, values) => words.replace(/\{(\w+)\}/g, (_m, name) => String(values[name]));
    const counts = ASPECTS.filter((a) => summary.by_aspect[a])
      .map((a) => fill(t.replay_count_item, {aspect: t[`aspect_${a}`], count: summary.by_aspect[a]}));
    return [
      h("p", {id: "replay-summary"},
        fill(t.replay_summary, summary),
        counts.length ? fill(t.replay_counts, {counts: counts.join(t.replay_separator)}) : ""),
      h("div", {class: "grid-scroll"}, h("table", {class: "grid replay-orders"},
        h("thead", {}, h("tr", {}, h("th", {}, t.replay_order), h("th", {}, ""),
          h("th", {}, t.replay_published), h("th", {}, t.replay_draft))),
        h("tbody", {}, result.orders.flatMap((order) => this.rows(order, result.labels))))),
    ];
  }

  rows(order, published) {
    const t = this.t;
    const head = h("th", {rowspan: String(Math.max(order.changes.length, 1))}, order.number);
    if (!order.changes.length) {
      return [h("tr", {dataset: {order: order.number}}, head,
        h("td", {colspan: "3", class: "hint"}, t.replay_same))];
    }
    return order.changes.map((aspect, index) => h("tr", {class: "changed", dataset: {order: order.number, aspect}},
      index === 0 ? head : null,
      h("th", {}, t[`aspect_${aspect}`]),
      h("td", {}, this.shown(aspect, order.published, order.draft, published)),
      h("td", {}, this.shown(aspect, order.draft, order.published, this.draftLabels()))));
  }

  // The draft's names of states, approvals and computed fields, shaped as the server
  // sends the published version's: each side is named as its own version names it.
  draftLabels() {
    const workflow = this.store.draft.workflow || {};
    const byKey = (items) => Object.fromEntries((items || []).map((i) => [i.key, i.label]));
    return {states: byKey(workflow.states), approvals: byKey(workflow.approvals),
      computed: byKey(fields(this.store.draft).filter((f) => f.type === "computed"))};
  }

  shown(aspect, outcome, other, labels) {
    const value = outcome[aspect];
    const named = (kind, key) => labelText((labels[kind] || {})[key], this.lang, key);
    if (aspect === "state") return value === null ? "—" : named("states", value);
    if (aspect === "computed") {
      // Only the fields that differ: a total both sides agree on is no news.
      return Object.entries(value).filter(([key, v]) => JSON.stringify(v) !== JSON.stringify(other.computed[key]))
        .map(([key, v]) => `${named("computed", key)} = ${v === null ? "—" : v}`)
        .join("; ") || "—";
    }
    if (aspect === "approvals") return value.map((key) => named("approvals", key)).join(", ") || "—";
    return value.length ? value.join(", ") : "—";
  }
}
