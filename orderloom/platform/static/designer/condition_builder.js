// A condition built from rows (field, operator, value) joined by AND or OR, with
// groups inside for the other join. Every change writes the formula into the
// formula box beside it, which stays for those who type. A formula already there
// is read back into rows from its checked tree (the tree static/formula.js
// evaluates, asked of the server); one the rows cannot say stays in the box as
// it is, with a note.

import {call} from "./api.js";
import {h, labelText} from "./dom.js";
import {fields} from "./form_model.js";

const OPERATORS = {
  number: ["=", "<>", "<", "<=", ">", ">=", "IN", "NOT IN"],
  text: ["=", "<>", "IN", "NOT IN"],
  boolean: ["=", "<>"],
};
const OPERATOR_TEXT = {"=": "op_eq", "<>": "op_ne", "<": "op_lt", "<=": "op_le", ">": "op_gt",
  ">=": "op_ge", "IN": "op_in", "NOT IN": "op_not_in"};
const SAME = {"==": "=", "!=": "<>"};
const NUMBER = /^-?\d+(\.\d+)?$/;

// What a field is compared as; fields the rows cannot compare (addresses, line
// items, dates) are not offered, and a formula naming them stays a formula.
function kindOf(field) {
  const type = field.type === "computed" ? field.result_type : field.type;
  if (["number", "integer", "money", "decimal"].includes(type)) return "number";
  if (["text", "long_text", "email", "phone", "choice"].includes(type)) return "text";
  if (type === "boolean") return "boolean";
  return null;
}

export function comparable(draft, lang) {
  return fields(draft).filter((f) => kindOf(f)).map((f) => ({key: f.key, kind: kindOf(f),
    label: labelText(f.label, lang, f.key), options: (f.options || []).map((o) => o.value)}));
}

function literalText(lit) {
  if (lit.k === "unary" && lit.op === "-" && lit.x.k === "lit" && typeof lit.x.v === "object") {
    const inner = literalText(lit.x);
    return inner === null ? null : `-${inner}`;
  }
  if (lit.k !== "lit" || lit.v === null) return null;
  if (lit.v === true || lit.v === false) return lit.v ? "TRUE" : "FALSE";
  if (typeof lit.v === "string") return lit.v;
  return lit.v.int ?? lit.v.dec ?? null;
}

function flatten(node, join) {
  return node.k === "bin" && node.op === join ? [...flatten(node.l, join), ...flatten(node.r, join)] : [node];
}

// The rows of a checked tree, or null when it says more than rows can.
export function readTree(node, known) {
  if (node.k === "bin" && (node.op === "AND" || node.op === "OR")) {
    const items = flatten(node, node.op).map((part) => readTree(part, known));
    return items.includes(null) ? null : {join: node.op, items};
  }
  if (node.k !== "bin") return null;
  const op = SAME[node.op] || node.op;
  const path = node.l;
  if (!OPERATOR_TEXT[op] || path.k !== "path" || path.level !== 0 || path.steps.length !== 1) return null;
  const field = known.find((f) => f.key === path.steps[0].name);
  if (!field || !OPERATORS[field.kind].includes(op)) return null;
  if (op === "IN" || op === "NOT IN") {
    if (node.r.k !== "list") return null;
    const values = node.r.items.map(literalText);
    return values.includes(null) ? null : {field: field.key, op, value: values.join(", ")};
  }
  const value = literalText(node.r);
  return value === null ? null : {field: field.key, op, value};
}

function valueText(kind, value) {
  if (kind === "number") return NUMBER.test(value) ? value : null;
  if (kind === "boolean") return value === "TRUE" || value === "FALSE" ? value : null;
  // A backslash starts an escape in the formula language (\n is a new line): it is
  // doubled, so a value such as C:\new stays the text typed.
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '""')}"`;
}

function rowText(row, known) {
  const field = known.find((f) => f.key === row.field);
  if (!field) return null;
  if (row.op === "IN" || row.op === "NOT IN") {
    const values = row.value.split(",").map((v) => v.trim()).filter(Boolean)
      .map((v) => valueText(field.kind, v));
    if (!values.length || values.includes(null)) return null;
    return `${field.key} ${row.op} [${values.join(", ")}]`;
  }
  const value = valueText(field.kind, row.value.trim());
  return value === null ? null : `${field.key} ${row.op} ${value}`;
}

// The formula the rows say, or null while a row is unfinished.
export function writeGroup(group, known) {
  const parts = group.items.map((item) => {
    if (!item.items) return rowText(item, known);
    const inner = writeGroup(item, known);
    return inner === null ? null : item.items.length > 1 ? `(${inner})` : inner;
  });
  return parts.includes(null) || !parts.length ? null : parts.join(` ${group.join} `);
}

export class ConditionBuilder {
  // input: the formula box; write(text) puts a formula in it as typing would.
  constructor(store, t, lang, {input, write}) {
    this.store = store;
    this.t = t;
    this.lang = lang;
    this.input = input;
    this.write = write;
    this.el = h("div", {class: "condition-builder", hidden: true});
    this.note = h("p", {class: "builder-note", role: "status"});
  }

  async open() {
    this.known = comparable(this.store.draft, this.lang);
    const formula = this.input.value.trim();
    this.el.hidden = false;
    if (!formula) {
      this.group = {join: "AND", items: [this.newRow()]};
      this.draw();
      return;
    }
    const answer = await call("POST", this.store.urls.formula_tree,
      {definition: this.store.draft, formula});
    if (!answer.ok) {
      const detail = (answer.data.errors || [])[0]?.detail || answer.data.detail || answer.status;
      this.show(this.t.cb_mistake.replace("{detail}", detail));
      return;
    }
    const read = readTree(answer.data.ast, this.known);
    if (!read) {
      this.show(this.t.cb_cannot_read);
      return;
    }
    this.group = read.items ? read : {join: "AND", items: [read]};
    this.draw();
  }

  close() {
    this.el.hidden = true;
    this.group = null;
  }

  show(note) {
    this.group = null;
    this.note.textContent = note;
    this.el.replaceChildren(this.note);
  }

  newRow() {
    const first = this.known[0];
    return {field: first ? first.key : "", op: "=", value: ""};
  }

  changed() {
    const formula = writeGroup(this.group, this.known);
    this.note.textContent = formula === null ? this.t.cb_unfinished : "";
    if (formula !== null && formula !== this.input.value) this.write(formula);
  }

  draw() {
    const focused = document.activeElement;
    const at = this.el.contains(focused) ? focused.dataset.cb : null;
    this.el.replaceChildren(this.groupEl(this.group, null, "g"), this.note);
    if (at) this.el.querySelector(`[data-cb="${at}"]`)?.focus();
    this.changed();
  }

  groupEl(group, parent, path) {
    const t = this.t;
    const join = h("select", {class: "cb-join", "aria-label": t.cb_join, dataset: {cb: `${path}/join`},
      onchange: (event) => { group.join = event.target.value; this.draw(); }},
    h("option", {value: "AND", selected: group.join === "AND"}, t.cb_all),
    h("option", {value: "OR", selected: group.join === "OR"}, t.cb_any));
    const other = group.join === "AND" ? "OR" : "AND";
    return h("div", {class: "cb-group", dataset: {join: group.join}},
      h("div", {class: "cb-group-head"}, join,
        parent ? h("button", {type: "button", class: "icon danger", "aria-label": t.remove,
          onclick: () => { parent.items.splice(parent.items.indexOf(group), 1); this.draw(); }}, "×") : null),
      h("ol", {class: "cb-items"}, group.items.map((item, i) => h("li", {},
        item.items ? this.groupEl(item, group, `${path}/${i}`) : this.rowEl(item, group, `${path}/${i}`)))),
      h("div", {class: "cb-add"},
        h("button", {type: "button", class: "cb-add-row", onclick: () => {
          group.items.push(this.newRow());
          this.draw();
        }}, `+ ${t.cb_add_row}`),
        h("button", {type: "button", class: "cb-add-group", onclick: () => {
          group.items.push({join: other, items: [this.newRow()]});
          this.draw();
        }}, `+ ${t.cb_add_group}`)));
  }

  rowEl(row, group, path) {
    const t = this.t;
    const field = this.known.find((f) => f.key === row.field);
    const kind = field ? field.kind : "text";
    if (!OPERATORS[kind].includes(row.op)) row.op = "=";
    const fieldSelect = h("select", {class: "cb-field", "aria-label": t.cb_field, dataset: {cb: `${path}/field`},
      onchange: (event) => { row.field = event.target.value; row.value = ""; this.draw(); }},
    this.known.map((f) => h("option", {value: f.key, selected: f.key === row.field}, f.label)));
    const opSelect = h("select", {class: "cb-op", "aria-label": t.cb_operator, dataset: {cb: `${path}/op`},
      onchange: (event) => { row.op = event.target.value; this.draw(); }},
    OPERATORS[kind].map((op) => h("option", {value: op, selected: op === row.op}, t[OPERATOR_TEXT[op]])));
    return h("div", {class: "cb-row"}, fieldSelect, opSelect, this.valueEl(row, field, kind, path),
      h("button", {type: "button", class: "icon danger", "aria-label": t.remove, disabled: group.items.length < 2
        && group === this.group, onclick: () => { group.items.splice(group.items.indexOf(row), 1); this.draw(); }},
      "×"));
  }

  valueEl(row, field, kind, path) {
    const t = this.t;
    const many = row.op === "IN" || row.op === "NOT IN";
    const attrs = {class: "cb-value", "aria-label": t.cb_value, dataset: {cb: `${path}/value`}};
    if (kind === "boolean") {
      if (!row.value) row.value = "TRUE";
      return h("select", {...attrs, onchange: (event) => { row.value = event.target.value; this.changed(); }},
        h("option", {value: "TRUE", selected: row.value === "TRUE"}, t.cb_true),
        h("option", {value: "FALSE", selected: row.value === "FALSE"}, t.cb_false));
    }
    if (field && field.options.length && !many) {
      if (!row.value) row.value = field.options[0];
      return h("select", {...attrs, onchange: (event) => { row.value = event.target.value; this.changed(); }},
        field.options.map((o) => h("option", {value: o, selected: o === row.value}, o)));
    }
    return h("input", {...attrs, type: "text", value: row.value, spellcheck: "false",
      inputmode: kind === "number" && !many ? "decimal" : null,
      placeholder: many ? t.cb_values_hint : kind === "number" ? "5000" : "",
      oninput: (event) => { row.value = event.target.value; this.changed(); }});
  }
}
