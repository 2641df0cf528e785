// Fetch helpers shared by the pages: JSON in and out, the server's error body turned into an Error.
// An API key is only needed when the server sets SEMCACHE_API_KEYS; it stays in this tab's sessionStorage.
const KEY = "semcache.apiKey";

export function authHeaders() {
  const key = sessionStorage.getItem(KEY);
  return key ? { authorization: `Bearer ${key}` } : {};
}

export function setApiKey(key) {
  sessionStorage.setItem(KEY, key.trim());
}

/** A link-style button that asks for an API key, keeps it for this tab, then calls `retry`. */
export function apiKeyButton(retry) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "link-btn";
  b.textContent = "Enter an API key";
  b.addEventListener("click", () => {
    const key = window.prompt("API key for this server (kept for this tab only)");
    if (key) {
      setApiKey(key);
      retry();
    }
  });
  return b;
}

/** An Error carrying the server's `{"error": {code, message}}` (or the status line) and the HTTP status. */
export async function httpError(response) {
  let code = `http_${response.status}`;
  let message = response.statusText || "request failed";
  try {
    const body = await response.json();
    code = body?.error?.code || code;
    message = body?.error?.message || body?.detail || message;
  } catch {
    /* not JSON: keep the status line */
  }
  const err = new Error(`${message} (HTTP ${response.status})`);
  err.code = code;
  err.status = response.status;
  return err;
}

export async function getJSON(url, { signal } = {}) {
  const response = await fetch(url, { headers: { accept: "application/json", ...authHeaders() }, signal });
  if (!response.ok) throw await httpError(response);
  return response.json();
}

export async function postJSON(url, body, { signal } = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...authHeaders() },
    body: JSON.stringify(body),
    signal,
  });
  if (!response.ok) throw await httpError(response);
  return response.json();
}
