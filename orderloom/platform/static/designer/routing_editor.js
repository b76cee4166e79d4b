// Routing: rules (a condition and a warehouse; the first match wins), then a strategy
// (by region, most stock, fewest splits or priority), the region table, splitting
// and back-orders.

import {clear, h} from "./dom.js";
import {formulaInput} from "./formula_input.js";

const STRATEGIES = ["region", "most_stock", "fewest_splits", "priority"];
const BACKORDER = ["refuse", "allow", "split"];

function routingOf(draft) {
  draft.routing = draft.routing || {strategy: "most_stock"};
  return draft.routing;
}

export class RoutingEditor {
  constructor(store, t, lang, warehouses, {root}) {
    this.store = store;
    this.t = t;
    this.lang = lang;
    this.warehouses = warehouses;
    this.el = root;
  }

  change(fn, coalesce = "") {
    this.store.change((d) => fn(routingOf(d)), {source: "routing", coalesce});
  }

  structural(fn) {
    this.change(fn);
    this.draw();
  }

  draw() {
    const t = this.t;
    const routing = this.store.draft.routing;
    if (!routing) {
      clear(this.el).append(h("p", {class: "hint"}, t.no_routing),
        h("button", {type: "button", class: "add-routing", onclick: () => this.structural(() => {})}, t.add_routing));
      return;
    }
    const warehouseList = this.warehouses.length
      ? h("datalist", {id: "warehouse-codes"}, this.warehouses.map((w) => h("option", {value: w}))) : null;
    const rules = (routing.rules || []).map((rule, index) => h("li", {class: "wf-item"}, h("div", {class: "wf-row"},
      h("div", {class: "wf-prop wide"}, h("span", {}, t.when),
        formulaInput(this.store, t, {pointer: `/routing/rules/${index}/when`, value: rule.when || "", label: t.when,
          onInput: (v) => this.change((r) => { r.rules[index].when = v; }, `rule-${index}-when`)})),
      h("label", {class: "wf-prop"}, h("span", {}, t.warehouse), h("input", {type: "text", class: "short",
        list: "warehouse-codes", value: rule.warehouse || "",
        oninput: (event) => this.change((r) => { r.rules[index].warehouse = event.target.value; }, `rule-${index}-wh`)})),
      h("button", {type: "button", class: "icon danger", "aria-label": t.remove,
        onclick: () => this.structural((r) => { r.rules.splice(index, 1); if (!r.rules.length) delete r.rules; })}, "×"))));
    const regions = Object.entries(routing.regions || {}).map(([region, codes], index) => h("tr", {},
      h("td", {}, h("input", {type: "text", value: region, "aria-label": `${t.region} ${index + 1}`,
        onchange: (event) => this.structural((r) => {
          const entries = Object.entries(r.regions);
          entries[index][0] = event.target.value;
          r.regions = Object.fromEntries(entries);
        })})),
      h("td", {}, h("input", {type: "text", value: codes.join(", "), "aria-label": `${t.region_warehouses} ${index + 1}`,
        oninput: (event) => this.change((r) => {
          r.regions[region] = event.target.value.split(",").map((c) => c.trim()).filter(Boolean);
        }, `region-${index}`)})),
      h("td", {}, h("button", {type: "button", class: "icon danger", "aria-label": t.remove,
        onclick: () => this.structural((r) => { delete r.regions[region]; })}, "×"))));
    clear(this.el).append(warehouseList ?? "",
      h("section", {class: "wf-block"}, h("h3", {}, t.routing_rules), h("p", {class: "hint"}, t.routing_rules_hint),
        h("ol", {class: "wf-list"}, rules),
        h("button", {type: "button", onclick: () => this.structural((r) => {
          r.rules = r.rules || [];
          r.rules.push({when: "TRUE", warehouse: this.warehouses[0] || ""});
        })}, t.add_routing_rule)),
      h("section", {class: "wf-block"}, h("h3", {}, t.strategy),
        h("div", {class: "wf-row"},
          h("label", {class: "wf-prop"}, h("span", {}, t.strategy), h("select", {id: "routing-strategy",
            onchange: (event) => this.structural((r) => { r.strategy = event.target.value; })},
          STRATEGIES.map((s) => h("option", {value: s, selected: routing.strategy === s}, t[`strategy_${s}`])))),
          h("label", {class: "check wf-prop"}, h("input", {type: "checkbox", checked: Boolean(routing.allow_split),
            onchange: (event) => this.change((r) => { r.allow_split = event.target.checked; })}), " ", t.allow_split),
          h("label", {class: "wf-prop"}, h("span", {}, t.backorder), h("select", {
            onchange: (event) => this.change((r) => { r.backorder = event.target.value; })},
          BACKORDER.map((b) => h("option", {value: b, selected: (routing.backorder || "refuse") === b}, t[`backorder_${b}`])))))),
      h("section", {class: "wf-block"}, h("h3", {}, t.regions), h("p", {class: "hint"}, t.regions_hint),
        h("table", {class: "grid"}, h("thead", {}, h("tr", {}, h("th", {}, t.region), h("th", {}, t.region_warehouses),
          h("th", {}))), h("tbody", {}, regions)),
        h("button", {type: "button", onclick: () => this.structural((r) => {
          r.regions = r.regions || {};
          let name = "Zhejiang";
          for (let n = 2; name in r.regions; n += 1) name = `Region ${n}`;
          r.regions[name] = [];
        })}, t.add_region)));
  }
}
