// The form builder's palette and canvas. Field types are dragged from the palette
// onto a section (or clicked: the keyboard way to add one), fields are dragged to
// reorder them or into another section, line items have their own column list.
// Every drag and button turns into one store.change(); the canvas is then drawn
// again from the draft, so what is shown is always what will be saved.

import {clear, h, labelText} from "./dom.js";
import {
  FIELD_TYPES, fields, findField, layout, move, newField, removeField, sectionOf, takenKeys,
} from "./form_model.js";

const {Sortable} = window;
// How long typing in the properties panel pauses before the field's card follows it.
const CARD_DELAY_MS = 120;

export class FormCanvas {
  constructor(store, t, lang, {palette, canvas, onSelect}) {
    this.store = store;
    this.t = t;
    this.lang = lang;
    this.paletteEl = palette;
    this.canvasEl = canvas;
    this.onSelect = onSelect;
    this.selected = null; // {key, column}
    this.sortables = [];
    this.drawPalette();
    store.on((event) => {
      if (event.kind === "change" && event.source === "canvas-title") return;
      // Typing in the properties panel changes the selected field only: its card alone
      // is drawn again once the typing pauses. Drawing the whole canvas on every key
      // cost a fifth of a second a keystroke on a form of 300 fields.
      if (event.kind === "change" && event.source === "panel") {
        clearTimeout(this.cardTimer);
        this.cardTimer = setTimeout(() => this.drawSelectedCard(), CARD_DELAY_MS);
        return;
      }
      if (event.kind === "change" || event.kind === "replace") this.draw();
      if (event.kind === "problems") this.markProblems();
    });
  }

  drawPalette() {
    const t = this.t;
    const list = h("ul", {class: "palette-list", "aria-label": t.palette});
    for (const type of FIELD_TYPES) {
      list.append(h("li", {class: "palette-item", dataset: {type}},
        h("button", {type: "button", title: t.add_field_hint, onclick: () => this.add(type)},
          t[`type_${type}`] || type)));
    }
    clear(this.paletteEl).append(h("h3", {}, t.palette), h("p", {class: "hint"}, t.palette_hint), list);
    Sortable.create(list, {
      group: {name: "fields", pull: "clone", put: false},
      sort: false,
      animation: 0,
      onEnd: (event) => {
        if (event.to !== list) this.afterDrag(event);
      },
    });
  }

  // The keyboard (and click) way to add a field: at the end of the section the
  // selected field is in, or of the last section.
  add(type, column = false) {
    const t = this.t;
    let made;
    this.store.change((draft) => {
      if (column && this.selected) {
        const holder = findField(draft, this.selected.key);
        if (holder && holder.type === "line_items" && type !== "line_items") {
          made = newField(type, takenKeys(holder.fields), t);
          holder.fields.push(made);
          return;
        }
      }
      const sections = layout(draft);
      if (!sections.length) sections.push({title: {en: t.section_default_en, zh: t.section_default_zh}, columns: 2, fields: []});
      let index = this.selected ? sectionOf(draft, this.selected.key) : -1;
      if (index < 0) index = sections.length - 1;
      made = newField(type, takenKeys(fields(draft)), t);
      fields(draft).push(made);
      sections[index].fields.push(made.key);
    }, {source: "canvas"});
    if (made) this.select(column ? {key: this.selected.key, column: made.key} : {key: made.key});
    this.announce(t.field_added.replace("{name}", labelText(made.label, this.lang)));
  }

  select(selection) {
    this.selected = selection;
    this.draw();
    this.onSelect(selection);
    const el = this.canvasEl.querySelector(this.selector(selection));
    if (el) el.focus();
  }

  selector(selection) {
    if (!selection) return "none";
    return selection.column
      ? `.line-column[data-lines="${selection.key}"][data-key="${selection.column}"]`
      : `.canvas-field[data-key="${selection.key}"]`;
  }

  announce(text) {
    const status = document.getElementById("designer-status");
    if (status) status.textContent = text;
  }

  // After a drag, the DOM holds the new order: read it back into the layout.
  afterDrag() {
    const t = this.t;
    const lists = [...this.canvasEl.querySelectorAll("ol.section-fields")];
    const columnLists = [...this.canvasEl.querySelectorAll("ol.line-columns")];
    let created = null;
    this.store.change((draft) => {
      const sections = layout(draft);
      lists.forEach((list, index) => {
        sections[index].fields = [...list.children].map((item) => {
          if (item.dataset.key) return item.dataset.key;
          const made = newField(item.dataset.type, takenKeys(fields(draft)), t);
          fields(draft).push(made);
          created = {key: made.key};
          return made.key;
        });
      });
      for (const list of columnLists) {
        const holder = findField(draft, list.dataset.lines);
        if (!holder) continue;
        const byKey = new Map(holder.fields.map((c) => [c.key, c]));
        holder.fields = [...list.children].map((item) => {
          if (item.dataset.key) return byKey.get(item.dataset.key);
          const made = newField(item.dataset.type, takenKeys(holder.fields), t);
          created = {key: holder.key, column: made.key};
          return made;
        }).filter(Boolean);
      }
    }, {source: "canvas"});
    // Sortable is still finishing its own event: draw once it is done.
    setTimeout(() => {
      if (created) this.select(created);
      else this.draw();
    }, 0);
  }

  draw() {
    const t = this.t;
    const lang = this.lang;
    const draft = this.store.draft;
    for (const sortable of this.sortables) sortable.destroy();
    this.sortables = [];
    const canvas = clear(this.canvasEl);
    layout(draft).forEach((section, index) => {
      const list = h("ol", {class: `section-fields cols-${section.columns || 1}`,
        dataset: {section: String(index)}, "aria-label": labelText(section.title, lang)});
      for (const key of section.fields || []) {
        const field = findField(draft, key);
        if (field) list.append(this.fieldItem(field, section, index));
      }
      canvas.append(h("section", {class: "form-section", dataset: {section: String(index)}},
        this.sectionHeader(section, index),
        list,
        (section.fields || []).length ? null : h("p", {class: "hint empty"}, t.drop_here)));
      this.sortables.push(Sortable.create(list, {
        group: {name: "fields", pull: true, put: true},
        animation: 120,
        filter: "button, input, select, .line-columns",
        preventOnFilter: false,
        onEnd: () => this.afterDrag(),
        onAdd: (event) => { if (event.pullMode === "clone") return; },
      }));
    });
    canvas.append(h("button", {type: "button", class: "add-section", onclick: () => this.addSection()},
      t.add_section));
    for (const list of canvas.querySelectorAll("ol.line-columns")) {
      this.sortables.push(Sortable.create(list, {
        group: {
          name: `lines-${list.dataset.lines}`,
          pull: true,
          put: (_to, _from, dragged) => Boolean(dragged.dataset.type && !dragged.dataset.key
            && dragged.dataset.type !== "line_items"),
        },
        animation: 120,
        filter: "button",
        preventOnFilter: false,
        onEnd: () => this.afterDrag(),
      }));
    }
    this.markProblems();
  }

  sectionHeader(section, index) {
    const t = this.t;
    const lang = this.lang;
    const count = layout(this.store.draft).length;
    const title = h("input", {
      type: "text", class: "section-title", value: labelText(section.title, lang),
      "aria-label": t.section_title,
      oninput: (event) => this.store.change((draft) => {
        const target = layout(draft)[index];
        target.title = {...(target.title || {}), [lang]: event.target.value};
      }, {source: "canvas-title", coalesce: `section-${index}`}),
    });
    const columns = h("select", {
      "aria-label": t.columns,
      onchange: (event) => this.store.change((draft) => {
        layout(draft)[index].columns = Number(event.target.value);
      }, {source: "canvas"}),
    }, [1, 2, 3, 4].map((n) => h("option", {value: String(n), selected: (section.columns || 1) === n},
      t.columns_n.replace("{n}", n))));
    return h("header", {class: "section-header"}, title, columns,
      h("button", {type: "button", class: "icon", title: t.move_up, "aria-label": t.section_up,
        disabled: index === 0,
        onclick: () => this.store.change((d) => move(layout(d), index, -1), {source: "canvas"})}, "↑"),
      h("button", {type: "button", class: "icon", title: t.move_down, "aria-label": t.section_down,
        disabled: index === count - 1,
        onclick: () => this.store.change((d) => move(layout(d), index, 1), {source: "canvas"})}, "↓"),
      h("button", {type: "button", class: "icon danger", title: t.remove_section,
        "aria-label": t.remove_section, disabled: (section.fields || []).length > 0,
        onclick: () => this.store.change((d) => layout(d).splice(index, 1), {source: "canvas"})}, "×"));
  }

  addSection() {
    const t = this.t;
    this.store.change((draft) => {
      layout(draft).push({title: {en: t.section_new_en, zh: t.section_new_zh}, columns: 2, fields: []});
    }, {source: "canvas"});
  }

  fieldItem(field, section, sectionIndex) {
    const t = this.t;
    const lang = this.lang;
    const position = section.fields.indexOf(field.key);
    const isSelected = this.selected && !this.selected.column && this.selected.key === field.key;
    const name = labelText(field.label, lang, field.key);
    const item = h("li", {
      class: `canvas-field${isSelected ? " selected" : ""}${field.type === "line_items" ? " wide" : ""}`,
      tabindex: "0", dataset: {key: field.key},
      "aria-label": `${name} (${t[`type_${field.type}`] || field.type})`,
      onclick: (event) => {
        if (event.target.closest("button, .line-column")) return;
        this.select({key: field.key});
      },
      onkeydown: (event) => this.fieldKeys(event, {key: field.key}, sectionIndex, position),
    },
    h("span", {class: "drag-handle", "aria-hidden": "true"}, "⠿"),
    h("span", {class: "field-name"}, name, field.required ? h("span", {class: "required"}, " *") : null),
    h("span", {class: "field-type"}, t[`type_${field.type}`] || field.type),
    h("code", {class: "field-key"}, field.key),
    h("span", {class: "field-tools"},
      h("button", {type: "button", class: "icon", "aria-label": `${t.move_up}: ${name}`, title: t.move_up,
        onclick: () => this.moveField(field.key, -1)}, "↑"),
      h("button", {type: "button", class: "icon", "aria-label": `${t.move_down}: ${name}`, title: t.move_down,
        onclick: () => this.moveField(field.key, 1)}, "↓"),
      h("button", {type: "button", class: "icon danger", "aria-label": `${t.remove}: ${name}`, title: t.remove,
        onclick: () => this.remove({key: field.key})}, "×")),
    field.type === "line_items" ? this.columnList(field) : null);
    return item;
  }

  columnList(field) {
    const t = this.t;
    const lang = this.lang;
    const list = h("ol", {class: "line-columns", dataset: {lines: field.key},
      "aria-label": t.line_columns});
    (field.fields || []).forEach((column, index) => {
      const isSelected = this.selected && this.selected.key === field.key && this.selected.column === column.key;
      const name = labelText(column.label, lang, column.key);
      list.append(h("li", {
        class: `line-column${isSelected ? " selected" : ""}`, tabindex: "0",
        dataset: {key: column.key, lines: field.key},
        onclick: (event) => {
          if (event.target.closest("button")) return;
          event.stopPropagation();
          this.select({key: field.key, column: column.key});
        },
        onkeydown: (event) => {
          event.stopPropagation();
          this.fieldKeys(event, {key: field.key, column: column.key}, -1, index);
        },
      }, h("span", {class: "field-name"}, name), h("code", {class: "field-key"}, column.key),
      h("span", {class: "field-tools"},
        h("button", {type: "button", class: "icon", "aria-label": `${t.move_up}: ${name}`,
          onclick: () => this.moveColumn(field.key, index, -1)}, "↑"),
        h("button", {type: "button", class: "icon", "aria-label": `${t.move_down}: ${name}`,
          onclick: () => this.moveColumn(field.key, index, 1)}, "↓"),
        h("button", {type: "button", class: "icon danger", "aria-label": `${t.remove}: ${name}`,
          onclick: () => this.remove({key: field.key, column: column.key})}, "×"))));
    });
    const menu = h("select", {class: "add-column", "aria-label": t.add_column,
      onchange: (event) => {
        const type = event.target.value;
        if (!type) return;
        this.selected = {key: field.key};
        this.add(type, true);
      }},
    h("option", {value: ""}, t.add_column),
    FIELD_TYPES.filter((ty) => ty !== "line_items").map((ty) => h("option", {value: ty}, t[`type_${ty}`] || ty)));
    return h("div", {class: "line-items-editor"}, list, menu);
  }

  // Keyboard alternatives to dragging: Enter selects, Alt+Up/Down moves, Delete removes.
  fieldKeys(event, selection, _sectionIndex, _position) {
    if (event.target !== event.currentTarget) return;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      this.select(selection);
    } else if (event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      event.preventDefault();
      const delta = event.key === "ArrowUp" ? -1 : 1;
      if (selection.column) {
        const holder = findField(this.store.draft, selection.key);
        this.moveColumn(selection.key, holder.fields.findIndex((c) => c.key === selection.column), delta);
      } else {
        this.moveField(selection.key, delta);
      }
      const el = this.canvasEl.querySelector(this.selector(selection));
      if (el) el.focus();
    } else if (event.key === "Delete") {
      event.preventDefault();
      this.remove(selection);
    }
  }

  // Up from the top of a section goes to the end of the section before it.
  moveField(key, delta) {
    this.store.change((draft) => {
      const sections = layout(draft);
      const index = sectionOf(draft, key);
      if (index < 0) return;
      const list = sections[index].fields;
      const at = list.indexOf(key);
      if (move(list, at, delta)) return;
      const next = sections[index + delta];
      if (!next) return;
      list.splice(at, 1);
      if (delta < 0) next.fields.push(key);
      else next.fields.unshift(key);
    }, {source: "canvas"});
    this.announce(this.t.moved);
  }

  moveColumn(key, index, delta) {
    this.store.change((draft) => {
      const holder = findField(draft, key);
      if (holder) move(holder.fields, index, delta);
    }, {source: "canvas"});
  }

  remove(selection) {
    const t = this.t;
    this.store.change((draft) => {
      if (selection.column) {
        const holder = findField(draft, selection.key);
        holder.fields = holder.fields.filter((c) => c.key !== selection.column);
      } else {
        removeField(draft, selection.key);
      }
    }, {source: "canvas"});
    if (this.selected && this.selected.key === selection.key
        && (this.selected.column || null) === (selection.column || null)) {
      this.selected = null;
      this.onSelect(null);
    }
    this.announce(t.removed_undo);
  }

  drawSelectedCard() {
    const draft = this.store.draft;
    const key = this.selected && this.selected.key;
    const old = key && this.canvasEl.querySelector(`.canvas-field[data-key="${key}"]`);
    const index = layout(draft).findIndex((section) => (section.fields || []).includes(key));
    const field = key && findField(draft, key);
    // A line items card holds its own sortable columns: that one is drawn with the rest.
    if (!old || !field || index < 0 || old.querySelector("ol.line-columns")) {
      this.draw();
      return;
    }
    old.replaceWith(this.fieldItem(field, layout(draft)[index], index));
    this.markProblems();
  }

  markProblems() {
    const draft = this.store.draft;
    fields(draft).forEach((field, index) => {
      const el = this.canvasEl.querySelector(`.canvas-field[data-key="${field.key}"]`);
      if (!el) return;
      const own = this.store.problemsUnder(`/form/fields/${index}`);
      el.classList.toggle("has-problem", own.length > 0);
      el.title = own.map((p) => p.detail).join("\n");
    });
  }
}
