// Calculator page: reads the form, runs the mirrored model (calc-model.js) on every input, draws the results.
import * as fmt from "./format.js";
import { getJSON } from "./api.js";
import { lineChart } from "./charts.js";
import { estimate, sortTable, usableBytes, HOURS_PER_YEAR } from "./calc-model.js";

const table = sortTable(JSON.parse(document.getElementById("sku-data").textContent));
const form = document.getElementById("calc-form");
const $ = (id) => document.getElementById(id);
const out = (name) => document.querySelector(`[data-out="${name}"]`);
const NUMBER_FIELDS = [
  "requests_per_day", "hit_rate_pct", "prompt_tokens", "completion_tokens",
  "input_price_per_1m", "output_price_per_1m", "ttl_hours", "embedding_dims", "avg_answer_bytes",
];
const TIER_NAMES = { balanced: "Balanced", memory_optimized: "Memory Optimized", compute_optimized: "Compute Optimized" };

let last = null;

// ---------------------------------------------------------------- inputs

function readInputs() {
  const inputs = {};
  for (const name of NUMBER_FIELDS) {
    const el = $(name);
    const v = el.valueAsNumber;
    const bad = !Number.isFinite(v) || !el.checkValidity();
    el.setAttribute("aria-invalid", String(bad));
    if (bad) return null;
    inputs[name] = name === "embedding_dims" ? Math.round(v) : v;
  }
  inputs.redis_ha = $("redis_ha").getAttribute("aria-checked") === "true";
  inputs.tier = $("tier").value;
  return inputs;
}

function writeInputs(values) {
  for (const [name, value] of Object.entries(values)) {
    if (NUMBER_FIELDS.includes(name)) $(name).value = String(value);
    if (name === "tier") $("tier").value = value;
    if (name === "redis_ha") setHa(value === true || value === "true" || value === "1");
  }
  $("hit_rate_range").value = $("hit_rate_pct").value;
  syncPreset();
}

function setHa(on) {
  $("redis_ha").setAttribute("aria-checked", String(on));
  $("redis_ha").querySelector(".state").textContent = on ? "On" : "Off";
}

function syncPreset() {
  const pair = `${$("input_price_per_1m").valueAsNumber},${$("output_price_per_1m").valueAsNumber}`;
  const match = [...$("preset").options].find((o) => o.value === pair);
  $("preset").value = match ? match.value : "custom";
}

// The scenario lives in the URL, so a reload keeps it and a link shares it.
function saveToUrl(inputs) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(inputs)) params.set(k, String(v));
  history.replaceState(null, "", `?${params}`);
}

function loadFromUrl() {
  const params = new URLSearchParams(location.search);
  const values = {};
  for (const [k, v] of params) {
    if (NUMBER_FIELDS.includes(k) && Number.isFinite(Number(v))) values[k] = Number(v);
    if (k === "tier" && (v in TIER_NAMES || v === "any")) values.tier = v;
    if (k === "redis_ha") values.redis_ha = v;
  }
  writeInputs(values);
}

// ---------------------------------------------------------------- output

function recompute() {
  const inputs = readInputs();
  if (!inputs) return;
  last = { inputs, result: estimate(inputs, table) };
  render(last.inputs, last.result);
  saveToUrl(inputs);
}

function render(inputs, r) {
  const big = { compactAbove: 1e6 };
  out("annual_cost_without_cache").textContent = fmt.usd(r.annual_cost_without_cache, big);
  out("annual_cost_with_cache").textContent = fmt.usd(r.annual_cost_with_cache, big);
  out("with_cache_sub").textContent = `${fmt.usd(r.annual_llm_cost_with_cache, big)} tokens + ${fmt.usd(r.annual_redis_cost, big)} Redis`;
  out("annual_savings").textContent = fmt.usd(r.annual_savings, big);
  out("savings_pct").textContent = `${fmt.pct(r.savings_pct)} of token spend · ${fmt.compact(r.annual_tokens_saved)} tokens`;
  $("kpi-savings").classList.toggle("good", r.annual_savings > 0);
  $("kpi-savings").classList.toggle("bad", r.annual_savings < 0);
  out("breakeven_hit_rate_pct").textContent = r.breakeven_hit_rate_pct === null ? "∞" : fmt.pct(r.breakeven_hit_rate_pct);
  $("kpi-breakeven").classList.toggle("bad", r.breakeven_over_100);

  flag("flag-breakeven", r.breakeven_over_100,
    r.breakeven_hit_rate_pct === null
      ? "No token spend: no hit rate can pay for Redis."
      : `Breakeven is over 100% (${fmt.pct(r.breakeven_hit_rate_pct)}): the Redis bill (${fmt.usd(r.annual_redis_cost, big)}/year) is larger than all the tokens a perfect cache could save (${fmt.usd(r.annual_cost_without_cache, big)}/year). Try more traffic, a pricier model, or a smaller SKU without HA.`);
  flag("flag-fit", !r.sku_fits,
    `${fmt.int(r.live_entries)} entries need ${fmt.bytes(r.memory_needed_bytes)}, more than the largest ${TIER_NAMES[r.sku.tier]} SKU holds. Shorten the TTL or choose another tier; Redis would evict entries early.`);

  $("chart-curve").innerHTML = curveChart(inputs, r);

  const sku = r.sku;
  out("sku_name").textContent = sku.name.replace("_", " ");
  out("price_source").textContent = sku.price_source === "retail-api" ? "retail price" : "estimated price";
  out("price_source").className = `badge ${sku.price_source === "retail-api" ? "ok" : "estimate"}`;
  out("sku_memory").textContent = `${fmt.decimal(sku.memory_gb)} GB (${fmt.bytes(r.usable_memory_bytes)} usable)`;
  out("sku_vcpus").textContent = fmt.int(sku.vcpus);
  out("sku_price").textContent = `${fmt.usdRate(sku.price_per_hour)}/h × ${r.sku_nodes} node${r.sku_nodes > 1 ? "s" : ""}`;
  out("annual_redis_cost").textContent = fmt.usd(r.annual_redis_cost);
  const used = r.usable_memory_bytes > 0 ? (r.memory_needed_bytes / r.usable_memory_bytes) * 100 : 0;
  const meter = $("memory-meter");
  meter.querySelector("span").style.width = `${Math.min(100, used)}%`;
  meter.classList.toggle("over", used > 100);
  meter.setAttribute("aria-valuenow", String(Math.round(Math.min(100, used))));
  out("memory_text").textContent = `${fmt.bytes(r.memory_needed_bytes)} needed of ${fmt.bytes(r.usable_memory_bytes)} usable (${fmt.pct(used, 0)}, 20% headroom included)`;

  const fp = r.footprint;
  out("entry_bytes").textContent = fmt.bytes(fp.entry_bytes);
  const stack = $("entry-stack").children;
  [fp.vector_bytes, fp.payload_bytes, fp.index_bytes].forEach((b, i) => {
    stack[i].style.flexGrow = String(b);
    stack[i].title = fmt.bytes(b);
  });
  out("vector_bytes").textContent = fmt.bytes(fp.vector_bytes);
  out("payload_bytes").textContent = fmt.bytes(fp.payload_bytes);
  out("index_bytes").textContent = fmt.bytes(fp.index_bytes);
  out("live_entries").textContent = fmt.int(r.live_entries);
  out("entries_that_fit").textContent = fmt.int(r.entries_that_fit);
  renderSkuRows(r);
}

function flag(id, show, text) {
  const el = $(id);
  el.hidden = !show;
  el.lastElementChild.textContent = show ? text : "";
}

function curveChart(inputs, r) {
  const points = r.curve.map((p) => [p.hit_rate_pct, p.annual_savings]);
  const markers = [];
  const be = r.breakeven_hit_rate_pct;
  if (be !== null && be <= 100) {
    markers.push({ id: "breakeven", x: be, label: `breakeven ${fmt.pct(be)}`, color: "var(--miss)", anchor: be > 70 ? "end" : "start" });
  }
  const h = inputs.hit_rate_pct;
  const dots = [{
    id: "current", x: h, y: r.annual_savings, color: "var(--hit)", anchor: h > 70 ? "end" : "start",
    label: `${fmt.pct(h, h % 1 ? 1 : 0)} → ${fmt.usd(r.annual_savings, { compactAbove: 1e5 })}`,
  }];
  const width = Math.max(300, Math.round($("chart-curve").clientWidth || 700));
  return lineChart([{ label: "Annual savings", color: "var(--accent)", points, fill: "var(--accent-soft)" }], {
    width, height: 300, xMin: 0, xMax: 100, markers, dots,
    xFormat: (v) => `${fmt.int(v)}%`,
    yFormat: (v) => fmt.usd(v, { compactAbove: 1e4 }),
    label: "Annual savings versus cache hit rate",
  });
}

function renderSkuRows(r) {
  const rows = table.skus.map((s) => {
    const usable = usableBytes(s, table);
    const cls = s.name === r.sku.name ? "chosen" : usable < r.memory_needed_bytes ? "too-small" : "";
    return `<tr class="${cls}"><td>${s.name}</td><td>${fmt.decimal(s.memory_gb)} GB</td><td>${fmt.bytes(usable)}</td>
      <td>${fmt.int(s.vcpus)}</td><td>${fmt.usdRate(s.price_per_hour)}</td><td>${fmt.usd(s.price_per_hour * r.sku_nodes * HOURS_PER_YEAR)}</td>
      <td>${s.price_source === "retail-api" ? "retail" : "estimate"}</td></tr>`;
  });
  $("sku-rows").innerHTML = rows.join("");
}

// ---------------------------------------------------------------- live telemetry

async function useTelemetry() {
  const status = $("telemetry-status");
  status.classList.remove("error");
  status.textContent = "Reading /telemetry/summary…";
  try {
    const s = await getJSON("/telemetry/summary");
    const a = s.all_time || {};
    const filled = [];
    if ((a.requests ?? 0) > 0) {
      writeInputs({ hit_rate_pct: round((a.hit_rate ?? 0) * 100, 1) });
      filled.push(`hit rate ${fmt.pct((a.hit_rate ?? 0) * 100)}`);
    }
    const perDay = requestsPerDay(s.series || []);
    if (perDay !== null) {
      writeInputs({ requests_per_day: Math.max(1, Math.round(perDay)) });
      filled.push(`${fmt.int(perDay)} requests/day`);
    }
    status.textContent = (filled.length
      ? `Filled from live telemetry: ${filled.join(", ")}.`
      : "No traffic recorded yet: ask a few questions on the Chat page first.") + wrongNote(s.quality);
    recompute();
  } catch (err) {
    status.classList.add("error");
    status.textContent = `Could not read telemetry: ${err.message}`;
  }
}

/** The audited wrong-answer rate beside the savings (docs/audits.md): a saving that serves wrong answers is
 * a quality cost the calculator does not price, so it is stated next to it. */
function wrongNote(quality) {
  const audit = quality?.total?.audit;
  if (!audit || !audit.judged) return "";
  const p = (v) => fmt.pct(v * 100);
  return ` Audits measured ${p(audit.estimate)} wrong among semantic hits (95% interval ${p(audit.low)}–${p(audit.high)}, ${fmt.int(audit.judged)} audited).`;
}

/** Requests per day extrapolated from the recent window's timestamps (cache-path events only). */
export function requestsPerDay(series) {
  const ts = series.filter((e) => e.path !== "raw" && Number.isFinite(e.ts)).map((e) => e.ts).sort((a, b) => a - b);
  if (ts.length < 2) return null;
  const span = ts[ts.length - 1] - ts[0];
  if (span <= 0) return null;
  // Under a minute of history extrapolates wildly; use at least a minute as the span.
  return ((ts.length - 1) / Math.max(span, 60)) * 86400;
}

const round = (x, d) => Math.round(x * 10 ** d) / 10 ** d;

// ---------------------------------------------------------------- wiring

form.addEventListener("input", (e) => {
  if (e.target.id === "hit_rate_range") $("hit_rate_pct").value = e.target.value;
  if (e.target.id === "hit_rate_pct") $("hit_rate_range").value = e.target.value;
  if (e.target.id === "input_price_per_1m" || e.target.id === "output_price_per_1m") syncPreset();
  recompute();
});
form.addEventListener("submit", (e) => e.preventDefault());
$("preset").addEventListener("change", (e) => {
  if (e.target.value === "custom") return;
  const [i, o] = e.target.value.split(",");
  writeInputs({ input_price_per_1m: Number(i), output_price_per_1m: Number(o) });
  recompute();
});
$("tier").addEventListener("change", recompute);
$("redis_ha").addEventListener("click", () => {
  setHa($("redis_ha").getAttribute("aria-checked") !== "true");
  recompute();
});
$("use-telemetry").addEventListener("click", useTelemetry);
let resizeTimer = null;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(recompute, 120); // the chart is drawn at its container's pixel width
});

loadFromUrl();
recompute();

// For the e2e test that checks this mirror against POST /calculator/estimate.
window.semcacheCalc = { estimate, table, readInputs, get last() { return last; } };
