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
    var lo = Math.min.apply(null, values), hi = Math.max.apply(null, values);
    var pad = Math.max((hi - lo) * 0.1, 0.02);
    return { min: +(lo - pad).toFixed(3), max: +(hi + pad).toFixed(3) };
  }

  if (data.map.length) {
    var lon = bounds(data.map.map(function (s) { return s.lon; }));
    var lat = bounds(data.map.map(function (s) { return s.lat; }));
    make("chart-map", {
      tooltip: {
        trigger: "item",
        formatter: function (p) { return p.data.name + "<br>" + data.labels.open + ": " + p.data.open; }
      },
      grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", min: lon.min, max: lon.max, name: data.labels.lon, axisLabel: { formatter: "{value}°" } },
      yAxis: { type: "value", min: lat.min, max: lat.max, name: data.labels.lat, axisLabel: { formatter: "{value}°" } },
      series: [{
        type: "scatter",
        symbolSize: function (v, p) { return 8 + Math.min(p.data.open, 20); },
        data: data.map.map(function (s) {
          return { name: s.name, value: [s.lon, s.lat], open: s.open, url: s.url,
                   itemStyle: { color: COLOURS[s.colour] || "#ced4da", borderColor: "#495057", borderWidth: 0.5 } };
        })
      }]
    }, function (p) { go(p.data.url); });
  } else {
    empty("chart-map");
  }

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
