// Where a problem is, in the words of the designer: a JSON Pointer such as
// "/form/fields/14/formula" becomes the field's label and the member ("Gift
// message · formula"), with the tab and the item to open, so the problems list and
// the publish refusal can name what to fix and take the user there.

import {labelText} from "./dom.js";

const WORKFLOW = {states: "what_state", transitions: "what_transition", approvals: "what_approval",
  automatic: "what_automatic transition"};

function named(item, lang, what, t) {
  const name = labelText(item.label || item.name, lang, item.key || "");
  return `${t[what] || ""} “${name}”`.trim();
}

// {title, rest, tab, selection?, item?} or null when the pointer is not inside an item.
export function placeOf(draft, pointer, t, lang) {
  const parts = String(pointer || "").split("/").slice(1);
  const rest = (n) => parts.slice(n).join(" › ");
  if (parts[0] === "form" && parts[1] === "fields" && parts[2] !== undefined) {
    const field = ((draft.form || {}).fields || [])[Number(parts[2])];
    if (!field) return null;
    if (parts[3] === "fields" && parts[4] !== undefined) {
      const column = (field.fields || [])[Number(parts[4])];
      if (column) {
        return {title: `${named(field, lang, "what_field", t)} › ${labelText(column.label, lang, column.key)}`,
          rest: rest(5), tab: "form", selection: {key: field.key, column: column.key}};
      }
    }
    return {title: named(field, lang, "what_field", t), rest: rest(3), tab: "form",
      selection: {key: field.key}};
  }
  if (parts[0] === "workflow" && WORKFLOW[parts[1]] && parts[2] !== undefined) {
    const item = ((draft.workflow || {})[parts[1]] || [])[Number(parts[2])];
    if (!item) return null;
    return {title: named(item, lang, WORKFLOW[parts[1]], t), rest: rest(3), tab: "workflow",
      item: `/workflow/${parts[1]}/${parts[2]}`};
  }
  if ((parts[0] === "rules" || parts[0] === "decision_tables") && parts[1] !== undefined) {
    const item = (draft[parts[0]] || [])[Number(parts[1])];
    if (!item) return null;
    return {title: named(item, lang, parts[0] === "rules" ? "what_rule" : "what_decision table", t),
      rest: rest(2), tab: "rules", item: `/${parts[0]}/${parts[1]}`};
  }
  if (parts[0] === "lookup_tables" && parts[1] !== undefined) {
    const table = (draft.lookup_tables || [])[Number(parts[1])];
    if (!table) return null;
    // A cell: the row's number and the column's label, as the table editor shows them.
    const column = parts[2] === "rows" && parts[4] !== undefined ?
      (table.columns || []).find((c) => c.key === parts[4]) : null;
    const cell = column ? ` › ${Number(parts[3]) + 1} › ${labelText(column.label, lang, column.key)}` : "";
    return {title: named(table, lang, "what_look-up table", t) + cell, rest: column ? "" : rest(2),
      tab: "tables", item: `/lookup_tables/${parts[1]}`};
  }
  return null;
}
