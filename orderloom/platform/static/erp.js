// The ERP pages: saves a connection through the API and puts each refusal beside the
// input its JSON pointer names; the buttons (test, send stock, read back, reconcile,
// send again) call the API and say what it answered. Texts come in data- attributes,
// translated with the page.

const form = document.getElementById("erp-form");
const actions = document.getElementById("erp-actions");

async function call(method, url, csrf, body) {
  const response = await fetch(url, {
    method, credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json",
               "X-CSRF-Token": csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let answer = {};
  try { answer = await response.json(); } catch (notJson) { answer = {}; }
  return { response, answer };
}

function clearErrors() {
  for (const shown of form.querySelectorAll("p.error[data-pointer]")) {
    shown.hidden = true;
    shown.textContent = "";
  }
}

// The most precise error element for a pointer: /mappings/sale_order/... is shown
// beside the mapping, /order_types/0 beside the order types.
function errorPlace(pointer) {
  let place = pointer;
  while (true) {
    const found = form.querySelector(`p.error[data-pointer="${CSS.escape(place)}"]`);
    if (found || place === "") return found;
    place = place.slice(0, Math.max(place.lastIndexOf("/"), 0));
  }
}

function showErrors(answer) {
  const errors = answer.errors && answer.errors.length ? answer.errors
    : [{ pointer: "", detail: answer.detail || String(answer.title || "") }];
  for (const error of errors) {
    const place = errorPlace(error.pointer || "");
    if (!place) continue;
    place.textContent = (place.textContent ? place.textContent + " " : "") +
      (error.pointer ? `${error.pointer}: ` : "") + error.detail;
    place.hidden = false;
  }
}

function kind() {
  const chosen = form.querySelector("select[name=kind]");
  return chosen ? chosen.value : form.dataset.kind;
}

function showKind() {
  for (const part of form.querySelectorAll("[data-kind-only]")) {
    part.hidden = part.dataset.kindOnly !== kind();
  }
}

function body() {
  const values = {};
  for (const input of form.querySelectorAll("input[name], select[name], textarea[name]")) {
    const name = input.name;
    if (input.type === "checkbox") values[name] = input.checked;
    else if (input.closest("[hidden]")) continue;
    else if (name === "mappings") values[name] = JSON.parse(input.value);
    else if (name === "order_types") {
      values[name] = input.value.split(",").map((key) => key.trim()).filter(Boolean);
    } else if (name === "pull_every_minutes") values[name] = Number(input.value);
    else if (input.value.trim() !== "") values[name] = input.value.trim();
  }
  return values;
}

if (form) {
  showKind();
  const kindChoice = form.querySelector("select[name=kind]");
  if (kindChoice) {
    kindChoice.addEventListener("change", () => {
      showKind();
      form.querySelector("textarea[name=mappings]").value =
        kindChoice.selectedOptions[0].dataset.defaults;
    });
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    let sent;
    try {
      sent = body();
    } catch (notJson) {
      showErrors({ errors: [{ pointer: "/mappings", detail: form.dataset.badJson }] });
      return;
    }
    const { response, answer } = await call(form.dataset.method, form.dataset.url,
                                            form.dataset.csrf, sent);
    if (!response.ok) {
      showErrors(answer);
      return;
    }
    window.location.assign(`/admin/erp/${answer.id}`);
  });
}

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const csrf = (actions || form).dataset.csrf;
  const said = document.getElementById("erp-answer");
  button.disabled = true;
  const { response, answer } = await call("POST", button.dataset.action, csrf,
                                          button.dataset.reload ? {} : undefined);
  button.disabled = false;
  if (response.ok && button.dataset.reload) {
    window.location.reload();
    return;
  }
  if (said) {
    said.className = response.ok && answer.ok !== false ? "" : "error";
    said.textContent = answer.detail || JSON.stringify(answer);
  }
});
