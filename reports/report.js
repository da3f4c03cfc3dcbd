(function () {
  "use strict";
  var root = document.documentElement;
  root.className = root.className.replace("no-js", "js");

  var text = document.getElementById("filter-text");
  var severity = document.getElementById("filter-severity");
  var status = document.getElementById("filter-status");
  var shown = document.getElementById("filter-count");
  var groups = Array.prototype.slice.call(document.querySelectorAll("details.rule"));
  var sections = Array.prototype.slice.call(document.querySelectorAll("section.principle"));
  var details = Array.prototype.slice.call(document.querySelectorAll("details"));

  function apply() {
    var needle = text.value.trim().toLowerCase();
    var sev = severity.value;
    var st = status.value;
    var count = 0;
    groups.forEach(function (g) {
      var ok = (!sev || g.getAttribute("data-severity") === sev) &&
        (!st || g.getAttribute("data-status") === st) &&
        (!needle || g.textContent.toLowerCase().indexOf(needle) !== -1);
      g.hidden = !ok;
      if (ok) { count += 1; }
    });
    sections.forEach(function (s) {
      s.hidden = s.querySelector("details.rule:not([hidden])") === null &&
        s.querySelector("details.rule") !== null;
    });
    shown.textContent = count + " of " + groups.length + " rules shown";
  }

  function setOpen(open) {
    groups.forEach(function (g) { if (!g.hidden) { g.open = open; } });
  }

  if (text && severity && status && shown) {
    text.addEventListener("input", apply);
    severity.addEventListener("change", apply);
    status.addEventListener("change", apply);
    document.getElementById("expand-all").addEventListener("click", function () { setOpen(true); });
    document.getElementById("collapse-all").addEventListener("click", function () { setOpen(false); });
    apply();
  }

  // Printing shows everything: open every <details>, restore afterwards.
  var before = [];
  window.addEventListener("beforeprint", function () {
    before = details.map(function (d) { return d.open; });
    details.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    details.forEach(function (d, i) { d.open = before[i]; });
  });

  root.setAttribute("data-ready", "1");
}());
