/* disclose: sort and filter the tables marked data-sortable.
 *
 * Progressive enhancement: without this script the tables are complete and readable. With it,
 * every column header becomes a button that sorts the rows (numbers by the cells' data-value,
 * text in the page's language), the sorted header carries aria-sort, and a labelled search
 * field above the table hides the rows that do not contain its text. The interface words come
 * from the data- attributes of this script's own <script> element, which the templates fill
 * from the message catalogue, so the script itself holds no language.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var words = {
    filter: (script && script.dataset.filter) || "Filter",
    shown: (script && script.dataset.shown) || "{shown} / {total}",
    sort: (script && script.dataset.sort) || "Sort"
  };
  var collator = null;  // made at the first sort: it loads the language's tables, which take a while

  function compare(a, b) {
    collator = collator || new Intl.Collator(document.documentElement.lang || "zh-CN",
                                             { numeric: true, sensitivity: "base" });
    return collator.compare(a, b);
  }

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) { return { number: null, text: "" }; }
    var raw = cell.getAttribute("data-value");
    var number = raw === null || raw === "" ? null : Number(raw);
    return { number: number !== null && isFinite(number) ? number : null, text: cell.textContent.trim() };
  }

  function isNumeric(rows, index) {
    return rows.some(function (row) {
      var cell = row.cells[index];
      return cell && cell.hasAttribute("data-value");
    });
  }

  function sortBy(table, headers, index, buttons) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var current = headers[index].getAttribute("aria-sort");
    var direction = current === "ascending" ? -1 : 1;
    var numeric = isNumeric(rows, index);
    var keyed = rows.map(function (row, position) {
      return { row: row, value: cellValue(row, index), position: position };
    });
    keyed.sort(function (x, y) {
      var a = x.value, b = y.value;
      if (numeric && (a.number === null) !== (b.number === null)) {
        return a.number === null ? 1 : -1;  // rows without a figure go last either way
      }
      var order = numeric ? (a.number || 0) - (b.number || 0) : compare(a.text, b.text);
      return order * direction || x.position - y.position;
    });
    keyed.forEach(function (item) { body.appendChild(item.row); });
    headers.forEach(function (th, i) {
      if (i === index) {
        th.setAttribute("aria-sort", direction === 1 ? "ascending" : "descending");
      } else {
        th.removeAttribute("aria-sort");
      }
    });
    buttons[index].focus();
  }

  function addFilter(table, count) {
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var tools = document.createElement("div");
    tools.className = "table-tools";
    var id = "table-filter-" + count;
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = words.filter;
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.autocomplete = "off";
    var status = document.createElement("p");
    status.className = "table-status";
    status.setAttribute("role", "status");
    tools.appendChild(label);
    tools.appendChild(input);
    tools.appendChild(status);
    var anchor = table.closest(".table-scroll") || table;
    anchor.parentNode.insertBefore(tools, anchor);

    function apply() {
      var query = input.value.trim().toLowerCase();
      var shown = 0;
      rows.forEach(function (row) {
        var match = !query || row.textContent.toLowerCase().indexOf(query) !== -1;
        row.hidden = !match;
        if (match) { shown += 1; }
      });
      status.textContent = query ? words.shown.replace("{shown}", shown).replace("{total}", rows.length) : "";
    }
    input.addEventListener("input", apply);
  }

  function enhance(table, count) {
    if (!table.tHead || !table.tBodies.length) { return; }
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var buttons = headers.map(function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.title = words.sort;
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      button.addEventListener("click", function () { sortBy(table, headers, index, buttons); });
      return button;
    });
    addFilter(table, count);
    table.classList.add("enhanced");
  }

  function start() {
    var tables = document.querySelectorAll("table[data-sortable]");
    Array.prototype.forEach.call(tables, function (table, i) { enhance(table, i + 1); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
