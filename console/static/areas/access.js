// Behaviour of the access area; app.js holds the shared behaviour (copy
// buttons, confirmations). Added here: a one-time token secret is
// selected when the page shows it, so it can be copied by keyboard even
// where the clipboard API is not allowed.
(function () {
  "use strict";
  function selectSecret(scope) {
    var el = scope.querySelector && scope.querySelector("#token-secret");
    if (!el || el.getAttribute("data-selected")) return;
    el.setAttribute("data-selected", "1");
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }
  document.addEventListener("DOMContentLoaded", function () { selectSecret(document); });
  document.addEventListener("htmx:afterSettle", function (ev) { selectSecret(ev.detail.elt || document); });
})();
