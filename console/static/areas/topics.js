// Behaviour of the topics area; app.js holds the shared behaviour.
(function () {
  "use strict";

  // A batch deletion names the topics it deletes: before app.js asks for
  // confirmation (its submit listener is on document, capturing; this one
  // on window runs first), the form's data-confirm is rewritten from the
  // ticked boxes.
  window.addEventListener("submit", function (ev) {
    var f = ev.target;
    if (!f.hasAttribute || !f.hasAttribute("data-confirm-topics")) return;
    var names = [];
    f.querySelectorAll('input[type=checkbox][name="topic"]:checked').forEach(function (b) { names.push(b.value); });
    if (names.length === 0) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
      window.alert("Tick the topics to delete first.");
      return;
    }
    var inst = f.getAttribute("data-instance");
    f.setAttribute("data-confirm", "Delete " + (names.length === 1 ? "topic " : names.length + " topics: ") + names.join(", ") +
      " of instance " + inst + "? Their messages are lost.");
  }, true);
})();
