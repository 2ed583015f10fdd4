// The HTML report's filters and search (inlined into the page; no network, no libraries).
// Without JavaScript every finding is shown and the controls stay hidden.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var findings = Array.prototype.slice.call(document.querySelectorAll(".finding"));
  var toggles = Array.prototype.slice.call(document.querySelectorAll("[data-sev-toggle]"));
  var groups = Array.prototype.slice.call(document.querySelectorAll(".finding-group"));
  var search = document.getElementById("search");
  var status = document.getElementById("filter-status");
  var noMatch = document.getElementById("no-match");
  var expand = document.getElementById("expand-all");

  function enabled() {
    var on = {};
    toggles.forEach(function (b) {
      if (b.getAttribute("aria-pressed") === "true") { on[b.getAttribute("data-sev-toggle")] = true; }
    });
    return on;
  }

  function setSeverity(sev, pressed) {
    toggles.forEach(function (b) {
      if (b.getAttribute("data-sev-toggle") === sev) { b.setAttribute("aria-pressed", pressed ? "true" : "false"); }
    });
  }

  function apply() {
    var on = enabled();
    var query = search ? search.value.trim().toLowerCase() : "";
    var shown = 0;
    findings.forEach(function (f) {
      var ok = !!on[f.getAttribute("data-severity")] &&
        (!query || (f.getAttribute("data-search") || "").indexOf(query) !== -1);
      f.hidden = !ok;
      if (ok) { shown += 1; }
    });
    groups.forEach(function (g) { g.hidden = !g.querySelector(".finding:not([hidden])"); });
    if (status) { status.textContent = "Showing " + shown + " of " + findings.length + " findings"; }
    if (noMatch) { noMatch.hidden = shown !== 0 || findings.length === 0; }
    document.body.setAttribute("data-shown", String(shown));
  }

  function setExpanded(open) {
    document.querySelectorAll("details.evidence").forEach(function (d) { d.open = open; });
    if (expand) { expand.textContent = open ? "Collapse all evidence" : "Expand all evidence"; }
    if (expand) { expand.setAttribute("data-open", open ? "true" : "false"); }
  }

  toggles.forEach(function (b) {
    b.addEventListener("click", function () {
      var sev = b.getAttribute("data-sev-toggle");
      setSeverity(sev, b.getAttribute("aria-pressed") !== "true");
      apply();
    });
  });
  if (search) { search.addEventListener("input", apply); }
  if (expand) {
    expand.addEventListener("click", function () { setExpanded(expand.getAttribute("data-open") !== "true"); });
  }
  // printing shows all evidence
  window.addEventListener("beforeprint", function () { setExpanded(true); });

  // ?filter=critical,error  ?q=text  ?expand=1: links into the report, and the browser test
  var params = new URLSearchParams(window.location.search);
  if (params.has("filter")) {
    var wanted = params.get("filter").toLowerCase().split(",");
    toggles.forEach(function (b) {
      var sev = b.getAttribute("data-sev-toggle");
      b.setAttribute("aria-pressed", wanted.indexOf(sev) !== -1 ? "true" : "false");
    });
  }
  if (params.has("q") && search) { search.value = params.get("q"); }
  if (params.get("expand") === "1") { setExpanded(true); }
  apply();
})();
