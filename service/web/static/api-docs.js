/* Swagger UI for /api/v1/docs, started from a file: the CSP allows no inline script. */
(function () {
  "use strict";
  var container = document.getElementById("swagger-ui-container");
  window.ui = window.SwaggerUIBundle({url: container.getAttribute("data-spec-url"), dom_id: "#swagger-ui-container"});
})();
