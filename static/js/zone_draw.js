// The map of a school's zone (zones/geometry_detail.html): gates, the campus boundary, the zones
// (circles around gates, the boundary grown outwards), waiting areas and the venues inside, from
// the JSON the page embeds (#zone-map-data, coordinates in the map's system). No tile layer
// unless the deployment configured one: a blank background with a scale bar.
// Drawing: click to add corners, undo the last, close the ring (the first corner is repeated at
// the end), then save: the ring goes into the hidden field as [[lon, lat], …] in the map's system.
(function () {
  "use strict";
  var holder = document.getElementById("zone-map");
  var source = document.getElementById("zone-map-data");
  if (!holder || !source || typeof L === "undefined") return;
  var data = JSON.parse(source.textContent);
  var map = L.map(holder, { zoomSnap: 0.5 });
  if (data.tiles) {
    L.tileLayer(data.tiles, { maxZoom: 19 }).addTo(map);
  }
  L.control.scale({ imperial: false }).addTo(map);

  function ll(p) { return [p[1], p[0]]; }
  var bounds = [];
  function seen(p) { bounds.push(ll(p)); }

  (data.circles || []).forEach(function (c) {
    L.circle(ll(c.centre), { radius: c.metres, color: "#fd7e14", weight: 1, fillOpacity: 0.06 })
      .bindTooltip(c.label + " · " + c.metres + " m").addTo(map);
  });
  (data.buffers || []).forEach(function (b) {
    L.polygon(b.ring.map(ll), { color: "#fd7e14", weight: 1, dashArray: "4", fillOpacity: 0.06 })
      .bindTooltip(b.label + " · " + b.metres + " m").addTo(map);
    b.ring.forEach(seen);
  });
  if (data.boundary) {
    L.polygon(data.boundary.map(ll), { color: "#212529", weight: 2, fillOpacity: 0.1 }).addTo(map);
    data.boundary.forEach(seen);
  }
  (data.gates || []).forEach(function (g) {
    L.circleMarker(ll(g.point), { radius: 7, color: "#0d6efd", fillOpacity: 0.9 })
      .bindTooltip(g.name).addTo(map);
    seen(g.point);
  });
  (data.waiting || []).forEach(function (w) {
    L.circleMarker(ll(w.point), {
      radius: 6, color: w.ok === false ? "#dc3545" : "#198754", fillOpacity: 0.7
    }).bindTooltip(w.name).addTo(map);
    seen(w.point);
  });
  (data.venues || []).forEach(function (v) {
    L.circleMarker(ll(v.point), { radius: 6, color: "#dc3545", fillOpacity: 0.9 })
      .bindTooltip(v.name + " · " + v.distance + " m").addTo(map);
    seen(v.point);
  });
  (data.circles || []).forEach(function (c) {
    // a circle's reach, so that the whole zone is in view
    var lat = c.centre[1], dLat = c.metres / 111320, dLon = dLat / Math.cos(lat * Math.PI / 180);
    bounds.push([lat - dLat, c.centre[0] - dLon], [lat + dLat, c.centre[0] + dLon]);
  });
  if (bounds.length) {
    map.fitBounds(bounds, { padding: [20, 20], maxZoom: 18 });
  } else {
    map.setView([31.1, 121.4], 13);
  }

  // --- drawing ---------------------------------------------------------------------------------
  var tools = document.querySelector("[data-testid=draw-tools]");
  if (!tools) return;
  var button = function (name) { return tools.querySelector("[data-draw=" + name + "]"); };
  var field = document.getElementById("draw-vertices");
  var system = document.getElementById("draw-system");
  var corners = [];
  var closed = false;
  var drawing = false;
  var line = L.polyline([], { color: "#6f42c1", weight: 2 }).addTo(map);
  var dots = L.layerGroup().addTo(map);

  function refresh() {
    var latlngs = corners.map(ll);
    if (closed && corners.length) latlngs.push(ll(corners[0]));
    line.setLatLngs(latlngs);
    dots.clearLayers();
    corners.forEach(function (c) {
      L.circleMarker(ll(c), { radius: 3, color: "#6f42c1" }).addTo(dots);
    });
    button("undo").disabled = !drawing || corners.length === 0;
    button("close").disabled = !drawing || closed || corners.length < 3;
    button("save").disabled = !closed;
    if (closed) {
      field.value = JSON.stringify(corners.concat([corners[0]]));
      system.value = data.system;
    } else {
      field.value = "";
    }
  }

  button("start").addEventListener("click", function () {
    drawing = true;
    corners = [];
    closed = false;
    holder.style.cursor = "crosshair";
    refresh();
  });
  button("undo").addEventListener("click", function () {
    if (closed) { closed = false; } else { corners.pop(); }
    refresh();
  });
  button("close").addEventListener("click", function () {
    if (corners.length >= 3) { closed = true; holder.style.cursor = ""; }
    refresh();
  });
  map.on("click", function (event) {
    if (!drawing || closed) return;
    var p = event.latlng;
    corners.push([Math.round(p.lng * 1e7) / 1e7, Math.round(p.lat * 1e7) / 1e7]);
    refresh();
  });
})();
