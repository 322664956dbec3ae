// Draws every chart of the page from its data-figure attribute (a plotly figure built on the server).
// plotly.js (served from the installed plotly package) is loaded only on pages that have charts: it is
// large, and most pages are tables.
"use strict";
(function () {
  const charts = document.querySelectorAll(".chart[data-figure]");
  if (charts.length === 0) { return; }
  const config = { displaylogo: false, responsive: true };
  const script = document.createElement("script");
  script.src = "/static/vendor/plotly.min.js";
  script.addEventListener("load", function () {
    for (const el of charts) {
      const figure = JSON.parse(el.dataset.figure);
      window.Plotly.newPlot(el, figure.data, figure.layout, config).then(function () {
        el.classList.add("drawn");
      });
    }
  });
  document.head.appendChild(script);
})();
