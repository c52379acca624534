/* The map: Natural Earth countries shaded by documented stations, one marker per station.
   Data comes from <script type="application/json" id="map-data">; no tiles, no network
   beyond this app. Text goes into the page with textContent only. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  var dataEl = document.getElementById("map-data");
  if (!el || !dataEl || typeof L === "undefined") return;
  var data = JSON.parse(dataEl.textContent);
  var counts = data.by_country || {};
  var max = 0;
  Object.keys(counts).forEach(function (k) { max = Math.max(max, counts[k]); });

  var map = L.map(el, {
    worldCopyJump: false, minZoom: 1, maxZoom: 9, zoomSnap: 0.25, attributionControl: true,
    maxBounds: [[-75, -200], [88, 200]], preferCanvas: false
  });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Countries: Natural Earth · Places: GeoNames");
  map.setView([30, 10], 1.5);

  function fill(n) {
    if (!n) return "#eef0f2";
    var t = max > 1 ? (n - 1) / (max - 1) : 1;
    var light = [253, 212, 158], dark = [179, 0, 0];
    var c = light.map(function (v, i) { return Math.round(v + (dark[i] - v) * t); });
    return "rgb(" + c.join(",") + ")";
  }

  function link(text, href) {
    var a = document.createElement("a");
    a.textContent = text;
    a.href = href;
    return a;
  }

  var countriesLayer = null;
  if (data.geojson) {
    fetch(data.geojson, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    }).then(function (geo) {
      countriesLayer = L.geoJSON(geo, {
        style: function (f) {
          var n = counts[f.properties.iso2] || 0;
          var focus = data.focus && f.properties.iso2 === data.focus;
          return { className: "country" + (n ? " has-stations" : "") + (focus ? " focus" : ""),
                   color: focus ? "#333" : "#b9bec4", weight: focus ? 1.5 : 0.6,
                   fillColor: fill(n), fillOpacity: 1 };
        },
        onEachFeature: function (f, layer) {
          var n = counts[f.properties.iso2] || 0;
          var name = f.properties.name || f.properties.iso2 || "";
          layer.bindTooltip(name + (n ? ": " + n + " documented" : ""), { sticky: true });
          if (f.properties.iso2 && data.country_url) {
            layer.on("click", function () {
              window.location.href = data.country_url.replace("/CC", "/" + f.properties.iso2);
            });
          }
        }
      }).addTo(map);
      countriesLayer.bringToBack();
      if (data.focus) {
        var b = null;
        countriesLayer.eachLayer(function (l) {
          if (l.feature.properties.iso2 === data.focus) b = b ? b.extend(l.getBounds()) : l.getBounds();
        });
        if (b && !markerBounds) map.fitBounds(b, { padding: [10, 10] });
      }
      el.setAttribute("data-countries", String(geo.features.length));
    }).catch(function () {
      el.setAttribute("data-countries", "0");
    });
  }

  var markerBounds = null;
  var points = data.points || [];
  points.forEach(function (p) {
    var cls = "station-marker station-" + p.status + (p.contested ? " station-contested" : "");
    var m = L.circleMarker([p.lat, p.lon], {
      radius: p.status === "present" ? 6 : 5, className: cls, weight: 1.5,
      color: p.status === "present" ? (p.contested ? "#6a1b9a" : "#7a0000") : "#555",
      fillColor: p.status === "present" ? (p.contested ? "#ba68c8" : "#e53935") : "#ffffff",
      fillOpacity: p.status === "present" ? 0.9 : 0.7
    }).addTo(map);
    var box = document.createElement("div");
    box.className = "popup";
    var url = p.url !== undefined ? p.url : (data.station_url ? data.station_url.replace("/ID", "/" + p.id) : "");
    var title = url ? link(p.label, url) : document.createElement("strong");
    if (!url) title.textContent = p.label;
    box.appendChild(title);
    var info = document.createElement("div");
    info.textContent = (p.status === "present" ? "documented" : "closed") + (p.contested ? ", contested" : "") +
      " · " + p.claims + " claim" + (p.claims === 1 ? "" : "s");
    box.appendChild(info);
    if (p.precision !== "city") {
      var approx = document.createElement("div");
      approx.className = "warn";
      approx.textContent = "Approximate: drawn at " + p.place + ", the capital";
      box.appendChild(approx);
    }
    m.bindPopup(box);
    m.bindTooltip(p.label);
    var ll = L.latLng(p.lat, p.lon);
    markerBounds = markerBounds ? markerBounds.extend(ll) : L.latLngBounds(ll, ll);
  });
  el.setAttribute("data-markers", String(points.length));

  if (markerBounds && points.length > 1) {
    map.fitBounds(markerBounds.pad(0.25), { maxZoom: data.focus ? 6 : 4 });
  } else if (markerBounds) {
    map.setView(markerBounds.getCenter(), data.zoom || 5);
  }
  el.classList.add("ready");
})();
