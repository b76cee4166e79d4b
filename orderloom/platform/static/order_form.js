// The order form: line items added and removed, computed fields recalculated as you
// type (static/formula.js, the same values as the server), fields shown or hidden by
// their conditions, validation messages in place, and saving through the orders API.
// The server recomputes everything on save; its problems (problem+json with a JSON
// Pointer per field) are shown next to the field they point at.
(function () {
  "use strict";

  const spec = JSON.parse(document.getElementById("order-form-spec").textContent);
  // The page's words in the reader's language (data-words of the form), English when
  // a word is missing.
  const WORDS = JSON.parse(document.getElementById("order-form").dataset.words || "{}");
  const say = (key, english, values) => {
    let text = WORDS[key] || english;
    for (const [name, value] of Object.entries(values || {})) {
      text = text.split(`%(${name})s`).join(String(value));
    }
    return text;
  };
  const form = document.getElementById("order-form");
  const problemsBox = document.getElementById("form-problems");
  const status = document.getElementById("save-status");
  const fields = new Map(spec.fields.map((f) => [f.key, f]));
  let attempted = false;

  // --- reading and writing one control -----------------------------------------------------

  function blank(text) { return text === null || text === undefined || String(text).trim() === ""; }

  function readControl(box, type) {
    if (type === "computed") return undefined;
    if (type === "multi_choice") {
      return Array.from(box.querySelectorAll("[data-option]")).filter((i) => i.checked)
        .map((i) => i.dataset.option);
    }
    if (type === "address" || type === "customer") {
      const record = {};
      for (const input of box.querySelectorAll("[data-part]")) {
        if (!blank(input.value)) record[input.dataset.part] = input.value.trim();
      }
      return Object.keys(record).length ? record : null;
    }
    const input = box.querySelector("[data-input]");
    if (!input) return undefined;
    if (type === "boolean") return input.checked;
    const text = input.value;
    if (blank(text)) return null;
    if (type === "integer") {
      const t = text.trim();
      return /^[+-]?\d{1,15}$/.test(t) ? Number(t) : t;
    }
    if (type === "number" || type === "money") return text.trim();
    if (type === "datetime") return instantOf(text);
    return text;
  }

  // A date and time box shows the instance's wall clock (the calendar's time zone, as
  // every page shows times); the order stores the UTC instant.
  const ZONE = (spec.calendar && spec.calendar.time_zone) || "UTC";
  const WALL = new Intl.DateTimeFormat("sv-SE", { timeZone: ZONE, year: "numeric",
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
    hourCycle: "h23" });
  const wallText = (moment) => WALL.format(moment).replace(" ", "T");

  function instantOf(text) {
    const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
    if (!m) return text;  // the server says what is wrong with it
    const asUtc = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
    // The zone's offset at that moment, found by reading the guess on its clock; a
    // second look settles a guess that fell across a daylight-saving change.
    let moment = asUtc;
    for (let i = 0; i < 2; i++) {
      moment = asUtc - (Date.parse(`${wallText(new Date(moment))}Z`) - moment);
    }
    return new Date(moment).toISOString().replace(".000Z", "Z");
  }

  function writeControl(box, type, value) {
    if (type === "computed" || value === undefined) return;
    if (type === "multi_choice") {
      const chosen = Array.isArray(value) ? value : [];
      for (const i of box.querySelectorAll("[data-option]")) i.checked = chosen.includes(i.dataset.option);
      return;
    }
    if (type === "address" || type === "customer") {
      for (const input of box.querySelectorAll("[data-part]")) {
        const part = value && typeof value === "object" ? value[input.dataset.part] : null;
        input.value = part === null || part === undefined ? "" : String(part);
      }
      return;
    }
    const input = box.querySelector("[data-input]");
    if (!input) return;
    if (type === "boolean") { input.checked = value === true; return; }
    if (value === null) { input.value = ""; return; }
    if (type === "datetime") {
      const moment = new Date(value);
      // The Chinese page's text box takes yyyy-mm-dd hh:mm, as its placeholder says;
      // seconds are written only when there are some.
      const shown = isNaN(moment) ? String(value) : wallText(moment);
      input.value = input.type === "text" && !isNaN(moment)
        ? shown.replace("T", " ").replace(/:00$/, "") : shown;
      return;
    }
    input.value = String(value);
  }

  // --- line items ----------------------------------------------------------------------------

  function linesBox(key) { return form.querySelector(`.form-field.lines[data-key="${key}"]`); }

  function addLine(key, line) {
    const box = linesBox(key);
    const row = box.querySelector("template").content.firstElementChild.cloneNode(true);
    const field = fields.get(key);
    const tbody = box.querySelector("tbody");
    const number = tbody.children.length + 1;
    for (const column of field.columns) {
      const cell = row.querySelector(`[data-column="${column.key}"]`);
      for (const input of cell.querySelectorAll("[data-input]")) {
        input.setAttribute("aria-label", `${column.label}, line ${number}`);
      }
      writeControl(cell, column.type, line ? line[column.key] : column.type === "boolean" ? false : null);
    }
    tbody.appendChild(row);
    return row;
  }

  function readLines(key) {
    const field = fields.get(key);
    return Array.from(linesBox(key).querySelectorAll("tbody tr[data-line]")).map((row) => {
      const line = {};
      for (const column of field.columns) {
        if (column.type === "computed") continue;
        const value = readControl(row.querySelector(`[data-column="${column.key}"]`), column.type);
        if (value !== null && value !== undefined) line[column.key] = value;
      }
      return line;
    });
  }

  // --- the whole form ------------------------------------------------------------------------

  function fieldBox(key) { return form.querySelector(`.form-field[data-key="${key}"]`); }

  function entered() {
    const data = {};
    for (const field of spec.fields) {
      if (field.type === "computed") continue;
      if (field.type === "line_items") { data[field.key] = readLines(field.key); continue; }
      const value = readControl(fieldBox(field.key), field.type);
      if (value !== undefined) data[field.key] = value;
    }
    return data;
  }

  // A new order starts with its locked fields at their defaults; what their disabled
  // controls read (an unticked box, a prefilled choice) was not typed by this person.
  function leaveOutLocked(data) {
    for (const field of spec.fields) {
      if (field.locked) { delete data[field.key]; continue; }
      const fixed = (field.columns || []).filter((c) => c.locked).map((c) => c.key);
      if (!fixed.length || !Array.isArray(data[field.key])) continue;
      for (const line of data[field.key]) for (const key of fixed) delete line[key];
    }
  }

  function evaluate(compiled, values) {
    try {
      return Formula.evaluate(compiled, values, {calendar: spec.calendar});
    } catch (error) {
      // Not a formula fault but a flaw of this page: say so where the value would be,
      // and keep the rest of the form working. The server still computes on save.
      console.error(error);
      return new Formula.Fault(`the browser could not work this out (${error.message})`);
    }
  }

  // The same order of work as the server's Blueprint.compute.
  function compute(data) {
    const values = Object.assign({}, data);
    for (const field of spec.fields) {
      if (field.type !== "line_items") continue;
      values[field.key] = (values[field.key] || []).map((line) => Object.assign({}, line));
    }
    for (const field of spec.fields) {
      if (field.type !== "line_items") continue;
      for (const column of field.columns) {
        if (column.type !== "computed") continue;
        values[field.key] = values[field.key].map((line) =>
          Object.assign({}, line, { [column.key]: evaluate(column.formula, Object.assign({}, values, line)) }));
      }
    }
    for (const key of spec.computed_order) {
      const field = fields.get(key);
      if (field && field.formula) values[key] = evaluate(field.formula, values);
    }
    return values;
  }

  function grouped(text) {
    const negative = text.startsWith("-");
    const parts = (negative ? text.slice(1) : text).split(".");
    parts[0] = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (negative ? "-" : "") + parts.join(".");
  }

  function show(output, value, type) {
    output.classList.toggle("fault", Formula.isFault(value));
    if (Formula.isFault(value)) {
      output.textContent = "—";
      const server = Formula.serverOnly(value);
      output.title = server ? spec.words.server_only.replace("%(function)s", server)
        : spec.words.not_yet.replace("%(why)s", value.message);
      output.dataset.value = "";
      return;
    }
    const json = Formula.toJSON(value);
    output.title = "";
    output.dataset.value = json === null ? "" : String(json);
    if (value === null) output.textContent = "—";
    else if (type === "money") output.textContent = grouped(String(json));
    else if (type === "boolean") output.textContent = value ? say("yes", "Yes") : say("no", "No");
    else output.textContent = Formula.toText(value);
  }

  function setError(slot, message) {
    if (!slot) return;
    slot.textContent = message || "";
    const box = slot.closest(".form-field");
    if (box) box.classList.toggle("invalid", Boolean(message));
  }

  function isBlank(value) {
    return value === null || value === undefined || value === "" || (Array.isArray(value) && value.length === 0);
  }

  // A validation that waits for the server (PRODUCTINFO) is not a failure here: the
  // server decides it on save, so the order can still be saved.
  function failed(result) {
    return result !== true && !Formula.serverOnly(result);
  }

  // Client-side messages: required fields (after a save was tried) and the form's own
  // validation formulas. Returns how many there are.
  function check(values, data) {
    let count = 0;
    const visible = {};
    for (const field of spec.fields) {
      // A condition that waits for the server (PRODUCTINFO) shows the field, as the
      // server does with a condition it cannot decide.
      const shown = field.visible ? evaluate(field.visible, values) : true;
      visible[field.key] = shown === true || Boolean(Formula.serverOnly(shown));
      const box = fieldBox(field.key);
      box.hidden = !visible[field.key];
      if (field.type === "computed" || field.type === "line_items") continue;
      let message = "";
      if (visible[field.key] && !isBlank(data[field.key]) && field.validation &&
          failed(evaluate(field.validation.formula, values))) message = field.validation.message;
      if (visible[field.key] && attempted && field.required && isBlank(data[field.key])) message = say("required", "is required");
      if (message) count += 1;
      if (!box.dataset.server) setError(box.querySelector(":scope > .field-error"), message);
    }
    for (const field of spec.fields) {
      if (field.type !== "line_items") continue;
      const box = fieldBox(field.key);
      const rows = box.querySelectorAll("tbody tr[data-line]");
      const lineMessage = attempted && field.required && rows.length === 0 ? say("add_line", "add at least one line") : "";
      if (lineMessage) count += 1;
      if (!box.dataset.server) setError(box.querySelector(":scope > .field-error"), lineMessage);
      rows.forEach((row, index) => {
        const line = values[field.key][index];
        for (const column of field.columns) {
          const cell = row.querySelector(`[data-column="${column.key}"]`);
          if (column.type === "computed") {
            show(cell.querySelector("output"), line[column.key], column.result_type);
            continue;
          }
          let message = "";
          if (!isBlank(line[column.key]) && column.validation &&
              failed(evaluate(column.validation.formula, Object.assign({}, values, line)))) {
            message = column.validation.message;
          }
          if (attempted && column.required && isBlank(line[column.key])) message = say("required", "is required");
          if (message) count += 1;
          if (!cell.dataset.server) setError(cell.querySelector(".field-error"), message);
        }
      });
    }
    return { count, visible };
  }

  function recalc() {
    const data = entered();
    const values = compute(data);
    for (const key of spec.computed_order) {
      const field = fields.get(key);
      const output = form.querySelector(`output[data-computed="${key}"]`);
      if (field && output) show(output, values[key], field.result_type);
    }
    return Object.assign({ data }, check(values, data));
  }

  // --- server problems -------------------------------------------------------------------------

  function unescape(token) { return token.replace(/~1/g, "/").replace(/~0/g, "~"); }

  function clearServerErrors() {
    for (const el of form.querySelectorAll("[data-server]")) {
      delete el.dataset.server;
      setError(el.querySelector(el.matches("td") ? ".field-error" : ":scope > .field-error"), "");
    }
    problemsBox.hidden = true;
    problemsBox.textContent = "";
  }

  function showProblem(pointer, detail) {
    const parts = (pointer || "").split("/").slice(1).map(unescape);
    if (parts[0] === "data" && parts.length > 1) {
      const field = fields.get(parts[1]);
      const box = field ? fieldBox(field.key) : null;
      if (box && field.type === "line_items" && parts.length > 3 && /^\d+$/.test(parts[2])) {
        const row = box.querySelectorAll("tbody tr[data-line]")[Number(parts[2])];
        const cell = row ? row.querySelector(`[data-column="${parts[3]}"]`) : null;
        if (cell) {
          cell.dataset.server = "1";
          setError(cell.querySelector(".field-error"), detail);
          return;
        }
      }
      if (box) {
        box.dataset.server = "1";
        const where = parts.slice(2).join(" ");
        setError(box.querySelector(":scope > .field-error"), where ? `${where}: ${detail}` : detail);
        return;
      }
    }
    const item = document.createElement("p");
    item.textContent = pointer ? `${pointer}: ${detail}` : detail;
    problemsBox.appendChild(item);
    problemsBox.hidden = false;
  }

  // --- saving ----------------------------------------------------------------------------------

  async function save(event) {
    event.preventDefault();
    attempted = true;
    clearServerErrors();
    const state = recalc();
    if (state.count) {
      status.textContent = say("correct", "Please correct the fields marked above.");
      const first = form.querySelector(".invalid input, .invalid select, .invalid textarea");
      if (first) first.focus();
      return;
    }
    const data = state.data;
    for (const field of spec.fields) {
      // A field its condition hides does not apply to this order.
      if (!state.visible[field.key] && field.type !== "computed") data[field.key] = null;
    }
    if (spec.mode !== "edit") leaveOutLocked(data);
    const headers = { "Content-Type": "application/json", "X-CSRF-Token": spec.csrf,
                      "Accept": "application/json" };
    let body;
    if (spec.mode === "edit") {
      headers["If-Match"] = `"${spec.revision}"`;
      body = { data };
    } else {
      body = { order_type: spec.order_type, data };
    }
    const button = document.getElementById("save-order");
    button.disabled = true;
    status.textContent = say("saving", "Saving…");
    try {
      const response = await fetch(spec.save_url, {
        method: spec.mode === "edit" ? "PATCH" : "POST", headers, body: JSON.stringify(body),
        credentials: "same-origin" });
      const answer = await response.json().catch(() => ({}));
      if (response.ok) {
        status.textContent = say("saved", "Saved.");
        window.location.assign(spec.order_url.replace("NUMBER", encodeURIComponent(answer.number)));
        return;
      }
      status.textContent = "";
      if (response.status === 409 && answer.current) {
        showProblem("", say("reload", "%(detail)s. Reload the page to see it as it is now; your changes were not saved.",
                            { detail: answer.detail || say("changed", "The order was changed by someone else") }));
      } else if (Array.isArray(answer.errors) && answer.errors.length) {
        for (const problem of answer.errors) showProblem(problem.pointer, problem.detail || problem.message);
      } else {
        showProblem("", answer.detail || answer.title
                    || say("not_saved", "The order was not saved (%(status)s).", { status: response.status }));
      }
    } catch (error) {
      status.textContent = "";
      showProblem("", say("unreachable", "The server could not be reached; nothing was saved. Try again."));
    } finally {
      button.disabled = false;
    }
  }

  // --- start -----------------------------------------------------------------------------------

  const data = spec.data || {};
  for (const field of spec.fields) {
    if (field.type === "line_items") {
      const lines = Array.isArray(data[field.key]) ? data[field.key] : [];
      if (lines.length) lines.forEach((line) => addLine(field.key, line));
      else if (spec.mode === "create") addLine(field.key, null);
    } else if (field.type !== "computed" && field.key in data) {
      // The server sends the controls blank; writing a blank into the others would wipe
      // what a person typed while the scripts were still loading.
      writeControl(fieldBox(field.key), field.type, data[field.key]);
    }
  }
  form.addEventListener("input", () => recalc());
  form.addEventListener("change", () => recalc());
  form.addEventListener("click", (event) => {
    const add = event.target.closest(".add-line");
    if (add) {
      const row = addLine(add.dataset.lines, null);
      const first = row.querySelector("[data-input]");
      if (first) first.focus();
      recalc();
      return;
    }
    const remove = event.target.closest(".remove-line");
    if (remove) {
      remove.closest("tr").remove();
      recalc();
    }
  });
  // A known customer's code fills in the parts still empty, from the customer records.
  form.addEventListener("change", async (event) => {
    const input = event.target;
    if (!spec.customer_url || !input.matches("[data-part=code]")) return;
    const box = input.closest('.form-field[data-type="customer"]');
    if (!box || blank(input.value)) return;
    const url = spec.customer_url.replace("CODE", encodeURIComponent(input.value.trim()));
    const response = await fetch(url, { headers: { Accept: "application/json" },
                                        credentials: "same-origin" }).catch(() => null);
    if (!response || !response.ok) return;
    const known = await response.json();
    const parts = { name: known.name, email: known.email, phone: known.phone,
                    tier: (known.attributes || {}).tier };
    for (const [part, value] of Object.entries(parts)) {
      const target = box.querySelector(`[data-part="${part}"]`);
      if (target && blank(target.value) && value) target.value = value;
    }
    recalc();
    repriceEveryLine();  // the tier kept on the record may be another list's
  });
  // --- pickers ---------------------------------------------------------------------------------

  async function ask(url, params) {
    const query = new URLSearchParams(params).toString();
    const response = await fetch(`${url}?${query}`, { headers: { Accept: "application/json" },
                                                      credentials: "same-origin" });
    if (!response.ok) return null;
    return response.json();
  }

  // The column of a line that means `meaning` (the unit price, the quantity), else the
  // only entered column of its type, as the server finds it (designer/form.py line_column).
  function lineColumn(lines, meaning, types) {
    const declared = lines.columns.find((c) => c.meaning === meaning);
    if (declared) return declared.type === "computed" ? null : declared;
    for (const type of types) {
      const ofType = lines.columns.filter((c) => c.type === type);
      if (ofType.length) return ofType.length === 1 ? ofType[0] : null;
    }
    return null;
  }

  function lineInput(row, column) {
    return column ? row.querySelector(`[data-column="${column.key}"] [data-input]`) : null;
  }

  // The unit price that applies to this buyer and quantity from the price lists, or the
  // product's own price (GET /products/<sku>/unit-price); null when neither prices it.
  async function unitPrice(sku, quantity) {
    if (!spec.unit_price_url) return null;
    const customer = form.querySelector('.form-field[data-type="customer"]');
    const part = (name) => {
      const input = customer ? customer.querySelector(`[data-part="${name}"]`) : null;
      return input && !blank(input.value) ? input.value.trim() : "";
    };
    const whole = Number.parseInt(quantity, 10);
    const answer = await ask(spec.unit_price_url.replace("SKU", encodeURIComponent(sku)), {
      quantity: whole >= 1 ? whole : 1, currency: spec.currency || "",
      channel: spec.channel || "", customer: part("code"), tier: part("tier"),
      ...(spec.priced_on ? { on: spec.priced_on } : {}) });
    return answer ? answer.price : null;
  }

  // A product picked on a line: its SKU, and in the line's unit price column the price
  // that applies (price lists, else the product's list price). A price filled in so
  // follows the quantity (a quantity break) until the person types another.
  function attachProductPicker(input) {
    const row = input.closest("tr[data-line]");
    const lines = fields.get(input.closest(".form-field.lines").dataset.key);
    Suggestions.attach(input, async (text) => {
      const answer = await ask(spec.products_url, { q: text, limit: 8 });
      return (answer ? answer.products : []).map((p) => ({
        item: p,
        label: [p.sku, p.name, p.barcode, p.price === null ? null : grouped(p.price)]
          .filter((part) => part).join(" · ") }));
    }, async (product) => {
      input.value = product.sku;
      recalc();
      await reprice(row, lines, product);
    });
  }

  // Fill a line's unit price with the one that applies now. Only a price the form
  // filled follows (a picked product's, the quantity's break, the customer's list); one a
  // person typed stays theirs, also when typed while the answer was on its way. Each
  // line numbers its questions: the answer to an older one (the quantity changed again
  // meanwhile) is dropped, so the price shown is that of the quantity shown.
  let questions = 0;
  async function reprice(row, lines, picked = null) {
    const price = lineInput(row, lineColumn(lines, "unit_price", ["money"]));
    const quantity = lineInput(row, lineColumn(lines, "quantity", ["integer", "number"]));
    const sku = row.querySelector('td[data-type="product"] [data-input]');
    if (!price || price.disabled || !sku || blank(sku.value)) return;
    const filledByForm = price.dataset.filled !== undefined && price.value === price.dataset.filled;
    if (!picked && !filledByForm) return;
    const question = String(++questions);
    row.dataset.priceQuestion = question;
    const shown = price.value;
    const applies = await unitPrice(sku.value.trim(), quantity ? quantity.value : 1);
    if (row.dataset.priceQuestion !== question || price.value !== shown) return;
    const chosen = applies !== null ? applies : (picked ? picked.price : null);
    if (chosen === null || chosen === undefined) return;
    price.value = chosen;
    price.dataset.filled = chosen;
    recalc();
  }

  // Another customer (or tier) prices the lines again: those whose price the form filled.
  function repriceEveryLine() {
    for (const box of form.querySelectorAll(".form-field.lines")) {
      const lines = fields.get(box.dataset.key);
      for (const row of box.querySelectorAll("tr[data-line]")) reprice(row, lines);
    }
  }

  form.addEventListener("change", (event) => {
    if (event.target.matches('.form-field[data-type="customer"] [data-part=code], '
                             + '.form-field[data-type="customer"] [data-part=tier]')) {
      repriceEveryLine();
      return;
    }
    const row = event.target.closest("tr[data-line]");
    const box = event.target.closest(".form-field.lines");
    if (!row || !box) return;
    const lines = fields.get(box.dataset.key);
    if (event.target === lineInput(row, lineColumn(lines, "quantity", ["integer", "number"]))) {
      reprice(row, lines);
    }
  });

  // A customer picked by code, name, email or phone: the customer's parts, and the
  // order's recipient fields (by their meaning) where they are still empty.
  function attachCustomerSearch(input) {
    const box = input.closest('.form-field[data-type="customer"]');
    Suggestions.attach(input, async (text) => {
      const answer = await ask(spec.customers_url, { q: text, limit: 8 });
      return (answer ? answer.customers : []).map((c) => ({
        item: c, label: [c.code, c.name, c.phone, c.email].filter((part) => part).join(" · ") }));
    }, (customer) => {
      const parts = { code: customer.code, name: customer.name, email: customer.email,
                      phone: customer.phone, tier: (customer.attributes || {}).tier };
      for (const [part, value] of Object.entries(parts)) {
        const target = box.querySelector(`[data-part="${part}"]`);
        if (target && !target.disabled) target.value = value === null || value === undefined ? "" : String(value);
      }
      const recipient = { recipient_name: customer.name, recipient_phone: customer.phone };
      for (const field of spec.fields) {
        const value = recipient[field.meaning];
        const target = value ? fieldBox(field.key).querySelector("[data-input]") : null;
        if (target && !target.disabled && blank(target.value)) target.value = value;
      }
      recalc();
      repriceEveryLine();
    });
  }

  form.addEventListener("focusin", (event) => {
    const input = event.target;
    if (spec.products_url && input.matches('td[data-type="product"] [data-input]')) {
      attachProductPicker(input);
    } else if (spec.customers_url && input.matches('.form-field[data-type="customer"] [data-part=code]')) {
      attachCustomerSearch(input);
    }
  });
  form.addEventListener("submit", save);
  recalc();
})();
