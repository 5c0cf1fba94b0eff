// modelwatch dashboard: forms and buttons that call the JSON API, showing its one-line messages.
// No dependencies. Requests carry the CSRF header the API asks of cookie-signed writes.
(function () {
  "use strict";

  var CSRF_HEADER = "X-Modelwatch-CSRF";

  function feedback(kind) {
    return document.querySelector('[data-testid="form-' + kind + '"]');
  }

  function show(kind, text) {
    var other = feedback(kind === "error" ? "message" : "error");
    var target = feedback(kind);
    if (other) { other.hidden = true; other.textContent = ""; }
    if (target) { target.textContent = text; target.hidden = false; }
  }

  // The form's named controls as the API's JSON body: numbers as numbers, JSON text parsed, UTC times
  // completed with a zone; an empty optional control is left out so the API applies its default.
  function body(form) {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (control) {
      if (!control.name || control.disabled) return;
      var text = control.value.trim();
      var type = control.dataset.type;
      if (text === "" && !control.required) return;
      if (type === "number") values[control.name] = Number(text);
      else if (type === "json") {
        try { values[control.name] = JSON.parse(text); } catch (error) {
          throw new Error(control.name + ": not valid JSON: " + error.message);
        }
      } else if (type === "utc") values[control.name] = (text.length === 16 ? text + ":00" : text) + "Z";
      else values[control.name] = text;
    });
    return values;
  }

  function send(url, payload) {
    var headers = { "Accept": "application/json" };
    headers[CSRF_HEADER] = "1";
    var options = { method: "POST", headers: headers, credentials: "same-origin" };
    if (payload !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(payload);
    }
    return fetch(url, options).then(function (response) {
      return response.text().then(function (text) {
        var answer = null;
        try { answer = text ? JSON.parse(text) : null; } catch (ignored) { answer = null; }
        if (!response.ok) {
          var message = answer && answer.error && answer.error.message;
          throw new Error(message || ("the server answered " + response.status + " " + response.statusText));
        }
        return answer;
      });
    });
  }

  function done(then, answer) {
    if (then === "reload") { window.location.reload(); return; }
    if (answer && answer.start && answer.end) {
      show("message", "Run accepted for " + answer.start + " – " + answer.end +
        ": the execution appears below once it starts (reload the page).");
    } else show("message", "Done.");
  }

  function busy(control, state) {
    if (control) control.setAttribute("aria-busy", state ? "true" : "false");
  }

  function setUpForm(form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var submit = form.querySelector('[type="submit"]');
      var payload;
      try { payload = body(form); } catch (error) { show("error", error.message); return; }
      busy(submit, true);
      send(form.dataset.api, payload)
        .then(function (answer) { done(form.dataset.then, answer); })
        .catch(function (error) { show("error", error.message); })
        .then(function () { busy(submit, false); });
    });
  }

  function setUpButton(button) {
    button.addEventListener("click", function () {
      var scope = button.closest("[data-then]");
      busy(button, true);
      send(button.dataset.api)
        .then(function (answer) { done(scope ? scope.dataset.then : "message", answer); })
        .catch(function (error) { show("error", error.message); })
        .then(function () { busy(button, false); });
    });
  }

  function start() {
    document.querySelectorAll("form[data-api]").forEach(setUpForm);
    document.querySelectorAll("button[data-api]").forEach(setUpButton);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
