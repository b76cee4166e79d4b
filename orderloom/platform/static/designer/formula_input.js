// A formula box that shows its mistakes while the user types: the server's check of
// the whole draft (see draft_store.js) answers problems by JSON Pointer with a line
// and column; the box whose pointer matches underlines the word at that place, shows
// the message, and offers the did-you-mean as a one-click fix.

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

export function formulaInput(store, t, {pointer, value = "", onInput, placeholder = "", label = ""}) {
  counter += 1;
  const id = `formula-${counter}`;
  const input = h("input", {
    type: "text", class: "formula", id, spellcheck: "false", autocomplete: "off",
    value, placeholder, "data-pointer": pointer, "aria-describedby": `${id}-message`,
    "aria-label": label || null,
  });
  const overlay = h("div", {class: "formula-overlay", "aria-hidden": "true"});
  const message = h("p", {class: "formula-message", id: `${id}-message`, "aria-live": "polite"});
  const box = h("div", {class: "formula-input"}, h("div", {class: "formula-field"}, overlay, input),
    message);
  box.pointer = pointer;

  input.addEventListener("input", () => {
    onInput(input.value);
    // Until the server answers, the old underline would sit on the wrong letters.
    overlay.textContent = "";
  });
  input.addEventListener("scroll", () => { overlay.scrollLeft = input.scrollLeft; });

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
      overlay.scrollLeft = input.scrollLeft;
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
  return box;
}

export function refreshFormulas() {
  for (const box of [...boxes]) box.refresh();
}
