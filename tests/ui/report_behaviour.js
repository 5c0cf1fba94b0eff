// Drive report.js in jsdom: node report_behaviour.js PAGE.html -> JSON of what a reader would see.
"use strict";
const fs = require("fs");
const { JSDOM, VirtualConsole } = require("jsdom");

const errors = [];
const virtualConsole = new VirtualConsole();
virtualConsole.on("jsdomError", (error) => errors.push(error.message));
const dom = new JSDOM(fs.readFileSync(process.argv[2], "utf8"), { runScripts: "dangerously", virtualConsole });
const { window } = dom;

window.addEventListener("load", () => {
  const report = window.document.querySelector(".mw-report");
  const toolbar = report.querySelector(".mw-toolbar");
  const names = (all) => Array.from(report.querySelectorAll(".mw-feature"))
    .filter((card) => all || !card.hidden)
    .map((card) => card.querySelector("h4").textContent);
  const shown = () => report.querySelector(".mw-shown").textContent;
  const fire = (element, type) => element.dispatchEvent(new window.Event(type));
  const checks = () => Array.from(report.querySelectorAll(".mw-violations tbody tr"))
    .map((row) => row.cells[1].textContent);
  const result = { errors, toolbarHidden: toolbar.hidden };

  const only = toolbar.querySelector(".mw-only-violating");
  only.checked = true;
  fire(only, "change");
  result.onlyViolating = { names: names(false), shown: shown() };
  only.checked = false;
  fire(only, "change");

  const search = toolbar.querySelector(".mw-search");
  search.value = "TEMP";
  fire(search, "input");
  result.search = names(false);
  search.value = "";
  fire(search, "input");

  const order = toolbar.querySelector(".mw-order");
  order.value = "drift";
  fire(order, "change");
  result.driftOrder = names(true);
  order.value = "order";
  fire(order, "change");
  result.baselineOrder = names(true);

  const sort = report.querySelectorAll(".mw-sort")[1];
  sort.click();
  result.checksAscending = { checks: checks(), ariaSort: sort.parentElement.getAttribute("aria-sort") };
  sort.click();
  result.checksDescending = { checks: checks(), ariaSort: sort.parentElement.getAttribute("aria-sort") };

  process.stdout.write(JSON.stringify(result));
});
