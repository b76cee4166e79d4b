// The Channels page: save a channel through the channels API and put each refusal
// beside the input its JSON pointer names; copy an endpoint; test a store's
// connection; replay dead letters. The page's texts come in data- attributes, so they
// are translated with the rest of the page.

import { callApi, inputForPointer } from "./api_call.js";

function problemText(answer, status) {
  const errors = (answer.errors || []).map((e) => `${e.pointer}: ${e.detail}`);
  return errors.length ? errors.join("; ") : (answer.detail || `HTTP ${status}`);
}

// --- copy buttons -----------------------------------------------------------------------

for (const button of document.querySelectorAll("button[data-copy]")) {
  button.addEventListener("click", async () => {
    const label = button.textContent;
    try {
      await navigator.clipboard.writeText(button.dataset.copy);
      button.textContent = button.dataset.copied;
    } catch (refused) {
      // Without clipboard access (plain http), select the address for Ctrl+C.
      const range = document.createRange();
      range.selectNodeContents(button.parentElement.querySelector("code"));
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
    }
    setTimeout(() => { button.textContent = label; }, 2000);
  });
}

// --- the channel form ---------------------------------------------------------------------

const form = document.getElementById("channel-form");

function currentKind() {
  const select = document.getElementById("channel-kind");
  return select ? select.value : form.dataset.kind;
}

function showKind() {
  const kind = currentKind();
  for (const fieldset of form.querySelectorAll("fieldset.kind-settings")) {
    const shown = fieldset.dataset.kinds.split(" ").includes(kind);
    fieldset.hidden = !shown;
    fieldset.disabled = !shown;
  }
}

function visibleInputs() {
  return [...form.querySelectorAll("[data-pointer]")].filter((input) => !input.closest("fieldset[disabled]"));
}

function clearErrors() {
  for (const span of form.querySelectorAll(".field-error")) span.textContent = "";
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  const general = document.getElementById("channel-form-error");
  general.hidden = true;
  general.textContent = "";
  document.getElementById("channel-form-saved").hidden = true;
}

function inputFor(pointer) {
  return inputForPointer(visibleInputs(), pointer);
}

function showAt(input, detail) {
  const span = document.getElementById(`${input.id}-error`);
  span.textContent = span.textContent ? `${span.textContent}; ${detail}` : detail;
  input.setAttribute("aria-invalid", "true");
}

function showProblem(answer, status) {
  const unplaced = [];
  let first = null;
  for (const error of answer.errors || []) {
    const input = inputFor(error.pointer || "");
    if (input) {
      showAt(input, error.detail);
      first = first || input;
    } else {
      unplaced.push(`${error.pointer}: ${error.detail}`);
    }
  }
  const general = document.getElementById("channel-form-error");
  if (unplaced.length || !first) {
    general.textContent = unplaced.length ? unplaced.join("; ") : problemText(answer, status);
  } else {
    general.textContent = form.dataset.refused;
  }
  general.hidden = false;
  (first || general).focus();
}

async function presetMapping(key) {
  const { response, answer } = await callApi("GET", form.dataset.presets, "");
  if (!response.ok) return undefined;
  const preset = answer.find((p) => p.key === key);
  return preset ? preset.mapping : undefined;
}

function value(id) {
  const input = document.getElementById(id);
  return input ? input.value.trim() : "";
}

async function body(editing) {
  const kind = currentKind();
  const data = { name: value("channel-name"), order_type: value("channel-order-type") };
  if (editing) {
    data.active = document.getElementById("channel-active").checked;
  } else {
    Object.assign(data, { key: value("channel-key"), kind });
  }
  const store = form.querySelector(`fieldset.kind-settings[data-kinds="${kind}"]`);
  if (store && store.querySelector("[data-credential]")) {
    const url = value(`${kind}-store-url`);
    data.store_url = url || null;
    const secret = document.getElementById(`${kind}-webhook-secret`).value;
    if (secret || !editing) data.webhook_secret = secret;
    data.store_update_policy = value(`${kind}-policy`);
    // Only the credentials typed in are sent: the API keeps the others as saved.
    const filled = [...store.querySelectorAll("[data-credential]")].filter((input) => input.value);
    if (filled.length) {
      data.credentials = Object.fromEntries(filled.map((input) => [input.dataset.credential, input.value]));
    }
  } else if (!editing) {
    const preset = form.querySelector(`fieldset.kind-settings[data-kinds="${kind}"] [data-preset]`);
    if (preset && preset.value) {
      const mapping = await presetMapping(preset.value);
      if (mapping) data.mapping = mapping;
    }
  }
  return { data };
}

if (form) {
  const kindSelect = document.getElementById("channel-kind");
  if (kindSelect) kindSelect.addEventListener("change", showKind);
  showKind();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    const editing = form.dataset.method === "PATCH";
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const { data } = await body(editing);
      const csrf = form.querySelector("input[name=csrf_token]").value;
      const { response, answer } = await callApi(form.dataset.method, form.dataset.api, csrf, data);
      if (!response.ok) {
        showProblem(answer, response.status);
        return;
      }
      if (!editing) {
        const channelPage = form.dataset.page.replace("__key__", encodeURIComponent(answer.key));
        if (answer.secret && answer.endpoint) {
          // A webhook channel's own secret is answered this once: shown before moving on.
          document.getElementById("secret").textContent = answer.secret;
          document.getElementById("new-channel-link").href = channelPage;
          document.getElementById("new-secret").hidden = false;
          document.getElementById("new-channel").hidden = true;
          document.getElementById("new-channel-link").focus();
          return;
        }
        if (answer.not_carried && answer.not_carried.length) {
          // What the store's orders will lack is said before moving on, not found later.
          const list = document.getElementById("not-carried-list");
          list.replaceChildren(...answer.not_carried.map((text) => {
            const item = document.createElement("li");
            item.textContent = text;
            return item;
          }));
          document.getElementById("not-carried-link").href = channelPage;
          document.getElementById("not-carried").hidden = false;
          document.getElementById("new-channel").hidden = true;
          document.getElementById("not-carried-link").focus();
          return;
        }
        window.location.assign(channelPage);
        return;
      }
      for (const input of form.querySelectorAll("input[type=password]")) input.value = "";
      const saved = document.getElementById("channel-form-saved");
      saved.textContent = form.dataset.saved;
      saved.hidden = false;
    } catch (failure) {
      const general = document.getElementById("channel-form-error");
      general.textContent = `${form.dataset.unreachable} (${failure.message})`;
      general.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
}

// --- test connection ----------------------------------------------------------------------

const testButton = document.getElementById("test-button");
if (testButton) {
  testButton.addEventListener("click", async () => {
    const result = document.getElementById("test-result");
    result.hidden = true;
    result.className = "";
    testButton.disabled = true;
    try {
      const { response, answer } = await callApi("POST", testButton.dataset.api, testButton.dataset.csrf);
      if (response.ok && answer.ok) {
        result.textContent = testButton.dataset.ok.replace("__shop__", answer.store || "");
        result.className = "notice";
      } else if (response.status === 404) {
        // The channel is there (this is its page), so the server has no test to run:
        // say so rather than that the store failed.
        result.textContent = testButton.dataset.missing;
        result.className = "hint";
      } else {
        result.textContent = `${testButton.dataset.failed} ${problemText(answer, response.status)}`;
        result.className = "notice failed";
        // A credential or address the store refused is marked at its input as well.
        if (form) {
          clearErrors();
          for (const error of answer.errors || []) {
            const input = inputFor(error.pointer || "");
            if (input) showAt(input, error.detail);
          }
        }
      }
    } catch (failure) {
      result.textContent = `${testButton.dataset.unreachable} (${failure.message})`;
      result.className = "notice failed";
    }
    result.hidden = false;
    testButton.disabled = false;
  });
}

// --- dead letters -----------------------------------------------------------------------

const deadLetters = document.getElementById("dead-letter-table");
if (deadLetters) {
  for (const button of deadLetters.querySelectorAll("button.replay")) {
    button.addEventListener("click", async () => {
      const row = button.closest("tr");
      const result = row.querySelector(".replay-result");
      button.disabled = true;
      try {
        const { response, answer } = await callApi("POST", button.dataset.api, deadLetters.dataset.csrf);
        if (response.ok) {
          result.textContent = deadLetters.dataset.replayed.replace("__order__", answer.order || "");
          row.classList.add("replayed");
          return;
        }
        const detail = problemText(answer, response.status);
        row.querySelector(".why").textContent = detail;
        result.textContent = `${deadLetters.dataset.still} ${detail}`;
      } catch (failure) {
        result.textContent = `${deadLetters.dataset.unreachable} (${failure.message})`;
      }
      button.disabled = false;
    });
  }
}
