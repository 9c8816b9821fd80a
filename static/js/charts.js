// Charts drawn with the locally served ECharts; data comes from json_script blocks.
(function () {
  var el = document.getElementById("stage-chart");
  var data = document.getElementById("stage-data");
  if (!el || !data || !window.echarts) return;
  var rows = JSON.parse(data.textContent);
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: { trigger: "item" },
    grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return r.label; }) },
    series: [{ type: "bar", data: rows.map(function (r) { return r.n; }), itemStyle: { color: "#0d6efd" } }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
