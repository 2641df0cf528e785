// Metrics page: polls GET /telemetry/summary (contract: docs/operations.md) and redraws the SVG charts.
import * as fmt from "./format.js";
import { getJSON } from "./api.js";
import { donut, groupedBars, hbars, lineChart } from "./charts.js";

const REFRESH_MS = 3000;
const $ = (id) => document.getElementById(id);
const kpi = (name) => document.querySelector(`[data-kpi="${name}"]`);
const PATHS = [
  ["raw", "Raw LLM"],
  ["cache_hit", "Cache hit"],
  ["cache_miss", "Cache miss"],
  ["gateway", "Gateway"],
];

let inFlight = false;
let last = null;

async function refresh() {
  if (inFlight) return;
  inFlight = true;
  try {
    const summary = await getJSON("/telemetry/summary");
    last = summary;
    render(summary);
    $("metrics-error").replaceChildren();
    $("live").classList.remove("stale");
    $("live").textContent = `Live · updated ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    $("live").classList.add("stale");
    $("live").textContent = "Not updating";
    showError(err);
  } finally {
    inFlight = false;
  }
}

function showError(err) {
  const box = $("metrics-error");
  box.innerHTML = "";
  const div = document.createElement("div");
  div.className = "notice error";
  div.style.marginBottom = "18px";
  const strong = document.createElement("strong");
  strong.textContent = err.status === 404 ? "Telemetry is not available on this server" : "Could not load telemetry";
  const text = document.createElement("div");
  text.append(strong, document.createTextNode(`: ${err.message}. ${last ? "The charts show the last data received." : ""}`));
  div.append(text);
  box.append(div);
}

function render(s) {
  const a = s.all_time || {};
  const w = s.window || {};
  kpi("requests").textContent = fmt.int(a.requests);
  kpi("requests-sub").textContent = `${plural(a.errors ?? 0, "error")} · ${fmt.int(a.bypass ?? 0)} bypassed`;
  kpi("hit-rate").textContent = fmt.pct((a.hit_rate ?? 0) * 100);
  kpi("hit-rate-sub").textContent = `last ${fmt.int(w.requests ?? w.size)}: ${fmt.pct((w.hit_rate ?? 0) * 100)}`;
  kpi("hits").textContent = `${fmt.int(a.exact_hits)} / ${fmt.int(a.semantic_hits)}`;
  kpi("hits-sub").textContent = `${fmt.int(a.misses)} misses`;
  kpi("tokens-saved").textContent = fmt.compact(a.tokens_saved);
  kpi("tokens-sub").textContent = `of ${fmt.compact(llmTokens(a) + (a.tokens_saved ?? 0))} requested`;
  kpi("cost-saved").textContent = fmt.usd(a.cost_saved_usd);
  kpi("cost-sub").textContent = `${fmt.usd(a.cost_usd)} spent vs ${fmt.usd(a.cost_without_cache_usd)} without`;

  const outcomes = [
    { label: "Exact hits", value: a.exact_hits ?? 0, color: "var(--hit)" },
    { label: "Semantic hits", value: a.semantic_hits ?? 0, color: "color-mix(in srgb, var(--hit) 55%, var(--bg-elev))" },
    { label: "Misses", value: a.misses ?? 0, color: "var(--miss)" },
    { label: "Bypassed", value: a.bypass ?? 0, color: "var(--bypass)" },
    { label: "Errors", value: a.errors ?? 0, color: "var(--err)" },
  ];
  $("chart-outcomes").innerHTML = donut(outcomes, {
    size: 180, center: fmt.pct((a.hit_rate ?? 0) * 100, 0), sub: "hit rate", label: "Cache outcomes",
  });
  $("legend-outcomes").innerHTML = outcomes.map((o) =>
    `<span><i style="background:${o.color}"></i>${o.label}<b class="num" style="margin-left:auto;padding-left:14px">${fmt.int(o.value)}</b></span>`).join("");

  $("chart-tokens").innerHTML = hbars([
    { label: "LLM prompt", value: a.llm_prompt_tokens ?? 0, color: "var(--raw)", display: fmt.compact(a.llm_prompt_tokens) },
    { label: "LLM completion", value: a.llm_completion_tokens ?? 0, color: "color-mix(in srgb, var(--raw) 55%, var(--accent))", display: fmt.compact(a.llm_completion_tokens) },
    { label: "Saved by the cache", value: a.tokens_saved ?? 0, color: "var(--hit)", display: fmt.compact(a.tokens_saved) },
  ], { width: widthOf("chart-tokens"), label: "LLM tokens vs tokens saved" });
  const requested = llmTokens(a) + (a.tokens_saved ?? 0);
  $("tokens-note").textContent = requested
    ? `The cache avoided ${fmt.pct(((a.tokens_saved ?? 0) / requested) * 100)} of the tokens requested.` : "";

  $("chart-cost").innerHTML = costChart(s.series || [], widthOf("chart-cost"));
  $("chart-latency").innerHTML = percentiles(w.latency_ms || {}, "var(--accent)", "Latency per path", widthOf("chart-latency"));
  $("chart-ttft").innerHTML = percentiles(w.ttft_ms || {}, "var(--raw)", "Time to first token per path", widthOf("chart-ttft"));
}

const plural = (n, word) => `${fmt.int(n)} ${word}${n === 1 ? "" : "s"}`;
const llmTokens = (a) => (a.llm_prompt_tokens ?? 0) + (a.llm_completion_tokens ?? 0);

// Charts are drawn at their container's pixel width, so axis text stays at its CSS size on any screen.
const widthOf = (id) => Math.max(280, Math.round($(id).clientWidth || 560));

function costChart(series, width) {
  // The raw column is the demo's baseline, not traffic the cache served: leave it out of the totals.
  const events = series.filter((e) => e.path !== "raw");
  let withCache = 0;
  let without = 0;
  const w = [[0, 0]];
  const wo = [[0, 0]];
  events.forEach((e, i) => {
    withCache += e.cost_usd ?? 0;
    without += (e.cost_usd ?? 0) + (e.cost_saved_usd ?? 0);
    w.push([i + 1, withCache]);
    wo.push([i + 1, without]);
  });
  if (!events.length) return lineChart([], { label: "Cumulative cost", width });
  return lineChart(
    [
      { label: "Without cache", color: "var(--err)", points: wo },
      { label: "With cache", color: "var(--hit)", points: w, fill: "var(--hit-soft)" },
    ],
    { width, height: 300, xInteger: true, yFormat: (v) => fmt.usd(v), xFormat: (v) => `#${fmt.int(v)}`, label: "Cumulative cost with and without cache" },
  );
}

function percentiles(byPath, color, label, width) {
  const groups = PATHS.map(([key, name]) => {
    const p = byPath[key] || {};
    const has = p.count > 0; // an empty path reports 0s, which would draw as "instant"
    return { label: `${name} (${fmt.int(p.count ?? 0)})`, values: has ? [p.p50 ?? NaN, p.p95 ?? NaN] : [NaN, NaN] };
  }).filter((g) => g.values.some(Number.isFinite));
  if (!groups.length) {
    return `<svg class="chart" viewBox="0 0 ${width} 240" role="img" aria-label="${label}"><text x="${width / 2}" y="120" text-anchor="middle">No data yet</text></svg>`;
  }
  return groupedBars(groups, [
    { label: "p50", color },
    { label: "p95", color: `color-mix(in srgb, ${color} 40%, transparent)` },
  ], { width, format: fmt.ms, label });
}

$("refresh").addEventListener("click", refresh);
let resizeTimer = null;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => render(last || {}), 120);
});
document.addEventListener("visibilitychange", () => {
  if (!document.hidden) refresh();
});
setInterval(() => {
  if (!document.hidden) refresh();
}, REFRESH_MS);
render({});
refresh();
window.semcacheMetrics = { refresh, get last() { return last; } };
