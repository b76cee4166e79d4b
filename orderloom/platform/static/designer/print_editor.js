// Print templates: each has a key, the document it prints and its Jinja2 source; the
// chosen one is shown beside the source, rendered on a sample order (generated from
// the form) a moment after each change.

import {call} from "./api.js";
import {clear, h, keyFrom} from "./dom.js";
import {generateSample} from "./simulation.js";

const DOCUMENTS = ["pick_list", "packing_slip", "shipping_label", "invoice", "order"];
const DELAY_MS = 500;

function templatesOf(draft) {
  draft.print_templates = draft.print_templates || [];
  return draft.print_templates;
}

export class PrintEditor {
  constructor(store, t, lang, {root}) {
    this.store = store;
    this.t = t;
    this.lang = lang;
    this.el = root;
    this.chosen = 0;
  }

  change(fn, coalesce = "") {
    this.store.change((d) => fn(templatesOf(d)), {source: "print", coalesce});
  }

  draw() {
    const t = this.t;
    const templates = this.store.draft.print_templates || [];
    if (this.chosen >= templates.length) this.chosen = 0;
    const current = templates[this.chosen];
    const tabs = h("ul", {class: "print-list"}, templates.map((tpl, index) => h("li", {},
      h("button", {type: "button", "aria-pressed": String(index === this.chosen),
        onclick: () => { this.chosen = index; this.draw(); }}, `${tpl.key} (${t[`doc_${tpl.document}`] || tpl.document})`))));
    const add = h("button", {type: "button", class: "add-template", onclick: () => {
      this.change((list) => list.push({
        key: keyFrom("template", new Set(list.map((x) => x.key)), "template"), document: "packing_slip",
        template: "<h1>{{ order.number }}</h1>\n{% for line in order.lines %}\n<p>{{ line.sku }} × {{ line.quantity }}</p>\n{% endfor %}",
      }));
      this.chosen = (this.store.draft.print_templates || []).length - 1;
      this.draw();
    }}, t.add_template);
    if (!current) {
      clear(this.el).append(h("p", {class: "hint"}, t.no_templates), add);
      return;
    }
    const index = this.chosen;
    this.frame = h("iframe", {class: "print-preview", title: t.print_preview, sandbox: ""});
    this.problem = h("p", {class: "error", role: "status"});
    clear(this.el).append(tabs, add, h("div", {class: "print-layout"},
      h("div", {class: "print-source"},
        h("div", {class: "wf-row"},
          h("label", {class: "wf-prop"}, h("span", {}, t.key), h("input", {type: "text", class: "short", value: current.key,
            oninput: (event) => this.change((list) => { list[index].key = event.target.value; }, `tpl-${index}-key`)})),
          h("label", {class: "wf-prop"}, h("span", {}, t.document), h("select", {
            onchange: (event) => { this.change((list) => { list[index].document = event.target.value; }); this.schedule(); }},
          DOCUMENTS.map((d) => h("option", {value: d, selected: current.document === d}, t[`doc_${d}`] || d)))),
          h("button", {type: "button", class: "icon danger", "aria-label": t.remove, onclick: () => {
            this.change((list) => list.splice(index, 1));
            this.draw();
          }}, "×")),
        h("label", {for: "print-template"}, t.template),
        h("textarea", {id: "print-template", class: "code", rows: "20", spellcheck: "false",
          oninput: (event) => {
            this.change((list) => { list[index].template = event.target.value; }, `tpl-${index}-source`);
            this.schedule();
          }}, current.template || ""),
        h("p", {class: "hint"}, t.template_hint), this.problem),
      h("div", {class: "print-output"}, h("h3", {}, t.print_preview), this.frame)));
    this.schedule();
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.render(), DELAY_MS);
  }

  async render() {
    const current = (this.store.draft.print_templates || [])[this.chosen];
    if (!current || !this.frame.isConnected) return;
    const seq = (this.seq = (this.seq || 0) + 1);
    const answer = await call("POST", this.store.urls.print_preview, {
      definition: this.store.draft, template: current.template || "", document: current.document,
      data: generateSample(this.store.draft),
    });
    if (seq !== this.seq) return;
    if (answer.ok) {
      this.problem.textContent = "";
      this.frame.srcdoc = answer.data.html;
    } else {
      this.problem.textContent = answer.data.detail || this.t.preview_blocked;
    }
  }
}
