/* On-time rate by unit as a horizontal bar chart (Chart.js, served locally). */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var canvas = document.getElementById("on-time-chart");
  var box = canvas.parentNode;  /* sized here, not by a style attribute: the CSP allows no inline style */
  box.style.height = box.getAttribute("data-height") + "px";
  var chart = new Chart(canvas, {
    type: "bar",
    data: {labels: data.labels, datasets: [{label: data.title, data: data.rates, backgroundColor: data.rates.map(function (r) {
      return r === null ? "#c5cad3" : r >= 90 ? "#2e8b57" : r >= 70 ? "#d99a00" : "#c8272d";
    })}]},
    options: {indexAxis: "y", maintainAspectRatio: false, animation: false,
      scales: {x: {min: 0, max: 100, ticks: {callback: function (v) { return v + "%"; }}}},
      plugins: {legend: {display: false}}}
  });
  canvas.dataset.ready = "1";
  canvas.dataset.bars = String(chart.data.labels.length);
})();
