// CRM channels on the Channels page: connect HubSpot through /api/v1/crm-channels,
// with each refusal beside the input its pointer names, and test a channel's
// connection.

import { callApi } from "./api_call.js";

const form = document.getElementById("crm-form");
if (form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const old of form.querySelectorAll(".field-error")) old.remove();
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
    const summary = document.getElementById("crm-form-error");
    summary.textContent = `${form.dataset.refused} ${answer.detail || ""}`;
    summary.hidden = false;
    for (const error of answer.errors || []) {
      const input = [...form.querySelectorAll("[data-pointer]")]
        .find((i) => error.pointer.startsWith(i.dataset.pointer));
      if (!input) continue;
      const message = document.createElement("p");
      message.className = "field-error";
      message.textContent = error.detail;
      input.after(message);
    }
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
