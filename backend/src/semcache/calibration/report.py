"""Pure: `semcache eval` results as Markdown tables and hand-written SVG plots (no plotting dependency)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from semcache.calibration.eval import FileResult
from semcache.calibration.metrics import Metrics, best_within

__all__ = ["curve_table", "feedback_table", "pct", "summary_table", "svg_plot", "versus_static"]

_W, _H, _PAD = 420, 300, 44


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _cells(m: Metrics) -> str:
    return f"{pct(m.hit_rate)} | {pct(m.wrong_rate)} | {m.precision:.2f} | {m.recall:.2f} | {m.f1:.2f}"


def summary_table(results: Sequence[FileResult], target: float) -> str:
    head = (
        "| file | rows | exact | static @ default: hit / wrong | shipped: hit rate | wrong-answer rate | precision "
        "| recall | F1 | best static at same wrong rate: threshold, hit | gain | target met |\n"
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---|---:|---|\n"
    )
    rows = []
    for r in results:
        s, d, base, gain = r.at_default_static, r.at_default, r.baseline, r.gain
        rows.append(
            f"| {r.name} | {r.rows} | {d.exact} | {pct(s.hit_rate)} / {pct(s.wrong_rate)} | {_cells(d)} "
            f"| {versus_static(r.has_negatives, d, base, gain, target)} |"
        )
    return head + "\n".join(rows) + "\n"


def feedback_table(results: Sequence[FileResult], target: float) -> str:
    head = (
        "| file | shipped: hit / wrong | with feedback: hit rate | wrong-answer rate | wrong hits reported "
        "| best static at same wrong rate | gain | target met |\n|---|---|---:|---:|---:|---|---:|---|\n"
    )
    rows = []
    for r in results:
        d, f = r.at_default, r.with_feedback
        base, gain = best_within(r.static, f.wrong_rate), r.gain_of(f)
        rows.append(
            f"| {r.name} | {pct(d.hit_rate)} / {pct(d.wrong_rate)} | {pct(f.hit_rate)} | {pct(f.wrong_rate)} "
            f"| {f.wrong} | {versus_static(r.has_negatives, f, base, gain, target)} |"
        )
    return head + "\n".join(rows) + "\n"


def versus_static(has_negatives: bool, m: Metrics, base: Metrics | None, gain: float | None, target: float) -> str:
    """The last three cells of a row: the best static threshold at `m`'s wrong rate, the gain, the verdict."""
    base_txt = f"{base.threshold:.2f}, {pct(base.hit_rate)}" if base else "none reaches it"
    gain_txt = f"{gain:.2f}x" if gain is not None else ("∞" if base is None and m.right else "n/a")
    met = "n/a (no negatives)" if not has_negatives else _met(m, gain, target)
    return f"{base_txt} | {gain_txt} | {met}"


def _met(d: Metrics, gain: float | None, target: float) -> str:
    war_ok = d.wrong_rate <= target
    gain_ok = gain is None or gain >= 1.5
    if war_ok and gain_ok:
        return "yes"
    misses = []
    if not war_ok:
        misses.append(f"wrong {pct(d.wrong_rate)} > {pct(target)}")
    if not gain_ok and gain is not None:
        misses.append(f"gain {gain:.2f}x < 1.5x")
    return "no: " + "; ".join(misses)


def curve_table(r: FileResult, every: int = 3) -> str:
    head = "| threshold | static hit | static wrong | shipped hit | shipped wrong | shipped served |\n"
    head += "|---:|---:|---:|---:|---:|---:|\n"
    rows = [
        f"| {s.threshold:.2f} | {pct(s.hit_rate)} | {pct(s.wrong_rate)} | {pct(v.hit_rate)} | {pct(v.wrong_rate)} "
        f"| {v.served} |"
        for i, (s, v) in enumerate(zip(r.static, r.shipped, strict=True))
        if i % every == 0 or i == len(r.static) - 1
    ]
    return head + "\n".join(rows) + "\n"


def svg_plot(r: FileResult, target: float) -> str:
    """Hit rate on positives (y) against wrong-answer rate among served hits (x), one line per setting."""
    max_x = max(0.1, min(1.0, max(m.wrong_rate for m in (*r.static, *r.shipped)) * 1.05))

    def xy(m: Metrics) -> tuple[float, float]:
        x = _PAD + (_W - 2 * _PAD) * min(m.wrong_rate, max_x) / max_x
        y = _H - _PAD - (_H - 2 * _PAD) * m.hit_rate
        return round(x, 1), round(y, 1)

    def line(points: Sequence[Metrics], colour: str, dash: str = "") -> str:
        path = " ".join(f"{x},{y}" for x, y in map(xy, points) if points)
        return f'<polyline fill="none" stroke="{colour}" stroke-width="2" {dash}points="{path}"/>'

    static_line, shipped_line = line(r.static, "#888", 'stroke-dasharray="5 3" '), line(r.shipped, "#1565c0")
    tx = _PAD + (_W - 2 * _PAD) * min(target, max_x) / max_x
    dx, dy = xy(r.at_default)
    ticks = "".join(
        f'<text x="{_PAD - 6}" y="{_H - _PAD - (_H - 2 * _PAD) * v + 4}" text-anchor="end">{int(v * 100)}%</text>'
        for v in (0, 0.25, 0.5, 0.75, 1.0)
    ) + "".join(
        f'<text x="{_PAD + (_W - 2 * _PAD) * v}" y="{_H - _PAD + 16}" '
        f'text-anchor="middle">{100 * v * max_x:.0f}%</text>'
        for v in (0, 0.5, 1.0)
    )  # fmt: skip
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" viewBox="0 0 {_W} {_H}" '
        'font-family="sans-serif" font-size="11">'
        f'<rect width="{_W}" height="{_H}" fill="white"/>'
        f'<text x="{_W / 2}" y="16" text-anchor="middle" font-size="13">{escape(r.name)}</text>'
        f'<line x1="{_PAD}" y1="{_H - _PAD}" x2="{_W - _PAD}" y2="{_H - _PAD}" stroke="#444"/>'
        f'<line x1="{_PAD}" y1="{_PAD}" x2="{_PAD}" y2="{_H - _PAD}" stroke="#444"/>'
        f'<line x1="{tx:.1f}" y1="{_PAD}" x2="{tx:.1f}" y2="{_H - _PAD}" stroke="#c33" stroke-dasharray="4 3"/>'
        f"{ticks}"
        f'<text x="{_W / 2}" y="{_H - 8}" text-anchor="middle">wrong answers among served hits</text>'
        f'<text x="12" y="{_H / 2}" transform="rotate(-90 12 {_H / 2})" '
        'text-anchor="middle">hit rate on positives</text>'
        f"{static_line}{shipped_line}"
        f'<circle cx="{dx}" cy="{dy}" r="4" fill="#1565c0"/>'
        f'<text x="{_W - _PAD}" y="{_PAD - 12}" text-anchor="end" fill="#888">- - threshold alone</text>'
        f'<text x="{_W - _PAD}" y="{_PAD}" text-anchor="end" '
        'fill="#1565c0">— threshold + verifier (dot: default)</text>'
        "</svg>\n"
    )  # fmt: skip
