// Number formatting for every page: Intl.NumberFormat in the visitor's locale, tabular figures in CSS.
const cache = new Map();
function nf(options) {
  const key = JSON.stringify(options);
  if (!cache.has(key)) cache.set(key, new Intl.NumberFormat(undefined, options));
  return cache.get(key);
}

const DASH = "–";
const ok = (v) => typeof v === "number" && Number.isFinite(v);

export function ms(v) {
  if (!ok(v)) return DASH;
  if (v < 10) return `${nf({ maximumFractionDigits: 1 }).format(v)} ms`;
  if (v < 1000) return `${nf({ maximumFractionDigits: 0 }).format(v)} ms`;
  return `${nf({ minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(v / 1000)} s`;
}

export function int(v) {
  return ok(v) ? nf({ maximumFractionDigits: 0 }).format(v) : DASH;
}

export function compact(v) {
  if (!ok(v)) return DASH;
  if (Math.abs(v) < 10_000) return int(v);
  return nf({ notation: "compact", maximumFractionDigits: 1 }).format(v);
}

/** Dollars: sub-cent amounts keep 2 significant digits (LLM calls cost fractions of a cent). */
export function usd(v, { compactAbove = Infinity } = {}) {
  if (!ok(v)) return DASH;
  const a = Math.abs(v);
  if (a === 0) return nf({ style: "currency", currency: "USD", maximumFractionDigits: 0 }).format(0);
  if (a >= compactAbove) {
    return nf({ style: "currency", currency: "USD", notation: "compact", maximumFractionDigits: 2 }).format(v);
  }
  if (a < 0.01) return nf({ style: "currency", currency: "USD", maximumSignificantDigits: 2 }).format(v);
  if (a >= 1000) return nf({ style: "currency", currency: "USD", maximumFractionDigits: 0 }).format(v);
  return nf({ style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(v);
}

/** Hourly prices: a tenth of a cent matters ($0.016/h). */
export function usdRate(v) {
  return ok(v) ? nf({ style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 3 }).format(v) : DASH;
}

export function decimal(v, maxDigits = 1) {
  return ok(v) ? nf({ maximumFractionDigits: maxDigits }).format(v) : DASH;
}

export function pct(v, digits = 1) {
  return ok(v) ? `${nf({ minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v)}%` : DASH;
}

export function fixed(v, digits = 4) {
  return ok(v) ? nf({ minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v) : DASH;
}

export function bytes(v) {
  if (!ok(v)) return DASH;
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let x = v;
  while (Math.abs(x) >= 1024 && i < units.length - 1) {
    x /= 1024;
    i += 1;
  }
  const digits = i === 0 ? 0 : x < 10 ? 2 : x < 100 ? 1 : 0;
  return `${nf({ maximumFractionDigits: digits }).format(x)} ${units[i]}`;
}

export const dash = DASH;
