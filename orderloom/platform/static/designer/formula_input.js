// A formula box that shows its mistakes while the user types: the server's check of
// the whole draft (see draft_store.js) answers problems by JSON Pointer with a line
// and column; the box whose pointer matches underlines the word at that place, shows
// the message, and offers the did-you-mean as a one-click fix.

import {ConditionBuilder} from "./condition_builder.js";
import {h} from "./dom.js";

const boxes = new Set();
let counter = 0;

// Where line:column (both from 1) falls in the text.
export function offsetOf(text, line, column) {
  const lines = text.split("\n");
  let offset = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i += 1) offset += lines[i].length + 1;
  return Math.min(offset + column - 1, text.length);
}

// The name (one part of a dotted path), a quoted text or the single character at offset.
export function tokenAt(text, offset) {
  const match = /^[A-Za-z_\u4e00-\u9fff][A-Za-z0-9_\u4e00-\u9fff]*|^"[^"]*"?|^\S/.exec(text.slice(offset));
  return match ? match[0].length : 0;
}

export function suggestion(detail) {
  const match = /did you mean '([^']+)'\?/.exec(detail || "");
  return match ? match[1] : null;
}

// builder: the UI language where the formula is a condition (true or false), which
// then can also be built from rows (condition_builder.js).
export function formulaInput(store, t, {pointer, value = "", onInput, placeholder = "", label = "",
  builder = null}) {
  counter += 1;
  const id = `formula-${counter}`;
  // A text area one line high that grows with the formula: a long formula wraps and
  // is read whole instead of scrolling past in a one-line box.
  const input = h("textarea", {
    class: "formula", id, spellcheck: "false", autocomplete: "off", rows: 1,
    value, placeholder, "data-pointer": pointer, "aria-describedby": `${id}-message`,
    "aria-label": label || null,
  });
  const fit = () => {
    if (!input.isConnected) return;
    input.style.height = "auto";
    input.style.height = `${input.scrollHeight + 2}px`;
  };
  const overlay = h("div", {class: "formula-overlay", "aria-hidden": "true"});
  const message = h("p", {class: "formula-message", id: `${id}-message`, "aria-live": "polite"});
  const box = h("div", {class: "formula-input"}, h("div", {class: "formula-field"}, overlay, input),
    message);
  box.pointer = pointer;
  let rows = null;
  let writing = false;
  if (builder) {
    rows = new ConditionBuilder(store, t, builder, {input, write: (formula) => {
      writing = true;
      input.value = formula;
      input.dispatchEvent(new Event("input"));
      writing = false;
    }});
    const toggle = h("button", {type: "button", class: "link cb-toggle", "aria-expanded": "false",
      onclick: () => {
        const opening = rows.el.hidden;
        toggle.setAttribute("aria-expanded", String(opening));
        if (opening) rows.open();
        else rows.close();
      }}, t.cb_build);
    box.append(toggle, rows.el);
  }

  input.addEventListener("input", () => {
    // Typed by hand, the formula may say more than the rows: they close, and
    // opening them again reads the formula anew.
    if (rows && !writing && !rows.el.hidden) {
      rows.close();
      box.querySelector(".cb-toggle").setAttribute("aria-expanded", "false");
    }
    onInput(input.value);
    // Until the server answers, the old underline would sit on the wrong letters.
    overlay.textContent = "";
    fit();
  });
  input.addEventListener("scroll", () => { overlay.scrollTop = input.scrollTop; });

  box.refresh = () => {
    if (!box.isConnected) {
      boxes.delete(box);
      return;
    }
    const problems = store.problemsAt(box.pointer);
    const text = input.value;
    overlay.replaceChildren();
    message.replaceChildren();
    box.classList.toggle("has-error", problems.length > 0);
    input.setAttribute("aria-invalid", problems.length ? "true" : "false");
    if (!problems.length) return;
    const first = problems[0];
    if (first.line) {
      const start = offsetOf(text, first.line, first.column);
      const length = Math.max(tokenAt(text, start), 1);
      overlay.append(text.slice(0, start),
        h("mark", {class: "squiggle"}, text.slice(start, start + length) || " "),
        text.slice(start + length));
      overlay.scrollTop = input.scrollTop;
    }
    for (const problem of problems) {
      const where = problem.line ? `${problem.line}:${problem.column} ` : "";
      const line = h("span", {class: "formula-problem"}, where + problem.detail);
      message.append(line);
      const better = suggestion(problem.detail);
      if (better && problem.line) {
        message.append(h("button", {
          type: "button", class: "link did-you-mean",
          onclick: () => {
            const start = offsetOf(input.value, problem.line, problem.column);
            const length = tokenAt(input.value, start);
            input.value = input.value.slice(0, start) + better + input.value.slice(start + length);
            input.dispatchEvent(new Event("input"));
            input.focus();
          },
        }, t.use_suggestion.replace("{name}", better)));
      }
    }
  };
  boxes.add(box);
  queueMicrotask(box.refresh);
  requestAnimationFrame(fit);
  return box;
}

export function refreshFormulas() {
  for (const box of [...boxes]) box.refresh();
}
