// Rules (when this, then these actions, in order) and decision tables: a grid where
// each column is an input formula and each row has one condition cell per input,
// written about `value`, and the row's actions. Tab and Enter move through the grid
// like a spreadsheet.

import {actionList, markActionProblems} from "./action_list.js";
import {clear, h, keyFrom} from "./dom.js";
import {formulaInput} from "./formula_input.js";

function rulesOf(draft) {
  draft.rules = draft.rules || [];
  return draft.rules;
}

function tablesOf(draft) {
  draft.decision_tables = draft.decision_tables || [];
  return draft.decision_tables;
}

export class RulesEditor {
  constructor(store, t, lang, {root}) {
    this.store = store;
    this.t = t;
    this.lang = lang;
    this.el = root;
    store.on((event) => {
      if (event.kind === "problems" && this.el.isConnected) markActionProblems(store, this.el);
    });
  }

  change(fn, coalesce = "") {
    this.store.change(fn, {source: "rules", coalesce});
  }

  structural(fn) {
    this.change(fn);
    this.draw();
  }

  draw() {
    const t = this.t;
    const draft = this.store.draft;
    const rules = draft.rules || [];
    const tables = draft.decision_tables || [];
    clear(this.el).append(
      h("section", {class: "wf-block", dataset: {block: "rules"}}, h("h3", {}, t.rules),
        h("p", {class: "hint"}, t.rules_hint),
        h("ol", {class: "wf-list"}, rules.map((rule, index) => this.rule(rule, index, rules.length))),
        // A new rule starts empty where a person must decide (its condition, its tag):
        // a condition of TRUE tagging "tag" looked finished and acted on every order.
        h("button", {type: "button", class: "add-rule", onclick: () => {
          this.structural((d) => rulesOf(d).push({
            key: keyFrom("rule", new Set(rulesOf(d).map((r) => r.key)), "rule"), when: "",
            then: [{type: "add_tag", tag: ""}],
          }));
          const names = this.el.querySelectorAll(".rule-name-en");
          if (names.length) names[names.length - 1].focus();
        }}, t.add_rule)),
      h("section", {class: "wf-block", dataset: {block: "decision_tables"}}, h("h3", {}, t.decision_tables),
        h("p", {class: "hint"}, t.tables_hint),
        tables.map((table, index) => this.table(table, index)),
        h("button", {type: "button", class: "add-table", onclick: () => this.structural((d) => tablesOf(d).push({
          key: keyFrom("table", new Set(tablesOf(d).map((x) => x.key)), "table"), hit: "first",
          inputs: ["total"], rows: [{conditions: [""], then: [{type: "add_tag", tag: "tag"}]}],
        }))}, t.add_table)));
    markActionProblems(this.store, this.el);
  }

  rule(rule, index, count) {
    const t = this.t;
    const at = `/rules/${index}`;
    // The rule's name, as staff read it in the timeline and the simulation.
    const names = ["en", "zh"].map((lang) => h("label", {class: "wf-prop"},
      h("span", {}, `${t.rule_name} (${t[`lang_${lang}`]})`),
      h("input", {type: "text", lang, class: `rule-name-${lang}`, value: (rule.name || {})[lang] || "",
        oninput: (event) => this.change((d) => {
          const r = rulesOf(d)[index];
          const next = {...(r.name || {})};
          if (event.target.value) next[lang] = event.target.value;
          else delete next[lang];
          if (Object.keys(next).length) r.name = next;
          else delete r.name;
        }, `${at}/name/${lang}`)})));
    return h("li", {class: "wf-item", dataset: {pointer: at}},
      h("div", {class: "wf-row"},
        h("label", {class: "wf-prop"}, h("span", {}, t.key), h("input", {type: "text", class: "short",
          value: rule.key, spellcheck: "false",
          oninput: (event) => this.change((d) => { rulesOf(d)[index].key = event.target.value; }, `${at}/key`)})),
        names,
        h("div", {class: "wf-prop wide"}, h("span", {}, t.when),
          formulaInput(this.store, t, {pointer: `${at}/when`, value: rule.when || "", label: t.when,
            builder: this.lang,
            onInput: (v) => this.change((d) => { rulesOf(d)[index].when = v; }, `${at}/when`)})),
        h("span", {class: "wf-tools"},
          h("button", {type: "button", class: "icon", "aria-label": t.move_up, disabled: index === 0,
            onclick: () => this.structural((d) => rulesOf(d).splice(index - 1, 0, ...rulesOf(d).splice(index, 1)))}, "↑"),
          h("button", {type: "button", class: "icon", "aria-label": t.move_down, disabled: index === count - 1,
            onclick: () => this.structural((d) => rulesOf(d).splice(index + 1, 0, ...rulesOf(d).splice(index, 1)))}, "↓"),
          h("button", {type: "button", class: "icon danger", "aria-label": t.remove,
            onclick: () => this.structural((d) => rulesOf(d).splice(index, 1))}, "×"))),
      h("label", {class: "check wf-prop creation-only", title: t.creation_only_hint},
        h("input", {type: "checkbox", checked: Boolean(rule.creation_only),
          onchange: (event) => this.change((d) => {
            // Left out when unticked: the default, so existing drafts do not change.
            if (event.target.checked) rulesOf(d)[index].creation_only = true;
            else delete rulesOf(d)[index].creation_only;
          })}),
        h("span", {}, t.creation_only), h("small", {class: "hint"}, " ", t.creation_only_hint)),
      h("div", {class: "then"}, h("span", {class: "caption"}, t.then),
        actionList(this.store, t, this.lang, {
          pointer: `${at}/then`, source: "rules", redraw: () => this.draw(),
          locate: (d) => { const r = rulesOf(d)[index]; r.then = r.then || []; return r.then; },
        })));
  }

  table(table, index) {
    const t = this.t;
    const at = `/decision_tables/${index}`;
    const inputs = table.inputs || [];
    const head = h("tr", {}, h("th", {}, "#"), inputs.map((source, column) => h("th", {},
      formulaInput(this.store, t, {pointer: `${at}/inputs/${column}`, value: source, label: `${t.input} ${column + 1}`,
        onInput: (v) => this.change((d) => { tablesOf(d)[index].inputs[column] = v; }, `${at}/inputs/${column}`)}),
      h("button", {type: "button", class: "icon danger", "aria-label": `${t.remove_input} ${column + 1}`,
        disabled: inputs.length <= 1, onclick: () => this.structural((d) => {
          const x = tablesOf(d)[index];
          x.inputs.splice(column, 1);
          for (const row of x.rows) row.conditions.splice(column, 1);
        })}, "×"))),
    h("th", {}, t.then, " ", h("button", {type: "button", class: "add-input", onclick: () => this.structural((d) => {
      const x = tablesOf(d)[index];
      x.inputs.push("total");
      for (const row of x.rows) row.conditions.push("");
    })}, t.add_input)));
    const rows = (table.rows || []).map((row, r) => h("tr", {},
      h("th", {}, String(r + 1), h("button", {type: "button", class: "icon danger", "aria-label": `${t.remove_row} ${r + 1}`,
        onclick: () => this.structural((d) => tablesOf(d)[index].rows.splice(r, 1))}, "×")),
      inputs.map((_source, column) => h("td", {class: "cell"},
        formulaInput(this.store, t, {pointer: `${at}/rows/${r}/conditions/${column}`,
          value: (row.conditions || [])[column] || "", placeholder: t.any_value, label: `${t.row} ${r + 1}, ${column + 1}`,
          onInput: (v) => this.change((d) => { tablesOf(d)[index].rows[r].conditions[column] = v; },
            `${at}/rows/${r}/conditions/${column}`)}))),
      h("td", {}, actionList(this.store, t, this.lang, {
        pointer: `${at}/rows/${r}/then`, source: "rules", redraw: () => this.draw(),
        locate: (d) => { const x = tablesOf(d)[index].rows[r]; x.then = x.then || []; return x.then; },
      }))));
    const grid = h("table", {class: "grid decision-table", dataset: {table: table.key}},
      h("thead", {}, head), h("tbody", {}, rows));
    grid.addEventListener("keydown", (event) => this.gridKeys(event, grid));
    return h("div", {class: "wf-item table-block", dataset: {pointer: at}},
      h("div", {class: "wf-row"},
        h("label", {class: "wf-prop"}, h("span", {}, t.key), h("input", {type: "text", class: "short", value: table.key,
          oninput: (event) => this.change((d) => { tablesOf(d)[index].key = event.target.value; }, `${at}/key`)})),
        h("label", {class: "wf-prop"}, h("span", {}, t.hit), h("select", {
          onchange: (event) => this.change((d) => { tablesOf(d)[index].hit = event.target.value; })},
        ["first", "all"].map((x) => h("option", {value: x, selected: table.hit === x}, t[`hit_${x}`])))),
        h("button", {type: "button", class: "icon danger", "aria-label": t.remove,
          onclick: () => this.structural((d) => tablesOf(d).splice(index, 1))}, "×")),
      h("div", {class: "grid-scroll"}, grid),
      h("button", {type: "button", class: "add-row", onclick: () => this.structural((d) => {
        const x = tablesOf(d)[index];
        // A row needs an action; it starts with one to change.
        x.rows.push({conditions: x.inputs.map(() => ""), then: [{type: "add_tag", tag: "tag"}]});
      })}, t.add_row),
      h("p", {class: "prop-problem"}));
  }

  // Enter goes down a column, as in a spreadsheet; Tab already goes across.
  gridKeys(event, grid) {
    if (event.key !== "Enter" || !event.target.classList.contains("formula")) return;
    const cell = event.target.closest("td.cell");
    if (!cell) return;
    event.preventDefault();
    const row = cell.parentElement;
    const column = [...row.children].indexOf(cell);
    const next = event.shiftKey ? row.previousElementSibling : row.nextElementSibling;
    const target = next && next.children[column] && next.children[column].querySelector("textarea.formula");
    if (target) target.focus();
    else if (!event.shiftKey) grid.closest(".table-block").querySelector(".add-row").focus();
  }
}
