// Filling in a self-inspection form: every card's autosave is either kept or plainly not kept,
// and an answer that arrives late never replaces a newer choice on the page.
//
// - Each change of a card gets a sequence number higher than any the card has seen (the time in
//   ms, or one more than the last). It travels with the card's fields as `a<id>-seq`; the server
//   skips a row whose number is lower than the one it last saved for that answer.
// - A response whose card carries a lower number than the card on the page answers an earlier
//   change: it is not swapped in (the newer change is on its way, queued by HTMX on the same
//   element, which therefore must stay in the page).
// - While a card's save is under way it says "Saving…"; if the request fails (network, server
//   error) it says "Not saved" with a Retry button, and the page asks before it is left.
// - The Save, Submit and "all compliant in this section" buttons disable themselves once the
//   form is sent, so a double tap sends it once; the one tapped says what it is doing.
// - After a refused submission the page opens at the first item at fault.
(function () {
  "use strict";
  var form = document.getElementById("fill");
  if (!form || !window.htmx) return;
  var text = form.dataset;
  var pending = {}; // card id -> requests in flight
  var failed = {}; // card id -> true while its last change is not saved
  var sending = false;

  function cardOf(el) {
    return el && el.closest ? el.closest(".answer-card") : null;
  }

  function seqInput(card) {
    return card.querySelector('input[name="' + card.id + '-seq"]');
  }

  function note(card, cls, message, testid, retry) {
    var box = document.getElementById(card.id + "-saved");
    if (!box) return;
    var div = document.createElement("div");
    div.className = "small mt-1 " + cls;
    div.setAttribute("data-testid", testid);
    div.textContent = message;
    if (retry) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-link btn-sm p-0 ms-2 align-baseline";
      button.setAttribute("data-retry", card.id);
      button.setAttribute("data-testid", "retry-" + card.id);
      button.textContent = text.msgRetry;
      div.appendChild(button);
    }
    box.replaceChildren(div);
  }

  function busy() {
    for (var id in pending) if (pending[id] > 0) return true;
    for (var id2 in failed) if (failed[id2]) return true;
    return false;
  }

  // Number every change before HTMX reads the card (capture runs before its handlers).
  form.addEventListener(
    "change",
    function (event) {
      var card = cardOf(event.target);
      if (!card || event.target.type === "file") return;
      var input = seqInput(card);
      if (!input) return;
      var seq = Math.max(Date.now(), Number(input.value || 0) + 1, Number(card.dataset.seq || 0) + 1);
      input.value = String(seq);
      card.dataset.seq = String(seq);
    },
    true
  );

  // Requests are followed through their XHR: an element swapped out of the page no longer
  // passes its events up to the document.
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var card = cardOf(event.detail.elt);
    if (!card || !form.contains(card) || !event.detail.xhr) return;
    var id = card.id;
    pending[id] = (pending[id] || 0) + 1;
    note(card, "text-muted", text.msgSaving, "saving-" + id, false);
    event.detail.xhr.addEventListener("loadend", function (done) {
      var xhr = done.target;
      pending[id] = Math.max(0, (pending[id] || 0) - 1);
      var live = document.getElementById(id);
      if (!(xhr.status >= 200 && xhr.status < 300)) {
        failed[id] = true;
        if (live) note(live, "text-danger", text.msgUnsaved, "unsaved-" + id, true);
      } else if (live && live.querySelector('[data-testid^="unsaved-"]')) {
        failed[id] = true; // refused: the card says why
      } else if (!pending[id]) {
        delete failed[id];
      }
    });
  });

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var card = cardOf(event.detail.elt);
    if (!card || !event.detail.shouldSwap) return;
    var live = document.getElementById(card.id);
    var match = /data-seq="(\d+)"/.exec(event.detail.serverResponse || "");
    if (live && match && Number(match[1]) < Number(live.dataset.seq || 0)) {
      event.detail.shouldSwap = false; // an earlier change's answer: keep the newer choice
    }
  });

  form.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-retry]") : null;
    if (!button) return;
    var card = document.getElementById(button.getAttribute("data-retry"));
    var autosave = card && card.querySelector(".autosave");
    if (autosave) htmx.trigger(autosave, "change");
  });

  form.addEventListener("submit", function (event) {
    if (sending) {
      event.preventDefault(); // a second tap while the first is on its way
      return;
    }
    sending = true;
    var submitter = event.submitter;
    // disable after the browser has taken the button's formaction for this submission
    window.setTimeout(function () {
      form.querySelectorAll('button[type="submit"]').forEach(function (button) {
        button.disabled = true;
      });
      if (submitter && submitter.dataset.busy) {
        submitter.setAttribute("aria-busy", "true");
        submitter.lastChild.textContent = " " + submitter.dataset.busy;
      }
    }, 0);
  });

  // Back to the page from the browser's cache: the buttons work again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    sending = false;
    form.querySelectorAll('button[type="submit"]').forEach(function (button) {
      button.disabled = false;
    });
  });

  // A refused submission: bring the first item at fault into view (the list of them is at the
  // top of the page, each a link to its item).
  var firstFault = document.getElementById("form-errors") && form.querySelector(".answer-card.border-danger");
  if (firstFault && !window.location.hash) {
    firstFault.scrollIntoView({ block: "start", behavior: "instant" });
  }

  window.addEventListener("beforeunload", function (event) {
    if (sending || !busy()) return;
    event.preventDefault();
    event.returnValue = text.msgLeave;
    return text.msgLeave;
  });
})();
