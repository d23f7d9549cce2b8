/* The operations list's batch: how many rows are ticked, said in words (a status region read by
   screen readers), a box that ticks the whole page, and the action bar held at the bottom of
   the window while rows are ticked (pacte.css, « .has-selection »). Without this script the
   list works the same: the bar stays below the table, always there. */
(function () {
  "use strict";

  function setUp(form) {
    var boxes = Array.prototype.slice.call(form.querySelectorAll('input[type="checkbox"][name="ids"]'));
    var all = form.querySelector("[data-select-all]");
    var count = form.querySelector("[data-batch-count]");
    if (!boxes.length || !count) {
      return;
    }
    form.classList.add("js-batch");
    count.hidden = false;

    function update() {
      var ticked = boxes.filter(function (box) { return box.checked; }).length;
      form.classList.toggle("has-selection", ticked > 0);
      var s = ticked > 1 ? "s" : "";
      count.textContent = ticked
        ? ticked + " opération" + s + " cochée" + s + " sur cette page."
        : "Aucune opération cochée\u00a0: cochez les lignes à traiter.";
      if (all) {
        all.checked = ticked === boxes.length;
        all.indeterminate = ticked > 0 && ticked < boxes.length;
      }
    }

    if (all) {
      all.hidden = false;
      var fallback = form.querySelector("[data-select-all-fallback]");
      if (fallback) {
        fallback.remove();
      }
      all.addEventListener("change", function () {
        boxes.forEach(function (box) { box.checked = all.checked; });
        update();
      });
    }
    boxes.forEach(function (box) { box.addEventListener("change", update); });
    update();
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-batch]"), setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
