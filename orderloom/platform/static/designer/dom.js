// A tiny element builder: h("button", {class: "x", onclick: fn}, "Text", child).
// Attributes starting with "on" become listeners; `dataset` and `style` objects are
// copied; false, null and undefined attributes and children are left out.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "dataset") {
      Object.assign(el.dataset, value);
    } else if (name === "class") {
      el.className = value;
    } else if (name === "value") {
      el.value = value;
    } else if (name === "checked" || name === "selected" || name === "disabled") {
      el[name] = Boolean(value);
    } else {
      el.setAttribute(name, value === true ? "" : value);
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// A label object {en, zh} shown in the UI's language, falling back to the other one.
export function labelText(label, lang, fallback = "") {
  if (!label || typeof label !== "object") return label || fallback;
  return label[lang] || label.en || label.zh || fallback;
}

// A key from a human label: "Unit price" -> "unit_price"; Chinese-only labels fall
// back to the type and a number, since keys are ASCII.
export function keyFrom(text, taken, fallback) {
  let base = String(text || "").toLowerCase().replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (!/^[a-z]/.test(base)) base = fallback;
  let key = base;
  for (let n = 2; taken.has(key); n += 1) key = `${base}_${n}`;
  return key;
}

export function pointer(...parts) {
  return parts.map((p) => "/" + String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("");
}
