// Behaviour the templates declare with data- attributes, so that no page needs an inline event
// handler (the Content-Security-Policy allows scripts only from this site or with a nonce).
(function () {
  "use strict";
  // <button data-confirm="Are you sure?">: ask before submitting or following
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  // <button data-print>: print the page
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    }
  });
  // <select data-autosubmit>: submit its form when it changes
  document.addEventListener("change", function (event) {
    var el = event.target.closest("[data-autosubmit]");
    if (el && el.form) el.form.submit();
  });
})();
