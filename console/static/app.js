// Streamplane console behaviour. Loaded as a file (the CSP allows no
// inline script); everything hangs off data- attributes, and is wired
// again after htmx swaps content in.
(function () {
  "use strict";

  // Theme: the user's choice, kept in localStorage, else the system's.
  var root = document.documentElement;
  var saved = localStorage.getItem("streamplane-theme");
  if (saved) root.setAttribute("data-theme", saved);
  function currentTheme() {
    var t = root.getAttribute("data-theme");
    if (t) return t;
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  document.addEventListener("click", function (ev) {
    var t = ev.target.closest("[data-theme-toggle]");
    if (t) {
      var next = currentTheme() === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      localStorage.setItem("streamplane-theme", next);
      return;
    }
    // Copy buttons: data-copy holds the text.
    var c = ev.target.closest("[data-copy]");
    if (c) {
      navigator.clipboard.writeText(c.getAttribute("data-copy")).then(function () {
        var was = c.textContent;
        c.textContent = "Copied";
        setTimeout(function () { c.textContent = was; }, 1500);
      });
      return;
    }
    // Select-all checkboxes: data-select-all names the checkboxes' name.
    var all = ev.target.closest("[data-select-all]");
    if (all) {
      document.querySelectorAll('input[type=checkbox][name="' + all.getAttribute("data-select-all") + '"]').forEach(function (b) { b.checked = all.checked; });
    }
  });

  // Confirmation of destructive forms: data-confirm on the form, or on
  // the submit button that does the damage (a form that also previews).
  document.addEventListener("submit", function (ev) {
    var f = ev.target;
    var by = ev.submitter;
    var msg = (by && by.getAttribute("data-confirm")) || (f.getAttribute && f.getAttribute("data-confirm"));
    if (msg && !window.confirm(msg)) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
    }
  }, true);
  // (The capture-phase listener runs before htmx's own on a boosted form,
  // so a refusal stops the request and there is no second question.)

  // Charts: <div class="chart" data-chart="/url/returning/json">. The JSON
  // is {"title":..., "unit":..., "from": unix s, "to": unix s, "times":[unix s...],
  // "series":[{"label":...,"values":[...]}]}; from and to are optional.
  var palette = ["#0b5cad", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#0a7b83", "#6e7781"];
  function drawCharts(scope) {
    if (typeof uPlot === "undefined") return;
    scope.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.getAttribute("data-drawn")) return;
      el.setAttribute("data-drawn", "1");
      fetch(el.getAttribute("data-chart"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
        .then(function (d) {
          el.textContent = "";
          el.setAttribute("data-points", String(d.times.length));
          if (d.times.length === 0) {
            el.textContent = "No data points in this time range yet.";
            return;
          }
          var dark = currentTheme() === "dark";
          var axis = { stroke: dark ? "#9aa4b0" : "#5b6470", grid: { stroke: dark ? "#2d353f" : "#e4e8ec" } };
          var width = function () { return Math.max(el.clientWidth - 16, 260); };
          var opts = {
            title: d.title, width: width(), height: 220,
            series: [{}].concat(d.series.map(function (s, i) { return { label: s.label, stroke: palette[i % palette.length], width: 1.5 }; })),
            axes: [axis, Object.assign({ label: d.unit }, axis)]
          };
          // The time axis spans the range asked for, not just the points
          // there are: one point in the last hour is drawn in the hour.
          if (typeof d.from === "number" && typeof d.to === "number" && d.to > d.from) {
            opts.scales = { x: { time: true, range: [d.from, d.to] } };
          }
          var plot = new uPlot(opts, [d.times].concat(d.series.map(function (s) { return s.values; })), el);
          if (typeof ResizeObserver !== "undefined") {
            new ResizeObserver(function () { plot.setSize({ width: width(), height: 220 }); }).observe(el);
          }
        })
        .catch(function (e) { el.textContent = "The chart could not be loaded: " + e.message; });
    });
  }

  // Live tail: <tbody data-tail="/url/of/event/stream" data-tail-max="200">.
  // Each event's data is a table row (HTML made safe by the server).
  var tails = [];
  function startTails(scope) {
    scope.querySelectorAll("[data-tail]").forEach(function (el) {
      if (el.getAttribute("data-tailing")) return;
      el.setAttribute("data-tailing", "1");
      var max = parseInt(el.getAttribute("data-tail-max") || "200", 10);
      var es = new EventSource(el.getAttribute("data-tail"));
      tails.push(es);
      var status = document.getElementById(el.getAttribute("data-tail-status") || "");
      es.addEventListener("record", function (ev) {
        var t = document.createElement("template");
        t.innerHTML = ev.data;
        el.insertBefore(t.content, el.firstChild);
        while (el.children.length > max) el.removeChild(el.lastChild);
      });
      es.addEventListener("status", function (ev) { if (status) status.textContent = ev.data; });
      // A stream the server ended for good (its time is up) is CLOSED:
      // keep the server's last word then; otherwise the browser retries.
      es.onerror = function () {
        if (!status) return;
        if (es.readyState === EventSource.CLOSED) {
          if (!status.textContent) status.textContent = "The live tail has ended.";
        } else {
          status.textContent = "Disconnected; retrying…";
        }
      };
    });
  }
  function stopTails() {
    tails.forEach(function (es) { es.close(); });
    tails = [];
  }

  // A table wider than its frame scrolls inside it; keyboard users reach
  // the scroll through focus, and screen readers hear its caption.
  function focusableScrolls(scope) {
    scope.querySelectorAll(".table-wrap").forEach(function (w) {
      if (w.scrollWidth > w.clientWidth && !w.hasAttribute("tabindex")) {
        w.setAttribute("tabindex", "0");
        if (!w.hasAttribute("role")) w.setAttribute("role", "region");
        var cap = w.querySelector("caption");
        if (cap && !w.hasAttribute("aria-label")) w.setAttribute("aria-label", cap.textContent.trim());
      }
    });
  }

  function wire(scope) {
    focusableScrolls(scope);
    drawCharts(scope);
    startTails(scope);
  }
  document.addEventListener("DOMContentLoaded", function () { wire(document); });
  document.addEventListener("htmx:beforeSwap", function (ev) {
    if (ev.detail.target === document.body) stopTails();
  });
  document.addEventListener("htmx:afterSettle", function (ev) { wire(ev.detail.elt || document); });
})();
