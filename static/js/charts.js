// Draws every dashboard chart: an element with data-figure="<id>" gets the plotly figure held as JSON in the
// <script type="application/json" id="<id>"> that Django's json_script wrote. No inline script, so a strict
// content-security policy allows it. The chart is aria-hidden with no mode bar (nothing focusable inside it): the
// table beside it has the same figures for screen readers and print.
// Governing-body papers are printed: before printing each chart is laid out at the width of an A4 landscape page
// (273 mm between 12 mm margins, about 1,000 CSS pixels) and afterwards given back to the screen's width.
// plotly.js styles many SVG elements with setAttribute("style", ...), which the content-security policy blocks as
// an inline style attribute (style-src-attr); the same declarations set through the CSSOM (element.style.cssText)
// are not inline markup and are allowed. So on this page setAttribute("style") goes through the CSSOM: the element
// ends with the same style attribute, and the policy stays without 'unsafe-inline'.
(function () {
  "use strict";
  var setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (typeof name === "string" && name.toLowerCase() === "style" && this.style) {
      this.style.cssText = String(value);
      return;
    }
    setAttribute.call(this, name, value);
  };
}());
(function () {
  "use strict";
  var PRINT_WIDTH = 1000;
  var drawn = [];
  function draw() {
    if (typeof Plotly === "undefined") { return; }
    document.querySelectorAll("[data-figure]").forEach(function (element) {
      var source = document.getElementById(element.getAttribute("data-figure"));
      if (!source) { return; }
      var figure = JSON.parse(source.textContent);
      Plotly.newPlot(element, figure.data, figure.layout, {displaylogo: false, displayModeBar: false, responsive: true}).then(function () {
        drawn.push(element);
        element.setAttribute("data-drawn", "true");
      });
    });
  }
  function forPrint() {
    drawn.forEach(function (element) { Plotly.relayout(element, {width: PRINT_WIDTH}); });
  }
  function forScreen() {
    drawn.forEach(function (element) { Plotly.relayout(element, {width: null, autosize: true}); });
  }
  window.addEventListener("beforeprint", forPrint);
  window.addEventListener("afterprint", forScreen);
  if (window.matchMedia) {  // emulated print media (and browsers that skip the events) are seen here
    var print = window.matchMedia("print");
    var changed = function (event) { if (event.matches) { forPrint(); } else { forScreen(); } };
    if (print.addEventListener) { print.addEventListener("change", changed); } else if (print.addListener) { print.addListener(changed); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
}());
