"""Third-party browser assets, served by the app itself: no CDN, no tile server.

`python -m stationwatch.web.install_assets` (run by `make install`) fetches pinned npm packages
with `npm pack` (the npm registry is the only place they come from), checks each
tarball's SHA-256, and unpacks the files the app serves into `static/vendor/`:

- Leaflet (BSD-2-Clause): the map.
- world-atlas (ISC; data: Natural Earth, public domain): country shapes, 1:110m TopoJSON.
- swagger-ui-dist (Apache-2.0): the offline API docs page at /docs.

It does nothing when the pinned versions are already in place, so running it twice costs
nothing. The app turns the TopoJSON into GeoJSON (keyed by ISO alpha-2) itself.
"""
from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from functools import lru_cache
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"
VENDOR = STATIC / "vendor"

# package@version -> (sha256 of the npm tarball, {path in tarball: path under vendor/})
PACKAGES: dict[str, tuple[str, dict[str, str]]] = {
    "leaflet@1.9.4": ("84c65a256e50657896f54c33bd857b6849ebe94c817803be818bf32a3dde0b77", {
        "package/dist/leaflet.js": "leaflet/leaflet.js",
        "package/dist/leaflet.css": "leaflet/leaflet.css",
        "package/dist/images/layers.png": "leaflet/images/layers.png",
        "package/dist/images/layers-2x.png": "leaflet/images/layers-2x.png",
        "package/dist/images/marker-icon.png": "leaflet/images/marker-icon.png",
        "package/dist/images/marker-icon-2x.png": "leaflet/images/marker-icon-2x.png",
        "package/dist/images/marker-shadow.png": "leaflet/images/marker-shadow.png",
        "package/LICENSE": "leaflet/LICENSE",
    }),
    "world-atlas@2.0.2": ("032e7765f2ce00edaeafec23ff22bc3b77e42987c257da944cc585b452c05b97", {
        "package/countries-110m.json": "world-atlas/countries-110m.json",
        "package/LICENSE": "world-atlas/LICENSE",
    }),
    "swagger-ui-dist@5.35.0": ("1b8e891893404ea4c3558b6a87e2a3e494e7eedba41168c2ece5800a391a6ea6", {
        "package/swagger-ui-bundle.js": "swagger-ui/swagger-ui-bundle.js",
        "package/swagger-ui.css": "swagger-ui/swagger-ui.css",
        "package/favicon-32x32.png": "swagger-ui/favicon-32x32.png",
        "package/LICENSE": "swagger-ui/LICENSE",
        "package/NOTICE": "swagger-ui/NOTICE",
    }),
}
STAMP = VENDOR / ".installed.json"


class AssetError(RuntimeError):
    pass


def wanted_stamp() -> dict:
    return {spec: sha for spec, (sha, _) in PACKAGES.items()}


def missing(vendor: Path = VENDOR) -> list[str]:
    """Vendor files the app needs that are not on disk (empty when installed)."""
    return [dest for _, (_, files) in PACKAGES.items() for dest in files.values()
            if not (vendor / dest).is_file()]


def installed(vendor: Path = VENDOR) -> bool:
    stamp = vendor / STAMP.name
    try:
        return json.loads(stamp.read_text()) == wanted_stamp() and not missing(vendor)
    except (OSError, ValueError):
        return False


def install(vendor: Path = VENDOR, *, npm: str = "npm", quiet: bool = False) -> bool:
    """Fetch and unpack the pinned packages; False if they were already in place."""
    if installed(vendor):
        return False
    if shutil.which(npm) is None:
        raise AssetError("npm is needed to fetch the map and API-docs assets from the npm registry "
                         "(Debian: apt-get install npm)")
    with tempfile.TemporaryDirectory(prefix="stationwatch-assets-") as tmp:
        cmd = [npm, "pack", "--silent", "--pack-destination", tmp, *PACKAGES]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp)
        if proc.returncode != 0:
            raise AssetError(f"npm pack failed: {proc.stderr.strip() or proc.stdout.strip()}")
        staged = Path(tmp) / "vendor"
        for spec, (sha, files) in PACKAGES.items():
            name, version = spec.rsplit("@", 1)
            tarball = Path(tmp) / f"{name.replace('@', '').replace('/', '-')}-{version}.tgz"
            data = tarball.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if digest != sha:
                raise AssetError(f"{tarball.name}: SHA-256 {digest} is not the pinned {sha}")
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
                for member, dest in files.items():
                    f = tar.extractfile(member)
                    if f is None:
                        raise AssetError(f"{tarball.name} has no {member}")
                    out = staged / dest
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(f.read())
            if not quiet:
                print(f"assets: {spec} ({len(files)} files)")
        (staged / STAMP.name).write_text(json.dumps(wanted_stamp(), indent=1))
        if vendor.exists():
            shutil.rmtree(vendor)
        vendor.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(staged, vendor)
    return True


# -- TopoJSON to GeoJSON -----------------------------------------------------------------

def topojson_to_geojson(topology: dict, object_name: str) -> dict:
    """A FeatureCollection from one GeometryCollection of a TopoJSON topology.

    Arcs are delta-encoded integers when the topology has a `transform` (quantized); an
    arc index ~i (negative) means arc i reversed. Rings are stitched from their arcs,
    dropping the point each arc shares with the one before.
    """
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0
            points = []
            for dx, dy in arc:
                x, y = x + dx, y + dy
                points.append([round(x * sx + tx, 5), round(y * sy + ty, 5)])
        else:
            points = [list(p[:2]) for p in arc]
        arcs.append(points)

    def ring(indexes: list[int]) -> list[list[float]]:
        out: list[list[float]] = []
        for i in indexes:
            pts = arcs[i] if i >= 0 else arcs[~i][::-1]
            out.extend(pts if not out else pts[1:])
        if out and out[0] != out[-1]:
            out.append(out[0])
        return out

    def geometry(g: dict) -> dict | None:
        kind = g.get("type")
        if kind == "Polygon":
            return {"type": "Polygon", "coordinates": [ring(r) for r in g["arcs"]]}
        if kind == "MultiPolygon":
            return {"type": "MultiPolygon", "coordinates": [[ring(r) for r in poly] for poly in g["arcs"]]}
        if kind == "LineString":
            return {"type": "LineString", "coordinates": ring(g["arcs"])[:-1]}
        if kind == "Point":
            return {"type": "Point", "coordinates": g["coordinates"]}
        return None

    features = []
    for g in topology["objects"][object_name]["geometries"]:
        geom = geometry(g)
        if geom is None:
            continue
        props = dict(g.get("properties") or {})
        features.append({"type": "Feature", "id": g.get("id"), "properties": props, "geometry": geom})
    return {"type": "FeatureCollection", "features": features}


@lru_cache(maxsize=1)
def countries_geojson(vendor: Path = VENDOR) -> bytes | None:
    """World countries as GeoJSON bytes, each feature with `iso2` and `name`; None if the
    assets are not installed. Antarctica is left out: no station is there."""
    from ..geo import alpha2_of
    path = vendor / "world-atlas" / "countries-110m.json"
    if not path.is_file():
        return None
    fc = topojson_to_geojson(json.loads(path.read_text(encoding="utf-8")), "countries")
    kept = []
    for f in fc["features"]:
        name = f["properties"].get("name")
        iso2 = alpha2_of(f["id"], name)
        if iso2 == "AQ":
            continue
        f["properties"] = {"iso2": iso2, "name": name}
        f["geometry"] = _unwrap(f["geometry"])
        kept.append(f)
    fc["features"] = kept
    return json.dumps(fc, separators=(",", ":")).encode()


def _unwrap(geom: dict) -> dict:
    """World-atlas is drawn for spherical geometry (d3-geo), where a ring may cross the
    antimeridian (Fiji, Chukotka). A flat map draws such a ring across the whole world, so
    its western points move east by 360 degrees: the shape sits beside its country."""
    def ring(r: list) -> list:
        if any(abs(b[0] - a[0]) > 180 for a, b in zip(r, r[1:])):
            return [[x + 360 if x < 0 else x, y] for x, y in r]
        return r
    if geom["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [ring(r) for r in geom["coordinates"]]}
    if geom["type"] == "MultiPolygon":
        return {"type": "MultiPolygon", "coordinates": [[ring(r) for r in p] for p in geom["coordinates"]]}
    return geom


def main(argv: list[str] | None = None) -> int:
    try:
        changed = install()
    except AssetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    if not changed:
        print("assets: already installed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
