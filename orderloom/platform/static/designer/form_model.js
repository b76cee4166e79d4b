// The form part of a definition, in the words the canvas uses: fields by key, the
// layout's sections, new fields with sensible starting values, moves and renames.

import {keyFrom} from "./dom.js";

export const FIELD_TYPES = [
  "text", "long_text", "number", "integer", "money", "boolean", "date", "datetime",
  "choice", "multi_choice", "email", "phone", "address", "customer", "product",
  "attachment", "line_items", "computed",
];

// Keys a new field starts with, where the type's name is not the natural one.
const DEFAULT_KEYS = {line_items: "items", long_text: "note", multi_choice: "choices", boolean: "flag"};

export function fields(draft) {
  draft.form = draft.form || {fields: []};
  draft.form.fields = draft.form.fields || [];
  return draft.form.fields;
}

export function layout(draft) {
  fields(draft);
  if (!Array.isArray(draft.form.layout)) draft.form.layout = [];
  return draft.form.layout;
}

// Every field sits in a section, so the canvas can show (and drag) all of them.
export function placeAll(draft, t) {
  const sections = layout(draft);
  const placed = new Set(sections.flatMap((s) => s.fields || []));
  const loose = fields(draft).map((f) => f.key).filter((k) => !placed.has(k));
  if (!loose.length) return false;
  if (!sections.length) sections.push({title: {en: t.section_default_en, zh: t.section_default_zh}, columns: 2, fields: []});
  sections[sections.length - 1].fields.push(...loose);
  return true;
}

export function findField(draft, key, column) {
  const field = fields(draft).find((f) => f.key === key);
  if (!field || !column) return field || null;
  return (field.fields || []).find((c) => c.key === column) || null;
}

// The JSON Pointer of a field (or a line column), where its problems are reported.
export function fieldPointer(draft, key, column) {
  const index = fields(draft).findIndex((f) => f.key === key);
  if (index < 0) return null;
  if (!column) return `/form/fields/${index}`;
  const inner = (fields(draft)[index].fields || []).findIndex((c) => c.key === column);
  return inner < 0 ? null : `/form/fields/${index}/fields/${inner}`;
}

export function takenKeys(list) {
  return new Set(list.map((f) => f.key));
}

export function newField(type, taken, t) {
  const name = t[`type_${type}`] || type;
  const field = {
    key: keyFrom(DEFAULT_KEYS[type] || type, taken, type),
    type,
    label: {en: t[`type_${type}_en`] || name, zh: t[`type_${type}_zh`] || name},
  };
  if (type === "choice" || type === "multi_choice") {
    field.options = [
      {value: "a", label: {en: "Option A", zh: "选项A"}},
      {value: "b", label: {en: "Option B", zh: "选项B"}},
    ];
  }
  if (type === "computed") {
    field.formula = "0";
    field.result_type = "number";
  }
  if (type === "line_items") {
    field.fields = [
      {key: "sku", type: "product", label: {en: "Product", zh: "商品"}, required: true},
      {key: "qty", type: "integer", label: {en: "Quantity", zh: "数量"}, required: true, min: 1},
      {key: "price", type: "money", label: {en: "Unit price", zh: "单价"}, required: true},
      {key: "amount", type: "computed", label: {en: "Amount", zh: "金额"},
        formula: "qty * price", result_type: "money"},
    ];
  }
  return field;
}

export function sectionOf(draft, key) {
  return layout(draft).findIndex((s) => (s.fields || []).includes(key));
}

export function removeField(draft, key) {
  draft.form.fields = fields(draft).filter((f) => f.key !== key);
  for (const section of layout(draft)) section.fields = section.fields.filter((k) => k !== key);
}

// Renaming a key also renames its places in the layout and the transitions' required
// fields; formulas that use the old name are left to the check, which points at them.
export function renameField(draft, oldKey, newKey, column) {
  if (column) {
    const holder = findField(draft, oldKey);
    const col = (holder.fields || []).find((c) => c.key === column);
    if (col) col.key = newKey;
    return;
  }
  const field = findField(draft, oldKey);
  if (!field) return;
  field.key = newKey;
  for (const section of layout(draft)) {
    section.fields = section.fields.map((k) => (k === oldKey ? newKey : k));
  }
  for (const transition of (draft.workflow && draft.workflow.transitions) || []) {
    if (Array.isArray(transition.required_fields)) {
      transition.required_fields = transition.required_fields.map((k) => (k === oldKey ? newKey : k));
    }
  }
}

export function move(list, index, delta) {
  const target = index + delta;
  if (index < 0 || target < 0 || target >= list.length) return false;
  const [item] = list.splice(index, 1);
  list.splice(target, 0, item);
  return true;
}
