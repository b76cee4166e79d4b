// The stock section of a channel's page: reads the channel's stock settings and the
// last push of each SKU from the API, saves changes, and puts each refusal beside
// the input its JSON pointer names. Texts come in data- attributes, translated with
// the page.

import { callApi, inputForPointer } from "./api_call.js";

const form = document.getElementById("stock-form");

function call(method, url, body) {
  return callApi(method, url, form.dataset.csrf, body);
}

function element(tag, text) {
  const made = document.createElement(tag);
  if (text !== undefined && text !== null) made.textContent = String(text);
  return made;
}

function showWarehouses(all, chosen) {
  const fieldset = document.getElementById("stock-warehouses");
  for (const old of fieldset.querySelectorAll("label, p")) old.remove();
  const error = document.getElementById("stock-warehouses-error");
  if (!all.length) {
    fieldset.insertBefore(element("p", form.dataset.noWarehouses), error);
  }
  for (const warehouse of all) {
    const label = element("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.value = warehouse.code;
    box.checked = chosen.includes(warehouse.code);
    label.append(box, ` ${warehouse.code} · ${warehouse.name} `);
    fieldset.insertBefore(label, error);
  }
}

function showPushes(skus) {
  const table = document.getElementById("stock-pushes");
  if (!table) return;
  const words = JSON.parse(table.dataset.outcomes);
  const body = table.querySelector("tbody");
  body.replaceChildren();
  if (!skus.length) {
    const row = element("tr");
    const cell = element("td", table.dataset.none);
    cell.colSpan = 5;
    row.append(cell);
    body.append(row);
  }
  for (const sku of skus) {
    const row = element("tr");
    row.dataset.sku = sku.sku;
    row.append(element("td", sku.sku), element("td", words[sku.outcome] || sku.outcome || ""),
               element("td", sku.figure), element("td", (sku.pushed_at || "").slice(0, 16).replace("T", " ")),
               element("td", sku.detail));
    body.append(row);
  }
}

async function showLocations(chosen) {
  const select = document.getElementById("stock-location");
  if (!select) return;
  const { response, answer } = await call("GET", select.dataset.locations);
  const known = response.ok ? answer.locations : [];
  for (const place of known) {
    const option = element("option", `${place.name} (${place.id})`);
    option.value = place.id;
    select.append(option);
  }
  if (chosen && !known.some((p) => p.id === chosen)) {
    const option = element("option", chosen);
    option.value = chosen;
    select.append(option);
  }
  select.value = chosen || "";
}

function show(settings) {
  showWarehouses(settings.all_warehouses, settings.warehouses);
  document.getElementById("stock-safety").value = settings.safety_stock;
  document.getElementById("stock-share-kind").value = settings.share.kind;
  document.getElementById("stock-share-value").value = settings.share.value;
  const push = document.getElementById("stock-store-push");
  if (push) push.checked = settings.store_push;
  showPushes(settings.skus);
}

function clearErrors() {
  for (const span of form.querySelectorAll(".field-error")) span.textContent = "";
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

function inputFor(pointer) {
  return inputForPointer([...form.querySelectorAll("[data-pointer]")], pointer);
}

function report(text) {
  const result = document.getElementById("stock-result");
  result.textContent = text;
  result.hidden = false;
}

function whole(id) {
  const text = document.getElementById(id).value.trim();
  return /^-?\d+$/.test(text) ? Number(text) : text;
}

function changes() {
  const data = {
    warehouses: [...document.querySelectorAll("#stock-warehouses input:checked")].map((b) => b.value),
    safety_stock: whole("stock-safety"),
    share: { kind: document.getElementById("stock-share-kind").value, value: whole("stock-share-value") },
  };
  const push = document.getElementById("stock-store-push");
  if (push) data.store_push = push.checked;
  const location = document.getElementById("stock-location");
  if (location) data.location_id = location.value || null;
  return data;
}

if (form) {
  (async () => {
    try {
      const { response, answer } = await call("GET", form.dataset.api);
      if (response.ok) {
        show(answer);
        await showLocations(answer.location_id);
      }
    } catch (unreachable) {
      report(form.dataset.unreachable);
    }
  })();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    try {
      const { response, answer } = await call("PATCH", form.dataset.api, changes());
      if (response.ok) {
        show(answer);
        report(form.dataset.saved);
        return;
      }
      const unplaced = [];
      for (const error of answer.errors || []) {
        const input = inputFor(error.pointer || "");
        const span = input && document.getElementById(`${input.id}-error`);
        if (span) {
          span.textContent = error.detail;
          input.setAttribute("aria-invalid", "true");
        } else {
          unplaced.push(`${error.pointer}: ${error.detail}`);
        }
      }
      report(unplaced.join("; ") || answer.detail || `HTTP ${response.status}`);
    } catch (unreachable) {
      report(form.dataset.unreachable);
    }
  });
}
