// Draws every dashboard chart: an element with data-figure="<id>" gets the plotly figure held as JSON in the
// <script type="application/json" id="<id>"> that Django's json_script wrote. No inline script, so a strict
// content-security policy allows it. The chart is aria-hidden with no mode bar (nothing focusable inside it): the
// table beside it has the same figures for screen readers and print.
(function () {
  "use strict";
  function draw() {
    if (typeof Plotly === "undefined") { return; }
    document.querySelectorAll("[data-figure]").forEach(function (element) {
      var source = document.getElementById(element.getAttribute("data-figure"));
      if (!source) { return; }
      var figure = JSON.parse(source.textContent);
      Plotly.newPlot(element, figure.data, figure.layout, {displaylogo: false, displayModeBar: false, responsive: true}).then(function () {
        element.setAttribute("data-drawn", "true");
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
}());
