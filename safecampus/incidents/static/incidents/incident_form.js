// The incident report form: the reporting limits of the chosen type and grade, and the box for
// names and private details shown only for a restricted case (bullying, abuse, or restricted by
// the centre), and one submission per tap. Without this script every part stays visible with its
// hint.
(function () {
  "use strict";
  var form = document.getElementById("incident-form");
  if (!form) return;
  function json(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  var limits = json("limit-map") || {};
  var restrictedTypes = json("restricted-types") || [];
  var type = form.querySelector('[name="incident_type"]');
  var severity = form.querySelector('[name="severity"]');
  var restricted = form.querySelector('[name="restricted"]');
  var line = document.getElementById("limits-line");
  var notice = document.getElementById("restricted-notice");
  var box = document.getElementById("private-box");

  function update() {
    var key = (type ? type.value : "") + "|" + (severity ? severity.value : "");
    if (line) line.textContent = limits[key] || "";
    var byType = type && restrictedTypes.indexOf(type.value) !== -1;
    var isRestricted = byType || (restricted && restricted.checked);
    if (notice) notice.hidden = !byType;
    if (box) {
      var text = box.querySelector("textarea");
      box.hidden = !isRestricted && !(text && text.value);
    }
  }
  [type, severity, restricted].forEach(function (el) {
    if (el) el.addEventListener("change", update);
  });
  update();

  // A second tap on a slow network must not report the incident twice.
  form.addEventListener("submit", function (event) {
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    var button = form.querySelector('[type="submit"]');
    if (button) {
      button.disabled = true;
      if (button.dataset.sending) button.textContent = button.dataset.sending;
    }
  });
})();
