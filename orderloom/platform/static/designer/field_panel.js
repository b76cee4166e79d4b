// The property panel of the selected field: labels in both languages, key, required,
// default, help, validation formula and message, visibility and read-only conditions,
// formula and result type for computed fields, options for choices, bounds, what
// the field holds (its meaning), which store channels read to know what to fill it with,
// and which roles may see and change it.

import {clear, h, labelText} from "./dom.js";
import {fieldPointer, fields, findField, renameField} from "./form_model.js";
import {formulaInput} from "./formula_input.js";

const RESULT_TYPES = ["number", "integer", "money", "text", "boolean", "date", "datetime"];
const BOUNDED = new Set(["number", "integer", "money", "date", "datetime", "text", "long_text", "line_items"]);

export class FieldPanel {
  constructor(store, t, lang, {panel, onRenamed, meanings, roles}) {
    this.store = store;
    this.roles = roles || [];
    this.meanings = meanings || {order: {}, line: {}};
    this.t = t;
    this.lang = lang;
    this.el = panel;
    this.onRenamed = onRenamed;
    this.selection = null;
    store.on((event) => {
      if (event.kind === "replace" || (event.kind === "change" && event.source !== "panel")) this.draw();
      if (event.kind === "problems") this.markProblems();
    });
  }

  show(selection) {
    this.selection = selection;
    this.draw();
  }

  // Edit the selected field; one undo step per input while typing.
  edit(name, fn) {
    const {key, column} = this.selection;
    this.store.change((draft) => {
      const field = findField(draft, key, column);
      if (field) fn(field);
    }, {source: "panel", coalesce: `${key}/${column || ""}/${name}`});
  }

  text(name, labelText_, value, onValue, attrs = {}) {
    const id = `prop-${name}`;
    return h("div", {class: "prop"},
      h("label", {for: id}, labelText_),
      h("input", {type: "text", id, value: value ?? "", ...attrs,
        oninput: (event) => this.edit(name, (f) => onValue(f, event.target.value))}),
      h("p", {class: "prop-problem", dataset: {member: name}}));
  }

  labelPair(name, caption, label) {
    return h("fieldset", {class: "label-pair"}, h("legend", {}, caption),
      ["en", "zh"].map((lang) => {
        const id = `prop-${name}-${lang}`;
        return h("div", {class: "prop"}, h("label", {for: id}, this.t[`lang_${lang}`]),
          h("input", {type: "text", id, value: (label || {})[lang] || "", lang,
            oninput: (event) => this.edit(`${name}-${lang}`, (f) => {
              const next = {...(f[name] || {})};
              if (event.target.value) next[lang] = event.target.value;
              else delete next[lang];
              if (Object.keys(next).length) f[name] = next;
              else delete f[name];
            })}));
      }),
      h("p", {class: "prop-problem", dataset: {member: name}}));
  }

  // condition: true or false, so it can be built from rows too.
  formula(name, caption, value, pointer, onValue, placeholder, {condition = false} = {}) {
    return h("div", {class: "prop"}, h("label", {}, caption),
      formulaInput(this.store, this.t, {pointer, value: value || "", placeholder, label: caption,
        builder: condition ? this.lang : null,
        onInput: (source) => this.edit(name, (f) => onValue(f, source))}));
  }

  // Drawn again (a key renamed, undo), the panel keeps the focus where the user was.
  draw() {
    const active = this.el.contains(document.activeElement) ? document.activeElement : null;
    const again = active && (active.id && !active.id.startsWith("formula-") ? `#${active.id}`
      : active.dataset.pointer ? `[data-pointer="${active.dataset.pointer}"]` : null);
    this.build();
    const target = again && this.el.querySelector(again);
    if (target) target.focus();
  }

  build() {
    const t = this.t;
    const el = clear(this.el);
    const sel = this.selection;
    const field = sel && findField(this.store.draft, sel.key, sel.column);
    if (!field) {
      el.append(h("h3", {}, t.properties), h("p", {class: "hint"}, t.select_a_field));
      return;
    }
    const where = fieldPointer(this.store.draft, sel.key, sel.column);
    this.pointer = where;
    el.append(h("h3", {}, t.properties, ": ", labelText(field.label, this.lang, field.key)),
      h("p", {class: "hint"}, t[`type_${field.type}`] || field.type));
    el.append(this.labelPair("label", t.label, field.label));
    const keyInput = h("input", {type: "text", id: "prop-key", value: field.key, pattern: "[a-z][a-z0-9_]*",
      spellcheck: "false", "aria-describedby": "prop-key-taken"});
    const taken = h("p", {class: "prop-problem", id: "prop-key-taken", role: "alert"});
    // A key another field has is said at once, while typing, and never renamed to:
    // two fields with one key would make the canvas show two identical cards and
    // selecting either would open the older one.
    const clash = () => {
      const next = keyInput.value.trim();
      const own = sel.column || sel.key;
      const siblings = sel.column ? (findField(this.store.draft, sel.key).fields || []) : fields(this.store.draft);
      const used = next !== own && siblings.some((other) => other.key === next);
      taken.textContent = used ? t.field_key_taken.replace("{key}", next) : "";
      keyInput.setAttribute("aria-invalid", used ? "true" : "false");
      return used;
    };
    keyInput.addEventListener("input", clash);
    // A key is renamed when the user leaves the box, not per letter: other places
    // that use it are renamed with it.
    keyInput.addEventListener("change", () => {
      const next = keyInput.value.trim();
      if (!next || next === (sel.column || sel.key) || clash()) return;
      this.store.change((draft) => renameField(draft, sel.key, next, sel.column), {source: "panel"});
      this.selection = sel.column ? {key: sel.key, column: next} : {key: next};
      this.onRenamed(this.selection);
      this.draw();
    });
    el.append(h("div", {class: "prop"}, h("label", {for: "prop-key"}, t.key), keyInput, taken,
      h("p", {class: "hint"}, t.key_hint), h("p", {class: "prop-problem", dataset: {member: "key"}})));

    const meaning = this.meaning(field, Boolean(sel.column));
    if (meaning) el.append(meaning);

    if (field.type !== "computed") {
      el.append(h("label", {class: "check"}, h("input", {type: "checkbox", id: "prop-required",
        checked: Boolean(field.required),
        onchange: (event) => this.edit("required", (f) => {
          if (event.target.checked) f.required = true;
          else delete f.required;
        })}), " ", t.required));
    }
    if (field.type === "computed") {
      el.append(this.formula("formula", t.formula, field.formula, `${where}/formula`,
        (f, v) => { f.formula = v; }, "qty * price"));
      el.append(h("div", {class: "prop"}, h("label", {for: "prop-result"}, t.result_type),
        h("select", {id: "prop-result", onchange: (event) => this.edit("result_type", (f) => {
          f.result_type = event.target.value;
        })}, RESULT_TYPES.map((r) => h("option", {value: r, selected: field.result_type === r},
          t[`type_${r}`] || r)))));
    } else if (field.type !== "line_items") {
      el.append(this.text("default", t.default, field.default === undefined ? "" : String(field.default),
        (f, v) => {
          if (v === "") delete f.default;
          else if (["number", "integer"].includes(f.type) && !Number.isNaN(Number(v))) f.default = Number(v);
          else if (f.type === "boolean") f.default = v === "true";
          else f.default = v;
        }));
    }
    if (["choice", "multi_choice"].includes(field.type)) el.append(this.options(field, where));
    if (BOUNDED.has(field.type)) {
      const bound = (name) => this.text(name, t[name], field[name] ?? "", (f, v) => {
        if (v === "") delete f[name];
        else f[name] = Number.isNaN(Number(v)) ? v : Number(v);
      });
      el.append(h("div", {class: "prop-row"}, bound("min"), bound("max")));
    }
    el.append(this.labelPair("help", t.help, field.help));
    if (field.type !== "computed") {
      const validation = field.validation || {};
      el.append(h("fieldset", {class: "validation"}, h("legend", {}, t.validation),
        this.formula("validation", t.validation_formula, validation.formula,
          `${where}/validation/formula`, (f, v) => {
            f.validation = {...(f.validation || {}), formula: v};
            if (!v && !labelText(f.validation.message, "en")) delete f.validation;
          }, "qty <= 1000"),
        ["en", "zh"].map((lang) => h("div", {class: "prop"},
          h("label", {}, `${t.validation_message} (${t[`lang_${lang}`]})`),
          h("input", {type: "text", lang, value: (validation.message || {})[lang] || "",
            oninput: (event) => this.edit(`validation-message-${lang}`, (f) => {
              const message = {...((f.validation || {}).message || {})};
              if (event.target.value) message[lang] = event.target.value;
              else delete message[lang];
              f.validation = {formula: (f.validation || {}).formula || "", ...(f.validation || {}), message};
            })}))),
        h("p", {class: "prop-problem", dataset: {member: "validation"}})));
    }
    el.append(this.formula("visible_when", t.visible_when, field.visible_when, `${where}/visible_when`,
      (f, v) => { if (v) f.visible_when = v; else delete f.visible_when; }, 'priority = "rush"',
      {condition: true}));
    if (field.type !== "computed") {
      el.append(this.formula("readonly_when", t.readonly_when, field.readonly_when,
        `${where}/readonly_when`,
        (f, v) => { if (v) f.readonly_when = v; else delete f.readonly_when; }, 'state <> "draft"'));
    }
    el.append(this.access(field));
    this.markProblems();
  }

  // Which roles may see and change the field: none ticked is everyone, as without it.
  access(field) {
    const t = this.t;
    const rule = field.access || {};
    const row = (which, caption) => h("fieldset", {class: "checks"}, h("legend", {}, caption),
      this.roles.map((role) => h("label", {class: "check"},
        h("input", {type: "checkbox", value: role, checked: (rule[which] || []).includes(role),
          onchange: (event) => this.edit(`access-${which}`, (f) => {
            const chosen = new Set((f.access || {})[which] || []);
            if (event.target.checked) chosen.add(role);
            else chosen.delete(role);
            const next = {...(f.access || {})};
            if (chosen.size) next[which] = this.roles.filter((r) => chosen.has(r));
            else delete next[which];
            if (Object.keys(next).length) f.access = next;
            else delete f.access;
          })}), " ", role)),
      h("p", {class: "prop-problem", dataset: {member: `access/${which}`}}));
    return h("fieldset", {class: "access"}, h("legend", {}, t.access),
      h("p", {class: "hint"}, t.access_hint),
      row("see", t.who_may_see), row("edit", t.who_may_change));
  }

  // Only the meanings a field of this type can have (a line's column: a line's
  // meanings); none, no choice. A meaning the field has that does not fit (imported so)
  // stays chosen, for the server's problem to say why, rather than being dropped.
  // Choosing one another field has is not undone here either: the problem says which.
  meaning(field, isColumn) {
    const t = this.t;
    const fitting = Object.entries(isColumn ? this.meanings.line : this.meanings.order)
      .filter(([, types]) => types.includes(field.type)).map(([name]) => name);
    if (field.meaning && !fitting.includes(field.meaning)) fitting.push(field.meaning);
    if (!fitting.length) return null;
    return h("div", {class: "prop"},
      h("label", {for: "prop-meaning"}, t.meaning),
      h("select", {id: "prop-meaning", "aria-describedby": "prop-meaning-hint",
        onchange: (event) => this.edit("meaning", (f) => {
          if (event.target.value) f.meaning = event.target.value;
          else delete f.meaning;
        })},
        h("option", {value: "", selected: !field.meaning}, t.meaning_none),
        fitting.map((name) => h("option", {value: name, selected: field.meaning === name},
          t[`meaning_${name}`] || name))),
      h("p", {class: "hint", id: "prop-meaning-hint"}, t.meaning_hint),
      h("p", {class: "prop-problem", dataset: {member: "meaning"}}));
  }

  // The check reports a meaning given twice at the field that repeats it; the field
  // it repeats shows that problem too, so either of the two says why when selected.
  sharedMeaningProblems() {
    const draft = this.store.draft;
    const {key, column} = this.selection;
    const field = findField(draft, key, column);
    if (!field || !field.meaning) return [];
    const siblings = column ? (findField(draft, key).fields || []) : fields(draft);
    return siblings.filter((other) => other !== field && other.meaning === field.meaning)
      .flatMap((other) => this.store.problemsAt(
        `${column ? fieldPointer(draft, key, other.key) : fieldPointer(draft, other.key)}/meaning`));
  }

  options(field, where) {
    const t = this.t;
    const rows = (field.options || []).map((option, index) => h("tr", {},
      h("td", {}, h("input", {type: "text", value: option.value, "aria-label": `${t.option_value} ${index + 1}`,
        oninput: (event) => this.edit(`option-${index}-value`, (f) => { f.options[index].value = event.target.value; })})),
      ["en", "zh"].map((lang) => h("td", {}, h("input", {type: "text", lang, value: (option.label || {})[lang] || "",
        "aria-label": `${t.option_label} ${index + 1} (${t[`lang_${lang}`]})`,
        oninput: (event) => this.edit(`option-${index}-${lang}`, (f) => {
          const label = {...(f.options[index].label || {})};
          if (event.target.value) label[lang] = event.target.value;
          else delete label[lang];
          f.options[index].label = label;
        })}))),
      h("td", {}, h("button", {type: "button", class: "icon danger", "aria-label": `${t.remove} ${index + 1}`,
        disabled: field.options.length <= 1,
        onclick: () => { this.edit("options", (f) => f.options.splice(index, 1)); this.draw(); }}, "×"))));
    return h("fieldset", {class: "options"}, h("legend", {}, t.options),
      h("table", {class: "grid"}, h("thead", {}, h("tr", {}, h("th", {}, t.option_value),
        h("th", {}, t.lang_en), h("th", {}, t.lang_zh), h("th", {}))), h("tbody", {}, rows)),
      h("button", {type: "button", onclick: () => {
        this.edit("options", (f) => {
          const n = f.options.length + 1;
          f.options.push({value: `option_${n}`, label: {en: `Option ${n}`, zh: `选项${n}`}});
        });
        this.draw();
      }}, t.add_option),
      h("p", {class: "prop-problem", dataset: {member: "options"}}));
  }

  // Problems of members other than formulas (formula boxes show their own).
  markProblems() {
    if (!this.pointer) return;
    // Slots of the server's problems only: the Key box's own message is the panel's.
    for (const slot of this.el.querySelectorAll(".prop-problem[data-member]")) {
      const found = this.store.problemsUnder(`${this.pointer}/${slot.dataset.member}`)
        .filter((p) => !p.line);
      if (slot.dataset.member === "meaning") found.push(...this.sharedMeaningProblems());
      slot.textContent = found.map((p) => p.detail).join("; ");
    }
  }
}
