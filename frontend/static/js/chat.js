// Chat page: one prompt, two columns streamed from POST /ask/stream (contract: docs/api.md).
import * as fmt from "./format.js";
import { readEvents } from "./sse.js";
import { apiKeyButton, authHeaders, httpError } from "./api.js";
import { createHoverCard } from "./hovercard.js";
import { createHistory } from "./history.js";

const form = document.getElementById("ask-form");
const promptBox = document.getElementById("prompt");
const noCache = document.getElementById("no-cache");
const sendButton = document.getElementById("send");
const sendLabel = sendButton.querySelector(".send-label");

const columns = Object.fromEntries(
  [...document.querySelectorAll(".col[data-column]")].map((el) => [el.dataset.column, columnView(el)]),
);
const hover = createHoverCard({
  toggle: document.getElementById("hover-toggle"),
  card: document.getElementById("hovercard"),
  target: columns.cache.answer,
});
const history = createHistory({
  list: document.getElementById("history-list"),
  empty: document.getElementById("history-empty"),
  clear: document.getElementById("history-clear"),
  onPick: (prompt) => {
    promptBox.value = prompt;
    autosize();
    ask();
  },
});

let controller = null; // AbortController of the request in flight
let tick = null; // interval that advances the live latency counters

// ---------------------------------------------------------------- one column's DOM

function columnView(el) {
  const q = (sel) => el.querySelector(sel);
  return {
    el,
    name: el.dataset.column,
    badge: q("[data-role=badge]"),
    badgeText: q("[data-role=badge-text]"),
    subtitle: q("[data-role=subtitle]"),
    defaultSubtitle: q("[data-role=subtitle]").textContent,
    notices: q("[data-role=notices]"),
    answer: q("[data-role=answer]"),
    foot: q("[data-role=foot]"),
    speedup: q("[data-role=speedup]"),
    stats: Object.fromEntries([...el.querySelectorAll("[data-stat]")].map((d) => [d.dataset.stat, d])),
    state: null,
  };
}

function setBadge(col, kind, text) {
  col.badge.className = `badge ${kind}`;
  col.badgeText.textContent = text;
  col.el.dataset.status = kind;
}

function setStat(col, name, text, { pending = false, good = false, title = "" } = {}) {
  const dd = col.stats[name];
  dd.textContent = text;
  dd.classList.toggle("pending", pending);
  dd.classList.toggle("good", good);
  dd.title = title;
}

function notice(col, kind, html) {
  const icon = kind === "error" ? "alert" : "info";
  const div = document.createElement("div");
  div.className = `notice ${kind}`;
  div.setAttribute("role", kind === "error" ? "alert" : "status");
  div.innerHTML = `<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"
    aria-hidden="true">${icon === "alert" ? '<circle cx="12" cy="12" r="9.5"/><path d="M12 7.5v5.5M12 16.5h.01"/>'
    : '<circle cx="12" cy="12" r="9.5"/><path d="M12 11v5.5M12 7.5h.01"/>'}</svg><div></div>`;
  div.lastElementChild.append(...(Array.isArray(html) ? html : [html]));
  col.notices.append(div);
  return div;
}

const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function resetColumn(col) {
  col.state = { done: false, text: "", doc: null, complete: null, firstChunkAt: null };
  col.notices.replaceChildren();
  col.answer.classList.remove("placeholder");
  col.answer.replaceChildren(caret());
  col.subtitle.textContent = col.defaultSubtitle;
  col.foot.textContent = "";
  col.speedup.hidden = true;
  col.el.setAttribute("aria-busy", "true");
  setBadge(col, "streaming", "Waiting");
  for (const name of Object.keys(col.stats)) setStat(col, name, "…", { pending: true });
}

function caret() {
  const span = document.createElement("span");
  span.className = "caret";
  span.setAttribute("aria-hidden", "true");
  return span;
}

function appendText(col, text) {
  const c = col.answer.querySelector(".caret");
  col.answer.insertBefore(document.createTextNode(text), c);
  col.state.text += text;
}

function finishAnswer(col) {
  col.answer.querySelector(".caret")?.remove();
  col.el.setAttribute("aria-busy", "false");
  if (!col.state.text && col.el.dataset.status !== "error") {
    col.answer.classList.add("placeholder");
    col.answer.textContent = "(empty answer)";
  } else if (!col.state.text) {
    col.answer.classList.add("placeholder");
    col.answer.textContent = "No answer.";
  }
}

// ---------------------------------------------------------------- events

const handlers = {
  column_start(d) {
    const col = columns[d.column];
    if (!col) return;
    if (d.model) col.subtitle.textContent = d.model;
    if (col.name === "raw") setBadge(col, "streaming", "Streaming");
    else if (!col.state.doc) setBadge(col, "streaming", "Searching");
  },
  cache_document(d) {
    const col = columns.cache;
    col.state.doc = d;
    hover.update(col.state);
    if (d.status === "hit") {
      const how = d.source === "exact" ? "exact" : `semantic ${fmt.fixed(d.similarity, 2)}`;
      setBadge(col, "hit", `HIT · ${how}`);
    } else if (d.status === "miss") {
      setBadge(col, "miss", "MISS");
    } else if (d.status === "bypass") {
      setBadge(col, "bypass", "BYPASS");
      bypassNotice(col, d.reason);
    }
  },
  content_chunk(d) {
    const col = columns[d.column];
    if (!col || !d.text) return;
    if (col.state.firstChunkAt === null) col.state.firstChunkAt = performance.now();
    appendText(col, d.text);
  },
  column_complete(d) {
    const col = columns[d.column];
    if (!col) return;
    col.state.complete = d;
    col.state.done = true;
    renderComplete(col, d);
    hover.update(columns.cache.state);
  },
  stream_complete() {
    /* handled after the loop: columns that never completed are reported there */
  },
};

function bypassNotice(col, reason) {
  if (col.notices.querySelector(".notice.bypass")) return;
  const text = reason ? `: ${sentence(reason)}` : ".";
  notice(col, "bypass", htmlFragment(`<strong>Cache bypassed</strong>${esc(text)} The answer comes from the LLM.`));
}

const sentence = (s) => (/[.!?)]$/.test(s) ? s : `${s}.`);

function htmlFragment(html) {
  const t = document.createElement("template");
  t.innerHTML = html;
  return t.content;
}

function renderComplete(col, d) {
  const tokens = (d.prompt_tokens ?? 0) + (d.completion_tokens ?? 0);
  setStat(col, "latency", fmt.ms(d.latency_ms));
  setStat(col, "ttft", fmt.ms(d.ttft_ms));
  setStat(col, "tokens", fmt.int(tokens), {
    title: `${fmt.int(d.prompt_tokens)} prompt + ${fmt.int(d.completion_tokens)} completion tokens`,
  });
  setStat(col, "saved", fmt.int(d.tokens_saved ?? 0), {
    good: (d.tokens_saved ?? 0) > 0,
    title: d.cost_saved_usd ? `${fmt.usd(d.cost_saved_usd)} saved` : "",
  });
  setStat(col, "cost", fmt.usd(d.cost_usd ?? 0), {
    good: col.name === "cache" && d.status === "hit",
    title: `$${d.cost_usd ?? 0} for this answer`,
  });

  if (d.status === "error") {
    setBadge(col, "error", "ERROR");
    const e = d.error || {};
    notice(col, "error", htmlFragment(`<strong>${esc(e.code || "error")}</strong>: ${esc(e.message || "the request failed")}`));
  } else if (col.name === "raw") {
    setBadge(col, "ok", "DONE");
  } else if (d.status === "hit") {
    setBadge(col, "hit", d.source === "exact" ? "HIT · exact" : `HIT · semantic ${fmt.fixed(d.similarity, 2)}`);
  } else if (d.status === "miss") {
    setBadge(col, "miss", "MISS");
  } else if (d.status === "bypass") {
    setBadge(col, "bypass", "BYPASS");
    bypassNotice(col, d.reason);
  }
  finishAnswer(col);
  col.foot.textContent = footText(col, d);
}

function footText(col, d) {
  if (d.status === "error") return "No answer from this path.";
  if (col.name === "raw") return "Every request pays for the full LLM call.";
  const doc = col.state.doc || {};
  if (d.status === "hit") {
    const saved = d.cost_saved_usd ? `, saved ${fmt.usd(d.cost_saved_usd)}` : "";
    return `Served from Redis (${doc.doc_id || "cached entry"})${saved}.`;
  }
  if (d.status === "miss") {
    return d.stored ? `Stored as ${d.stored_id || "a new entry"}: a paraphrase will hit next time.`
      : `Not stored${d.reason ? `: ${d.reason}` : ""}.`;
  }
  return d.stored ? "Answered by the LLM without a cache lookup; the answer was stored."
    : "Answered by the LLM; the cache was neither read nor written.";
}

function compareColumns() {
  const raw = columns.raw.state?.complete;
  const cache = columns.cache.state?.complete;
  if (!raw || !cache || raw.status === "error" || cache.status === "error") return;
  if (!(cache.latency_ms > 0) || !(raw.latency_ms > cache.latency_ms)) return;
  const factor = raw.latency_ms / cache.latency_ms;
  const label = factor >= 10 ? fmt.int(factor) : fmt.fixed(factor, 1);
  columns.cache.speedup.querySelector("span").textContent = `${label}× faster`;
  columns.cache.speedup.hidden = false;
}

// ---------------------------------------------------------------- the request

async function ask() {
  const prompt = promptBox.value.trim();
  if (!prompt) {
    promptBox.focus();
    return;
  }
  // A new prompt supersedes the one in flight: abort it and let nothing of it touch the columns again.
  controller?.abort();
  const mine = new AbortController();
  controller = mine;
  const current = () => controller === mine;
  const started = performance.now();
  Object.values(columns).forEach(resetColumn);
  const entry = history.add({ prompt, status: "pending" });
  setBusy(true);
  clearInterval(tick);
  tick = setInterval(() => liveLatency(started), 100);

  try {
    const response = await fetch("/ask/stream", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", ...authHeaders() },
      body: JSON.stringify({ prompt, no_cache: noCache.checked }),
      signal: mine.signal,
    });
    if (!response.ok) throw await httpError(response);
    for await (const { event, data } of readEvents(response)) {
      if (!current()) return;
      let payload;
      try {
        payload = JSON.parse(data);
      } catch {
        continue; // not ours (a proxy's keep-alive, say): skip rather than break the page
      }
      handlers[event]?.(payload);
    }
    if (!current()) return;
    for (const col of Object.values(columns)) {
      if (!col.state.done) failColumn(col, "incomplete", "The stream ended before this column finished.");
    }
  } catch (err) {
    if (!current()) return;
    for (const col of Object.values(columns)) {
      if (col.state.done) continue;
      if (err.name === "AbortError") failColumn(col, "stopped", "You stopped this answer.", "bypass");
      else failColumn(col, err.code || "network_error", err.message, "error", err.status);
    }
  } finally {
    if (current()) {
      controller = null;
      clearInterval(tick);
      setBusy(false);
      compareColumns();
      history.update(entry, {
        status: columns.cache.el.dataset.status,
        cacheMs: columns.cache.state.complete?.latency_ms,
        rawMs: columns.raw.state.complete?.latency_ms,
      });
    } else {
      history.update(entry, { status: "superseded" });
    }
  }
}

function failColumn(col, code, message, kind = "error", status) {
  col.state.done = true;
  setBadge(col, kind, kind === "error" ? "ERROR" : "STOPPED");
  const node = notice(col, kind === "error" ? "error" : "bypass",
    htmlFragment(`<strong>${esc(code)}</strong>: ${esc(message)}`));
  if (status === 401) node.lastElementChild.append(" ", apiKeyButton(ask));
  for (const name of Object.keys(col.stats)) setStat(col, name, fmt.dash, { pending: true });
  finishAnswer(col);
  col.foot.textContent = "";
}

function liveLatency(started) {
  const elapsed = performance.now() - started;
  for (const col of Object.values(columns)) {
    if (col.state && !col.state.done) {
      setStat(col, "latency", fmt.ms(elapsed), { pending: true });
      if (col.state.firstChunkAt !== null && col.stats.ttft.classList.contains("pending")) {
        setStat(col, "ttft", fmt.ms(col.state.firstChunkAt - started), { pending: true });
      }
    }
  }
}

function setBusy(busy) {
  sendLabel.textContent = busy ? "Stop" : "Send";
  sendButton.dataset.busy = String(busy);
  sendButton.setAttribute("aria-label", busy ? "Stop streaming" : "Send prompt");
}

// ---------------------------------------------------------------- input

function autosize() {
  promptBox.style.height = "auto";
  promptBox.style.height = `${Math.min(promptBox.scrollHeight, 240)}px`;
}

form.addEventListener("submit", (e) => {
  e.preventDefault();
  if (sendButton.dataset.busy === "true") controller?.abort();
  else ask();
});
promptBox.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    ask();
  }
});
promptBox.addEventListener("input", autosize);
document.getElementById("suggestions").addEventListener("click", (e) => {
  const chip = e.target.closest(".chip");
  if (!chip) return;
  promptBox.value = chip.textContent.trim();
  autosize();
  ask();
});
document.addEventListener("keydown", (e) => {
  // "/" focuses the prompt from anywhere, as in most chat apps.
  if (e.key === "/" && !e.ctrlKey && !e.metaKey && !["INPUT", "TEXTAREA"].includes(document.activeElement?.tagName)) {
    e.preventDefault();
    promptBox.focus();
  }
});
promptBox.focus();
