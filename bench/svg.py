"""Pure: a grouped bar chart as SVG text (no plotting library to install)."""

from __future__ import annotations

from html import escape

COLORS = ("#d62728", "#ff9896", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b")


def bar_chart(
    title: str, groups: list[str], series: dict[str, list[float]], *, width: int = 760, height: int = 360
) -> str:
    left, right, top, bottom = 60, 20, 40, 60
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([v for vs in series.values() for v in vs] + [1.0])
    group_w = plot_w / max(len(groups), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="14">{escape(title)}</text>',
    ]
    for i in range(5):  # gridlines
        value = peak * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{value:,.0f}</text>')
    for g, group in enumerate(groups):
        x0 = left + g * group_w + group_w * 0.1
        for s, (name, values) in enumerate(series.items()):
            v = values[g] if g < len(values) else 0.0
            h = plot_h * v / peak
            x, y = x0 + s * bar_w, top + plot_h - h
            color = COLORS[s % len(COLORS)]
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" fill="{color}">'
                f"<title>{escape(name)}: {v:,.0f}</title></rect>"
            )
        parts.append(
            f'<text x="{left + g * group_w + group_w / 2:.1f}" y="{top + plot_h + 16}" '
            f'text-anchor="middle">{escape(group)}</text>'
        )
    for s, name in enumerate(series):  # legend
        x = left + s * (plot_w / max(len(series), 1))
        parts.append(f'<rect x="{x:.1f}" y="{height - 22}" width="12" height="12" fill="{COLORS[s % len(COLORS)]}"/>')
        parts.append(f'<text x="{x + 16:.1f}" y="{height - 12}">{escape(name)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
