// Behaviour of the instances area; app.js holds the shared behaviour.
// The create wizard shows the SASL fields only while SASL_SSL is chosen;
// without this script they simply stay visible. After a refused form
// comes back, the field the refusal names gets the focus.
(function () {
  "use strict";
  function syncSASL(scope) {
    var box = scope.querySelector("[data-sasl-fields]");
    if (!box) return;
    var form = box.closest("form");
    var chosen = form.querySelector('input[name="security_protocol"]:checked');
    box.hidden = !chosen || chosen.value !== "SASL_SSL";
  }
  document.addEventListener("change", function (ev) {
    if (ev.target.name === "security_protocol") syncSASL(ev.target.closest("form"));
  });
  document.addEventListener("DOMContentLoaded", function () {
    syncSASL(document);
    focusRefused();
  });
  // Only when nothing inside the page has the focus: a live section's
  // poll must not move it.
  function focusRefused() {
    var bad = document.querySelector('main [aria-invalid="true"]');
    var active = document.activeElement;
    if (bad && (!active || active === document.body || !document.querySelector("main").contains(active))) bad.focus();
  }
  document.addEventListener("htmx:afterSettle", function () {
    syncSASL(document);
    focusRefused();
  });
})();
