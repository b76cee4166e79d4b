// What every page that talks to the JSON API shares: one call that always answers
// with the response and its parsed body (an empty object when the body is not
// JSON, as a proxy's error page is), and the rule that puts a refusal beside the
// input its JSON pointer names.

const JSON_HEADERS = { "Content-Type": "application/json", Accept: "application/json" };

export async function callApi(method, url, csrf, body) {
  const response = await fetch(url, {
    method, credentials: "same-origin",
    headers: { ...JSON_HEADERS, "X-CSRF-Token": csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let answer = {};
  try {
    answer = await response.json();
  } catch (notJson) {
    answer = {};
  }
  return { response, answer };
}

// The input whose pointer is the longest prefix of the refused member's pointer:
// "/mapping/external_id" lands at the preset, "/credentials/api_key" at its own
// input. A refusal of a whole group ("/credentials": give them again) lands at the
// group's first input.
export function inputForPointer(inputs, pointer) {
  let best = null;
  for (const input of inputs) {
    const own = input.dataset.pointer;
    if ((pointer === own || pointer.startsWith(`${own}/`))
        && (!best || own.length > best.dataset.pointer.length)) {
      best = input;
    }
  }
  if (best || !pointer) return best;
  return inputs.find((input) => input.dataset.pointer.startsWith(`${pointer}/`)) || null;
}

// A refused form: the problem's detail in the form's summary line, after the page's
// "refused" words, and each member's refusal beside the input its pointer names
// (inputs carry data-pointer), so a person sees what to change where they type.
export function showRefusal(form, summary, answer) {
  for (const old of form.querySelectorAll(".field-error")) old.remove();
  summary.textContent = `${form.dataset.refused} ${answer.detail || ""}`;
  summary.hidden = false;
  const inputs = [...form.querySelectorAll("[data-pointer]")];
  for (const error of answer.errors || []) {
    const input = inputForPointer(inputs, error.pointer || "");
    if (!input) continue;
    const note = document.createElement("span");
    note.className = "field-error";
    note.textContent = error.detail;
    input.after(note);
  }
}
