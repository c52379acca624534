"""A server-drawn SVG chart of reported counts over time: readable without JavaScript."""
from __future__ import annotations

import datetime as dt
import math


def _nice_max(v: float) -> int:
    if v <= 0:
        return 1
    mag = 10 ** math.floor(math.log10(v))
    for step in (1, 1.5, 2, 2.5, 5, 10):
        if v <= step * mag:
            return int(math.ceil(step * mag))
    return int(10 * mag)


def count_chart(points: list[dict], events: list[dict], as_of: dt.date, *, width: int = 760,
                height: int = 260) -> dict | None:
    """Geometry for the chart: one step line per speaker through the figures they gave,
    and a tick per government response along the bottom. None when there is nothing to draw."""
    if not points and not events:
        return None
    left, right, top, bottom = 72, 16, 14, 56
    starts = [p["start"] for p in points] + [e["start"] for e in events]
    first, last = min(starts), max(starts)
    lo = (first - dt.timedelta(days=20)).replace(day=1)
    # stretch to the as-of date, but not across years of nothing after the last event
    hi = as_of if as_of <= last + dt.timedelta(days=150) else last + dt.timedelta(days=90)
    hi = max(hi, last + dt.timedelta(days=15))
    span = max((hi - lo).days, 30)
    ymax = _nice_max(max((p["value"] for p in points if isinstance(p["value"], int)), default=1) * 1.1)
    if not points:  # responses only: just the lane
        height = top + bottom + 10
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(d: dt.date) -> float:
        return round(left + plot_w * (d - lo).days / span, 1)

    def y(v: float) -> float:
        return round(top + plot_h * (1 - v / ymax), 1)

    speakers: dict[str, list[dict]] = {}
    for p in points:
        speakers.setdefault(p["said_by"], []).append(p)
    series = []
    for i, (who, pts) in enumerate(sorted(speakers.items(), key=lambda kv: -len(kv[1]))):
        pts = sorted(pts, key=lambda p: p["start"])
        path, dots = [], []
        for j, p in enumerate(pts):
            px, py = x(p["start"]), y(p["value"])
            path += [f"M{px},{py}"] if not j else [f"H{px}", f"V{py}"]
            if len(points) <= 120:  # past that, dots crowd the line and bloat the page
                dots.append({"x": px, "y": py, "p": p})
        path.append(f"H{x(min(hi, as_of))}")
        series.append({"speaker": who, "cls": f"s{i % 6}", "d": " ".join(path), "dots": dots})
    raw = ymax / 4
    mag = 10 ** math.floor(math.log10(raw))
    step_y = max(1, int(next(m * mag for m in (1, 2, 2.5, 5, 10) if raw <= m * mag)))
    yticks = [{"v": v, "y": y(v)} for v in range(0, ymax + 1, step_y)] if points else []
    months = (hi.year - lo.year) * 12 + hi.month - lo.month + 1
    step = next((m for m in (1, 2, 3, 6, 12, 24) if months / m <= 10), 24)
    xticks, d = [], lo
    while d <= hi:
        if (d.month - 1) % step == 0:
            label = d.strftime("%b %Y") if d.month == 1 or not xticks else d.strftime("%b")
            xticks.append({"x": x(d), "label": label})
        d = dt.date(d.year + d.month // 12, d.month % 12 + 1, 1)
    lane = height - bottom + 28
    # one tick per few pixels: thousands of responses stay a readable (and small) lane
    buckets: dict[int, list[dict]] = {}
    for e in events:
        buckets.setdefault(int(x(e["start"]) // 5), []).append(e)
    ticks = []
    for group in buckets.values():
        kinds: dict[str, int] = {}
        for e in group:
            kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1
        first = min(group, key=lambda e: e["start"])
        countries = sorted({e["name"] for e in group if e.get("name")})
        ticks.append({"x": x(first["start"]), "y": lane, "e": first, "n": len(group),
                      "kind": max(kinds, key=kinds.get), "countries": countries[:6],
                      "more": max(0, len(countries) - 6),
                      "kinds": ", ".join(f"{k.replace('_', ' ')} ×{n}" if n > 1 else k.replace("_", " ")
                                         for k, n in sorted(kinds.items(), key=lambda kv: -kv[1]))})
    return {"width": width, "height": height, "series": series, "yticks": yticks, "xticks": xticks,
            "ticks": ticks, "left": left, "right": width - right, "top": top, "base": top + plot_h,
            "lane": lane, "as_of_x": x(as_of) if lo <= as_of <= hi else None}
