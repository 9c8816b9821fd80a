// The student safety zone map (zones/map.html): schools as gate points with the zone around
// each gate (drawn only when zoomed in) and their campus boundary, venues as circle markers
// coloured by status. Local Leaflet, canvas rendering (40,000 schools), no outside tile unless
// the deployment configured one. Rows: schools [id, name, [[lon, lat]...], ring|null, reach_m],
// venues [id, name, type, status, lon, lat, open cases].
(function () {
  "use strict";
  var el = document.getElementById("zone-map");
  var cfgEl = document.getElementById("zone-map-config");
  if (!el || !cfgEl || typeof L === "undefined") return;
  var cfg = JSON.parse(cfgEl.textContent);
  var status = document.getElementById("zone-map-status");
  var CIRCLE_ZOOM = 14;

  var renderer = L.canvas({ padding: 0.5 });
  var map = L.map(el, { preferCanvas: true, renderer: renderer, zoomControl: true });
  map.setView([31.1, 121.4], 11);
  if (cfg.tiles) {
    L.tileLayer(cfg.tiles, { maxZoom: 19 }).addTo(map);
  }
  L.control.scale({ imperial: false }).addTo(map);

  var gates = L.layerGroup().addTo(map);
  var rings = L.layerGroup().addTo(map);
  var circles = L.layerGroup();
  var venues = L.layerGroup().addTo(map);

  function text(s) {
    var d = document.createElement("div");
    d.textContent = s == null ? "" : String(s);
    return d.innerHTML;
  }

  function venuePopup(v) {
    var url = cfg.venue_url.replace(/\/0\/$/, "/" + v[0] + "/");
    var cases = cfg.cases_url + "?q=" + encodeURIComponent(v[1]);
    return "<strong>" + text(v[1]) + "</strong><br>" +
      text(cfg.types[v[2]] || v[2]) + " · " + text(cfg.statuses[v[3]] || v[3]) + "<br>" +
      text(cfg.text.open) + ": " + text(v[6]) + "<br>" +
      '<a href="' + text(url) + '">' + text(cfg.text.details) + "</a> · " +
      '<a href="' + text(cases) + '">' + text(cfg.text.cases) + "</a>";
  }

  function draw(data) {
    var bounds = L.latLngBounds([]);
    (data.schools || []).forEach(function (s) {
      var name = text(s[1]);
      (s[2] || []).forEach(function (g) {
        var ll = [g[1], g[0]];
        bounds.extend(ll);
        // a gate: a white point ringed in the schools' blue, unlike the venues'
        // filled status colours
        L.circleMarker(ll, {
          renderer: renderer, radius: 4, color: "#0d6efd", weight: 2, fillColor: "#fff",
          fillOpacity: 1,
        }).bindTooltip(name).addTo(gates);
        if (s[4]) {
          L.circle(ll, {
            renderer: renderer, radius: s[4], color: "#0d6efd", weight: 1, fillOpacity: 0.05,
            interactive: false,
          }).addTo(circles);
        }
      });
      if (s[3]) {
        var ring = s[3].map(function (v) { return [v[1], v[0]]; });
        ring.forEach(function (ll) { bounds.extend(ll); });
        L.polygon(ring, {
          renderer: renderer, color: "#0d6efd", weight: 2, fillOpacity: 0.08,
        }).bindTooltip(name).addTo(rings);
      }
    });
    (data.venues || []).forEach(function (v) {
      var ll = [v[5], v[4]];
      bounds.extend(ll);
      L.circleMarker(ll, {
        renderer: renderer, radius: 6, color: "#fff", weight: 1,
        fillColor: cfg.colours[v[3]] || "#6c757d", fillOpacity: 0.95,
      }).bindPopup(venuePopup(v)).addTo(venues);
    });
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 17 });
    toggleCircles();
    if (status) {
      status.textContent = cfg.text.shown
        .replace("%(schools)s", (data.schools || []).length)
        .replace("%(venues)s", (data.venues || []).length);
    }
  }

  function toggleCircles() {
    if (map.getZoom() >= CIRCLE_ZOOM) {
      if (!map.hasLayer(circles)) circles.addTo(map);
    } else if (map.hasLayer(circles)) {
      map.removeLayer(circles);
    }
  }
  map.on("zoomend", toggleCircles);

  fetch(cfg.data, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
    .then(draw)
    .catch(function () { if (status) status.textContent = cfg.text.failed; });
})();
