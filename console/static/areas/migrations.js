// Behaviour of the migrations area; app.js holds the shared behaviour.
// The new-migration form shows the SASL fields only with a SASL protocol
// and the CA field only with SASL_SSL, and turns the hidden ones off so
// they are not sent (the API refuses a user or a mechanism with
// PLAINTEXT). Without this script every field stays visible.
(function () {
  "use strict";
  function show(box, on) {
    if (!box) return;
    // A field a refusal names stays in sight.
    if (box.querySelector('[aria-invalid="true"]')) on = true;
    box.hidden = !on;
    box.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !on; });
  }
  function sync(scope) {
    scope.querySelectorAll("[data-source-protocol]").forEach(function (sel) {
      var form = sel.closest("form");
      show(form.querySelector("[data-source-sasl]"), sel.value !== "PLAINTEXT");
      show(form.querySelector("[data-source-tls]"), sel.value === "SASL_SSL");
    });
  }
  document.addEventListener("change", function (ev) {
    if (ev.target.hasAttribute && ev.target.hasAttribute("data-source-protocol")) sync(ev.target.closest("form"));
  });
  document.addEventListener("DOMContentLoaded", function () { sync(document); });
  document.addEventListener("htmx:afterSettle", function () { sync(document); });
})();
