// CRM channels on the Channels page: connect HubSpot through /api/v1/crm-channels,
// with each refusal beside the input its pointer names, and test a channel's
// connection.

import { callApi, showRefusal } from "./api_call.js";

const form = document.getElementById("crm-form");
if (form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {};
    for (const input of form.querySelectorAll("[name]")) {
      if (!input.value) continue;
      body[input.name] = input.dataset.list
        ? input.value.split(",").map((part) => part.trim()).filter(Boolean)
        : input.value;
    }
    const { response, answer } = await callApi("POST", form.dataset.api, form.dataset.csrf, body);
    if (response.ok) {
      window.location = form.dataset.page.replace("__key__", answer.key);
      return;
    }
    showRefusal(form, document.getElementById("crm-form-error"), answer);
  });
}

const test = document.getElementById("crm-test");
if (test) {
  test.addEventListener("click", async () => {
    const result = document.getElementById("crm-test-result");
    result.hidden = false;
    try {
      const { response, answer } = await callApi("POST", test.dataset.api, test.dataset.csrf, {});
      result.className = response.ok ? "" : "error";
      result.textContent = response.ok ? answer.detail
        : `${test.dataset.failed} ${answer.detail || response.status}`;
    } catch (offline) {
      result.className = "error";
      result.textContent = test.dataset.unreachable;
    }
  });
}
