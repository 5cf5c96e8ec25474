// Release-time charts: each <canvas data-chart="id"> draws the JSON of the <script id="id">
// the page rendered on the server, with the vendored Chart.js.
(function () {
  "use strict";

  var COLOURS = ["#1f5f99", "#c26a00", "#4c8c2b", "#8a3b8f"];

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") return;
    var spec = JSON.parse(source.textContent);
    var datasets = spec.datasets.map(function (dataset, index) {
      var colour = COLOURS[index % COLOURS.length];
      return {
        label: dataset.label,
        data: dataset.data,
        backgroundColor: colour,
        borderColor: colour,
        spanGaps: true,
        fill: false,
      };
    });
    new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          y: { beginAtZero: true, title: { display: true, text: canvas.dataset.unit || "" } },
        },
      },
    });
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
