// The duty log form: the next shift (接班班次) is asked for a handover only. Without this script
// the field stays visible and the service ignores it for every other kind of entry.
(function () {
  "use strict";
  document.querySelectorAll("[data-log-form]").forEach(function (form) {
    var kind = form.querySelector('[name="kind"]');
    var box = form.querySelector("[data-handover-only]");
    if (!kind || !box) return;
    function update() {
      box.hidden = kind.value !== "handover";
    }
    kind.addEventListener("change", update);
    update();
  });
})();
