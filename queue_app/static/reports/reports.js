/* The reports page: two charts drawn by Chart.js (Debian's libjs-chart.js, served by Tabour), from the
   figures the page carries. Without Chart.js the tables say it all. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var print = document.getElementById("print");
  if (print) print.addEventListener("click", function () { window.print(); });
  if (!window.Chart) return;
  var font = { family: getComputedStyle(document.body).fontFamily };
  window.Chart.defaults.font.family = font.family;
  window.Chart.defaults.animation = false;  // a report, not a show; and printing sees the bars at once
  var labels = data.labels.map(function (names) { return names[data.lang] || names.ar; });
  var x = { reverse: data.rtl };
  new window.Chart(document.getElementById("chart-waits"), {
    type: "bar",
    data: {
      labels: labels,
      datasets: [
        { label: data.words.mean, data: data.mean, backgroundColor: "#0b6e4f" },
        { label: data.words.p90, data: data.p90, backgroundColor: "#9bbfae" },
        { label: data.words.target, data: data.target, type: "line", borderColor: "#9b1c14", pointRadius: 3, showLine: false },
      ],
    },
    options: { scales: { x: x, y: { beginAtZero: true, position: data.rtl ? "right" : "left" } }, plugins: { legend: { rtl: data.rtl } } },
  });
  new window.Chart(document.getElementById("chart-hours"), {
    type: "bar",
    data: {
      labels: data.hours.map(function (_, h) { return (h < 10 ? "0" : "") + h; }),
      datasets: [{ label: data.words.arrivals, data: data.hours, backgroundColor: "#14213d" }],
    },
    options: { scales: { x: x, y: { beginAtZero: true, position: data.rtl ? "right" : "left" } }, plugins: { legend: { display: false } } },
  });
  document.getElementById("report").dataset.charts = "drawn";
})();
