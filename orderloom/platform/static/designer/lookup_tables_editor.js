// Look-up tables: each has a key (how formulas name it), a label, typed columns and
// rows edited as a grid; rows can be pasted from a spreadsheet (tab-separated, as
// Excel and WPS copy them). A blank cell is left out of its row, so it reads as NULL.

import {clear, h, keyFrom, labelText} from "./dom.js";

const TYPES = ["text", "number", "integer", "money", "boolean", "date"];

function tablesOf(draft) {
  draft.lookup_tables = draft.lookup_tables || [];
  return draft.lookup_tables;
}

// A cell as stored: booleans as true/false, everything else as the text typed (the
// server checks it against the column's type and bounds, at the cell's pointer).
export function cellValue(type, text) {
  const value = String(text).trim();
  if (value === "") return undefined;
  if (type === "boolean") {
    const upper = value.toUpperCase();
    if (["TRUE", "1", "YES", "是"].includes(upper)) return true;
    if (["FALSE", "0", "NO", "否"].includes(upper)) return false;
  }
  return value;
}

function cellText(value) {
  if (value === undefined || value === null) return "";
  if (value === true || value === false) return value ? "TRUE" : "FALSE";
  return String(value);
}

export function pastedRows(columns, text) {
  return String(text).split(/\r?\n/).filter((line) => line.trim() !== "").map((line) => {
    const row = {};
    line.split("\t").forEach((cell, index) => {
      const column = columns[index];
      const value = column ? cellValue(column.type, cell) : undefined;
      if (value !== undefined) row[column.key] = value;
    });
    return row;
  });
}

export class LookupTablesEditor {
  constructor(store, t, lang, {root}) {
    this.store = store;
    this.t = t;
    this.lang = lang;
    this.el = root;
  }

  change(fn, coalesce = "") {
    this.store.change((d) => fn(tablesOf(d)), {source: "tables", coalesce});
  }

  structural(fn) {
    this.change(fn);
    this.draw();
  }

  draw() {
    const t = this.t;
    const tables = this.store.draft.lookup_tables || [];
    const add = h("button", {type: "button", class: "add-lookup-table", onclick: () => this.structural((list) => {
      list.push({key: keyFrom("rates", new Set(list.map((x) => x.key)), "table"),
        label: {en: t.new_table_en, zh: t.new_table_zh},
        columns: [{key: "name", label: {en: t.new_column_en}, type: "text"}], rows: []});
    })}, t.add_lookup_table);
    clear(this.el).append(h("p", {class: "hint"}, t.lookup_hint),
      tables.length ? h("ol", {class: "wf-list"}, tables.map((table, index) => this.table(table, index)))
        : h("p", {class: "hint"}, t.no_lookup_tables), add);
  }

  table(table, index) {
    const t = this.t;
    const columns = table.columns || [];
    const head = h("div", {class: "wf-row"},
      h("label", {class: "wf-prop"}, h("span", {}, t.key), h("input", {type: "text", class: "short", value: table.key,
        oninput: (event) => this.change((list) => { list[index].key = event.target.value; }, `table-${index}-key`)})),
      ["en", "zh"].map((lang) => h("label", {class: "wf-prop"}, h("span", {}, `${t.label} (${t[`lang_${lang}`]})`),
        h("input", {type: "text", value: (table.label || {})[lang] || "",
          oninput: (event) => this.change((list) => {
            const label = list[index].label = list[index].label || {};
            if (event.target.value) label[lang] = event.target.value; else delete label[lang];
          }, `table-${index}-label-${lang}`)}))),
      h("button", {type: "button", class: "icon danger", "aria-label": `${t.remove} ${table.key}`,
        onclick: () => this.structural((list) => list.splice(index, 1))}, "×"));
    const columnHeads = columns.map((column, c) => h("th", {scope: "col"},
      h("input", {type: "text", class: "short", value: column.key, "aria-label": `${t.key} ${c + 1}`,
        onchange: (event) => this.structural((list) => {
          const old = list[index].columns[c].key;
          const key = event.target.value;
          list[index].columns[c].key = key;
          // The cells follow their column to its new key.
          for (const row of list[index].rows) {
            if (old in row) { row[key] = row[old]; delete row[old]; }
          }
        })}),
      h("input", {type: "text", value: labelText(column.label, this.lang, ""), "aria-label": `${t.label} ${c + 1}`,
        oninput: (event) => this.change((list) => {
          const col = list[index].columns[c];
          col.label = {...(col.label || {}), [this.lang]: event.target.value};
        }, `table-${index}-col-${c}-label`)}),
      h("select", {"aria-label": `${t.column_type} ${c + 1}`,
        onchange: (event) => this.structural((list) => { list[index].columns[c].type = event.target.value; })},
      TYPES.map((type) => h("option", {value: type, selected: column.type === type}, t[`type_${type}`] || type))),
      h("button", {type: "button", class: "icon danger", "aria-label": `${t.remove} ${column.key}`,
        onclick: () => this.structural((list) => {
          const removed = list[index].columns.splice(c, 1)[0];
          for (const row of list[index].rows) delete row[removed.key];
        })}, "×")));
    const rows = (table.rows || []).map((row, r) => h("tr", {dataset: {pointer: `/lookup_tables/${index}/rows/${r}`}},
      columns.map((column) => h("td", {}, h("input", {type: "text", value: cellText(row[column.key]),
        "aria-label": `${labelText(column.label, this.lang, column.key)} ${r + 1}`,
        oninput: (event) => this.change((list) => {
          const value = cellValue(column.type, event.target.value);
          if (value === undefined) delete list[index].rows[r][column.key];
          else list[index].rows[r][column.key] = value;
        }, `table-${index}-cell-${r}-${column.key}`)}))),
      h("td", {}, h("button", {type: "button", class: "icon danger", "aria-label": `${t.remove} ${r + 1}`,
        onclick: () => this.structural((list) => list[index].rows.splice(r, 1))}, "×"))));
    const paste = h("textarea", {rows: "3", class: "code", "aria-label": t.paste_rows, placeholder: t.paste_rows_hint});
    return h("li", {class: "wf-item", dataset: {pointer: `/lookup_tables/${index}`}}, head,
      h("table", {class: "lookup-grid"}, h("thead", {}, h("tr", {}, columnHeads, h("th", {}))), h("tbody", {}, rows)),
      h("div", {class: "wf-row"},
        h("button", {type: "button", class: "add-row", onclick: () => this.structural((list) => list[index].rows.push({}))}, t.add_row),
        h("button", {type: "button", class: "add-column", onclick: () => this.structural((list) => {
          const taken = new Set(list[index].columns.map((col) => col.key));
          list[index].columns.push({key: keyFrom("column", taken, "column"), label: {en: t.new_column_en}, type: "text"});
        })}, t.add_table_column)),
      h("details", {}, h("summary", {}, t.paste_rows), paste,
        h("button", {type: "button", class: "add-pasted-rows", onclick: () => this.structural((list) => {
          list[index].rows.push(...pastedRows(list[index].columns, paste.value));
        })}, t.add_pasted_rows)));
  }
}
