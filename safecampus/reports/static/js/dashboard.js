// The bureau dashboard's charts, drawn with the locally served ECharts (no tiles, no CDN).
// Data comes from the json_script block "dashboard-data"; a click on a bar, slice, point or
// week opens the register filtered to exactly the hazards it counts.
(function () {
  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var charts = [];
  var COLOURS = { red: "#d9302c", orange: "#f08c00", yellow: "#f5c400", blue: "#1c7ed6", none: "#868e96", "": "#ced4da" };
  var STATUS = { reported: "#6c757d", assigned: "#0d6efd", rectifying: "#fd7e14", submitted: "#6f42c1", hard: "#dc3545" };

  function make(id, option, onClick) {
    var el = document.getElementById(id);
    if (!el) return;
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option);
    if (onClick) chart.on("click", onClick);
    charts.push(chart);
  }

  function go(url) { if (url) window.location.href = url; }

  function bars(id, rows, colourOf) {
    if (!rows.length) return empty(id);
    make(id, {
      tooltip: { trigger: "item" },
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return r.label; }),
               axisLabel: { width: 120, overflow: "truncate" } },
      series: [{
        type: "bar",
        data: rows.map(function (r) {
          return { value: r.n, url: r.url, itemStyle: { color: colourOf ? colourOf(r) : "#0d6efd" } };
        }),
        label: { show: true, position: "right" }
      }]
    }, function (p) { go(p.data.url); });
  }

  function pie(id, rows, colourOf) {
    var shown = rows.filter(function (r) { return r.n > 0; });
    if (!shown.length) return empty(id);
    make(id, {
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      series: [{
        type: "pie",
        radius: ["35%", "70%"],
        data: shown.map(function (r) {
          return { name: r.label, value: r.n, url: r.url, itemStyle: { color: colourOf(r) } };
        }),
        label: { formatter: "{b}\n{c}" }
      }]
    }, function (p) { go(p.data.url); });
  }

  function empty(id) {
    var el = document.getElementById(id);
    if (el) { el.style.height = "auto"; el.classList.add("text-muted", "small"); el.textContent = "—"; }
  }

  pie("chart-status", data.status, function (r) { return STATUS[r.key] || "#0d6efd"; });
  pie("chart-colour", data.colour, function (r) { return COLOURS[r.key] || "#868e96"; });
  bars("chart-area", data.area);
  bars("chart-department", data.department);
  bars("chart-stage", data.stage);
  bars("chart-overdue", data.overdue, function () { return "#dc3545"; });

  make("chart-trend", {
    tooltip: { trigger: "axis" },
    legend: { data: [data.labels.new, data.labels.closed] },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.trend.map(function (w) { return w.week; }) },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: data.labels.new, type: "line", data: data.trend.map(function (w) { return { value: w.new, url: w.new_url }; }), itemStyle: { color: "#dc3545" } },
      { name: data.labels.closed, type: "line", data: data.trend.map(function (w) { return { value: w.closed, url: w.closed_url }; }), itemStyle: { color: "#198754" } }
    ]
  }, function (p) { go(p.data.url); });

  function bounds(values) {
    // the schools' extent with a margin, so that one school is not lost in a whole hemisphere
    var lo = Infinity, hi = -Infinity;
    values.forEach(function (v) { if (v < lo) lo = v; if (v > hi) hi = v; });
    var pad = Math.max((hi - lo) * 0.1, 0.02);
    return { min: +(lo - pad).toFixed(3), max: +(hi + pad).toFixed(3) };
  }

  // The map's points come from /dashboard/map.json (40,000 schools for a province), as
  // [school id, name, longitude, latitude, open hazards, worst colour]; a point's register URL
  // is the given one plus its school.
  function drawMap(el, payload) {
    var points = payload.points || [];
    if (!points.length) return empty("chart-map");
    var lon = bounds(points.map(function (p) { return p[2]; }));
    var lat = bounds(points.map(function (p) { return p[3]; }));
    var sep = payload.url.indexOf("?") < 0 ? "?" : "&";
    // one series per colour (the worst drawn last, on top); large mode above 2,000 points
    var groups = {};
    points.forEach(function (p) { (groups[p[5]] = groups[p[5]] || []).push(p); });
    var order = ["", "none", "blue", "yellow", "orange", "red"];
    var series = order.filter(function (c) { return groups[c]; }).map(function (c) {
      var rows = groups[c];
      return {
        type: "scatter",
        large: points.length > 2000,
        largeThreshold: 2000,
        symbolSize: points.length > 2000 ? 5 : function (v) { return 8 + Math.min(v[2], 20); },
        itemStyle: { color: COLOURS[c] || "#ced4da", borderColor: "#495057", borderWidth: points.length > 2000 ? 0 : 0.5 },
        names: rows.map(function (p) { return p[1]; }),
        data: rows.map(function (p) { return [p[2], p[3], p[4], p[0]]; })
      };
    });
    make("chart-map", {
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var row = series[p.seriesIndex].data[p.dataIndex];
          return echarts.format.encodeHTML(series[p.seriesIndex].names[p.dataIndex]) + "<br>" + data.labels.open + ": " + row[2];
        }
      },
      grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", min: lon.min, max: lon.max, name: data.labels.lon, axisLabel: { formatter: "{value}°" } },
      yAxis: { type: "value", min: lat.min, max: lat.max, name: data.labels.lat, axisLabel: { formatter: "{value}°" } },
      series: series.map(function (s) { var copy = Object.assign({}, s); delete copy.names; return copy; })
    }, function (p) {
      var row = series[p.seriesIndex].data[p.dataIndex];
      if (row) go(payload.url + sep + "school=" + row[3]);
    });
  }

  var mapEl = document.getElementById("chart-map");
  if (mapEl && mapEl.dataset.url) {
    fetch(mapEl.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { points: [] }; })
      .then(function (payload) { drawMap(mapEl, payload); })
      .catch(function () { empty("chart-map"); });
  }

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
