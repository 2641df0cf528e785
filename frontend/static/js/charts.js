// Tiny SVG chart builders (no library): each returns an SVG string sized by its viewBox, so it scales with
// its card. Colours are CSS variables, so charts follow the light/dark theme without a redraw.

const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const r2 = (x) => Math.round(x * 100) / 100;

/** "Nice" axis ticks covering [min, max]: 1, 2 or 5 times a power of ten. */
export function ticks(min, max, count = 5) {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
  const out = [];
  // Whole multiples of the step, rounded to 12 digits so 30 * 0.1 is 3, not 3.0000000000000004.
  for (let k = Math.ceil(min / step - 1e-9); k <= Math.floor(max / step + 1e-9); k += 1) {
    out.push(Number((k * step).toPrecision(12)));
  }
  return out;
}

export function donut(segments, { size = 200, thickness = 26, center = "", sub = "", label = "" } = {}) {
  const total = segments.reduce((a, s) => a + Math.max(0, s.value), 0);
  const r = (size - thickness) / 2;
  const c = size / 2;
  const circumference = 2 * Math.PI * r;
  let offset = 0;
  const arcs = total > 0
    ? segments.filter((s) => s.value > 0).map((s) => {
      const len = (s.value / total) * circumference;
      const arc = `<circle cx="${c}" cy="${c}" r="${r2(r)}" fill="none" style="stroke:${s.color}" stroke-width="${thickness}"
        stroke-dasharray="${r2(len)} ${r2(circumference - len)}" stroke-dashoffset="${r2(-offset)}"
        transform="rotate(-90 ${c} ${c})"><title>${esc(s.label)}: ${esc(s.display ?? s.value)}</title></circle>`;
      offset += len;
      return arc;
    }).join("")
    : "";
  return `<svg class="chart" viewBox="0 0 ${size} ${size}" role="img" aria-label="${esc(label)}" style="max-width:${size}px">
    <circle cx="${c}" cy="${c}" r="${r2(r)}" fill="none" style="stroke:var(--bg-sunken)" stroke-width="${thickness}"/>
    ${arcs}
    <text x="${c}" y="${c + 2}" text-anchor="middle" style="fill:var(--text);font-size:${size / 7}px;font-weight:700">${esc(center)}</text>
    <text x="${c}" y="${c + size / 9}" text-anchor="middle">${esc(sub)}</text>
  </svg>`;
}

/** Horizontal bars, one per row: [{label, value, color, display}]. */
export function hbars(rows, { width = 560, barHeight = 22, gap = 14, labelWidth = 150, label = "" } = {}) {
  const max = Math.max(1e-12, ...rows.map((r) => r.value));
  const valueWidth = 90;
  const plot = width - labelWidth - valueWidth;
  const height = rows.length * (barHeight + gap) - gap;
  const bars = rows.map((row, i) => {
    const y = i * (barHeight + gap);
    const w = Math.max(row.value > 0 ? 3 : 0, (row.value / max) * plot);
    return `<g>
      <text x="0" y="${y + barHeight / 2 + 4}" style="fill:var(--text-2);font-size:12.5px">${esc(row.label)}</text>
      <rect x="${labelWidth}" y="${y}" width="${plot}" height="${barHeight}" rx="6" style="fill:var(--bg-sunken)"/>
      <rect x="${labelWidth}" y="${y}" width="${r2(w)}" height="${barHeight}" rx="6" style="fill:${row.color}">
        <title>${esc(row.label)}: ${esc(row.display)}</title></rect>
      <text x="${width}" y="${y + barHeight / 2 + 4}" text-anchor="end" style="fill:var(--text);font-size:12.5px;font-weight:650">${esc(row.display)}</text>
    </g>`;
  }).join("");
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(label)}">${bars}</svg>`;
}

/** Grouped vertical bars: groups [{label, values:[number]}], series [{label, color}]. */
export function groupedBars(groups, series, { width = 560, height = 240, format = String, label = "" } = {}) {
  const pad = { top: 12, right: 8, bottom: 30, left: 56 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const max = Math.max(1e-9, ...groups.flatMap((g) => g.values.filter(Number.isFinite)));
  const yt = ticks(0, max * 1.05, 4);
  const top = Math.max(max, yt[yt.length - 1]);
  const y = (v) => pad.top + plotH - (v / top) * plotH;
  const band = plotW / Math.max(1, groups.length);
  const barW = Math.min(34, (band * 0.7) / series.length);
  const grid = yt.map((t) => `<line class="grid" x1="${pad.left}" x2="${width - pad.right}" y1="${r2(y(t))}" y2="${r2(y(t))}"/>
    <text x="${pad.left - 8}" y="${r2(y(t)) + 4}" text-anchor="end">${esc(format(t))}</text>`).join("");
  const bars = groups.map((g, gi) => {
    const x0 = pad.left + gi * band + (band - barW * series.length) / 2;
    const rects = g.values.map((v, si) => {
      if (!Number.isFinite(v)) return "";
      const h = Math.max(v > 0 ? 2 : 0, pad.top + plotH - y(v));
      return `<rect x="${r2(x0 + si * barW + 1)}" y="${r2(pad.top + plotH - h)}" width="${r2(barW - 2)}" height="${r2(h)}" rx="4"
        style="fill:${series[si].color}"><title>${esc(g.label)} ${esc(series[si].label)}: ${esc(format(v))}</title></rect>`;
    }).join("");
    return `${rects}<text x="${r2(pad.left + gi * band + band / 2)}" y="${height - 8}" text-anchor="middle" style="fill:var(--text-2)">${esc(g.label)}</text>`;
  }).join("");
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(label)}">
    ${grid}<line class="axis" x1="${pad.left}" x2="${width - pad.right}" y1="${pad.top + plotH}" y2="${pad.top + plotH}"/>${bars}</svg>`;
}

/**
 * Lines over a shared x axis: series [{label, color, points:[[x, y]], fill?, dash?}].
 * Options: markers [{x, label, color}] (vertical), dots [{x, y, label, color}], zero line when y spans 0.
 */
export function lineChart(series, opts = {}) {
  const { width = 760, height = 280, xFormat = String, yFormat = String, label = "", markers = [], dots = [], xMin, xMax, xInteger = false } = opts;
  const pad = { top: 16, right: 16, bottom: 30, left: 68 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const all = series.flatMap((s) => s.points);
  if (!all.length) {
    return `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(label)}">
      <text x="${width / 2}" y="${height / 2}" text-anchor="middle">No data yet</text></svg>`;
  }
  const x0 = xMin ?? Math.min(...all.map((p) => p[0]));
  const x1 = xMax ?? Math.max(...all.map((p) => p[0]));
  let y0 = Math.min(0, ...all.map((p) => p[1]), ...dots.map((d) => d.y));
  let y1 = Math.max(...all.map((p) => p[1]), ...dots.map((d) => d.y));
  if (y1 === y0) y1 = y0 + 1;
  const yt = ticks(y0, y1, 5);
  y0 = Math.min(y0, yt[0]);
  y1 = Math.max(y1, yt[yt.length - 1]);
  const sx = (x) => pad.left + (x1 === x0 ? plotW / 2 : ((x - x0) / (x1 - x0)) * plotW);
  const sy = (v) => pad.top + plotH - ((v - y0) / (y1 - y0)) * plotH;
  // Counting axes (request #1, #2, ...) get whole-number ticks only.
  const xt = ticks(x0, x1, 6).filter((t) => t >= x0 && t <= x1 && (!xInteger || Number.isInteger(t)));

  const grid = yt.map((t) => `<line class="grid" x1="${pad.left}" x2="${width - pad.right}" y1="${r2(sy(t))}" y2="${r2(sy(t))}"/>
      <text x="${pad.left - 8}" y="${r2(sy(t)) + 4}" text-anchor="end">${esc(yFormat(t))}</text>`).join("")
    + xt.map((t) => `<text x="${r2(sx(t))}" y="${height - 8}" text-anchor="middle">${esc(xFormat(t))}</text>`).join("");
  const zero = y0 < 0 && y1 > 0
    ? `<line class="zero" x1="${pad.left}" x2="${width - pad.right}" y1="${r2(sy(0))}" y2="${r2(sy(0))}"/>` : "";
  const lines = series.map((s) => {
    if (!s.points.length) return "";
    const d = s.points.map((p, i) => `${i ? "L" : "M"}${r2(sx(p[0]))},${r2(sy(p[1]))}`).join("");
    const base = r2(sy(Math.max(y0, Math.min(0, y1))));
    const area = s.fill
      ? `<path d="${d}L${r2(sx(s.points[s.points.length - 1][0]))},${base}L${r2(sx(s.points[0][0]))},${base}Z"
          style="fill:${s.fill}" opacity="0.5"/>` : "";
    return `${area}<path d="${d}" fill="none" style="stroke:${s.color}" stroke-width="2.25" stroke-linejoin="round"
      stroke-linecap="round" ${s.dash ? 'stroke-dasharray="6 5"' : ""}><title>${esc(s.label)}</title></path>`;
  }).join("");
  const marks = markers.map((m) => `<g data-marker="${esc(m.id || "")}">
      <line x1="${r2(sx(m.x))}" x2="${r2(sx(m.x))}" y1="${pad.top}" y2="${pad.top + plotH}" style="stroke:${m.color}" stroke-width="1.5" stroke-dasharray="4 4"/>
      <text x="${r2(sx(m.x)) + (m.anchor === "end" ? -6 : 6)}" y="${pad.top + 12}" text-anchor="${m.anchor || "start"}"
        style="fill:${m.color};font-weight:650">${esc(m.label)}</text></g>`).join("");
  const pts = dots.map((p) => `<g data-dot="${esc(p.id || "")}">
      <circle cx="${r2(sx(p.x))}" cy="${r2(sy(p.y))}" r="6" style="fill:${p.color};stroke:var(--bg-elev)" stroke-width="2.5"/>
      <text x="${r2(sx(p.x)) + (p.anchor === "end" ? -12 : 12)}" y="${r2(sy(p.y)) - 10}" text-anchor="${p.anchor || "start"}"
        style="fill:var(--text);font-weight:650">${esc(p.label)}</text></g>`).join("");
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(label)}">
    ${grid}${zero}<line class="axis" x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${pad.top + plotH}"/>
    ${lines}${marks}${pts}</svg>`;
}
