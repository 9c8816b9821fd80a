// The open cluster alerts' countdown, kept current while the page stays open: every 30 seconds
// each badge says the minutes left, or turns red with the minutes late once the deadline passed.
(function () {
  var badges = document.querySelectorAll("[data-due]");
  if (!badges.length) return;
  function tick() {
    var now = Date.now();
    badges.forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-due"));
      if (isNaN(due)) return;
      var minutes = Math.floor(Math.abs(due - now) / 60000);
      var late = now > due;
      el.textContent = el.getAttribute(late ? "data-late" : "data-left").replace("__M__", minutes);
      el.classList.toggle("text-bg-warning", !late);
      el.classList.toggle("text-bg-danger", late);
    });
  }
  setInterval(tick, 30000);
})();
