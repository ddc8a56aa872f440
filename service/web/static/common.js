/* Calls to the REST API from pages: the session cookie signs us in, the CSRF token goes in a header. */
(function () {
  "use strict";
  var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  /* The page's data and messages: a JSON block, never inline script (the CSP allows scripts from files only). */
  var pageData = document.getElementById("page-data");
  window.DUBAN = pageData ? JSON.parse(pageData.textContent) : {messages: {}};
  window.dubanApi = function (method, path, body, isForm) {
    var headers = {"X-CSRF-Token": token, "Accept": "application/json"};
    var options = {method: method, headers: headers, credentials: "same-origin"};
    if (body !== undefined) {
      if (isForm) { options.body = body; } else { headers["Content-Type"] = "application/json"; options.body = JSON.stringify(body); }
    }
    return fetch("/api/v1" + path, options).then(function (response) {
      return response.text().then(function (text) {
        var json = null;
        try { json = text ? JSON.parse(text) : null; } catch (e) { json = {message: text}; }
        return {status: response.status, ok: response.ok, body: json || {}};
      });
    });
  };
  window.dubanText = function (el, text) { el.textContent = text; el.hidden = !text; };
})();
