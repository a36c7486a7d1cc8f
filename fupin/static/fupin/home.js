// Home page: bar chart of poor villages (and those exited) per township or county.
(function () {
  "use strict";
  var el = document.getElementById("poor-chart");
  var source = document.getElementById("poor-chart-data");
  if (!el || !source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var chart = window.echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { data: ["贫困村", "已退出"], top: 0 },
    grid: { left: 8, right: 8, bottom: 8, top: 32, containLabel: true },
    // On a phone not every township name fits under its bar: let ECharts skip some.
    xAxis: { type: "category", data: data.names,
             axisLabel: { interval: el.clientWidth < 600 ? "auto" : 0, rotate: 45 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: "贫困村", type: "bar", barMaxWidth: 36, data: data.poor, itemStyle: { color: "#d63939" } },
      { name: "已退出", type: "bar", barMaxWidth: 36, data: data.exited, itemStyle: { color: "#2fb344" } }
    ]
  });
  el.setAttribute("data-rendered", "true");
  window.addEventListener("resize", function () { chart.resize(); });
})();
