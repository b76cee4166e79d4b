// Order imports: send the upload to the API (it answers at once with the import
// run), then poll the run's progress and fill the bar until it is done.

const POLL_MS = 500;
const FINISHED = new Set(["done", "failed"]);

const form = document.getElementById("import-form");
if (form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = document.getElementById("import-error");
    const button = form.querySelector("button");
    error.hidden = true;
    button.disabled = true;
    const data = new FormData(form);
    try {
      const response = await fetch(form.dataset.api, {
        method: "POST", body: data, credentials: "same-origin",
        headers: {"Accept": "application/json", "X-CSRF-Token": data.get("csrf_token")},
      });
      const answer = await response.json();
      if (response.ok && answer.page_url) {
        window.location.assign(answer.page_url);
        return;
      }
      error.textContent = answer.detail || `The import was refused (${response.status}).`;
    } catch (failure) {
      error.textContent = `The file could not be sent: ${failure.message}`;
    }
    error.hidden = false;
    button.disabled = false;
  });
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

function showErrors(errors) {
  const body = document.querySelector("#import-errors tbody");
  if (!body || body.children.length === errors.length) return;
  body.replaceChildren(...errors.map((failed) => {
    const row = document.createElement("tr");
    const problems = cell("");
    for (const problem of failed.errors) {
      const line = document.createElement("div");
      const pointer = document.createElement("code");
      pointer.textContent = problem.pointer;
      line.append(pointer, ` ${problem.detail}`);
      problems.append(line);
    }
    row.append(cell(failed.rows.join(", ")), cell(failed.external_id || ""), problems);
    return row;
  }));
}

function show(run) {
  const set = (id, value) => { document.getElementById(id).textContent = value; };
  document.getElementById("import-bar").value = run.percent;
  set("import-percent", run.percent);
  set("import-status", run.status);
  set("rows-done", run.rows_done);
  set("rows-total", run.rows_total);
  set("orders-created", run.orders_created);
  set("duplicates", run.duplicates);
  set("rows-failed", run.rows_failed);
  const failure = document.getElementById("import-failure");
  failure.hidden = !run.failure;
  failure.textContent = run.failure || "";
  showErrors(run.errors);
  document.getElementById("import-run").dataset.status = run.status;
}

const card = document.getElementById("import-run");
if (card && !FINISHED.has(card.dataset.status)) {
  const poll = async () => {
    try {
      const response = await fetch(card.dataset.progress, {
        credentials: "same-origin", headers: {"Accept": "application/json"},
      });
      if (response.ok) {
        const run = await response.json();
        show(run);
        if (FINISHED.has(run.status)) return;
      }
    } catch (failure) {
      // The server restarting is no reason to stop watching; try again shortly.
    }
    setTimeout(poll, POLL_MS);
  };
  setTimeout(poll, POLL_MS);
}
