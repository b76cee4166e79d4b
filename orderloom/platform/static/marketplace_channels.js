// Marketplace channels on the Channels page: connect one from a preset through
// /api/v1/marketplace-channels, with each refusal beside the input its pointer names,
// and test a channel's connection.

import { callApi, showRefusal } from "./api_call.js";

const form = document.getElementById("marketplace-form");
if (form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { credentials: {} };
    for (const input of form.querySelectorAll("[name]")) {
      if (input.value) body[input.name] = input.value;
    }
    for (const input of form.querySelectorAll("[data-credential]")) {
      if (input.value) body.credentials[input.dataset.credential] = input.value;
    }
    const { response, answer } = await callApi("POST", form.dataset.api, form.dataset.csrf, body);
    if (response.ok) {
      window.location = form.dataset.page.replace("__key__", answer.key);
      return;
    }
    showRefusal(form, document.getElementById("marketplace-form-error"), answer);
  });
}

const test = document.getElementById("marketplace-test");
if (test) {
  test.addEventListener("click", async () => {
    const shown = document.getElementById("marketplace-test-result");
    const { answer } = await callApi("POST", test.dataset.api, test.dataset.csrf, {});
    shown.textContent = answer.detail + (answer.fix ? ` (${answer.fix})` : "");
    shown.className = answer.ok ? "notice" : "error";
    shown.hidden = false;
  });
}
