// The /audit/ filter: show the findings of one rule and/or one department.
// The page lists every finding without this script; the form stays hidden until it runs.
(function () {
  "use strict";
  var form = document.getElementById("audit-filter");
  if (!form) { return; }
  var rule = form.elements.namedItem("rule");
  var dept = form.elements.namedItem("department");
  var count = form.querySelector(".audit-count");
  var items = Array.prototype.slice.call(document.querySelectorAll(".audit-list > li"));
  var groups = Array.prototype.slice.call(document.querySelectorAll(".audit-group"));

  function apply() {
    var shown = 0;
    items.forEach(function (li) {
      var visible = (!rule.value || li.getAttribute("data-rule") === rule.value) &&
        (!dept.value || li.getAttribute("data-department") === dept.value);
      li.hidden = !visible;
      if (visible) { shown += 1; }
    });
    groups.forEach(function (g) {
      g.hidden = !g.querySelector(".audit-list > li:not([hidden])");
    });
    count.textContent = form.getAttribute("data-shown")
      .replace("{shown}", String(shown)).replace("{total}", String(items.length));
    var query = [];
    if (rule.value) { query.push("rule=" + encodeURIComponent(rule.value)); }
    if (dept.value) { query.push("department=" + encodeURIComponent(dept.value)); }
    history.replaceState(null, "", query.length ? "?" + query.join("&") : location.pathname);
  }

  // Start from ?rule=…&department=… so a filtered view can be linked to.
  var params = new URLSearchParams(location.search);
  [[rule, "rule"], [dept, "department"]].forEach(function (pair) {
    var wanted = params.get(pair[1]);
    if (wanted && Array.prototype.some.call(pair[0].options, function (o) { return o.value === wanted; })) {
      pair[0].value = wanted;
    }
  });
  form.hidden = false;
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  apply();
}());
