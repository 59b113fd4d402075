// Ours (not from npm): starts Swagger UI on /docs from a same-origin file, so the page's
// Content-Security-Policy needs no inline script. validatorUrl null: no call to swagger.io.
window.ui = SwaggerUIBundle({
  url: "schema/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
