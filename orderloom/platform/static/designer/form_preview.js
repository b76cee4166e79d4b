// The live preview: the form as staff will see it, with computed fields (and computed
// line columns) recalculated by the server on the draft as it is on screen, shortly
// after each keystroke.

import {call} from "./api.js";
import {clear, h, labelText} from "./dom.js";
import {fields, findField, layout} from "./form_model.js";

const DELAY_MS = 350;

const INPUT_TYPES = {
  number: "number", integer: "number", money: "text", date: "date", datetime: "datetime-local",
  email: "email", phone: "tel",
};

export class FormPreview {
  constructor(store, t, lang, {preview}) {
    this.store = store;
    this.t = t;
    this.lang = lang;
    this.el = preview;
    this.values = {};
    this.lines = {};
  }

  draw() {
    const t = this.t;
    const lang = this.lang;
    const draft = this.store.draft;
    const form = h("form", {class: "preview-form", onsubmit: (event) => event.preventDefault(),
      oninput: () => this.schedule(), onchange: () => this.schedule()});
    for (const section of layout(draft)) {
      const grid = h("div", {class: `preview-grid cols-${section.columns || 1}`});
      for (const key of section.fields || []) {
        const field = findField(draft, key);
        if (field) grid.append(this.field(field));
      }
      form.append(h("fieldset", {class: "preview-section"},
        h("legend", {}, labelText(section.title, lang)), grid));
    }
    clear(this.el).append(h("p", {class: "hint"}, t.preview_hint), form,
      h("ul", {class: "preview-problems", "aria-live": "polite"}));
    this.schedule();
  }

  field(field) {
    const el = this.fieldElement(field);
    el.dataset.previewField = field.key;
    return el;
  }

  fieldElement(field) {
    const lang = this.lang;
    const name = labelText(field.label, lang, field.key);
    const help = field.help ? h("small", {class: "hint"}, labelText(field.help, lang)) : null;
    const caption = h("span", {}, name, field.required ? h("span", {class: "required"}, " *") : null);
    if (field.type === "computed") {
      return h("div", {class: "preview-field computed"}, h("span", {class: "caption"}, caption),
        h("output", {dataset: {computed: field.key}}, "—"), help);
    }
    if (field.type === "line_items") return h("div", {class: "preview-field wide"}, caption, this.lineTable(field), help);
    return h("label", {class: "preview-field"}, caption, this.input(field, field.key), help);
  }

  input(field, name, line = null) {
    const value = line === null ? this.values[name] : (this.lines[line.of][line.index] || {})[name];
    const attrs = {name, dataset: line ? {line: String(line.index), of: line.of} : {}};
    const lang = this.lang;
    let el;
    if (field.type === "choice" || field.type === "multi_choice") {
      el = h("select", {...attrs, multiple: field.type === "multi_choice"},
        field.type === "choice" ? h("option", {value: ""}, "") : null,
        (field.options || []).map((o) => h("option", {value: o.value,
          selected: value === o.value || (value === undefined && field.default === o.value)},
        labelText(o.label, lang, o.value))));
    } else if (field.type === "boolean") {
      el = h("input", {...attrs, type: "checkbox", checked: value ?? field.default});
    } else if (field.type === "long_text") {
      el = h("textarea", {...attrs, rows: "2"}, value ?? field.default ?? "");
    } else if (field.type === "address") {
      el = h("input", {...attrs, type: "text", placeholder: this.t.preview_address, value: value ?? ""});
    } else if (field.type === "customer") {
      el = h("input", {...attrs, type: "text", placeholder: this.t.preview_customer, value: value ?? ""});
    } else {
      el = h("input", {...attrs, type: INPUT_TYPES[field.type] || "text",
        step: field.type === "number" ? "any" : null,
        value: value ?? (field.default === undefined ? "" : String(field.default))});
    }
    return el;
  }

  lineTable(field) {
    const t = this.t;
    const lang = this.lang;
    this.lines[field.key] = this.lines[field.key] || [{}];
    const columns = field.fields || [];
    const body = h("tbody", {});
    this.lines[field.key].forEach((_line, index) => {
      body.append(h("tr", {}, columns.map((column) => h("td", {},
        column.type === "computed"
          ? h("output", {dataset: {lineComputed: `${field.key}.${index}.${column.key}`}}, "—")
          : this.input(column, column.key, {of: field.key, index})))));
    });
    return h("div", {class: "preview-lines"},
      h("table", {class: "grid"}, h("thead", {}, h("tr", {}, columns.map((c) =>
        h("th", {}, labelText(c.label, lang, c.key))))), body),
      h("button", {type: "button", onclick: () => {
        this.read();
        this.lines[field.key].push({});
        this.draw();
      }}, t.add_line));
  }

  // What the preview's inputs hold, as an order's data.
  read() {
    const data = {};
    const draft = this.store.draft;
    for (const el of this.el.querySelectorAll("[name]")) {
      const owner = el.dataset.of;
      const field = owner ? findField(draft, owner, el.name) : findField(draft, el.name);
      if (!field) continue;
      let value;
      if (el.type === "checkbox") value = el.checked;
      else if (el.multiple) value = [...el.selectedOptions].map((o) => o.value);
      else value = el.value;
      if (value === "" || (Array.isArray(value) && !value.length)) value = undefined;
      else if (field.type === "integer") value = Number.isInteger(Number(value)) ? Number(value) : value;
      else if (field.type === "number") value = Number.isNaN(Number(value)) ? value : Number(value);
      else if (field.type === "customer") value = {code: value, name: value};
      else if (field.type === "address") value = {country: "CN", province: value, city: value};
      if (owner) {
        const index = Number(el.dataset.line);
        this.lines[owner][index] = this.lines[owner][index] || {};
        const raw = el.type === "checkbox" ? el.checked : el.value;
        this.lines[owner][index][el.name] = raw;
        data[owner] = data[owner] || [];
        data[owner][index] = data[owner][index] || {};
        if (value !== undefined) data[owner][index][el.name] = value;
      } else {
        this.values[el.name] = el.type === "checkbox" ? el.checked : el.value;
        if (value !== undefined) data[el.name] = value;
      }
    }
    for (const field of fields(draft)) {
      if (field.type === "line_items" && data[field.key]) {
        data[field.key] = data[field.key].filter((line) => line && Object.keys(line).length);
      }
    }
    return data;
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.recalculate(), DELAY_MS);
  }

  async recalculate() {
    const seq = (this.seq = (this.seq || 0) + 1);
    const data = this.read();
    const answer = await call("POST", this.store.urls.simulate,
      {definition: this.store.draft, data, language: this.lang});
    if (seq !== this.seq || !this.el.isConnected) return;
    const problems = this.el.querySelector(".preview-problems");
    clear(problems);
    if (!answer.ok) {
      problems.append(h("li", {class: "error"}, this.t.preview_blocked));
      return;
    }
    const result = answer.data;
    for (const [key, value] of Object.entries(result.computed || {})) {
      const out = this.el.querySelector(`output[data-computed="${key}"]`);
      if (out) out.textContent = value === null || value === undefined ? "—" : String(value);
    }
    for (const [key, lines] of Object.entries(result.lines || {})) {
      lines.forEach((line, index) => {
        for (const [column, value] of Object.entries(line || {})) {
          const out = this.el.querySelector(`output[data-line-computed="${key}.${index}.${column}"]`);
          if (out) out.textContent = value === null || value === undefined ? "—" : String(value);
        }
      });
    }
    // Fields with a "shown when" condition come and go as staff would see them.
    for (const [key, shown] of Object.entries(result.visible || {})) {
      const el = this.el.querySelector(`[data-preview-field="${key}"]`);
      if (el) el.hidden = !shown;
    }
    for (const problem of result.problems || []) {
      problems.append(h("li", {}, `${problem.pointer}: ${problem.detail}`));
    }
  }
}
