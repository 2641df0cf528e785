// The calculator's model, mirrored from backend/src/semcache/calculator.py so the page recomputes on every
// keystroke without a round trip. tests/e2e checks this against POST /calculator/estimate: change both.

export const HOURS_PER_YEAR = 8760;
export const DAYS_PER_YEAR = 365;
export const GIB = 1024 ** 3;
const BYTES_PER_TOKEN = 4;
const PROMPT_COPIES = 2;
const FLOAT32_BYTES = 4;
const HNSW_M = 16;
const HNSW_ID_BYTES = 4;
// Measured bytes per entry: docs/benchmarks.md, "Scale: 1,000,000 entries" (docs/benchmarks-1m.json,
// 2026-12-07); calculator.py says how the fixed parts come from them.
const MEASURED_ENTRY_BYTES = 6602;
const MEASURED_INDEX_BYTES = 2247;
const MEASURED_DIMS = 384;
const MEASURED_PROMPT_BYTES = 87;
const MEASURED_ANSWER_BYTES = 460;
const KEY_OVERHEAD_BYTES =
  MEASURED_ENTRY_BYTES -
  MEASURED_INDEX_BYTES -
  MEASURED_DIMS * FLOAT32_BYTES -
  PROMPT_COPIES * MEASURED_PROMPT_BYTES -
  MEASURED_ANSWER_BYTES;
const INDEX_FIXED_BYTES = MEASURED_INDEX_BYTES - MEASURED_DIMS * FLOAT32_BYTES - 2 * HNSW_M * HNSW_ID_BYTES;
export const HEADROOM = 1.2;

// Python's round() rounds half to even; Math.round rounds half up. Match Python exactly.
function pyRound(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function footprint({ embedding_dims, prompt_tokens, avg_answer_bytes }) {
  const vector = embedding_dims * FLOAT32_BYTES;
  const payload = pyRound(prompt_tokens * BYTES_PER_TOKEN * PROMPT_COPIES + avg_answer_bytes) + KEY_OVERHEAD_BYTES;
  const index = embedding_dims * FLOAT32_BYTES + 2 * HNSW_M * HNSW_ID_BYTES + INDEX_FIXED_BYTES;
  const entry = vector + payload + index;
  return {
    vector_bytes: vector,
    payload_bytes: payload,
    index_bytes: index,
    entry_bytes: entry,
    entry_bytes_planned: Math.ceil(entry * HEADROOM),
  };
}

export function usableBytes(sku, table) {
  return sku.memory_gb * GIB * table.usable_memory_fraction;
}

const TIERS = ["balanced", "memory_optimized", "compute_optimized"];

function cmp(a, b) {
  for (let i = 0; i < a.length; i += 1) {
    if (a[i] < b[i]) return -1;
    if (a[i] > b[i]) return 1;
  }
  return 0;
}

export function chooseSku(table, neededBytes, tier) {
  let pool = table.skus.filter((s) => tier === "any" || s.tier === tier);
  if (!pool.length) pool = [...table.skus];
  const fitting = pool.filter((s) => usableBytes(s, table) >= neededBytes);
  if (fitting.length) {
    return [fitting.reduce((a, b) => (cmp([b.price_per_hour, b.memory_gb, b.name], [a.price_per_hour, a.memory_gb, a.name]) < 0 ? b : a)), true];
  }
  return [pool.reduce((a, b) => (cmp([b.memory_gb, -b.price_per_hour, b.name], [a.memory_gb, -a.price_per_hour, a.name]) > 0 ? b : a)), false];
}

export function sortTable(table) {
  const skus = [...table.skus].sort((a, b) => cmp([TIERS.indexOf(a.tier), a.memory_gb], [TIERS.indexOf(b.tier), b.memory_gb]));
  return { ...table, skus };
}

function safePct(part, whole) {
  const pct = whole > 0 ? (part / whole) * 100 : 0;
  return Number.isFinite(pct) ? pct : 0;
}

export function savingsCurve(noCache, redis, stepPct = 2) {
  const out = [];
  for (let h = 0; h <= 100; h += stepPct) out.push({ hit_rate_pct: h, annual_savings: (noCache * h) / 100 - redis });
  return out;
}

/** Same inputs and output fields as POST /calculator/estimate. */
export function estimate(inputs, table) {
  const hit = inputs.hit_rate_pct / 100;
  const requestsPerYear = inputs.requests_per_day * DAYS_PER_YEAR;
  const costPerRequest = (inputs.prompt_tokens * inputs.input_price_per_1m + inputs.completion_tokens * inputs.output_price_per_1m) / 1_000_000;
  const noCache = requestsPerYear * costPerRequest;
  const llmWithCache = noCache * (1 - hit);

  const fp = footprint(inputs);
  const liveEntries = (inputs.requests_per_day * (1 - hit) * inputs.ttl_hours) / 24;
  const needed = liveEntries * fp.entry_bytes_planned;
  let sku;
  let fits;
  if (inputs.sku) {
    sku = table.skus.find((s) => s.name === inputs.sku);
    if (!sku) throw new Error(`unknown SKU ${inputs.sku}`);
    fits = usableBytes(sku, table) >= needed;
  } else {
    [sku, fits] = chooseSku(table, needed, inputs.tier ?? "balanced");
  }
  const nodes = inputs.redis_ha ? 2 : 1;
  const redis = sku.price_per_hour * nodes * HOURS_PER_YEAR;
  const usable = usableBytes(sku, table);
  const withCache = llmWithCache + redis;
  const savings = noCache - withCache;
  const ratio = noCache > 0 ? (redis / noCache) * 100 : Infinity;
  const breakeven = Number.isFinite(ratio) ? ratio : null;
  const tokens = requestsPerYear * (inputs.prompt_tokens + inputs.completion_tokens);
  return {
    requests_per_year: requestsPerYear,
    cost_per_request: costPerRequest,
    annual_tokens_without_cache: tokens,
    annual_tokens_saved: tokens * hit,
    annual_cost_without_cache: noCache,
    annual_llm_cost_with_cache: llmWithCache,
    annual_redis_cost: redis,
    annual_cost_with_cache: withCache,
    annual_savings: savings,
    savings_pct: safePct(savings, noCache),
    breakeven_hit_rate_pct: breakeven,
    breakeven_over_100: breakeven === null || breakeven > 100,
    sku,
    sku_nodes: nodes,
    sku_fits: fits,
    footprint: fp,
    live_entries: liveEntries,
    memory_needed_bytes: needed,
    usable_memory_bytes: usable,
    entries_that_fit: Math.floor(usable / fp.entry_bytes_planned),
    curve: savingsCurve(noCache, redis),
    prices_as_of: table.as_of,
  };
}
