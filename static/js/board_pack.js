// A board pack's page while it is queued or running: reload every few seconds until the state changes (the
// server renders ready with the download, or failed with the reason, and stops asking). No inline script.
(function () {
  "use strict";
  var pending = document.querySelector("[data-board-pack-pending]");
  if (!pending) { return; }
  var seconds = parseInt(pending.getAttribute("data-refresh-seconds"), 10) || 3;
  window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
}());
