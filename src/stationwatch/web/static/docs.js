/* Swagger UI, from this server's own copy. */
(function () {
  "use strict";
  var el = document.getElementById("swagger-ui");
  if (!el || typeof SwaggerUIBundle === "undefined") return;
  window.ui = SwaggerUIBundle({ url: el.getAttribute("data-openapi"), dom_id: "#swagger-ui", deepLinking: true,
                                 validatorUrl: null, tryItOutEnabled: false });
})();
