// The completion rate per month on the compliance page, drawn with the locally served ECharts;
// a click on a month opens its occurrences.
(function () {
  var el = document.getElementById("duty-month-chart");
  var data = document.getElementById("duty-month-data");
  if (!el || !data || !window.echarts) return;
  var rows = JSON.parse(data.textContent);
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + "%"; } },
    grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: rows.map(function (r) { return r.month; }) },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    series: [{ type: "line", connectNulls: false, data: rows.map(function (r) { return r.rate; }), itemStyle: { color: "#198754" } }]
  });
  chart.on("click", function (p) { var r = rows[p.dataIndex]; if (r && r.url) window.location = r.url; });
  window.addEventListener("resize", function () { chart.resize(); });
})();
