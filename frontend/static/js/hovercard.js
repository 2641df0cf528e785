// The "Hover: On/Off" card: cache metadata for the cache column's answer (similarity, distance, threshold,
// doc id, the Redis query issued, a truncated embedding). Opens on hover and on keyboard focus.
import * as fmt from "./format.js";

const KEY = "semcache.hover";
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function createHoverCard({ toggle, card, target }) {
  let on = localStorage.getItem(KEY) === "on";
  let state = null;
  let hideTimer = null;

  function setOn(value) {
    on = value;
    localStorage.setItem(KEY, on ? "on" : "off");
    toggle.setAttribute("aria-checked", String(on));
    toggle.querySelector(".state").textContent = on ? "On" : "Off";
    document.body.classList.toggle("hover-on", on);
    // Focusable only when the card is on, so keyboard users can open it without a mouse.
    if (on) {
      target.tabIndex = 0;
      target.setAttribute("aria-describedby", card.id);
    } else {
      target.removeAttribute("tabindex");
      target.removeAttribute("aria-describedby");
      hide();
    }
  }

  function show() {
    if (!on) return;
    clearTimeout(hideTimer);
    card.innerHTML = render(state);
    card.hidden = false;
    const r = target.getBoundingClientRect();
    const width = card.offsetWidth;
    const left = Math.max(16, Math.min(r.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - width - 16));
    card.style.left = `${left}px`;
    card.style.top = `${r.bottom + window.scrollY + 12}px`;
  }

  function hide() {
    card.hidden = true;
  }

  function hideSoon() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, 180); // time to move the pointer into the card (to copy the query)
  }

  toggle.addEventListener("click", () => setOn(!on));
  target.addEventListener("mouseenter", show);
  target.addEventListener("mouseleave", hideSoon);
  target.addEventListener("focus", show);
  target.addEventListener("blur", hideSoon);
  card.addEventListener("mouseenter", () => clearTimeout(hideTimer));
  card.addEventListener("mouseleave", hideSoon);
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !card.hidden) hide();
  });
  setOn(on);

  return {
    update(next) {
      state = next;
      if (!card.hidden) card.innerHTML = render(state);
    },
  };
}

function render(state) {
  const doc = state?.doc;
  if (!doc) {
    return `<h4>Cache metadata</h4><p class="muted">Ask something first: the cache column's metadata shows here.</p>`;
  }
  const complete = state.complete || {};
  const status = doc.status === "hit" ? `HIT (${doc.source || "semantic"})` : String(doc.status || "").toUpperCase();
  const rows = [
    ["Similarity", fmt.fixed(doc.similarity, 4)],
    ["Distance", fmt.fixed(doc.distance, 4)],
    ["Threshold", thresholdText(doc)],
    ["Doc id", doc.doc_id || complete.stored_id || fmt.dash],
  ];
  if (doc.prompt) rows.push(["Matched prompt", doc.prompt]);
  if (doc.reason || complete.reason) rows.push(["Reason", doc.reason || complete.reason]);
  const embedding = Array.isArray(doc.embedding) && doc.embedding.length
    ? `[${doc.embedding.map((x) => fmt.fixed(x, 4)).join(", ")}, …]`
    : fmt.dash;
  return `
    <h4><span class="badge ${doc.status === "hit" ? "hit" : doc.status === "miss" ? "miss" : ""}">
      <span class="dot"></span>${esc(status)}</span> Cache metadata</h4>
    <dl>${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd data-field="${esc(k.toLowerCase().replace(/ /g, "_"))}">${esc(v)}</dd>`).join("")}</dl>
    <div class="label">Redis query</div>
    <pre data-field="query">${esc(doc.query ? JSON.stringify(doc.query, null, 2) : "(none: the cache was not searched)")}</pre>
    <div class="label">Embedding (first ${esc(doc.embedding?.length ?? 0)} of ${esc(doc.dims ?? "?")} dims)</div>
    <pre data-field="embedding">${esc(embedding)}</pre>`;
}

function thresholdText(doc) {
  const s = doc.threshold_similarity;
  const d = doc.threshold_distance;
  if (s == null && d == null) return fmt.dash;
  return `similarity ≥ ${fmt.fixed(s, 2)} (distance ≤ ${fmt.fixed(d, 2)})`;
}
