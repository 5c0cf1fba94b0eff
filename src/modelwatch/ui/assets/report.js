// modelwatch report: filter and order the feature cards, sort the violations table (and the dashboard's
// sortable tables). No dependencies.
(function () {
  "use strict";

  function setUpFeatures(report) {
    var toolbar = report.querySelector(".mw-toolbar");
    var list = report.querySelector(".mw-features");
    if (!toolbar || !list) return;
    var only = toolbar.querySelector(".mw-only-violating");
    var search = toolbar.querySelector(".mw-search");
    var order = toolbar.querySelector(".mw-order");
    var shown = toolbar.querySelector(".mw-shown");
    var cards = Array.prototype.slice.call(list.querySelectorAll(".mw-feature"));

    function filter() {
      var needle = search.value.trim().toLowerCase();
      var count = 0;
      cards.forEach(function (card) {
        var hide = (only.checked && card.dataset.violations === "0") ||
          (needle !== "" && card.dataset.name.indexOf(needle) < 0);
        card.hidden = hide;
        if (!hide) count += 1;
      });
      shown.textContent = count + " of " + cards.length + " shown";
    }

    function reorder() {
      var key = order.value;
      var sorted = cards.slice().sort(function (a, b) {
        var byOrder = Number(a.dataset.order) - Number(b.dataset.order);
        if (key === "violations") return (Number(b.dataset.violations) - Number(a.dataset.violations)) || byOrder;
        if (key === "drift") return (Number(b.dataset.drift) - Number(a.dataset.drift)) || byOrder;
        return byOrder;
      });
      sorted.forEach(function (card) { list.appendChild(card); });
    }

    only.addEventListener("change", filter);
    search.addEventListener("input", filter);
    order.addEventListener("change", reorder);
    toolbar.hidden = false;
    filter();
  }

  // A header cell's data-sort="number" orders by each cell's data-value (empty values last); otherwise by text.
  function cellKey(cell, numeric) {
    if (!numeric) return cell.textContent;
    var value = cell.dataset.value;
    return value === undefined || value === "" ? null : Number(value);
  }

  function compare(left, right, numeric) {
    if (!numeric) return left.localeCompare(right, undefined, { numeric: true });
    return left - right;
  }

  function setUpTable(table) {
    var body = table.tBodies[0];
    table.querySelectorAll(".mw-sort").forEach(function (button) {
      button.addEventListener("click", function () {
        var column = Number(button.dataset.column);
        var header = button.parentElement;
        var numeric = header.dataset.sort === "number";
        var ascending = header.getAttribute("aria-sort") !== "ascending";
        table.querySelectorAll("th[aria-sort]").forEach(function (other) { other.removeAttribute("aria-sort"); });
        header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var left = cellKey(a.cells[column], numeric), right = cellKey(b.cells[column], numeric);
          if (left === null || right === null) return (left === null) - (right === null);
          return (ascending ? 1 : -1) * compare(left, right, numeric);
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function start() {
    document.querySelectorAll(".mw-report").forEach(function (report) {
      setUpFeatures(report);
      report.querySelectorAll(".mw-violations").forEach(setUpTable);
    });
    document.querySelectorAll("table.mw-sortable").forEach(setUpTable);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
