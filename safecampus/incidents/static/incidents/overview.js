// The incident figures by type and by grade, drawn with the locally served ECharts; a click on
// a bar opens the incident list filtered to it.
(function () {
  var data = document.getElementById("incident-chart-data");
  if (!data || !window.echarts) return;
  var rows = JSON.parse(data.textContent);
  function bars(id, items, colour) {
    var el = document.getElementById(id);
    if (!el) return;
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "item" },
      grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: items.map(function (r) { return r.label; }) },
      series: [{ type: "bar", data: items.map(function (r) { return r.n; }), itemStyle: { color: colour } }]
    });
    chart.on("click", function (p) { var r = items[p.dataIndex]; if (r && r.url) window.location = r.url; });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  bars("incident-type-chart", rows.types, "#0d6efd");
  bars("incident-grade-chart", rows.grades, "#dc3545");
})();
