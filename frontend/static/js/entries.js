// Entries page: browse GET /cache/entries, open one (GET /cache/entries/{id}) in a drawer, judge it
// (POST /cache/feedback), delete it (DELETE /cache/entries/{id}, admin key) or probe it (POST .../probe).
import * as fmt from "./format.js";
import { apiKeyButton, authHeaders, getJSON, httpError, postJSON } from "./api.js";

const $ = (id) => document.getElementById(id);
const FILTERS = ["q", "namespace", "model", "locale", "tag", "sort"];
let cursor = null;
let current = null; // the entry open in the drawer
let loading = 0; // a newer load makes older answers stale

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "never";
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return `${s} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

function similarity(v) {
  return typeof v === "number" ? v.toFixed(3) : fmt.dash;
}

function query() {
  const params = new URLSearchParams();
  for (const name of FILTERS) {
    const value = $(`f-${name}`).value.trim();
    if (value) params.set(name, value);
  }
  params.set("limit", "50");
  return params;
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function row(entry) {
  const tr = document.createElement("tr");
  tr.tabIndex = 0;
  tr.dataset.id = entry.id;
  const prompt = cell(entry.prompt, "prompt");
  if (entry.stale) {
    tr.classList.add("stale");
    tr.title = "An older generation of its namespace: no longer served; it ages out by its TTL";
  }
  if (entry.tags.length || entry.stale) {
    const tags = document.createElement("span");
    tags.className = "entry-tags";
    for (const tag of entry.tags) {
      const chip = document.createElement("span");
      chip.className = "entry-tag";
      chip.textContent = tag;
      tags.append(chip);
    }
    if (entry.stale) {
      const chip = document.createElement("span");
      chip.className = "entry-tag entry-stale";
      chip.textContent = "stale";
      tags.append(chip);
    }
    prompt.append(tags);
  }
  const answer = cell("", "answer");
  const clamp = document.createElement("div");
  clamp.className = "clamp";
  clamp.textContent = entry.response_preview + (entry.response_chars > entry.response_preview.length ? "…" : "");
  answer.append(clamp);
  tr.append(
    prompt,
    answer,
    cell(fmt.int(entry.hits), "num"),
    cell(duration(entry.age_s), "num"),
    cell(duration(entry.ttl_s), "num"),
    cell(similarity(entry.last_similarity), "num"),
  );
  const open = () => openEntry(entry.id);
  tr.addEventListener("click", open);
  tr.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      open();
    }
  });
  return tr;
}

function showError(box, err) {
  box.replaceChildren();
  const div = document.createElement("div");
  div.className = "notice error";
  const strong = document.createElement("strong");
  strong.textContent = err.code || "error";
  div.append(strong, document.createTextNode(`: ${err.message} `));
  if (err.status === 401) div.append(apiKeyButton(() => load()));
  box.append(div);
}

async function load({ more = false } = {}) {
  const mine = ++loading;
  const params = query();
  if (more && cursor) params.set("cursor", cursor);
  try {
    const page = await getJSON(`/cache/entries?${params}`);
    if (mine !== loading) return;
    const body = $("entries-body");
    if (!more) body.replaceChildren();
    for (const entry of page.entries) body.append(row(entry));
    cursor = page.next_cursor;
    $("entries-more").hidden = !cursor;
    $("entries-empty").hidden = body.children.length > 0;
    $("entries-count").textContent = `${fmt.int(page.total)} ${page.total === 1 ? "entry" : "entries"}`;
    $("entries-error").replaceChildren();
  } catch (err) {
    if (mine === loading) showError($("entries-error"), err);
  }
}

function fact(list, name, value) {
  const dt = document.createElement("dt");
  dt.textContent = name;
  const dd = document.createElement("dd");
  dd.textContent = value;
  list.append(dt, dd);
}

function renderEntry(entry) {
  $("d-prompt").textContent = entry.prompt;
  $("d-response").textContent = entry.response;
  const facts = $("d-facts");
  facts.replaceChildren();
  const scope = Object.entries(entry.scope).map(([k, v]) => `${k}=${v}`).join(", ");
  fact(facts, "Scope", scope || "–");
  fact(facts, "Tags", entry.tags.join(", ") || "–");
  fact(facts, "Hits", fmt.int(entry.hits));
  fact(facts, "Created", `${new Date(entry.created_at * 1000).toLocaleString()} (${duration(entry.age_s)} ago)`);
  fact(facts, "TTL left", duration(entry.ttl_s));
  fact(facts, "Last hit similarity", similarity(entry.last_similarity));
  const fb = entry.feedback;
  const bar = fb.min_similarity === null ? "" : `; served only above ${fb.min_similarity.toFixed(3)}`;
  fact(facts, "Feedback", `${fb.right} correct, ${fb.wrong} wrong${bar}`);
  fact(facts, "Generation", entry.stale ? `${entry.generation} (stale: namespace is at ${entry.current_generation})` : `${entry.generation}`);
  fact(facts, "Id", entry.id);
}

async function openEntry(id) {
  $("drawer-error").replaceChildren();
  $("d-note").textContent = "";
  $("probe-result").replaceChildren();
  try {
    current = await getJSON(`/cache/entries/${encodeURIComponent(id)}`);
  } catch (err) {
    showError($("entries-error"), err);
    return;
  }
  renderEntry(current);
  $("drawer").hidden = false;
  $("drawer-backdrop").hidden = false;
  $("probe-prompt").focus();
}

function closeDrawer() {
  $("drawer").hidden = true;
  $("drawer-backdrop").hidden = true;
  const tr = current && document.querySelector(`tr[data-id="${current.id}"]`);
  if (tr) tr.focus();
}

async function feedback(correct) {
  try {
    const body = { id: current.id, correct };
    if (!correct && typeof current.last_similarity === "number") body.similarity = current.last_similarity;
    await postJSON("/cache/feedback", body);
    current = await getJSON(`/cache/entries/${encodeURIComponent(current.id)}`);
    renderEntry(current);
    $("d-note").textContent = correct ? "Marked correct." : "Marked wrong: this entry's threshold is now stricter.";
  } catch (err) {
    showError($("drawer-error"), err);
  }
}

async function remove() {
  if (!window.confirm("Delete this entry? Its prompt will be answered by the LLM again.")) return;
  const response = await fetch(`/cache/entries/${encodeURIComponent(current.id)}`, {
    method: "DELETE",
    headers: { accept: "application/json", ...authHeaders() },
  });
  if (!response.ok && response.status !== 404) {
    showError($("drawer-error"), await httpError(response));
    return;
  }
  const tr = document.querySelector(`tr[data-id="${current.id}"]`);
  if (tr) tr.remove();
  closeDrawer();
  load();
}

async function probe(event) {
  event.preventDefault();
  const box = $("probe-result");
  const prompt = $("probe-prompt").value;
  if (!prompt.trim()) return;
  try {
    const r = await postJSON(`/cache/entries/${encodeURIComponent(current.id)}/probe`, { prompt });
    box.replaceChildren();
    const verdict = document.createElement("div");
    verdict.className = `probe-verdict ${r.would_hit ? "hit" : "miss"}`;
    verdict.textContent = r.would_hit ? `Would hit (${r.source})` : "Would not hit";
    const detail = document.createElement("div");
    detail.className = "probe-detail";
    detail.textContent = `similarity ${r.similarity.toFixed(3)} · threshold ${r.similarity_threshold.toFixed(3)} · ${r.reason}`;
    box.append(verdict, detail);
  } catch (err) {
    showError(box, err);
  }
}

async function forgetNamespace() {
  const namespace = window.prompt(
    "Forget which namespace? Its entries stop being served now and age out by their TTL. (Empty: entries without a namespace.)",
    $("f-namespace").value.trim(),
  );
  if (namespace === null) return;
  try {
    const r = await postJSON("/cache/generations", { namespace: namespace.trim() });
    const note = $("entries-note");
    note.textContent = `Namespace “${r.namespace || "(none)"}” is now at generation ${r.generation}: its earlier entries are no longer served.`;
    note.hidden = false;
    load();
  } catch (err) {
    showError($("entries-error"), err);
  }
}

let typing = null;
$("entries-filters").addEventListener("input", () => {
  clearTimeout(typing);
  typing = setTimeout(() => load(), 250);
});
$("entries-filters").addEventListener("submit", (e) => {
  e.preventDefault();
  load();
});
$("entries-refresh").addEventListener("click", () => load());
$("entries-forget").addEventListener("click", forgetNamespace);
$("entries-more").addEventListener("click", () => load({ more: true }));
$("drawer-close").addEventListener("click", closeDrawer);
$("drawer-backdrop").addEventListener("click", closeDrawer);
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && !$("drawer").hidden) closeDrawer();
});
$("d-correct").addEventListener("click", () => feedback(true));
$("d-wrong").addEventListener("click", () => feedback(false));
$("d-delete").addEventListener("click", remove);
$("probe-form").addEventListener("submit", probe);
load();
