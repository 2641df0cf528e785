// Metrics page, wrong-answer section: draws `quality` of the summary metrics.js fetched (docs/audits.md):
// the audited wrong rate with its 95% interval over time, per namespace, and the what-if curve.
import * as fmt from "./format.js";
import { lineChart } from "./charts.js";

const $ = (id) => document.getElementById(id);
const kpi = (name) => document.querySelector(`[data-kpi="${name}"]`);
const pct = (v, digits = 1) => fmt.pct((v ?? 0) * 100, digits);
const widthOf = (id) => Math.max(280, Math.round($(id).clientWidth || 560));
let last = null;

function rateText(r) {
  if (!r || !r.judged) return "–";
  return `${pct(r.estimate)} (${pct(r.low)}–${pct(r.high)}) of ${fmt.int(r.judged)}`;
}

function render(q) {
  const total = q.total || {};
  const audit = total.audit;
  kpi("wrong-rate").textContent = audit ? pct(audit.estimate) : "–";
  kpi("wrong-interval").textContent = audit
    ? `95% interval ${pct(audit.low)}–${pct(audit.high)} · ${fmt.int(audit.wrong)} of ${fmt.int(audit.judged)} audited`
    : "no audit yet";
  document.querySelector('[data-kpi-card="wrong-rate"]').classList.toggle("bad", Boolean(total.alert));
  kpi("audits").textContent = fmt.int(q.audits);
  kpi("audit-cost").textContent = `${fmt.usd(q.audit_cost_usd)} · rate ${pct(q.audit_rate)}`;
  kpi("miss-compared").textContent = fmt.int(total.miss?.judged ?? 0);
  kpi("miss-sub").textContent = total.miss ? `${pct(total.miss.estimate)} of them wrong` : "none yet";
  kpi("feedback").textContent = fmt.int(total.feedback?.judged ?? 0);
  kpi("feedback-sub").textContent = total.feedback ? `${pct(total.feedback.estimate)} reported wrong` : "none yet";
  renderAlert(q);
  $("legend-max-error").style.display = q.max_error == null ? "none" : ""; // .legend span sets display: `hidden` alone loses
  $("chart-error").innerHTML = traceChart(q, widthOf("chart-error"));
  renderNamespaces(q.namespaces || [], q);
  renderWhatIf(q);
}

function renderAlert(q) {
  const box = $("quality-alert");
  box.replaceChildren();
  const flagged = (q.namespaces || []).filter((n) => n.alert);
  if (!flagged.length || q.max_error == null) return;
  const div = document.createElement("div");
  div.className = "notice error";
  div.dataset.alert = "max-error";
  div.textContent = `The 95% interval's upper end is above CACHE_MAX_ERROR (${pct(q.max_error)}) in `
    + `${flagged.map((n) => n.namespace || "(default)").join(", ")}: this cache may serve more wrong answers than allowed.`;
  box.append(div);
}

function traceChart(q, width) {
  const points = q.trace || [];
  const label = "Audited wrong-answer rate over time, with its 95% interval";
  if (!points.length) return lineChart([], { label, width });
  const at = (key) => points.map((p) => [p.ts, p[key] * 100]);
  const series = [
    { label: "95% upper end", color: "color-mix(in srgb, var(--err) 35%, transparent)", points: at("high"), dash: true },
    { label: "Estimated wrong rate", color: "var(--err)", points: at("estimate") },
    { label: "95% lower end", color: "color-mix(in srgb, var(--err) 35%, transparent)", points: at("low"), dash: true },
  ];
  if (q.max_error != null) {
    const x0 = points[0].ts;
    const x1 = points[points.length - 1].ts;
    series.push({ label: "CACHE_MAX_ERROR", color: "var(--text-3)", points: [[x0, q.max_error * 100], [x1, q.max_error * 100]] });
  }
  return lineChart(series, {
    width, height: 260, label, yFormat: (v) => fmt.pct(v, 0), xFormat: (v) => new Date(v * 1000).toLocaleTimeString(),
  });
}

// The namespace's threshold: learned from its audits within the operator's limits (CACHE_LEARN_SIMILARITY_MIN
// and _MAX), one per tenant that has one, or the configured one.
function thresholdText(n, q) {
  const learned = (q.learned || []).filter((t) => t.namespace === n.namespace);
  if (!learned.length) return `${fmt.fixed(q.similarity_threshold, 2)} (configured)`;
  const limits = `${fmt.fixed(learned[0].floor, 2)}–${fmt.fixed(learned[0].ceiling, 2)}`;
  const values = learned.map((t) => fmt.fixed(t.similarity, 2) + (learned.length > 1 ? ` (${t.tenant})` : ""));
  return `${values.join(", ")} learned, limits ${limits}`;
}

function renderNamespaces(namespaces, q) {
  const body = $("quality-namespaces").querySelector("tbody");
  body.replaceChildren(...namespaces.map((n) => {
    const tr = document.createElement("tr");
    tr.dataset.namespace = n.namespace;
    const cells = [n.namespace || "(default)", rateText(n.audit), rateText(n.miss), rateText(n.feedback), thresholdText(n, q)];
    for (const text of cells) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    if (n.alert) tr.classList.add("alert");
    return tr;
  }));
}

function renderWhatIf(q) {
  const curve = q.what_if || [];
  const width = widthOf("chart-whatif");
  const at = (key) => curve.map((w) => [w.similarity, w[key] * 100]);
  const marker = { x: q.similarity_threshold, label: "served threshold", color: "var(--accent)", id: "threshold" };
  $("chart-whatif").innerHTML = lineChart(curve.length ? [
    { label: "Hit rate", color: "var(--hit)", points: at("hit_rate") },
    { label: "Wrong rate", color: "var(--err)", points: at("wrong_rate") },
    { label: "Wrong rate, 95% upper end", color: "color-mix(in srgb, var(--err) 35%, transparent)", points: at("wrong_high"), dash: true },
  ] : [], {
    width, height: 260, label: "Hit rate and wrong rate by similarity cut-off", markers: curve.length ? [marker] : [],
    yFormat: (v) => fmt.pct(v, 0), xFormat: (v) => fmt.fixed(v, 2),
  });
  $("chart-whatif-savings").innerHTML = lineChart(curve.length ? [
    { label: "Net saved", color: "var(--hit)", points: curve.map((w) => [w.similarity, w.net_saved_usd]), fill: "var(--hit-soft)" },
  ] : [], {
    width, height: 200, label: "Net savings by similarity cut-off", yFormat: (v) => fmt.usd(v), xFormat: (v) => fmt.fixed(v, 2),
  });
  if (!curve.length) {
    $("whatif-note").textContent = "No audited hit yet: the curve appears once audits have judged some hits.";
    return;
  }
  const best = curve.reduce((a, b) => (b.net_saved_usd > a.net_saved_usd ? b : a));
  const safe = q.max_error == null ? null : curve.find((w) => w.wrong_high <= q.max_error);
  $("whatif-note").textContent = `Most saved at cut-off ${fmt.fixed(best.similarity, 2)} (${fmt.usd(best.net_saved_usd)}, `
    + `${pct(best.wrong_rate)} wrong).` + (safe ? ` Lowest cut-off whose 95% upper end is within CACHE_MAX_ERROR: `
    + `${fmt.fixed(safe.similarity, 2)} (hit rate ${pct(safe.hit_rate)}).` : "");
}

document.addEventListener("semcache:summary", (e) => {
  last = e.detail?.quality ?? null;
  if (last) render(last);
});
window.addEventListener("resize", () => {
  if (last) render(last);
});
