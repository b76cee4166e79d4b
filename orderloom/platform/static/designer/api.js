// Calls to the definitions API with the session cookie and the page's CSRF token.
// Answers come back as {ok, status, data}; a problem+json answer is data too, so the
// caller can show its detail and place its errors by JSON Pointer.

const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

export async function call(method, url, body) {
  const options = {
    method,
    credentials: "same-origin",
    headers: {Accept: "application/json", "X-CSRF-Token": csrf()},
  };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, options);
  } catch (error) {
    return {ok: false, status: 0, data: {detail: String(error)}};
  }
  let data = null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) data = await response.json();
  else data = {detail: await response.text()};
  return {ok: response.ok, status: response.status, data};
}
